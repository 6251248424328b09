"""Values from the code in policy texts: filled when shown, in the version's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PolicyFactory
from website.policy import placeholders
from website.policy.services import PolicyConflict, import_directory

BODY = (
    "## Retention {#retention}\n\nMessages go after {{ contact_months }} months; "
    "backups after {{contact_months}}x{{ backup_days }}.\n\n{{ retention_list }}\n\n"
    "[Erase]({{ right_erasure }}) · {{ not_a_value }}\n"
)


def test_the_page_fills_values_from_the_configuration_in_the_versions_language(
    app: Flask, client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    app.config.update(CONTACT_RETENTION_MONTHS=7, BACKUP_MAX_AGE_DAYS=21)
    create_policy_version(language="nl", body=BODY)
    page = client.get("/privacy-policy", headers={"Accept-Language": "nl"}).text
    assert "Messages go after 7 months; backups after 7x21." in page
    assert "<strong>Contactberichten</strong>: Verwijderd 7 maanden na uw laatste bericht" in page
    assert '<a href="/privacy-centre/requests/erasure" rel="noopener noreferrer">Erase</a>' in page
    # A name nothing fills stays visible as written rather than breaking the page.
    assert "{{ not_a_value }}" in page

    app.config.update(CONTACT_RETENTION_MONTHS=9)
    assert "Messages go after 9 months" in client.get("/privacy-policy").text


def test_an_english_version_gets_english_values_on_a_dutch_page(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en", body=BODY)  # the only version: shown to Dutch readers
    page = client.get("/privacy-policy", headers={"Accept-Language": "nl"}).text
    assert "<strong>Contact messages</strong>: Deleted 12 months after your last message" in page


@pytest.mark.usefixtures("app_context")
def test_import_refuses_a_file_with_unknown_names(tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("Kept {{ contact_months }}.\n", encoding="utf-8")
    (tmp_path / "2020-01-02.nl.md").write_text("{{ contact_monhts }} {{ typo }}\n", "utf-8")
    with pytest.raises(PolicyConflict, match="contact_monhts, typo"):
        import_directory(tmp_path)


def test_two_sources_may_not_define_the_same_name() -> None:
    app = Flask(__name__)
    with pytest.raises(ValueError, match="studio_name"):
        placeholders.init_app(app, {"studio_name": str}, {"studio_name": str})
