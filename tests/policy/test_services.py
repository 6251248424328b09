"""Loading policy versions from the repository's Markdown files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from website.extensions import db
from website.markdown import render_markdown
from website.policy.cli import DEFAULT_DIRECTORY
from website.policy.models import PolicyVersion
from website.policy.services import PolicyConflict, current_version, import_directory

pytestmark = pytest.mark.usefixtures("app_context")


def stored() -> list[tuple[str, date, str]]:
    rows = db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.id))
    return [(row.language, row.published_on, row.body) for row in rows]


def test_import_adds_new_files_and_skips_known_ones(tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("One.\n", encoding="utf-8")
    (tmp_path / "2020-01-02.nl.md").write_text("Een.\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    first = import_directory(tmp_path)
    assert first.added == ["2020-01-02.en.md", "2020-01-02.nl.md"]
    second = import_directory(tmp_path)
    assert second.added == [] and len(second.unchanged) == 2
    assert stored() == [("en", date(2020, 1, 2), "One.\n"), ("nl", date(2020, 1, 2), "Een.\n")]


def test_published_versions_never_change(tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("One.\n", encoding="utf-8")
    import_directory(tmp_path)
    (tmp_path / "2020-01-02.en.md").write_text("Changed.\n", encoding="utf-8")
    (tmp_path / "2021-01-01.en.md").write_text("Two.\n", encoding="utf-8")
    with pytest.raises(PolicyConflict, match="never change"):
        import_directory(tmp_path)
    assert stored() == [("en", date(2020, 1, 2), "One.\n")]


def test_the_repository_policy_has_both_languages_with_the_same_sections() -> None:
    report = import_directory(DEFAULT_DIRECTORY)
    assert "2019-06-08.en.md" in report.added and "2019-06-08.nl.md" in report.added
    english, dutch = current_version("en"), current_version("nl")
    assert english is not None and dutch is not None
    anchors = [
        [h.anchor for h in render_markdown(version.body).headings] for version in (english, dutch)
    ]
    assert anchors[0] == anchors[1]
    sections = [h.anchor for h in render_markdown(english.body).headings if h.level == 2]
    assert sections == [
        "information-we-collect",
        "how-we-use-information",
        "sharing",
        "other-information",
        "your-rights",
        "security",
        "changes",
        "contact",
    ]
