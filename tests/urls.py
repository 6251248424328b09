"""Example URLs for every route in the URL map, so access and header tests cover new routes."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

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
