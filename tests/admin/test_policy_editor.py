"""The policy editor: versions listed, a new one written, previewed and published."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from werkzeug.test import TestResponse

from tests.admin.conftest import Post
from tests.conftest import PolicyFactory
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.clock import studio_today
from website.extensions import db
from website.policy.models import PolicyVersion, PublishedVersionImmutable
from website.policy.services import PolicyConflict, publish

HTMX = {"HX-Request": "true", "HX-Target": "policy-form"}
EN = {"Accept-Language": "en"}
OLD_NL = "Oude tekst.\n\n## 1. Wat we verzamelen {#information-we-collect}\n\nAlles.\n"
OLD_EN = "Old text.\n\n## 1. What we collect {#information-we-collect}\n\nEverything.\n"
NEW_NL = "Nieuwe tekst.\n\n## 1. Wat we verzamelen {#information-we-collect}\n\nMinder.\n"
NEW_EN = "New text.\n\n## 1. What we collect {#information-we-collect}\n\n**Less** than before.\n"
CHANGES_NL = "- We verzamelen **minder**.\n"
CHANGES_EN = "- We collect **less**.\n"


@pytest.fixture
def old_versions(create_policy_version: PolicyFactory) -> None:
    create_policy_version(language="nl", published_on=date(2019, 6, 8), body=OLD_NL)
    create_policy_version(language="en", published_on=date(2019, 6, 8), body=OLD_EN)


def get(client: FlaskClient, url: str, **headers: str) -> TestResponse:
    return client.get(url, headers={**EN, **headers})


def versions(app: Flask) -> list[tuple[str, str, str]]:
    """(date, language, body) of every stored version, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PolicyVersion).order_by(PolicyVersion.published_on, PolicyVersion.language)
        )
        return [(row.published_on.isoformat(), row.language, row.body) for row in rows]


def published_events(app: Flask) -> list[tuple[int | None, str | None, str | None]]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "policy.published")
            .order_by(AuditEvent.id)
        )
        return [(e.staff_member_id, e.object_type, e.object_id) for e in events]


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]* name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"the form has a {name} text area"
    return html.unescape(match.group(1))


def date_input(page: str) -> str:
    match = re.search(r'<input[^>]* name="published_on"[^>]*>', page)
    assert match, "the form has a date field"
    value = re.search(r'value="([^"]*)"', match.group())
    return value.group(1) if value else ""


def preview_section(page: str) -> str:
    assert '<section class="preview"' in page, "the page shows a preview"
    return page.split('<section class="preview"', 1)[1].split("</section>", 1)[0]


