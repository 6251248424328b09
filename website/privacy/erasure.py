"""Erasure (Art. 17 GDPR): what goes and what stays for one person, and doing it, repeatably.

``erasure_preview`` answers, category by category of the register, what erasing would
delete and what the studio must keep, why, and until which date: computed for this person.
``execute_erasure`` (a staff action on the person's erasure request) does exactly that and
writes an ``ErasureRecord``: the table and id of every row it deleted or changed, never the
person's data, in the database and as a line of the erasure log (``ERASURE_LOG``), a file
outside it. ``reapply_erasures`` (``flask privacy reapply-erasures``) applies every line of
the log again to a database restored from a backup made before the erasure: the restored
database no longer has the records, the log does.

What stays: issued invoices and their payments until the end of the seventh year after
their year (art. 52 AWR), used for nothing but the books (the client record keeps no
address, no name and no way to mail them, pay links are revoked); the history of consents
(with the withdrawals the erasure itself records) as proof (Art. 7(1)); the one-way hash
that keeps the address off every mailing; the person's privacy requests, as proof they were
answered; and backups until they expire.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from website.addresses import email_hash, normalise_email
from website.audit.services import record
from website.clients.models import Client
from website.clock import studio_today, utcnow
from website.consents.models import ConsentAction, ConsentChannel, ConsentEvent, ConsentPurpose
from website.consents.services import consent_state, is_given, record_consent
from website.contact.models import ContactMessage
from website.extensions import db
from website.invoices.models import Invoice, InvoiceStatus, PayLink
from website.invoices.services import KEEP_YEARS
from website.mail.models import OutboxMessage, Suppression
from website.privacy.models import (
    ErasureRecord,
    PrivacyRequest,
    Profile,
    ProfilePhoto,
    RemovalRequest,
    RequestKind,
    VerificationChallenge,
    VerifiedSession,
)
from website.privacy.profile import photo_path
from website.privacy.register import CONSENT_KEEP_YEARS, REQUEST_KEEP_YEARS
from website.privacy.requests import RequestError, close_answered, open_locked
from website.privacy.services import NEEDS_TAKE_DOWN
from website.queries import insert_unless_present
from website.restrictions.models import Restriction

ERASED_NAME = "—"
ERASED = "erased"  # the suppression reason of an erased person


@dataclass(frozen=True)
class Outcome:
    """One line of the preview: a kind of data, how much, and what erasure does with it."""

    key: str
    title: str
    count: int
    erased: bool
    until: date | None  # kept until this day; None when erased, or kept for good
    why: str


def erasure_preview(email: str, today: date | None = None) -> list[Outcome]:
    """What erasing this address would delete and keep, for this person, in the current
    language; categories the studio holds nothing of are left out, backups never."""
    address = normalise_email(email)
    today = today or studio_today()
    held = _held(address)
    outcomes: list[Outcome] = []

    def add(key: str, title: str, count: int, erased: bool, why: str, until: date | None = None):
        if count:
            outcomes.append(Outcome(key, str(title), count, erased, until, str(why)))

    issued = held.issued_invoices
    add(
        "client",
        _l("Your client record"),
        len(held.clients),
        True,
        _l("Your name, email address, postal address, company and VAT number are deleted from it.")
        if issued
        else _l("Deleted."),
    )
    add("contact_messages", _l("Contact messages"), len(held.messages), True, _l("Deleted."))
    if issued:
        last_year = max(invoice.issued_on.year for invoice in issued if invoice.issued_on)
        add(
            "invoices",
            _l("Invoices and payments"),
            len(issued),
            False,
            _l(
                "Kept because the law obliges us to keep our books for seven years (art. 52 "
                "Algemene wet inzake rijksbelastingen), and used for nothing else: they keep "
                "the name and address they were issued with."
            ),
            until=date(last_year + KEEP_YEARS, 12, 31),
        )
    add("profile", _l("Your profile"), len(held.profiles), True, _l("Deleted."))
    add("photos", _l("Sample photos"), len(held.photos), True, _l("Deleted, files included."))
    add(
        "consents",
        _l("Consents and their history"),
        len(held.consents) or int(bool(held.clients)),
        False,
        _l(
            "Every consent still given is withdrawn. The history (what you agreed to and "
            "withdrew, and when) is kept as proof, without anything else about you."
        ),
        until=_years_after(today, CONSENT_KEEP_YEARS),
    )
    if held.published:
        add(
            "published",
            _l("Photos of you in our portfolio, on social media or with partners"),
            len(held.published),
            True,
            _l(
                "Taken down by our staff (they go on our take-down list); partners are told. "
                "Printed material already handed out cannot be recalled."
            ),
        )
    add(
        "marketing_objection",
        _l("Objection to direct marketing"),
        1,
        False,
        _l(
            "A one-way hash of your email address is kept for good, so that we never mail "
            "you again, not even by mistake."
        ),
    )
    add("mail", _l("Emails we sent you"), len(held.mails), True, _l("Deleted."))
    add(
        "privacy_centre_sessions",
        _l("Privacy-centre sign-ins"),
        len(held.sessions),
        True,
        _l("Deleted: you are signed out."),
    )
    add(
        "privacy_requests",
        _l("Your privacy requests and complaints"),
        len(held.requests),
        False,
        _l("Kept as proof that we answered them, this one included."),
        until=_years_after(today, REQUEST_KEEP_YEARS),
    )
    days = current_app.config["BACKUP_MAX_AGE_DAYS"]
    outcomes.append(
        Outcome(
            "backups",
            str(_l("Backups")),
            0,
            False,
            today + timedelta(days=days),
            str(
                _l(
                    "Our backups still hold your data until they expire, at most %(days)s "
                    "days. Nobody uses them; if we ever have to restore one, we erase your "
                    "data again before anything else.",
                    days=days,
                )
            ),
        )
    )
    return outcomes


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class _Held:
    """The rows that hold one address, as erasure sees them."""

    clients: list[Client]
    issued_invoices: list[Invoice]
    drafts: list[Invoice]
    messages: list[ContactMessage]
    profiles: list[Profile]
    photos: list[ProfilePhoto]
    consents: list[ConsentEvent]
    published: list[ConsentPurpose]  # consents in force that put photos out
    mails: list[OutboxMessage]
    sessions: list[VerifiedSession]
    challenges: list[VerificationChallenge]
    restrictions: list[Restriction]
    requests: list[PrivacyRequest]


def _all(query: sa.Select) -> list:
    return list(db.session.scalars(query))


def _held(address: str) -> _Held:
    clients = _all(sa.select(Client).where(Client.email == address))
    client_ids = [client.id for client in clients]
    invoices = _all(sa.select(Invoice).where(Invoice.client_id.in_(client_ids)))
    messages = _all(
        sa.select(ContactMessage).where(
            sa.or_(
                ContactMessage.email_normalised == address,
                ContactMessage.client_id.in_(client_ids),
            )
        )
    )
    references = [message.reference for message in messages]
    state = consent_state(address)
    return _Held(
        clients=clients,
        issued_invoices=[i for i in invoices if i.status is not InvoiceStatus.DRAFT],
        drafts=[i for i in invoices if i.status is InvoiceStatus.DRAFT],
        messages=messages,
        profiles=_all(sa.select(Profile).where(Profile.email == address)),
        photos=_all(sa.select(ProfilePhoto).where(ProfilePhoto.email == address)),
        consents=_all(sa.select(ConsentEvent).where(ConsentEvent.email == address)),
        published=[p for p in NEEDS_TAKE_DOWN if is_given(state[p])],
        mails=_all(
            sa.select(OutboxMessage).where(
                sa.or_(
                    sa.func.lower(OutboxMessage.recipient) == address,
                    OutboxMessage.reference.in_(references),
                )
            )
        ),
        sessions=_all(sa.select(VerifiedSession).where(VerifiedSession.email == address)),
        challenges=_all(
            sa.select(VerificationChallenge).where(VerificationChallenge.email == address)
        ),
        restrictions=_all(sa.select(Restriction).where(Restriction.email == address)),
        requests=_all(sa.select(PrivacyRequest).where(PrivacyRequest.email == address)),
    )


# --- doing it --------------------------------------------------------------------------------

# The order rows are deleted in: children before the rows they point at.
DELETE_ORDER: tuple[type[Any], ...] = (
    OutboxMessage,
    ContactMessage,
    Invoice,  # drafts only: issued invoices are kept
    ProfilePhoto,
    Profile,
    VerifiedSession,
    VerificationChallenge,
    Restriction,
    Client,  # when no issued invoice needs it
)
CHANGED: tuple[type[Any], ...] = (*DELETE_ORDER, PayLink)
TABLES = {model.__tablename__: model for model in CHANGED}


@dataclass(frozen=True)
class Step:
    """One row the erasure changed: delete it, anonymise it (a client) or revoke it (a link)."""

    table: str
    id: int
    action: str  # "delete", "anonymise" or "revoke"

    def as_list(self) -> list[object]:
        return [self.table, self.id, self.action]


def execute_erasure(request: PrivacyRequest, *, staff_id: int) -> ErasureRecord:
    """Erase what the preview said, keep what it kept, record the row ids, answer the request.

    Ends the person's privacy-centre sessions. Raises ``RequestError`` unless ``request`` is
    an open erasure request (``RequestClosed`` when someone executed it a moment ago).
    """
    request = open_locked(request)
    if request.kind is not RequestKind.ERASURE:
        db.session.rollback()
        raise RequestError("Only an erasure request can be executed as an erasure.")
    address = request.email
    held = _held(address)
    steps = _steps(held)
    files = _apply(address, steps, actor=f"staff:{staff_id}", language=request.language)
    erasure = ErasureRecord(
        request_id=request.id,
        staff_member_id=staff_id,
        steps=json.dumps([step.as_list() for step in steps]),
    )
    db.session.add(erasure)
    db.session.flush()
    # Written before the commit: no erasure is stored without the line that can redo it.
    # (Should the commit then fail, the line redoes an erasure the person asked for.)
    _log(erasure, steps)
    record(staff_id, "privacy.erasure_executed", "privacy_erasure", erasure.id)
    with force_locale(request.language):
        outcome = str(_l("Your data is erased, apart from what we told you we must keep."))
    close_answered(request, outcome, staff_id=staff_id)
    _commit_then_delete(files)
    return erasure


def _steps(held: _Held) -> list[Step]:
    keep_client = bool(held.issued_invoices)
    steps = [Step("mail_outbox", mail.id, "delete") for mail in held.mails]
    steps += [Step("contact_message", message.id, "delete") for message in held.messages]
    steps += [Step("invoice", invoice.id, "delete") for invoice in held.drafts]
    steps += [
        Step("invoice_pay_link", link.id, "revoke")
        for link in _all(
            sa.select(PayLink).where(
                PayLink.invoice_id.in_([i.id for i in held.issued_invoices]),
                PayLink.revoked_at.is_(None),
            )
        )
    ]
    steps += [Step("privacy_photo", photo.id, "delete") for photo in held.photos]
    steps += [Step("privacy_profile", profile.id, "delete") for profile in held.profiles]
    steps += [Step("privacy_session", row.id, "delete") for row in held.sessions]
    steps += [Step("privacy_challenge", row.id, "delete") for row in held.challenges]
    steps += [Step("privacy_restriction", row.id, "delete") for row in held.restrictions]
    steps += [
        Step("client", client.id, "anonymise" if keep_client else "delete")
        for client in held.clients
    ]
    return steps


def _apply(address: str, steps: Sequence[Step], *, actor: str, language: str) -> list[Path]:
    """Withdraw what is given, suppress the address, then carry out ``steps`` (not
    committed). Returns the photo files to delete once the change is committed."""
    _withdraw_all(address, actor=actor, language=language)
    insert_unless_present(
        Suppression, "email_hash", email_hash=email_hash(address), reason=ERASED,
        created_at=utcnow(),
    )  # fmt: skip
    files: list[Path] = []
    for model in DELETE_ORDER:
        ids = [s.id for s in steps if s.table == model.__tablename__ and s.action == "delete"]
        if not ids:
            continue
        if model is ProfilePhoto:
            photos = _all(sa.select(ProfilePhoto).where(ProfilePhoto.id.in_(ids)))
            files += [photo_path(photo) for photo in photos]
        db.session.execute(sa.delete(model).where(model.id.in_(ids)))
    revoked = [s.id for s in steps if s.action == "revoke"]
    if revoked:
        db.session.execute(
            sa.update(PayLink)
            .where(PayLink.id.in_(revoked), PayLink.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    for step in steps:
        if step.action == "anonymise":
            _anonymise(step.id)
    return files


def _withdraw_all(address: str, *, actor: str, language: str) -> None:
    """Withdraw every consent in force; published photos go on the take-down list."""
    for purpose, latest in consent_state(address).items():
        if not is_given(latest):
            continue
        event = record_consent(
            address,
            purpose,
            ConsentAction.WITHDRAWN,
            channel=ConsentChannel.STAFF,
            language=language,
            notice=None,
            actor=actor,
        )
        if purpose in NEEDS_TAKE_DOWN:
            db.session.add(RemovalRequest(email=address, purpose=purpose, consent_event=event))


def _anonymise(client_id: int) -> None:
    """Keep the client row the issued invoices point at, with nothing that names or reaches
    the person: the invoices themselves keep the name and address they were issued with."""
    db.session.execute(
        sa.update(Client)
        .where(Client.id == client_id)
        .values(
            email=f"erased-{client_id}@erased.invalid",
            name=ERASED_NAME,
            address=None,
            phone=None,
            company_name=None,
            vat_id=None,
            erased_at=utcnow(),
        )
    )


def _commit_then_delete(files: Iterable[Path]) -> None:
    """Commit the erasure, then delete the photo files it took the rows of."""
    db.session.commit()
    for path in files:
        path.unlink(missing_ok=True)


# --- after a restore ---------------------------------------------------------------------


def reapply_erasures() -> int:
    """Apply every erasure record again, oldest first (after restoring a backup): rows the
    backup brought back are deleted or anonymised again, by their ids; consents given in
    the backup are withdrawn again and the address suppressed. Returns how many records had
    something to redo."""
    redone = 0
    for line in _logged():
        steps = [Step(table, int(row_id), action) for table, row_id, action in line["steps"]]
        address = _address_in(steps)
        if address is None:
            continue  # nothing of the person came back with the backup
        actor = f"staff:{line.get('staff') or 0}"
        language = current_app.config["DEFAULT_LANGUAGE"]
        _commit_then_delete(_apply(address, steps, actor=actor, language=language))
        redone += 1
    return redone


def _log_path() -> Path:
    return Path(current_app.config["ERASURE_LOG"])


def _log(erasure: ErasureRecord, steps: Sequence[Step]) -> None:
    """Append the erasure to the log, on disk before this returns."""
    line = {
        "erasure": erasure.id,
        "executed_at": utcnow().isoformat(),
        "staff": erasure.staff_member_id,
        "steps": [step.as_list() for step in steps],
    }
    path = _log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
        log.flush()
        os.fsync(log.fileno())


def _logged() -> Iterator[dict[str, Any]]:
    """The erasure log's lines, oldest first; none if there is no log yet."""
    path = _log_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as log:
        for line in log:
            if line.strip():
                yield json.loads(line)


def _address_in(steps: Sequence[Step]) -> str | None:
    """The address the erased rows held, read from the first of them that a backup brought
    back (a client that is not anonymised yet, a message, a profile, a sign-in)."""
    for step in steps:
        model = TABLES.get(step.table)
        if model is None or model is PayLink or model is Invoice or model is OutboxMessage:
            continue
        row = db.session.get(model, step.id)
        if row is None:
            continue
        address = getattr(row, "email_normalised", None) or getattr(row, "email", None)
        if address and not address.endswith("@erased.invalid"):
            return normalise_email(address)
    return None
