"""What the privacy policy's placeholders say: numbers, lists and links from the code.

``website.policy.placeholders`` fills ``{{ name }}`` in a policy text from ``SOURCE`` when the
page is shown, in the version's language. Retention periods and the cookie list come from
the register, the studio's details from the configuration, the links from the privacy
centre's routes: change one and the policy says so.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, url_for

from website.privacy.register import CATEGORIES, COOKIES, RIGHTS, Right, retention_values
from website.privacy.requests import MAX_EXTENSION_MONTHS


def retention_list() -> str:
    """Every category of the register with its retention rule, as a Markdown list."""
    return "\n".join(
        f"- **{category.title}**: {category.retention_text()}" for category in CATEGORIES
    )


def cookie_list() -> str:
    """Every cookie the site sets, with its purpose and lifetime, as a Markdown list."""
    return "\n".join(f"- `{item.name}`: {item.purpose} {item.lifetime_text()}" for item in COOKIES)


def _config(key: str) -> Callable[[], str]:
    return lambda: str(current_app.config[key])


def _number(key: str) -> Callable[[], str]:
    return lambda: str(retention_values()[key])


def _constant(value: object) -> Callable[[], str]:
    return lambda: str(value)


def _panel(right: Right) -> Callable[[], str]:
    return lambda: url_for(right.endpoint, **right.values)


SOURCE: dict[str, Callable[[], str]] = {
    "studio_name": _config("STUDIO_NAME"),
    "studio_address": _config("STUDIO_ADDRESS"),
    "studio_kvk": _config("STUDIO_KVK"),
    "studio_vat_id": _config("STUDIO_VAT_ID"),
    "studio_email": _config("STUDIO_EMAIL"),
    **{
        name: _number(name)
        for name in (
            "contact_months",
            "mail_days",
            "code_minutes",
            "idle_minutes",
            "max_minutes",
            "consent_years",
            "request_years",
            "invoice_years",
            "backup_days",
        )
    },
    "extension_months": _constant(MAX_EXTENSION_MONTHS),
    "retention_list": retention_list,
    "cookie_list": cookie_list,
    "privacy_centre_url": lambda: url_for("pages.privacy_centre"),
    "contact_url": lambda: url_for("contact.show_form"),
    **{f"right_{right.key}": _panel(right) for right in RIGHTS},
}
