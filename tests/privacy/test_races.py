"""Double clicks at the same moment (PostgreSQL, one lock per person): one event, no extra photo."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage

from tests.conftest import postgres_app_for
from tests.privacy.helpers import KNOWN
from tests.privacy.images import webp
from website.addresses import email_hash
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.extensions import db
from website.mail.models import Suppression
from website.privacy.models import ProfilePhoto
from website.privacy.photos import PhotoRejected
from website.privacy.profile import add_photo
from website.privacy.services import change_consent, stop_marketing, unsubscribe

CLICKS = 8
LIMIT = 3


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    with postgres_app_for(
        "privacy_races",
        tmp_path,
        DEFAULT_LANGUAGE="en",
        PRIVACY_UPLOAD_FOLDER=str(tmp_path / "uploads"),
        PRIVACY_PHOTO_LIMIT=LIMIT,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": CLICKS, "max_overflow": CLICKS},
    ) as app:
        yield app


def at_once(app: Flask, action: Callable[[], object]) -> list[object]:
    """Run ``action`` in CLICKS threads released together; return what each returned or raised."""
    start = threading.Barrier(CLICKS)
    outcomes: list[object] = []

    def click() -> None:
        with app.test_request_context():  # a refusal's message is translated
            start.wait()
            try:
                outcomes.append(action())
            except PhotoRejected as rejected:
                outcomes.append(rejected)

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_clicks_at_once_record_one_consent(postgres_app: Flask) -> None:
    outcomes = at_once(
        postgres_app,
        lambda: change_consent(KNOWN, ConsentPurpose.PORTFOLIO, ConsentAction.GIVEN, "en"),
    )
    assert len(outcomes) == CLICKS, "every click finished"
    assert sum(outcome is not None for outcome in outcomes) == 1
    assert sum(outcome is None for outcome in outcomes) == CLICKS - 1
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ConsentEvent.id))) == 1


def test_uploads_at_once_never_pass_the_photo_limit(postgres_app: Flask) -> None:
    outcomes = at_once(
        postgres_app, lambda: add_photo(KNOWN, FileStorage(io.BytesIO(webp()), "me.webp"))
    )
    assert len(outcomes) == CLICKS, "every upload finished"
    assert sum(isinstance(outcome, PhotoRejected) for outcome in outcomes) == CLICKS - LIMIT
    accepted = [outcome for outcome in outcomes if not isinstance(outcome, PhotoRejected)]
    assert len(accepted) == LIMIT and all(outcome is not None for outcome in accepted)
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ProfilePhoto.id))) == LIMIT
    files = list((Path(postgres_app.config["PRIVACY_UPLOAD_FOLDER"]) / "photos").iterdir())
    assert len(files) == LIMIT, "the refused uploads left no file behind"


@pytest.mark.parametrize("how", ["centre", "unsubscribe link"])
def test_objections_at_once_keep_one_suppression_and_one_withdrawal(
    postgres_app: Flask, how: str
) -> None:
    """A double click on "Stop all marketing email", or a mail program's one-click POST as
    the person clicks too: every request succeeds, and one objection is kept."""
    with postgres_app.test_request_context():
        change_consent(KNOWN, ConsentPurpose.NEWSLETTER, ConsentAction.GIVEN, "en")
    if how == "centre":
        outcomes = at_once(
            postgres_app, lambda: stop_marketing(KNOWN, "en", ConsentChannel.PRIVACY_CENTRE)
        )
    else:
        outcomes = at_once(postgres_app, lambda: unsubscribe(email_hash(KNOWN), "en"))
    assert outcomes == [None] * CLICKS, "every request finished without an error"
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Suppression.id))) == 1
        withdrawals = db.session.scalar(
            sa.select(sa.func.count(ConsentEvent.id)).where(
                ConsentEvent.action == ConsentAction.WITHDRAWN
            )
        )
        assert withdrawals == 1
