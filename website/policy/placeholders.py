"""Values from the code in a policy text: ``{{ name }}`` is filled in when the page is shown.

A policy names retention periods, cookie lifetimes, the studio's details and the privacy
centre's panels. Written as placeholders, they cannot drift from what the site does. The
policy package knows none of the values itself: what a policy describes sits above it, so the
app hands it the sources when it is built (``init_app``). A source maps each name to a
function that returns its text in the current language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from flask import Flask, current_app
from flask_babel import force_locale

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
EXTENSION = "policy_placeholders"

Source = Mapping[str, Callable[[], str]]


def init_app(app: Flask, *sources: Source) -> None:
    merged: dict[str, Callable[[], str]] = {}
    for source in sources:
        clash = merged.keys() & source.keys()
        if clash:
            raise ValueError(f"Policy placeholders defined twice: {', '.join(sorted(clash))}")
        merged.update(source)
    app.extensions[EXTENSION] = merged


def known_names() -> set[str]:
    return set(_values())


def names_in(body: str) -> set[str]:
    return set(PLACEHOLDER.findall(body))


def unknown_names(body: str) -> set[str]:
    """Placeholders in ``body`` that nothing fills: a text with them is not published."""
    return names_in(body) - known_names()


def fill(body: str, language: str) -> str:
    """``body`` with every placeholder replaced by its value in ``language``.

    An unknown name stays as written, visible, rather than failing the page: publishing
    refuses such texts, and the suite renders every stored version.
    """
    values = _values()
    with force_locale(language):
        return PLACEHOLDER.sub(
            lambda match: values[match[1]]() if match[1] in values else match[0], body
        )


def _values() -> Mapping[str, Callable[[], str]]:
    values: Mapping[str, Callable[[], str]] = current_app.extensions.get(EXTENSION, {})
    return values