def form_data(day: date | str, action: str, **changes: str | None) -> dict[str, str]:
    """The editor's fields, changed by ``changes`` (None leaves a field out)."""
    data = {
        "published_on": str(day),
        "body_nl": NEW_NL,
        "body_en": NEW_EN,
        "changes_nl": CHANGES_NL,
        "changes_en": CHANGES_EN,
        "action": action,
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


# --- the list of versions ---------------------------------------------------------------------


def test_the_list_shows_published_and_scheduled_versions(
    old_versions: None, create_policy_version: PolicyFactory, staff_client: FlaskClient
) -> None:
    later = studio_today() + timedelta(days=30)
    create_policy_version(language="nl", published_on=later, body="Later.\n")
    create_policy_version(language="en", published_on=later, body="Later.\n")
    response = get(staff_client, "/admin/policy")
    assert response.status_code == 200
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    long_later = f"{later:%B} {later.day}, {later.year}"
    assert rows == [
        f"{long_later} English scheduled",
        f"{long_later} Nederlands scheduled",
        "June 8, 2019 English published",
        "June 8, 2019 Nederlands published",
    ]
    assert f'href="/privacy-policy/{later.isoformat()}" lang="en"' in body
    assert 'href="/privacy-policy/2019-06-08" lang="nl"' in body
    assert 'href="/admin/policy/new"' in response.text


def test_the_new_version_form_starts_from_the_current_texts(
    old_versions: None, create_policy_version: PolicyFactory, staff_client: FlaskClient
) -> None:
    create_policy_version(language="nl", published_on=date(2024, 1, 1), body="Nieuwer <b>NL</b>.\n")
    tomorrow = studio_today() + timedelta(days=1)
    create_policy_version(language="en", published_on=tomorrow, body="Not in force yet.\n")
    response = get(staff_client, "/admin/policy/new")
    assert response.status_code == 200
    page = response.text
    assert textarea(page, "body_nl") == "Nieuwer <b>NL</b>.\n"
    assert textarea(page, "body_en") == OLD_EN
    assert date_input(page) == studio_today().isoformat()
    assert 'lang="nl"' in page.split('name="body_nl"', 1)[0].rsplit("<textarea", 1)[1]
    assert '<section class="preview"' not in page
    assert 'value="preview"' in page and 'value="publish"' in page
    assert 'name="csrf_token"' in page


def test_the_form_is_empty_without_any_version(staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/policy/new").text
    assert textarea(page, "body_nl") == textarea(page, "body_en") == ""


# --- preview ----------------------------------------------------------------------------------


def test_preview_renders_both_languages_safely_and_stores_nothing(
    app: Flask, old_versions: None, post: Post
) -> None:
    before = versions(app)
    dangerous = (
        "## Kop {#kop}\n\nHallo <script>alert('nl')</script> wereld.\n\n"
        "[klik](javascript:alert(1))\n"
    )
    response = post(
        "/admin/policy/new",
        form_data(studio_today(), "preview", body_nl=dangerous),
    )
    assert response.status_code == 200
    page = response.text
    assert page.startswith("<!doctype html>")  # a plain request: the whole page
    preview = preview_section(page)
    assert '<article class="prose preview__text" lang="nl" aria-label="Nederlands">' in preview
    assert '<article class="prose preview__text" lang="en" aria-label="English">' in preview
    assert preview.index('lang="nl"') < preview.index('lang="en"')
    assert '<h2 id="kop">Kop</h2>' in preview
    assert "<p>Hallo &lt;script&gt;alert('nl')&lt;/script&gt; wereld.</p>" in preview
    assert "<strong>Less</strong> than before." in preview
    assert "<script>alert" not in page and 'href="javascript' not in preview
    # What was typed stays in the form, for publishing next.
    assert textarea(page, "body_nl") == dangerous
    assert textarea(page, "body_en") == NEW_EN
    assert date_input(page) == studio_today().isoformat()
    assert versions(app) == before
    assert published_events(app) == []


def test_htmx_preview_returns_only_the_form(app: Flask, old_versions: None, post: Post) -> None:
    before = versions(app)
    response = post("/admin/policy/new", form_data(studio_today(), "preview"), **HTMX)
    assert response.status_code == 200
    fragment = response.text.strip()
    assert fragment.startswith('<form id="policy-form"') and fragment.endswith("</form>")
    assert "<html" not in fragment and "site-header" not in fragment
    assert "<strong>Less</strong> than before." in preview_section(fragment)
    assert "HX-Request" in response.vary
    assert versions(app) == before


def test_a_form_without_an_action_is_previewed_not_published(
    app: Flask, old_versions: None, post: Post
) -> None:
    data = form_data(studio_today(), "preview")
    del data["action"]
    response = post("/admin/policy/new", data)
    assert response.status_code == 200
    assert "Nieuwe tekst." in preview_section(response.text)
    assert len(versions(app)) == 2


def test_the_editor_refuses_unknown_names_and_previews_filled_values(
    old_versions: None, post: Post
) -> None:
    data = {
        "published_on": studio_today().isoformat(),
        "body_nl": "Na {{ contact_months }} maanden.\n",
        "body_en": "After {{ contact_month }} months.\n",
        "changes_nl": CHANGES_NL,
        "changes_en": "- Kept {{ contact_months }} months.\n",
        "action": "preview",
    }
    refused = post("/admin/policy/new", data, **{"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "The site fills no value named contact_month." in refused.text
    data["body_en"] = "After {{ contact_months }} months.\n"
    preview = post("/admin/policy/new", data, **{"Accept-Language": "en"})
    assert preview.status_code == 200
    assert "<p>Na 12 maanden.</p>" in preview.text and "<p>After 12 months.</p>" in preview.text


# --- publish ----------------------------------------------------------------------------------


def test_publish_stores_both_languages_and_the_site_shows_them(
    app: Flask, old_versions: None, client: FlaskClient, staff: StaffMember, post: Post
) -> None:
    today = studio_today()
    response = post("/admin/policy/new", form_data(today, "publish"))
    assert response.status_code == 303
    assert response.location == "/admin/policy"
    assert versions(app) == [
        ("2019-06-08", "en", OLD_EN),
        ("2019-06-08", "nl", OLD_NL),
        (today.isoformat(), "en", NEW_EN),
        (today.isoformat(), "nl", NEW_NL),
    ]
    assert published_events(app) == [(staff.id, "policy_version", today.isoformat())]

    listing = get(client, "/admin/policy").text
    assert "The new version is published." in listing
    assert f'href="/privacy-policy/{today.isoformat()}" lang="nl"' in listing

    english = client.get("/privacy-policy", headers={"Accept-Language": "en"}).text
    dutch = client.get("/privacy-policy", headers={"Accept-Language": "nl"}).text
    assert "<strong>Less</strong> than before." in english and "Everything." not in english
    assert "Minder." in dutch and "Alles." not in dutch
    assert f'<time datetime="{today.isoformat()}">' in english
    old = client.get("/privacy-policy/2019-06-08", headers={"Accept-Language": "en"}).text
    assert "Everything." in old


def test_htmx_publish_stores_the_version(
    app: Flask, old_versions: None, staff: StaffMember, post: Post
) -> None:
    today = studio_today()
    response = post("/admin/policy/new", form_data(today, "publish"), **HTMX)
    assert response.status_code in (204, 303)
    assert [(day, language) for day, language, _ in versions(app)][2:] == [
        (today.isoformat(), "en"),
        (today.isoformat(), "nl"),
    ]
    assert published_events(app) == [(staff.id, "policy_version", today.isoformat())]


def test_htmx_publish_sends_the_browser_to_the_list(old_versions: None, post: Post) -> None:
    response = post("/admin/policy/new", form_data(studio_today(), "publish"), **HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/policy"


def test_a_version_published_for_a_later_date_waits_for_it(
    app: Flask, old_versions: None, client: FlaskClient, post: Post
) -> None:
    later = studio_today() + timedelta(days=7)
    assert post("/admin/policy/new", form_data(later, "publish")).status_code == 303
    assert [(day, language) for day, language, _ in versions(app)][2:] == [
        (later.isoformat(), "en"),
        (later.isoformat(), "nl"),
    ]
    page = client.get("/privacy-policy", headers={"Accept-Language": "en"}).text
    assert "Everything." in page and "than before." not in page
    assert "scheduled" in get(client, "/admin/policy").text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_past_date_is_refused(app: Flask, old_versions: None, post: Post, htmx: bool) -> None:
    yesterday = studio_today() - timedelta(days=1)
    response = post("/admin/policy/new", form_data(yesterday, "publish"), **(HTMX if htmx else {}))
    assert response.status_code == 422
    page = response.text
    assert page.startswith("<!doctype html>") is not htmx
    assert (
        '<p class="field__error" id="published_on-error">'
        "A new version cannot be published in the past.</p>"
    ) in page
    assert 'role="alert"' in page and 'href="#published_on"' in page
    assert 'aria-invalid="true"' in page.split('name="published_on"', 1)[0].rsplit("<input", 1)[1]
    assert textarea(page, "body_en") == NEW_EN
    assert len(versions(app)) == 2
    assert published_events(app) == []


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_date_already_used_is_refused(
    app: Flask, create_policy_version: PolicyFactory, post: Post, htmx: bool
) -> None:
    later = studio_today() + timedelta(days=3)
    create_policy_version(language="en", published_on=later, body="Already there.\n")
    response = post("/admin/policy/new", form_data(later, "publish"), **(HTMX if htmx else {}))
    assert response.status_code == 422
    assert f"There is already a version dated {later.isoformat()}." in response.text
    assert 'id="published_on-error"' in response.text
    assert versions(app) == [(later.isoformat(), "en", "Already there.\n")]
    assert published_events(app) == []


def test_publishing_today_twice_is_refused(app: Flask, post: Post) -> None:
    today = studio_today()
    assert post("/admin/policy/new", form_data(today, "publish")).status_code == 303
    again = post("/admin/policy/new", form_data(today, "publish", body_en="Other.\n"))
    assert again.status_code == 422
    assert f"There is already a version dated {today.isoformat()}." in again.text
    assert [body for _, _, body in versions(app)] == [NEW_EN, NEW_NL]
    assert len(published_events(app)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body_en": None}, "body_en"),
        ({"body_nl": ""}, "body_nl"),
        ({"published_on": ""}, "published_on"),
        ({"published_on": "next tuesday"}, "published_on"),
    ],
    ids=["no-english", "empty-dutch", "no-date", "not-a-date"],
)
@pytest.mark.parametrize("action", ["publish", "preview"])
def test_invalid_input_is_refused(
    app: Flask,
    old_versions: None,
    post: Post,
    changes: dict[str, str | None],
    field: str,
    action: str,
) -> None:
    data = form_data(studio_today(), action, **changes)
    response = post("/admin/policy/new", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert f'href="#{field}"' in response.text
    assert '<section class="preview"' not in response.text
    assert len(versions(app)) == 2
    assert published_events(app) == []


def test_the_form_needs_the_csrf_token(app: Flask, staff_client: FlaskClient) -> None:
    response = staff_client.post(
        "/admin/policy/new", data=form_data(studio_today(), "publish"), headers=EN
    )
    assert response.status_code == 400
    assert versions(app) == []


# --- the summary of changes ------------------------------------------------------------------


def summaries(app: Flask) -> list[tuple[str, str, str | None]]:
    """(date, language, summary of changes) of every stored version, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PolicyVersion).order_by(PolicyVersion.published_on, PolicyVersion.language)
        )
        return [(row.published_on.isoformat(), row.language, row.changes) for row in rows]


def opening_tag(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]* name="{name}"[^>]*>', page)
    assert match, f"the form has a {name} text area"
    return match.group()


def test_the_form_asks_for_a_summary_of_changes_in_both_languages(
    old_versions: None, staff_client: FlaskClient
) -> None:
    page = get(staff_client, "/admin/policy/new").text
    assert '<label class="field__label" for="changes_nl">Summary of changes (Dutch)</label>' in page
    assert '<label class="field__label" for="changes_en">Summary of changes (English)</label>' in (
        page
    )
    assert textarea(page, "changes_nl") == textarea(page, "changes_en") == ""
    for name, language in (("changes_nl", "nl"), ("changes_en", "en")):
        tag = opening_tag(page, name)
        assert f'lang="{language}"' in tag and "required" in tag
        assert f'aria-describedby="{name}-hint"' in tag
    # Each summary follows the text in its language.
    assert page.index('name="body_nl"') < page.index('name="changes_nl"')
    assert page.index('name="changes_nl"') < page.index('name="body_en"')


def test_the_summary_fields_in_dutch(old_versions: None, staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/policy/new", **{"Accept-Language": "nl"}).text
    assert ">Samenvatting van de wijzigingen (Nederlands)</label>" in page
    assert ">Samenvatting van de wijzigingen (Engels)</label>" in page


def test_the_first_version_needs_no_summary(staff_client: FlaskClient) -> None:
    page = get(staff_client, "/admin/policy/new").text
    assert "required" not in opening_tag(page, "changes_nl")


@pytest.mark.parametrize("field", ["changes_nl", "changes_en"])
@pytest.mark.parametrize("value", [None, " \r\n"], ids=["missing", "blank"])
def test_a_summary_is_required_once_a_version_exists(
    app: Flask, old_versions: None, post: Post, field: str, value: str | None
) -> None:
    response = post("/admin/policy/new", form_data(studio_today(), "publish", **{field: value}))
    assert response.status_code == 422
    assert (
        f'<p class="field__error" id="{field}-error">'
        "Say what changed since the previous version, in a few points.</p>"
    ) in response.text
    assert f'href="#{field}"' in response.text
    assert '<section class="preview"' not in response.text
    assert len(versions(app)) == 2
    assert published_events(app) == []


@pytest.mark.parametrize("field", ["changes_nl", "changes_en"])
def test_a_preview_may_come_before_the_summary(
    app: Flask, old_versions: None, post: Post, field: str
) -> None:
    response = post("/admin/policy/new", form_data(studio_today(), "preview", **{field: ""}))
    assert response.status_code == 200
    assert '<section class="preview"' in response.text
    assert "Say what changed since the previous version" not in response.text
    # The field still says it is needed, and the preview button does not ask the browser to
    # check it first.
    assert "required" in opening_tag(response.text, field)
    assert 'value="preview" formnovalidate>' in response.text
    assert len(versions(app)) == 2


def test_only_a_language_with_a_version_needs_a_summary(
    app: Flask, create_policy_version: PolicyFactory, post: Post
) -> None:
    create_policy_version(language="en", published_on=date(2019, 6, 8), body=OLD_EN)
    today = studio_today().isoformat()
    response = post("/admin/policy/new", form_data(today, "publish", changes_nl=""))
    assert response.status_code == 303
    assert summaries(app)[1:] == [(today, "en", CHANGES_EN), (today, "nl", None)]


def test_the_first_version_is_published_without_a_summary(app: Flask, post: Post) -> None:
    today = studio_today().isoformat()
    data = form_data(today, "publish", changes_nl=None, changes_en="")
    assert post("/admin/policy/new", data).status_code == 303
    assert summaries(app) == [(today, "en", None), (today, "nl", None)]


def test_the_preview_shows_the_summaries(old_versions: None, post: Post) -> None:
    page = post("/admin/policy/new", form_data(studio_today(), "preview")).text
    dutch, english = preview_section(page).split('<article class="prose preview__text"')[1:]
    assert 'lang="nl"' in dutch and "We verzamelen <strong>minder</strong>." in dutch
    assert 'lang="en"' in english and "We collect <strong>less</strong>." in english
    assert english.index("What changed") < english.index("<strong>Less</strong> than before.")
    assert textarea(page, "changes_nl") == CHANGES_NL


def test_publish_stores_the_summaries_and_the_site_shows_them(
    app: Flask, old_versions: None, client: FlaskClient, post: Post
) -> None:
    today = studio_today().isoformat()
    assert post("/admin/policy/new", form_data(today, "publish")).status_code == 303
    assert summaries(app) == [
        ("2019-06-08", "en", None),
        ("2019-06-08", "nl", None),
        (today, "en", CHANGES_EN),
        (today, "nl", CHANGES_NL),
    ]
    english = client.get("/privacy-policy", headers={"Accept-Language": "en"}).text
    assert "We collect <strong>less</strong>." in english
    assert f'href="/privacy-policy/{today}/changes"' in english
    dutch = client.get("/privacy-policy", headers={"Accept-Language": "nl"}).text
    assert "We verzamelen <strong>minder</strong>." in dutch


def test_the_service_refuses_a_version_without_a_summary_after_the_first(
    app: Flask, old_versions: None, staff: StaffMember
) -> None:
    """The editor asks first; the service holds the rule for any other caller too."""
    with (
        app.app_context(),
        force_locale("en"),
        pytest.raises(PolicyConflict, match="Say what changed since the previous version"),
    ):
        publish(
            studio_today(),
            {"nl": NEW_NL, "en": NEW_EN},
            {"nl": CHANGES_NL, "en": ""},
            staff.id,
        )
    assert len(versions(app)) == 2


# --- published versions never change ----------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("body", "Quietly changed.\n"),
        ("published_on", date(2020, 1, 1)),
        ("language", "nl"),
        ("changes", "- Quietly summarised afterwards.\n"),
    ],
)
def test_a_stored_version_cannot_be_changed(
    app: Flask, create_policy_version: PolicyFactory, attribute: str, value: object
) -> None:
    create_policy_version(language="en", published_on=date(2019, 6, 8), body=OLD_EN)
    with app.app_context():
        version = db.session.scalar(sa.select(PolicyVersion))
        setattr(version, attribute, value)
        with pytest.raises(PublishedVersionImmutable, match=r"2019-06-08|2020-01-01"):
            db.session.commit()
        db.session.rollback()
    assert versions(app) == [("2019-06-08", "en", OLD_EN)]


def test_assigning_the_same_value_again_is_no_change(
    app: Flask, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en", published_on=date(2019, 6, 8), body=OLD_EN)
    with app.app_context():
        version = db.session.scalar(sa.select(PolicyVersion))
        version.body = OLD_EN  # the same value: no UPDATE, nothing to refuse
        db.session.commit()
    assert versions(app) == [("2019-06-08", "en", OLD_EN)]
