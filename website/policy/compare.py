"""Two versions of a policy text compared: section by section, then block by block.

Sections are aligned by their heading's anchor (``## 5. Your rights {#your-rights}``), so a
renamed or renumbered section is still compared with itself; the text before the first
heading is a section of its own. Within a changed section, the paragraphs, list items and
other blocks are compared with ``difflib``. Every block is rendered on its own by the site's
sanitising Markdown renderer: what this module returns is safe to show.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from itertools import zip_longest

from markdown_it import MarkdownIt

from website.markdown import Heading, render_markdown
from website.policy import placeholders
from website.policy.models import PolicyVersion

LISTS = {"bullet_list_open", "ordered_list_open"}
INTRO = ""  # the anchor of the text before the first heading
LIST_MARKER = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+")
SECTION_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


class Status(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class Row:
    """A block of a section in both versions (the same HTML twice), or what replaced what.

    ``old`` and ``new`` are sanitised HTML. A section that is not compared block by block
    (unchanged, added or removed) is one row, its text whole.
    """

    old: str | None
    new: str | None

    @property
    def same(self) -> bool:
        return self.old is not None and self.old == self.new


@dataclass(frozen=True)
class SectionChange:
    """One section in either version or both, with what became of it."""

    anchor: str
    status: Status
    level: int  # the heading's level; 2 for the introduction
    title: str | None  # the heading as it is now (as it was, if removed); None: introduction
    old_title: str | None  # the heading before, if it was reworded
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class _Section:
    anchor: str
    heading: Heading | None
    body: str  # the Markdown source after the heading
    blocks: tuple[str, ...]  # the Markdown source of each block in it

    @property
    def title(self) -> str | None:
        return self.heading.text if self.heading else None


def compare_versions(old: PolicyVersion, new: PolicyVersion) -> tuple[SectionChange, ...]:
    """``new`` against ``old``, both with their placeholders filled in their own language."""
    return compare_texts(
        placeholders.fill(old.body, old.language), placeholders.fill(new.body, new.language)
    )


@lru_cache(maxsize=16)
def compare_texts(old: str, new: str) -> tuple[SectionChange, ...]:
    """Every section of ``old`` and ``new`` in reading order: the new text's, with removed
    sections where they stood in the old one. Cached, since published versions never change."""
    before = {section.anchor: section for section in _sections(old)}
    after = {section.anchor: section for section in _sections(new)}
    return tuple(
        _section_change(before.get(anchor), after.get(anchor))
        for anchor in _aligned(list(before), list(after))
    )


def _aligned(old: list[str], new: list[str]) -> Iterator[str]:
    """The anchors of both texts, each once: in the new order, a removed one after the
    section it followed. A section that moved is shown where it is now."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for _tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        yield from (anchor for anchor in old[old_start:old_end] if anchor not in new)
        yield from new[new_start:new_end]


def _section_change(old: _Section | None, new: _Section | None) -> SectionChange:
    match old, new:
        # A section shown whole is rendered whole: its lists stay one list.
        case None, _Section() as added:
            rows = tuple(Row(old=None, new=html) for html in _whole(added))
            return _change(added, Status.ADDED, rows)
        case _Section() as removed, None:
            rows = tuple(Row(old=html, new=None) for html in _whole(removed))
            return _change(removed, Status.REMOVED, rows)
        case _Section() as before, _Section() as after:
            renamed = _title_key(before) != _title_key(after)
            if not renamed and _keys(before.blocks) == _keys(after.blocks):
                rows = tuple(Row(old=html, new=html) for html in _whole(after))
                return _change(after, Status.UNCHANGED, rows)
            old_title = before.title if renamed else None
            rows = tuple(_rows(before.blocks, after.blocks))
            return _change(after, Status.CHANGED, rows, old_title)
    raise ValueError("a section is in one version at least")


def _change(
    shown: _Section, status: Status, rows: tuple[Row, ...], old_title: str | None = None
) -> SectionChange:
    return SectionChange(
        anchor=shown.anchor,
        status=status,
        level=shown.heading.level if shown.heading else 2,
        title=shown.title,
        old_title=old_title,
        rows=rows,
    )


def _rows(old: tuple[str, ...], new: tuple[str, ...]) -> Iterator[Row]:
    """The blocks of both versions, the ones that differ paired in order of appearance."""
    matcher = SequenceMatcher(None, _keys(old), _keys(new), autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            # The same text, perhaps wrapped or numbered differently: shown as it is now.
            yield from (Row(old=html, new=html) for html in _rendered(new[new_start:new_end]))
            continue
        pairs = zip_longest(_rendered(old[old_start:old_end]), _rendered(new[new_start:new_end]))
        yield from (Row(old=before, new=after) for before, after in pairs)


def _keys(blocks: tuple[str, ...]) -> tuple[str, ...]:
    """What is compared of each block: its words, not its line breaks or list number."""
    return tuple(" ".join(LIST_MARKER.sub("", block, count=1).split()) for block in blocks)


def _title_key(section: _Section) -> str:
    """What is compared of a heading: its words, not its number ("5.2", "3.")."""
    return SECTION_NUMBER.sub("", section.title or "", count=1)


def _rendered(blocks: tuple[str, ...]) -> list[str]:
    return [render_markdown(block).html for block in blocks]


def _whole(section: _Section) -> list[str]:
    """The section's text in one piece; nothing if it is only a heading."""
    return [render_markdown(section.body).html] if section.blocks else []


def _sections(text: str) -> list[_Section]:
    """``text`` cut at each heading that is not inside a list or quote."""
    lines = _lines(text)
    headings = [heading for heading in render_markdown(text).headings if heading.line is not None]
    starts = [0, *(heading.line for heading in headings if heading.line is not None)]
    ends = [*starts[1:], len(lines)]
    sections = []
    for heading, start, end in zip([None, *headings], starts, ends, strict=True):
        body, blocks = _parse("\n".join(lines[start:end]))
        if heading is None and not blocks:
            continue  # no introduction
        sections.append(_Section(heading.anchor if heading else INTRO, heading, body, blocks))
    return sections


def _parse(section: str) -> tuple[str, tuple[str, ...]]:
    """The text of ``section`` after its heading, and the source of each of its blocks:
    paragraphs, quotes and code, and each item of its lists."""
    lines = _lines(section)
    body_start = 0
    blocks = []
    for token in MarkdownIt("commonmark", {"html": False}).parse(section):
        if token.map is None or token.nesting < 0:
            continue
        if token.type == "heading_open" and token.level == 0:
            body_start = token.map[1]
            continue
        top_level = token.level == 0 and token.type not in LISTS
        if top_level or (token.type == "list_item_open" and token.level == 1):
            start, end = token.map
            blocks.append("\n".join(lines[start:end]).strip("\n") + "\n")
    return "\n".join(lines[body_start:]), tuple(blocks)


def _lines(text: str) -> list[str]:
    """``text`` split into lines as markdown-it counts them (not at U+2028 or a form feed)."""
    return re.sub(r"\r\n?", "\n", text).split("\n")
