"""Markdown to safe HTML, with stable heading anchors for a table of contents.

Headings may end in an explicit anchor, ``## 5. Your rights {#your-rights}``, so links to a
section survive rewording and translation; other headings get an id made from their text.
Raw HTML in the source is escaped, and the output is sanitised once more with nh3.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

EXPLICIT_ANCHOR = re.compile(r"\s*\{#([a-z][a-z0-9-]*)\}\s*$")
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str
    # The source line (from 0) a heading outside any list or quote starts on: a section of the
    # text begins there (see website/policy/compare.py). None for a heading inside a block.
    line: int | None = None


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]


@lru_cache(maxsize=64)
def render_markdown(source: str) -> Rendered:
    """Render ``source``; the result is cached, since policy texts never change."""
    parser = MarkdownIt("commonmark", {"html": False})
    tokens = parser.parse(source)
    headings = tuple(_anchor_headings(tokens))
    html = parser.renderer.render(tokens, parser.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Rendered(html=clean, headings=headings)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug if slug[:1].isalpha() else f"section-{slug}".rstrip("-")


def _anchor_headings(tokens: list[Token]) -> list[Heading]:
    headings: list[Heading] = []
    used: set[str] = set()
    for opening, inline in pairwise(tokens):
        if opening.type != "heading_open" or not inline.children:
            continue
        last = inline.children[-1]
        explicit = EXPLICIT_ANCHOR.search(last.content) if last.type == "text" else None
        if explicit:
            last.content = last.content[: explicit.start()]
        text = "".join(child.content for child in inline.children).strip()
        anchor = explicit.group(1) if explicit else slugify(text)
        while anchor in used:
            anchor += "-1"
        used.add(anchor)
        opening.attrSet("id", anchor)
        line = opening.map[0] if opening.map and opening.level == 0 else None
        headings.append(Heading(level=int(opening.tag[1]), anchor=anchor, text=text, line=line))
    return headings
