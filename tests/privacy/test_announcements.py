"""Announcing a new policy version to newsletter subscribers: who, in which language, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale, format_date

from tests.conftest import postgres_app_for
from tests.factories import make_policy_version
from tests.smtp import SmtpServer
from website import retention
from website.addresses import email_hash
from website.clients.services import client_for
from website.clock import studio_today, utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.consents.services import record_consent
from website.extensions import db
from website.mail.models import OutboxMessage, OutboxStatus, Suppression
from website.mail.services import deliver_due
from website.privacy import announcements
from website.privacy.announcements import announce_policy, delete_orphaned_announcements
from website.privacy.models import PolicyAnnouncement
from website.restrictions.models import RestrictionGround
from website.restrictions.services import restrict

KIND = "privacy/policy_changed"
ANNA = "anna@example.nl"
BAS = "bas@example.nl"
CEES = "cees@example.nl"


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict[str, object]:
    # Dutch by default (the privacy tests' own default is English), so each of the three
    # language rules gives its own answer.
    return {"DEFAULT_LANGUAGE": "nl", **smtp_server.config}


def days_ago(days: int) -> date:
    return studio_today() - timedelta(days=days)


def publish(published_on: date) -> None:
    """A version in both languages, as the studio publishes them."""
    for language in ("nl", "en"):
        make_policy_version(language=language, published_on=published_on)


def decide(
    email: str,
    action: ConsentAction = ConsentAction.GIVEN,
    *,
    language: str = "en",
    shown: bool = True,
    purpose: ConsentPurpose = ConsentPurpose.NEWSLETTER,
) -> None:
    """Record a decision under the version in force now (none when no text was ``shown``)."""
    record_consent(
        email,
        purpose,
        action,
        channel=ConsentChannel.CONTACT_FORM if shown else ConsentChannel.UNSUBSCRIBE_LINK,
        language=language,
        notice="Yes, send me the newsletter." if shown else None,
    )
    db.session.commit()


def announcement_mails() -> dict[str, OutboxMessage]:
    """The announcement mails in the outbox by recipient; fails on a second one to anyone."""
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)
    ).all()
    by_recipient = {mail.recipient: mail for mail in mails}
    assert len(by_recipient) == len(mails), "one announcement per address"
    return by_recipient


def announced() -> list[tuple[date, str]]:
    rows = db.session.execute(
        sa.select(PolicyAnnouncement.published_on, PolicyAnnouncement.email_hash)
    ).all()
    return sorted((published_on, address_hash) for published_on, address_hash in rows)


@pytest.fixture
def old_and_new(app_context: None) -> tuple[date, date]:
    """The dates of an old version, published (in force since a year ago), and of a new one
    from yesterday, not yet published: what is decided before ``publish(new)`` is decided
    under the old version."""
    old = days_ago(365)
    publish(old)
    return old, days_ago(1)


@pytest.mark.usefixtures("app_context")
class TestWhoIsTold:
    def test_a_subscriber_under_the_old_version_is_told_of_the_new_one(
        self, app: Flask, old_and_new: tuple[date, date]
    ) -> None:
        _, new = old_and_new
        decide(ANNA)
        publish(new)

        assert announce_policy() == 1

        [mail] = announcement_mails().values()
        assert (mail.recipient, mail.status, mail.marketing) == (ANNA, OutboxStatus.QUEUED, True)
        assert mail.subject == "Our privacy policy has changed"
        base = app.config["PUBLIC_BASE_URL"]
        assert f"{base}/privacy-policy/{new.isoformat()}\n" in mail.text_body
        assert f"{base}/privacy-centre\n" in mail.text_body
        assert f"{base}/privacy-centre/unsubscribe/" in mail.text_body
        assert f'href="{base}/privacy-policy/{new.isoformat()}"' in (mail.html_body or "")
        with force_locale("en"):
            assert f"in force since {format_date(new, 'long')}." in mail.text_body
        assert "You do not need to do anything" in mail.text_body
        # Only the hash of the address is kept, with the version's date.
        assert announced() == [(new, email_hash(ANNA))]

    @pytest.mark.parametrize(
        ("history", "told"),
        [
            pytest.param([("old", "given")], True, id="given under the old version"),
            pytest.param([("none", "given")], True, id="given with no version shown"),
            pytest.param([("old", "given"), ("new", "withdrawn")], False, id="withdrawn later"),
            pytest.param([("old", "given"), ("old", "withdrawn")], False, id="withdrawn before"),
            pytest.param(
                [("old", "withdrawn"), ("old", "given")], True, id="given again, old version"
            ),
            pytest.param([("new", "given")], False, id="given under the new version"),
            pytest.param([("old", "given"), ("new", "given")], False, id="given again, new"),
            pytest.param([("old", "other purpose")], False, id="another consent only"),
        ],
    )
    def test_only_the_latest_newsletter_decision_counts(
        self, old_and_new: tuple[date, date], history: list[tuple[str, str]], told: bool
    ) -> None:
        _, new = old_and_new
        published_new = False
        for version, what in history:
            if version == "new" and not published_new:
                publish(new)
                published_new = True
            if what == "other purpose":
                decide(ANNA, purpose=ConsentPurpose.PORTFOLIO)
            else:
                action = ConsentAction.GIVEN if what == "given" else ConsentAction.WITHDRAWN
                decide(ANNA, action, shown=version != "none")
        if not published_new:
            publish(new)

        assert announce_policy() == int(told)
        assert list(announcement_mails()) == ([ANNA] if told else [])

    def test_nobody_is_told_while_the_version_they_saw_is_in_force(
        self, old_and_new: tuple[date, date]
    ) -> None:
        decide(ANNA)
        assert announce_policy() == 0
        assert announcement_mails() == {}

    def test_a_version_is_announced_from_its_date_on(self, old_and_new: tuple[date, date]) -> None:
        decide(ANNA)
        tomorrow = studio_today() + timedelta(days=1)
        publish(tomorrow)
        assert announce_policy() == 0, "not in force yet"
        assert announce_policy(today=tomorrow) == 1
        assert announced() == [(tomorrow, email_hash(ANNA))]

    def test_nothing_without_a_policy(self) -> None:
        decide(ANNA, shown=False)
        assert announce_policy() == 0

    def test_a_suppressed_address_gets_a_suppressed_mail_that_is_never_sent(
        self, old_and_new: tuple[date, date], smtp_server: SmtpServer
    ) -> None:
        _, new = old_and_new
        decide(ANNA)
        decide(BAS)
        db.session.add(Suppression(email_hash=email_hash(BAS), reason="objection"))
        db.session.commit()
        publish(new)

        assert announce_policy() == 2
        mails = announcement_mails()
        assert {address: mail.status for address, mail in mails.items()} == {
            ANNA: OutboxStatus.QUEUED,
            BAS: OutboxStatus.SUPPRESSED,
        }
        report = deliver_due()
        assert (report.sent, report.suppressed) == (1, 0), "suppressed when queued already"
        [sent] = smtp_server.inbox.messages
        assert sent["To"] == ANNA
        assert sent["Subject"] == "Our privacy policy has changed"
        assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Recorded as told all the same: the next run does not try again.
        assert announce_policy() == 0

    def test_a_restricted_address_gets_a_held_mail(self, old_and_new: tuple[date, date]) -> None:
        _, new = old_and_new
        decide(ANNA)
        restrict(ANNA, RestrictionGround.ACCURACY)
        db.session.commit()
        publish(new)

        assert announce_policy() == 1
        assert announcement_mails()[ANNA].status is OutboxStatus.RESTRICTED
        assert deliver_due().sent == 0


@pytest.mark.usefixtures("app_context")
class TestLanguage:
    @pytest.mark.parametrize(
        ("consented_in", "client_language", "expected"),
        [
            pytest.param("en", "nl", "en", id="the version's language first"),
            pytest.param("nl", "en", "nl", id="the version's language first (nl)"),
            pytest.param(None, "en", "en", id="else the client's language"),
            pytest.param(None, None, "nl", id="else the default language"),
        ],
    )
    def test_the_mail_speaks_the_language_consented_in(
        self,
        old_and_new: tuple[date, date],
        consented_in: str | None,
        client_language: str | None,
        expected: str,
    ) -> None:
        _, new = old_and_new
        decide(ANNA, language=consented_in or "en", shown=consented_in is not None)
        if client_language:
            client_for(ANNA, "Anna", client_language)
            db.session.commit()
        publish(new)

        announce_policy()

        mail = announcement_mails()[ANNA]
        assert mail.language == expected
        subject, opening = {
            "nl": ("Onze privacyverklaring is gewijzigd", "Er is een nieuwe versie"),
            "en": ("Our privacy policy has changed", "We have a new version"),
        }[expected]
        assert mail.subject == subject
        assert opening in mail.text_body


@pytest.mark.usefixtures("app_context")
class TestOnce:
    def test_a_second_run_sends_nothing(self, old_and_new: tuple[date, date]) -> None:
        _, new = old_and_new
        decide(ANNA)
        decide(BAS)
        publish(new)

        assert announce_policy() == 2
        statements: list[str] = []

        def note(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert announce_policy() == 0
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert sorted(announcement_mails()) == [ANNA, BAS]
        # Those told are left out when reading: the second run tries no insert at all.
        assert statements and not [s for s in statements if s.lstrip().upper().startswith("INSERT")]

    def test_a_subscriber_another_run_told_meanwhile_is_skipped(
        self, old_and_new: tuple[date, date], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, new = old_and_new
        decide(ANNA)
        decide(BAS)
        publish(new)
        unpatched = announcements.not_yet_told

        def read_then_other_run(published_on: date) -> list[announcements.Subscriber]:
            found = unpatched(published_on)
            db.session.add(
                PolicyAnnouncement(published_on=published_on, email_hash=email_hash(BAS))
            )
            db.session.commit()
            return found

        monkeypatch.setattr(announcements, "not_yet_told", read_then_other_run)

        assert announce_policy() == 1
        assert list(announcement_mails()) == [ANNA]
        assert announced() == sorted([(new, email_hash(ANNA)), (new, email_hash(BAS))])

    def test_a_later_version_is_announced_again(self, old_and_new: tuple[date, date]) -> None:
        _, new = old_and_new
        decide(ANNA)
        publish(new)
        assert announce_policy() == 1
        publish(studio_today())
        assert announce_policy() == 1
        assert announced() == [(new, email_hash(ANNA)), (studio_today(), email_hash(ANNA))]
        bodies = db.session.scalars(
            sa.select(OutboxMessage.text_body)
            .where(OutboxMessage.kind == KIND)
            .order_by(OutboxMessage.id)  # PostgreSQL keeps no order without one
        ).all()
        assert len(bodies) == 2
        assert f"/privacy-policy/{studio_today().isoformat()}\n" in bodies[-1]

    def test_every_batch_is_a_transaction_of_its_own(
        self, old_and_new: tuple[date, date], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, new = old_and_new
        subscribers = [f"reader{number}@example.nl" for number in range(5)]
        for address in subscribers:
            decide(address)
        publish(new)
        monkeypatch.setattr(announcements, "BATCH", 2)
        commits: list[int] = []
        session = db.session()

        def count_commit(_session: object) -> None:
            commits.append(db.session.scalar(sa.select(sa.func.count(PolicyAnnouncement.id))))

        sa.event.listen(session, "before_commit", count_commit)
        try:
            assert announce_policy() == 5
        finally:
            sa.event.remove(session, "before_commit", count_commit)
        assert sorted(announcement_mails()) == subscribers
        # The read, then batches of two, three and five rows in all.
        assert commits == [0, 2, 4, 5]


@pytest.mark.usefixtures("app_context")
def test_retention_deletes_announcements_whose_consent_history_is_gone(
    old_and_new: tuple[date, date],
) -> None:
    _, new = old_and_new
    decide(ANNA)
    decide(BAS)
    publish(new)
    announce_policy()
    db.session.execute(sa.delete(ConsentEvent).where(ConsentEvent.email == BAS))
    db.session.commit()

    assert retention.RULES["policy announcements"] is delete_orphaned_announcements
    assert delete_orphaned_announcements(utcnow()) == 1
    assert announced() == [(new, email_hash(ANNA))]
    assert delete_orphaned_announcements(utcnow()) == 0


def test_the_command_queues_once(app: Flask, runner: FlaskCliRunner) -> None:
    with app.app_context():
        publish(days_ago(365))
        decide(ANNA)
        decide(BAS)
        publish(days_ago(1))

    first = runner.invoke(args=["privacy", "announce-policy"])
    again = runner.invoke(args=["privacy", "announce-policy"])

    assert first.exit_code == 0, first.output
    assert first.output == "2 announcement(s) of the privacy policy in force queued.\n"
    assert again.output == "0 announcement(s) of the privacy policy in force queued.\n"
    with app.app_context():
        assert sorted(announcement_mails()) == [ANNA, BAS]


# Two runs at once (PostgreSQL) ----------------------------------------------------------

RUNS = 2
SUBSCRIBERS = 12


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[Flask]:
    with postgres_app_for(
        "policy_announce",
        tmp_path,
        DEFAULT_LANGUAGE="en",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RUNS + 1, "max_overflow": 2},
    ) as app:
        yield app


def test_two_runs_at_once_mail_each_subscriber_once(
    postgres_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribers = [f"reader{number:02}@example.nl" for number in range(SUBSCRIBERS)]
    with postgres_app.app_context():
        publish(days_ago(365))
        for address in subscribers:
            decide(address)
        publish(days_ago(1))

    # Both runs read the whole list before either adds a row, so every subscriber is in
    # both lists: only the unique constraint can keep the second mail out. Small batches
    # make the runs take turns.
    read = threading.Barrier(RUNS, timeout=30)
    unpatched = announcements.not_yet_told

    def read_together(published_on: date) -> list[announcements.Subscriber]:
        found = unpatched(published_on)
        read.wait()
        return found

    monkeypatch.setattr(announcements, "not_yet_told", read_together)
    monkeypatch.setattr(announcements, "BATCH", 3)
    start = threading.Barrier(RUNS, timeout=30)
    outcomes: list[object] = []

    def run() -> None:
        with postgres_app.app_context():
            start.wait()
            try:
                outcomes.append(announce_policy())
            except Exception as error:  # reported by the assertion below
                outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcome for outcome in outcomes if isinstance(outcome, int)) == SUBSCRIBERS
    with postgres_app.app_context():
        assert sorted(announcement_mails()) == subscribers
        assert len(announced()) == SUBSCRIBERS
