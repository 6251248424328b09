"""Comparing two policy texts: sections aligned by anchor, blocks marked, all of it safe."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from website.policy.compare import (
    Row,
    SectionChange,
    Status,
    compare_texts,
    compare_versions,
)
from website.policy.models import PolicyVersion

OLD = """Intro.

## 1. What we collect {#collect}

We collect your name.

We collect your email address.

## 2. Cookies {#cookies}

We use no cookies.

## 3. Your rights {#rights}

- See your data.
- Correct your data.

## 4. Contact {#contact}

Write to us.
"""

NEW = """Intro.

## 1. Information we collect {#collect}

We collect your name.

We collect your email address and phone number.

## 2. Your rights {#rights}

- See your data.
- Erase your data.
- Correct your data.

## 3. Sharing {#sharing}

We share nothing.

## 4. Contact {#contact}

Write to us.
"""


def by_anchor(changes: tuple[SectionChange, ...]) -> dict[str, SectionChange]:
    return {change.anchor: change for change in changes}


def test_sections_are_aligned_by_anchor_in_the_new_order() -> None:
    changes = compare_texts(OLD, NEW)
    assert [(change.anchor, change.status) for change in changes] == [
        ("", Status.UNCHANGED),
        ("collect", Status.CHANGED),
        ("cookies", Status.REMOVED),
        ("rights", Status.CHANGED),
        ("sharing", Status.ADDED),
        ("contact", Status.UNCHANGED),
    ]


def test_a_renumbered_and_reworded_heading_is_the_same_section() -> None:
    collect = by_anchor(compare_texts(OLD, NEW))["collect"]
    assert collect.title == "1. Information we collect"
    assert collect.old_title == "1. What we collect"
    assert collect.level == 2
    rights = by_anchor(compare_texts(OLD, NEW))["rights"]
    assert rights.title == "2. Your rights" and rights.old_title is None  # only the number


def test_a_moved_section_is_compared_where_it_is_now() -> None:
    old = "## A {#a}\n\nOne.\n\n## B {#b}\n\nTwo.\n"
    new = "## B {#b}\n\nTwo.\n\n## A {#a}\n\nOne, changed.\n"
    changes = compare_texts(old, new)
    assert [(change.anchor, change.status) for change in changes] == [
        ("b", Status.UNCHANGED),
        ("a", Status.CHANGED),
    ]


def test_only_the_paragraphs_that_differ_are_marked() -> None:
    collect = by_anchor(compare_texts(OLD, NEW))["collect"]
    assert collect.rows == (
        Row(old="<p>We collect your name.</p>\n", new="<p>We collect your name.</p>\n"),
        Row(
            old="<p>We collect your email address.</p>\n",
            new="<p>We collect your email address and phone number.</p>\n",
        ),
    )
    assert [row.same for row in collect.rows] == [True, False]


def test_an_inserted_list_item_is_marked_and_the_others_are_not() -> None:
    rights = by_anchor(compare_texts(OLD, NEW))["rights"]
    assert [(row.old, row.new) for row in rights.rows if not row.same] == [
        (None, "<ul>\n<li>Erase your data.</li>\n</ul>\n")
    ]
    assert [row.new for row in rights.rows if row.same] == [
        "<ul>\n<li>See your data.</li>\n</ul>\n",
        "<ul>\n<li>Correct your data.</li>\n</ul>\n",
    ]


def test_a_removed_list_item_and_a_replaced_paragraph() -> None:
    old = "## A {#a}\n\n- One.\n- Two.\n- Three.\n\nClosing words.\n"
    new = "## A {#a}\n\n- One.\n- Three.\n\nOther closing words.\n"
    rows = compare_texts(old, new)[0].rows
    assert [(row.old, row.new) for row in rows if not row.same] == [
        ("<ul>\n<li>Two.</li>\n</ul>\n", None),
        ("<p>Closing words.</p>\n", "<p>Other closing words.</p>\n"),
    ]


def test_added_and_removed_sections_come_whole() -> None:
    changes = by_anchor(compare_texts(OLD, NEW))
    assert changes["sharing"].rows == (Row(old=None, new="<p>We share nothing.</p>\n"),)
    assert changes["cookies"].rows == (Row(old="<p>We use no cookies.</p>\n", new=None),)
    assert changes["cookies"].title == "2. Cookies"
    unchanged = changes["contact"]
    assert unchanged.rows == (Row(old="<p>Write to us.</p>\n", new="<p>Write to us.</p>\n"),)


def test_rewrapping_or_renumbering_is_no_change() -> None:
    old = "## 2. A {#a}\n\nOne long\nsentence.\n\n1. First.\n2. Second.\n"
    new = "## 3. A {#a}\n\nOne long sentence.\n\n1. First.\n1. Second.\n"
    change = compare_texts(old, new)[0]
    assert change.status is Status.UNCHANGED
    assert change.title == "3. A" and change.old_title is None


def test_subsections_and_headings_without_anchor_are_sections_too() -> None:
    erasure = "### Erasure {#erasure}\n\nAsk.\n"
    old = f"## Rights {{#rights}}\n\n### Access\n\nAsk us.\n\n{erasure}"
    new = f"## Rights {{#rights}}\n\n### Access\n\nAsk us anything.\n\n{erasure}"
    changes = compare_texts(old, new)
    assert [(c.anchor, c.level, c.status) for c in changes] == [
        ("rights", 2, Status.UNCHANGED),
        ("access", 3, Status.CHANGED),
        ("erasure", 3, Status.UNCHANGED),
    ]
    assert changes[0].rows == ()  # a heading with only subsections under it


def test_a_heading_inside_a_list_does_not_start_a_section() -> None:
    old = "## A {#a}\n\n- ## Inner\n\nText.\n"
    new = "## A {#a}\n\n- ## Inner\n\nText, changed.\n"
    assert [change.anchor for change in compare_texts(old, new)] == ["a"]


def test_what_is_returned_is_sanitised() -> None:
    old = "## A {#a}\n\nHello.\n"
    new = "## A {#a}\n\nHello <script>alert(1)</script> [x](javascript:alert(1)).\n"
    row = compare_texts(old, new)[0].rows[0]
    assert row.new is not None
    assert "<script>" not in row.new and "&lt;script&gt;" in row.new
    assert 'href="javascript' not in row.new


@pytest.mark.usefixtures("app_context")
def test_placeholders_are_filled_in_both_versions_in_their_language(app: Flask) -> None:
    app.config.update(CONTACT_RETENTION_MONTHS=7)
    old = PolicyVersion(
        language="nl",
        published_on=date(2020, 1, 2),
        body="## Bewaren {#retention}\n\nNa {{ contact_months }} maanden.\n",
    )
    new = PolicyVersion(
        language="nl",
        published_on=date(2021, 3, 4),
        body="## Bewaren {#retention}\n\nNa {{ contact_months }} maanden weg.\n\n"
        "{{ retention_list }}\n",
    )
    rows = compare_versions(old, new)[0].rows
    assert rows[0] == Row(old="<p>Na 7 maanden.</p>\n", new="<p>Na 7 maanden weg.</p>\n")
    added = "".join(row.new or "" for row in rows[1:])
    assert "<strong>Contactberichten</strong>" in added and "{{" not in added
