"""Markdown rendering: stable anchors, and no way to inject script or third-party content."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from website.markdown import render_markdown, slugify


class Elements(HTMLParser):
    """Collects every element and its attributes from rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def test_explicit_anchors_are_used_and_stripped() -> None:
    rendered = render_markdown("## 5. Your rights {#your-rights}\n\n### 5.1 Access {#access}\n")
    assert '<h2 id="your-rights">5. Your rights</h2>' in rendered.html
    assert '<h3 id="access">5.1 Access</h3>' in rendered.html
    assert [(h.level, h.anchor, h.text) for h in rendered.headings] == [
        (2, "your-rights", "5. Your rights"),
        (3, "access", "5.1 Access"),
    ]


def test_headings_without_anchor_get_one_from_their_text() -> None:
    rendered = render_markdown(
        "## Wijzigingen in déze verklaring\n\n## 7. Changes\n\n## 7. Changes\n"
    )
    assert [h.anchor for h in rendered.headings] == [
        "wijzigingen-in-deze-verklaring",
        "section-7-changes",
        "section-7-changes-1",
    ]


def test_headings_outside_blocks_know_their_source_line() -> None:
    rendered = render_markdown("Intro.\n\n## A {#a}\n\n- ## Inside a list\n\nB\n---\n")
    assert [(h.anchor, h.line) for h in rendered.headings] == [
        ("a", 2),
        ("inside-a-list", None),
        ("b", 6),
    ]


def test_slugify_never_starts_with_a_digit() -> None:
    assert slugify("1.1 Info") == "section-1-1-info"
    assert slugify("…") == "section"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="https://tracker.example/p.gif" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "![pixel](https://tracker.example/p.gif)",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_no_script_or_third_party_content_survives(source: str) -> None:
    elements = Elements()
    elements.feed(render_markdown(f"Text.\n\n{source}\n").html)
    assert {tag for tag, _ in elements.found} <= {"p", "a", "em", "strong"}
    for _, attributes in elements.found:
        for name, value in attributes:
            assert not name.startswith("on")
            assert name != "src"
            if name == "href":
                assert value.startswith(("#", "/", "http:", "https:", "mailto:")), value


def test_ordinary_formatting_and_links_survive() -> None:
    html = render_markdown(
        "**Bold** and *em*.\n\n1. one\n2. two\n\n<info@example.nl> and [AP](https://ap.example/)\n"
    ).html
    assert "<strong>Bold</strong>" in html and "<em>em</em>" in html
    assert "<ol>" in html and "<li>two</li>" in html
    assert '<a href="mailto:info@example.nl" rel="noopener noreferrer">' in html
    assert '<a href="https://ap.example/" rel="noopener noreferrer">AP</a>' in html
