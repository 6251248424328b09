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


def summaries() -> list[tuple[str, date, str | None]]:
    rows = db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.id))
    return [(row.language, row.published_on, row.changes) for row in rows]


def write(directory: Path, **files: str) -> None:
    """``write(d, **{"2020-01-02.en.md": "One."})``: the files, in UTF-8."""
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def test_a_later_version_is_stored_with_its_summary_and_the_first_needs_none(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        **{
            "2020-01-02.en.md": "One.\n",
            "2020-01-02.nl.md": "Een.\n",
            "2021-03-04.en.md": "Two.\n",
            "2021-03-04.en.changes.md": "- Shorter.\n",
            "2021-03-04.en.changes.txt": "not a summary",
            "README.md": "ignored",
        },
    )
    report = import_directory(tmp_path)
    assert report.added == ["2020-01-02.en.md", "2020-01-02.nl.md", "2021-03-04.en.md"]
    assert summaries() == [
        ("en", date(2020, 1, 2), None),
        ("nl", date(2020, 1, 2), None),
        ("en", date(2021, 3, 4), "- Shorter.\n"),
    ]
    again = import_directory(tmp_path)
    assert again.added == [] and len(again.unchanged) == 3


def test_the_first_version_in_a_language_needs_no_summary_even_after_another_language(
    tmp_path: Path,
) -> None:
    write(tmp_path, **{"2020-01-02.en.md": "One.\n", "2021-03-04.nl.md": "Een.\n"})
    assert import_directory(tmp_path).added == ["2020-01-02.en.md", "2021-03-04.nl.md"]


@pytest.mark.parametrize("summary", [None, " \n"], ids=["missing", "blank"])
def test_a_later_version_without_a_summary_is_refused(tmp_path: Path, summary: str | None) -> None:
    write(tmp_path, **{"2020-01-02.en.md": "One.\n"})
    import_directory(tmp_path)
    write(tmp_path, **{"2021-03-04.en.md": "Two.\n", "2021-03-04.nl.md": "Twee.\n"})
    if summary is not None:
        write(tmp_path, **{"2021-03-04.en.changes.md": summary})
    with pytest.raises(PolicyConflict, match=r"2021-03-04\.en\.changes\.md"):
        import_directory(tmp_path)
    assert stored() == [("en", date(2020, 1, 2), "One.\n")]


def test_a_later_version_in_the_same_run_needs_a_summary_too(tmp_path: Path) -> None:
    write(tmp_path, **{"2020-01-02.en.md": "One.\n", "2021-03-04.en.md": "Two.\n"})
    with pytest.raises(PolicyConflict, match="not the first version in 'en'"):
        import_directory(tmp_path)
    assert stored() == []


@pytest.mark.parametrize("summary", ["- Changed afterwards.\n", None], ids=["changed", "removed"])
def test_the_summary_of_a_published_version_never_changes(
    tmp_path: Path, summary: str | None
) -> None:
    write(
        tmp_path,
        **{
            "2020-01-02.en.md": "One.\n",
            "2021-03-04.en.md": "Two.\n",
            "2021-03-04.en.changes.md": "- Shorter.\n",
        },
    )
    import_directory(tmp_path)
    if summary is None:
        (tmp_path / "2021-03-04.en.changes.md").unlink()
    else:
        write(tmp_path, **{"2021-03-04.en.changes.md": summary})
    with pytest.raises(PolicyConflict, match=r"summary of changes of 2021-03-04\.en\.md"):
        import_directory(tmp_path)
    assert summaries()[-1] == ("en", date(2021, 3, 4), "- Shorter.\n")


def test_a_summary_cannot_be_added_to_a_published_version(tmp_path: Path) -> None:
    write(tmp_path, **{"2020-01-02.en.md": "One.\n"})
    import_directory(tmp_path)
    write(tmp_path, **{"2020-01-02.en.changes.md": "- Afterthought.\n"})
    with pytest.raises(PolicyConflict, match="never change"):
        import_directory(tmp_path)
    assert summaries() == [("en", date(2020, 1, 2), None)]


def test_a_summary_without_its_text_is_refused(tmp_path: Path) -> None:
    write(tmp_path, **{"2020-01-02.en.md": "One.\n", "2021-03-04.en.changes.md": "- Two.\n"})
    with pytest.raises(PolicyConflict, match=r"add 2021-03-04\.en\.md beside it"):
        import_directory(tmp_path)
    assert stored() == []


def test_a_summary_may_name_only_known_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        **{
            "2020-01-02.en.md": "One.\n",
            "2021-03-04.en.md": "Two.\n",
            "2021-03-04.en.changes.md": "- Kept {{ no_such_value }} months.\n",
        },
    )
    with pytest.raises(PolicyConflict, match="no_such_value"):
        import_directory(tmp_path)
    assert stored() == []


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
