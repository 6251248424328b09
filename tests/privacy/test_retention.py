"""Retention of what the privacy centre keeps: profiles, sample photos, consent history."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.privacy.helpers import KNOWN, make_client
from website.clock import utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.extensions import db
from website.privacy.models import Profile, ProfilePhoto, RemovalRequest
from website.privacy.profile import delete_expired_profiles, photo_path
from website.privacy.services import CONSENT_KEEP_YEARS, delete_expired_consents
from website.retention import run_rules

GONE = "gone@example.nl"  # no client record (any more)


def add_profile(email: str, number: int) -> Path:
    """A profile with one sample photo on disk; returns the photo's path."""
    db.session.add(Profile(email=email, preferences="Warm light"))
    photo = ProfilePhoto(
        public_id=f"{number:032x}",
        email=email,
        content_type="image/webp",
        width=1,
        height=1,
        size=4,
    )
    db.session.add(photo)
    db.session.commit()
    path = photo_path(photo)
    path.write_bytes(b"RIFF")
    return path


def add_event(email: str, purpose: ConsentPurpose, action: ConsentAction, years_ago: float = 0):
    event = ConsentEvent(
        email=email,
        purpose=purpose,
        action=action,
        channel=ConsentChannel.PRIVACY_CENTRE,
        actor="subject",
        created_at=utcnow() - timedelta(days=365 * years_ago),
    )
    db.session.add(event)
    db.session.flush()
    return event


def emails(model) -> set[str]:
    return set(db.session.scalars(sa.select(model.email)))


def test_profiles_and_photos_of_people_who_are_no_longer_clients_go(app: Flask) -> None:
    make_client(app)
    with app.app_context():
        kept_file, gone_file = add_profile(KNOWN, 1), add_profile(GONE, 2)
        assert delete_expired_profiles(utcnow()) == 0, "a new profile keeps its period"
        far_future = utcnow() + timedelta(days=3650)
        assert delete_expired_profiles(far_future) == 2  # the profile and its photo
        assert emails(Profile) == emails(ProfilePhoto) == {KNOWN}
        assert kept_file.exists() and not gone_file.exists()


def test_the_profile_period_follows_the_contact_retention_setting(app: Flask) -> None:
    app.config["CONTACT_RETENTION_MONTHS"] = 12
    with app.app_context():
        add_profile(GONE, 3)
        assert delete_expired_profiles(utcnow() + timedelta(days=360)) == 0
        assert delete_expired_profiles(utcnow() + timedelta(days=370)) == 2


@pytest.mark.usefixtures("app_context")
def test_consent_history_is_proof_for_five_years_after_the_last_change() -> None:
    assert CONSENT_KEEP_YEARS == 5
    add_event(GONE, ConsentPurpose.PORTFOLIO, ConsentAction.GIVEN, years_ago=1)
    withdrawal = add_event(GONE, ConsentPurpose.PORTFOLIO, ConsentAction.WITHDRAWN)
    db.session.add(
        RemovalRequest(email=GONE, purpose=ConsentPurpose.PORTFOLIO, consent_event=withdrawal)
    )
    add_event("given@example.nl", ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, years_ago=9)
    db.session.commit()

    assert delete_expired_consents(utcnow() + timedelta(days=365 * 4)) == 0
    assert delete_expired_consents(utcnow() + timedelta(days=365 * 6)) == 2
    assert emails(ConsentEvent) == {"given@example.nl"}, "consent in force is kept"
    assert emails(RemovalRequest) == set()


def test_a_clients_consent_history_is_kept(app: Flask) -> None:
    make_client(app)
    with app.app_context():
        add_event(KNOWN, ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN, years_ago=9)
        db.session.commit()
        assert delete_expired_consents(utcnow() + timedelta(days=3650)) == 0
        assert emails(ConsentEvent) == {KNOWN}


def test_both_rules_run_with_the_others(app: Flask) -> None:
    with app.app_context():
        add_profile(GONE, 4)
        add_event(GONE, ConsentPurpose.NEWSLETTER, ConsentAction.WITHDRAWN)
        db.session.commit()
        counts = run_rules(utcnow() + timedelta(days=3650))
    assert counts["privacy profiles and sample photos"] == 2
    assert counts["consent history and take-downs"] == 1
