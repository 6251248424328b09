"""The register of processing (Art. 30 GDPR): what the studio holds about a person, and why.

The "Your data" panel, the download's README and its ``data.json`` are all generated from
``CATEGORIES``, so they cannot drift apart. Texts are lazy: they are translated when shown.
Each category names the fields of its records; ``website.privacy.subject`` fetches them.

The privacy policy is held against this register (``tests/policy/test_conformance.py``):
each category names the policy section that describes it, and the cookies, recipients and
rights below must each be in the policy. Its numbers and lists come from here too
(``website.privacy.policy_values``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from website.clock import studio_today
from website.consents.models import ConsentPurpose
from website.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from website.invoices.services import KEEP_YEARS as INVOICE_KEEP_YEARS
from website.privacy.session import COOKIE as PRIVACY_SESSION_COOKIE
from website.privacy.session import COOKIE_PATH as PRIVACY_SESSION_PATH

# Consent history is proof (Art. 7(1) GDPR) for claims that may come later: kept this many
# years after the last change once nothing is in force and the person is no longer a client
# (website.privacy.services.delete_expired_consents).
CONSENT_KEEP_YEARS = 5
# Requests under the GDPR and complaints are proof that they were answered, and how: kept this
# many years after the answer (claims about them lapse after five years, art. 3:310 BW).
REQUEST_KEEP_YEARS = 5


@dataclass(frozen=True)
class Category:
    """One kind of data, with the Art. 15(1) information about it."""

    key: str  # also the CSV file's name and data.json's key
    title: LazyString
    purpose: LazyString
    legal_basis: LazyString
    recipients: LazyString
    retention: LazyString  # may name %(contact_months)s and the other retention_values()
    source: LazyString
    fields: tuple[tuple[str, LazyString], ...]
    # The anchor of the policy section that says where this data comes from and why.
    policy_section: str
    # Processed on the basis of the studio's legitimate interest (Art. 6(1)(f)): what a person
    # may object to under Art. 21(1), in the privacy centre's objection form.
    legitimate_interest: bool = False

    def retention_text(self) -> str:
        return str(self.retention) % retention_values()

    def about(self) -> dict[str, str]:
        """The Art. 15 information as plain, translated text."""
        return {
            "title": str(self.title),
            "purpose": str(self.purpose),
            "legal_basis": str(self.legal_basis),
            "recipients": str(self.recipients),
            "retention": self.retention_text(),
            "source": str(self.source),
        }


def retention_values() -> Mapping[str, int]:
    config = current_app.config
    return {
        "contact_months": config["CONTACT_RETENTION_MONTHS"],
        "mail_days": config["MAIL_KEEP_SENT_DAYS"],
        "code_minutes": config["PRIVACY_CODE_MINUTES"],
        "idle_minutes": config["PRIVACY_SESSION_IDLE_MINUTES"],
        "max_minutes": config["PRIVACY_SESSION_MAX_MINUTES"],
        "consent_years": CONSENT_KEEP_YEARS,
        "request_years": REQUEST_KEEP_YEARS,
        "invoice_years": INVOICE_KEEP_YEARS,
        "this_year": studio_today().year,
        "invoice_example_until": studio_today().year + INVOICE_KEEP_YEARS,
        "backup_days": config["BACKUP_MAX_AGE_DAYS"],
    }


WHEN = ("created_at", _l("Date"))
NO_ONE = _l("Nobody outside the studio.")

CATEGORIES: tuple[Category, ...] = (
    Category(
        key="client",
        policy_section="invoices-and-payments",
        title=_l("Your client record"),
        purpose=_l("Knowing who you are when you write to us or book us, and invoicing you."),
        legal_basis=_l(
            "Steps you asked for before a contract, and the contract itself "
            "(Art. 6(1)(b) GDPR); for invoices, our legal duty (Art. 6(1)(c))."
        ),
        recipients=_l(
            "Your name, address, company and VAT number are on our invoices, so our "
            "accountant and the Tax and Customs Administration (Belastingdienst) see them; "
            "our email provider processes the mail we exchange."
        ),
        retention=_l("As long as we keep your messages or invoices; then it is deleted."),
        source=_l("You: what you wrote in the contact form or gave us for a booking."),
        fields=(
            ("name", _l("Name")),
            ("email", _l("Email address")),
            ("language", _l("Language")),
            ("address", _l("Postal address")),
            ("phone", _l("Phone number")),
            ("company_name", _l("Company")),
            ("vat_id", _l("VAT number")),
            ("created_at", _l("Since")),
        ),
    ),
    Category(
        key="contact_messages",
        policy_section="information-required-for-contact",
        title=_l("Contact messages"),
        purpose=_l("Answering your questions and, if you ask, making you an offer."),
        legal_basis=_l("Steps you asked for before a contract (Art. 6(1)(b) GDPR)."),
        recipients=_l("Our email provider, which processes the mail for us."),
        retention=_l(
            "Deleted %(contact_months)s months after your last message, unless we invoice "
            "you: then they are kept as long as your invoices."
        ),
        source=_l("You, through the contact form."),
        fields=(
            ("reference", _l("Reference")),
            ("received_at", _l("Received")),
            ("name", _l("Name")),
            ("email", _l("Email address")),
            ("phone", _l("Phone number")),
            ("production_kind", _l("What you would like us to make")),
            ("preferred_date", _l("Preferred date")),
            ("message", _l("Message")),
            ("newsletter", _l("Newsletter asked for")),
        ),
    ),
    Category(
        key="invoices",
        policy_section="invoices-and-payments",
        title=_l("Invoices and payments"),
        purpose=_l("Invoicing our work and keeping the books."),
        legal_basis=_l(
            "Our legal duty to keep tax records (Art. 6(1)(c) GDPR, art. 52 of the "
            "Algemene wet inzake rijksbelastingen)."
        ),
        recipients=_l(
            "Invoices: our accountant, and the Tax and Customs Administration "
            "(Belastingdienst) when it checks our books. Payments made online: Mollie B.V., "
            "our payment service provider. Invoice email: our email provider."
        ),
        retention=_l(
            "Kept %(invoice_years)s years after the end of the year the invoice was issued (an "
            "invoice of %(this_year)s until the end of %(invoice_example_until)s), the legal "
            "period; its payments go with it. We cannot delete them earlier, even if you ask."
        ),
        source=_l("Our own administration, from the details you gave for the booking."),
        fields=(
            ("number", _l("Invoice number")),
            ("status", _l("Status")),
            ("issued_on", _l("Issued on")),
            ("delivery_date", _l("Delivery date")),
            ("lines", _l("Lines")),
            ("total", _l("Total including VAT")),
            ("installments", _l("Payment schedule")),
            ("payments", _l("Payments: when, amount, method, status")),
            ("payment_history", _l("Payment status history")),
        ),
    ),
    Category(
        key="profile",
        policy_section="information-you-choose-to-give",
        title=_l("Your profile"),
        purpose=_l("Preparing shoots that suit your wishes."),
        legal_basis=_l(
            "Your consent, given by filling it in (Art. 6(1)(a) GDPR); change or delete it "
            "at any time."
        ),
        recipients=NO_ONE,
        retention=_l(
            "Until you delete it. Once you are no longer our client (we keep no messages or "
            "invoices of yours), it is deleted %(contact_months)s months after you last "
            "changed it."
        ),
        source=_l("You, in the privacy centre."),
        fields=(
            ("preferences", _l("Preferences")),
            ("interests", _l("Interests")),
            ("updated_at", _l("Last changed")),
        ),
    ),
    Category(
        key="photos",
        policy_section="information-you-choose-to-give",
        title=_l("Sample photos"),
        purpose=_l("Showing us the style you like, to prepare your shoot."),
        legal_basis=_l(
            "Your consent, given by uploading them (Art. 6(1)(a) GDPR); delete them at any time."
        ),
        recipients=NO_ONE,
        retention=_l(
            "Until you delete them. Once you are no longer our client (we keep no messages or "
            "invoices of yours), each is deleted %(contact_months)s months after you uploaded "
            "it."
        ),
        source=_l("You, in the privacy centre (stored without camera data or location)."),
        fields=(
            ("file", _l("File")),
            ("content_type", _l("Type")),
            ("width", _l("Width")),
            ("height", _l("Height")),
            ("size", _l("Size in bytes")),
            WHEN,
        ),
    ),
    Category(
        key="consents",
        policy_section="consents-and-newsletter",
        title=_l("Consents and their history"),
        purpose=_l(
            "Knowing what you allowed us to do (portfolio, social media, partners, "
            "newsletter) and being able to show it."
        ),
        legal_basis=_l("Our legal duty to show consent (Art. 7(1) and 6(1)(c) GDPR)."),
        recipients=NO_ONE,
        retention=_l(
            "Every change is kept, as proof of what you decided, while you are our client or "
            "any consent is in force. After that, it is deleted %(consent_years)s years after "
            "your last change; a withdrawal is never lost before then."
        ),
        source=_l("You: the contact form, the privacy centre or an unsubscribe link."),
        fields=(
            WHEN,
            ("purpose", _l("Purpose")),
            ("action", _l("Given or withdrawn")),
            ("channel", _l("How")),
            ("policy_version", _l("Privacy policy shown")),
            ("notice", _l("Text you were shown")),
            ("actor", _l("By")),
        ),
    ),
    Category(
        key="marketing_objection",
        policy_section="consents-and-newsletter",
        title=_l("Objection to direct marketing"),
        purpose=_l("Making sure we never send you marketing email again."),
        legal_basis=_l("Our legal duty to honour your objection (Art. 21(3) and 6(1)(c) GDPR)."),
        recipients=NO_ONE,
        retention=_l(
            "Kept for good, as a one-way hash of your email address only, so you are never "
            "added again."
        ),
        source=_l("You: the privacy centre or an unsubscribe link."),
        fields=(WHEN, ("reason", _l("Reason"))),
    ),
    Category(
        key="removal_requests",
        policy_section="consents-and-newsletter",
        title=_l("Take-down requests after a withdrawal"),
        purpose=_l(
            "Removing your photos from our portfolio and social media, and telling partners, "
            "after you withdraw consent."
        ),
        legal_basis=_l("Our legal duty to act on your withdrawal (Art. 7(3), 17 and 19 GDPR)."),
        recipients=_l("The partners we shared your photos with are told of your withdrawal."),
        retention=_l("Deleted together with your consent history (see above)."),
        source=_l("Your withdrawal in the privacy centre."),
        fields=(WHEN, ("purpose", _l("Purpose")), ("done_at", _l("Done"))),
    ),
    Category(
        key="mail",
        policy_section="what-our-systems-record",
        title=_l("Emails we sent you"),
        purpose=_l("Sending you mail and knowing whether it arrived."),
        legal_basis=_l("Our legitimate interest in reliable email (Art. 6(1)(f) GDPR)."),
        recipients=_l("Our email provider, which delivers the mail for us."),
        retention=_l("Deleted %(mail_days)s days after they were sent."),
        source=_l("Our own systems."),
        fields=(WHEN, ("subject", _l("Subject")), ("status", _l("Status"))),
        legitimate_interest=True,
    ),
    Category(
        key="privacy_centre_sessions",
        policy_section="what-our-systems-record",
        title=_l("Privacy-centre sign-ins"),
        purpose=_l("Making sure only you see your data here."),
        legal_basis=_l(
            "Our legal duty to confirm who asks for data (Art. 12(6) and 32, 6(1)(c) GDPR)."
        ),
        recipients=NO_ONE,
        retention=_l(
            "Codes stop working after %(code_minutes)s minutes and sessions after "
            "%(idle_minutes)s idle minutes, or %(max_minutes)s minutes after you typed the "
            "code; both are deleted at the next daily clean-up."
        ),
        source=_l("You, by asking for a code."),
        fields=(WHEN, ("last_seen_at", _l("Last used"))),
    ),
    Category(
        key="privacy_requests",
        policy_section="what-our-systems-record",
        title=_l("Your privacy requests and complaints"),
        purpose=_l(
            "Answering what you ask of us under the GDPR (correction, erasure, restriction, "
            "objection) and your complaints, on time, and being able to show that we did."
        ),
        legal_basis=_l("Our legal duty to answer them (Art. 12 and 6(1)(c) GDPR)."),
        recipients=NO_ONE,
        retention=_l(
            "Kept %(request_years)s years after we answered, as proof of the answer; then deleted."
        ),
        source=_l(
            "You: in the privacy centre, or by email, phone or letter (then noted by our staff)."
        ),
        fields=(
            ("reference", _l("Reference")),
            ("kind", _l("Request")),
            ("channel", _l("How")),
            ("details", _l("What you wrote")),
            ("received_on", _l("Received")),
            ("due_on", _l("Answer due")),
            ("extended_to", _l("Extended to")),
            ("extension_reason", _l("Why extended")),
            ("status", _l("Status")),
            ("outcome", _l("Answer")),
            ("answered_at", _l("Answered")),
        ),
    ),
)


def legitimate_interests() -> list[Category]:
    """What the studio does on the basis of its legitimate interest: open to objection."""
    return [category for category in CATEGORIES if category.legitimate_interest]


@dataclass(frozen=True)
class Cookie:
    """A cookie the site sets. None of them tracks anyone or comes from another site."""

    name: str
    purpose: LazyString
    lifetime: LazyString  # may name %(days)s and the other retention_values()
    max_age: timedelta | None = None  # None: until the browser is closed
    path: str = "/"

    def lifetime_text(self) -> str:
        days = {"days": self.max_age.days} if self.max_age else {}
        return str(self.lifetime) % {**retention_values(), **days}


STAFF_DEVICE_COOKIE = "staff_device"
STAFF_DEVICE_LIFETIME = timedelta(days=365)

COOKIES: tuple[Cookie, ...] = (
    Cookie(
        name="session",
        purpose=_l(
            "Protects the forms you send against forgery, remembers the reference of the "
            "message you just sent and, on the way back from Mollie, which invoice you paid. "
            "For staff, it also keeps them signed in to the back office."
        ),
        lifetime=_l("Kept until you close your browser."),
    ),
    Cookie(
        name=LANGUAGE_COOKIE,
        purpose=_l("Remembers the language you chose, if you chose one."),
        lifetime=_l("Kept %(days)s days."),
        max_age=timedelta(seconds=LANGUAGE_COOKIE_MAX_AGE),
    ),
    Cookie(
        name=PRIVACY_SESSION_COOKIE,
        purpose=_l(
            "Keeps you signed in to the privacy centre once you typed the code we emailed "
            "you. Your browser sends it only to the privacy centre."
        ),
        lifetime=_l(
            "Kept until you close your browser or sign out; the sign-in itself ends after "
            "%(idle_minutes)s idle minutes, or %(max_minutes)s minutes after you typed the "
            "code."
        ),
        path=PRIVACY_SESSION_PATH,
    ),
    Cookie(
        name=STAFF_DEVICE_COOKIE,
        purpose=_l(
            "For staff only: recognises a browser a staff member signed in with before, so "
            "that someone guessing passwords elsewhere cannot lock them out."
        ),
        lifetime=_l("Kept %(days)s days."),
        max_age=STAFF_DEVICE_LIFETIME,
        path="/admin",
    ),
)


def cookie(name: str) -> Cookie:
    return next(item for item in COOKIES if item.name == name)


@dataclass(frozen=True)
class Recipient:
    """Someone outside the studio who receives personal data (Art. 13(1)(e) GDPR).

    ``name`` is how the policy names them, in each language: the policy must use it.
    """

    key: str
    name: LazyString


RECIPIENTS: tuple[Recipient, ...] = (
    Recipient("mollie", _l("Mollie B.V.")),
    Recipient("email_provider", _l("email provider")),
    Recipient("hosting_provider", _l("hosting provider")),
    Recipient("accountant", _l("accountant")),
    Recipient("tax_authority", _l("Belastingdienst")),
    Recipient("collection_agency", _l("collection agency")),
    Recipient("partners", _l("make-up artist")),
)


@dataclass(frozen=True)
class Right:
    """A right the privacy centre lets a person use, and the panel where they use it."""

    key: str
    endpoint: str
    values: Mapping[str, Any] = field(default_factory=dict)


RIGHTS: tuple[Right, ...] = (
    Right("access", "privacy.data"),  # Art. 15
    Right("portability", "privacy.download"),  # Art. 20
    Right("rectification", "privacy.details"),  # Art. 16, what the person can change
    Right("correction_request", "privacy.request_form", {"kind": "correction"}),  # Art. 16
    Right("erasure", "privacy.request_form", {"kind": "erasure"}),  # Art. 17
    Right("restriction", "privacy.request_form", {"kind": "restriction"}),  # Art. 18
    Right("objection", "privacy.request_form", {"kind": "objection"}),  # Art. 21(1)
    Right("consents", "privacy.consents"),  # Art. 7(3) and 21(3)
    Right("profile", "privacy.profile"),  # Art. 7(3), 16 and 17 for what the person gave
    Right("complaint", "privacy.request_form", {"kind": "complaint"}),
    Right("requests", "privacy.requests"),  # Art. 12(3): what was asked, and the answers
)


@dataclass(frozen=True)
class ConsentText:
    """What a consent allows, and what withdrawing it cannot undo (Art. 7(3))."""

    allows: LazyString
    after_withdrawal: LazyString


def _consent_texts() -> dict[str, ConsentText]:
    return {
        "portfolio": ConsentText(
            _l(
                "We may show photos and videos of you in our portfolio: on this website and "
                "in the studio."
            ),
            _l(
                "Our staff take your photos out of the portfolio. Printed material that was "
                "already handed out cannot be recalled."
            ),
        ),
        "social_media": ConsentText(
            _l("We may post photos and videos of you on the studio's social media accounts."),
            _l(
                "Our staff delete our posts. Copies that others already shared or saved "
                "cannot be recalled."
            ),
        ),
        "partners": ConsentText(
            _l(
                "We may share photos of your shoot with the make-up artist, stylist or graphic "
                "designer who worked on it, for their own portfolio."
            ),
            _l(
                "Our staff tell those partners to stop using your photos. What they already "
                "printed cannot be recalled."
            ),
        ),
        "newsletter": ConsentText(
            _l("We may send you the studio's newsletter, a few times a year."),
            _l("You get no more newsletters."),
        ),
    }


CONSENT_TEXTS = _consent_texts()


def consent_notice(purpose: ConsentPurpose, withdrawing: bool) -> str:
    """The text a consent's card shows, in the current language: what is stored as shown."""
    text = CONSENT_TEXTS[purpose.value]
    shown = str(text.allows)
    if withdrawing:
        shown += "\n" + _("If you withdraw:") + " " + str(text.after_withdrawal)
    return shown
