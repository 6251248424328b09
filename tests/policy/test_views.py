"""The policy page: the version in force, its date, contents, archive and caching."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests.conftest import PolicyFactory
from website.clock import studio_today

NEW_BODY = "New intro.\n\n## 1. What we collect {#information-we-collect}\n\nLess than before.\n"


def get(client: FlaskClient, url: str, language: str = "en", **headers: str):
    return client.get(url, headers={"Accept-Language": language, **headers})


def test_current_version_in_the_visitors_language(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en", body="English text.\n")
    create_policy_version(language="nl", body="Nederlandse tekst.\n")
    english = get(client, "/privacy-policy", "en").text
    dutch = get(client, "/privacy-policy", "nl").text
    assert "English text." in english and "Nederlandse tekst." not in english
    assert "Nederlandse tekst." in dutch
    assert 'Last updated: <time datetime="2019-06-08">June 8, 2019</time>' in english
    assert 'Laatst bijgewerkt: <time datetime="2019-06-08">8 juni 2019</time>' in dutch


def test_table_of_contents_links_to_every_section(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    page = get(client, "/privacy-policy").text
    toc = page.split('id="toc-title"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#([a-z-]+)"', toc) == ["information-we-collect", "your-rights"]
    assert '<h2 id="information-we-collect">1. What we collect</h2>' in page
    assert '<h3 id="detail">1.1 Detail</h3>' in page


def test_newest_version_is_current_and_older_ones_stay_reachable(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    create_policy_version(published_on=date(2026, 3, 1), body=NEW_BODY)
    current = get(client, "/privacy-policy").text
    assert "Less than before." in current
    assert "March 1, 2026" in current
    assert "earlier version" not in current
    old = get(client, "/privacy-policy/2019-06-08")
    assert old.status_code == 200
    assert "We collect what you send us." in old.text
    assert "You are reading an earlier version of our privacy policy." in old.text
    history = old.text.split('id="history-title"', 1)[1]
    assert history.index("/privacy-policy/2026-03-01") < history.index("/privacy-policy/2019-06-08")
    assert 'aria-current="page">June 8, 2019</a>' in history


def test_the_current_version_at_its_dated_url_is_not_called_earlier(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    page = get(client, "/privacy-policy/2019-06-08").text
    assert "earlier version" not in page


def test_future_versions_wait_for_their_date(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    tomorrow = studio_today() + timedelta(days=1)
    create_policy_version(published_on=tomorrow, body="Not yet.\n")
    assert "Not yet." not in get(client, "/privacy-policy").text
    assert get(client, f"/privacy-policy/{tomorrow.isoformat()}").status_code == 404


@pytest.mark.parametrize("slug", ["2018-01-01", "not-a-date", "2019-13-40", "2019-06-08x"])
def test_unknown_versions_are_not_found(
    client: FlaskClient, slug: str, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    assert get(client, f"/privacy-policy/{slug}").status_code == 404


def test_no_policy_yet_is_a_404_not_a_crash(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    assert get(client, "/privacy-policy").status_code == 404


def test_a_version_missing_in_one_language_falls_back_with_a_notice(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version(language="en")
    page = get(client, "/privacy-policy", "nl").text
    assert "Deze versie is alleen beschikbaar in het English." in page
    assert '<div class="policy__body prose" lang="en">' in page


def test_conditional_get_answers_304(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    first = get(client, "/privacy-policy")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = get(client, "/privacy-policy", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert "Accept-Language" in again.headers["Vary"]
    other_language = get(client, "/privacy-policy", "nl", **{"If-None-Match": etag})
    assert other_language.status_code == 200
    assert other_language.headers["ETag"] != etag


def test_a_new_version_changes_the_etag(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    etag = get(client, "/privacy-policy").headers["ETag"]
    create_policy_version(published_on=date(2026, 3, 1), body=NEW_BODY)
    assert get(client, "/privacy-policy", **{"If-None-Match": etag}).status_code == 200


def test_print_stylesheet_is_linked(
    client: FlaskClient, create_policy_version: PolicyFactory
) -> None:
    create_policy_version()
    page = get(client, "/privacy-policy").text
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in page
    with client.get("/static/css/print.css") as stylesheet:
        assert stylesheet.status_code == 200
        assert b".site-header" in stylesheet.data
