"""Example URLs for every route in the URL map, so access and header tests cover new routes,
and a browser that every one of them opens for."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD
from tests.admin.conftest import sign_in as staff_sign_in
from tests.privacy.helpers import make_client
from tests.privacy.helpers import sign_in as privacy_sign_in
from website.admin.services import create_staff

KNOWN = {"language": "en", "published_on": "2019-06-08", "filename": "css/site.css"}


def example_value(rule: Rule, argument: str) -> object:
    if argument in KNOWN:
        return KNOWN[argument]
    converter = rule._converters[argument]
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "example"


def example_urls(app: Flask, method: str = "GET", prefix: str = "/") -> list[str]:
    """One URL per route that answers ``method`` and starts with ``prefix``."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if method in rule.methods and rule.rule.startswith(prefix):
                values = {argument: example_value(rule, argument) for argument in rule.arguments}
                urls.append(app.url_for(rule.endpoint, **values))
    return sorted(urls)


def signed_in_everywhere(app: Flask) -> FlaskClient:
    """A browser signed in to the back office and verified in the privacy centre."""
    with app.app_context():
        create_staff(STAFF_EMAIL, STAFF_PASSWORD)
    client = app.test_client()
    assert staff_sign_in(client).status_code == 303
    make_client(app)
    privacy_sign_in(app, client)
    return client
