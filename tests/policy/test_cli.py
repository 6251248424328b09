"""``flask policy import``."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskCliRunner


def test_import_reports_what_it_added(runner: FlaskCliRunner, tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("One.\n", encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 added, 0 unchanged" in result.output
    again = runner.invoke(args=["policy", "import", str(tmp_path)])
    assert "0 added, 1 unchanged" in again.output


def test_import_refuses_a_changed_version(runner: FlaskCliRunner, tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("One.\n", encoding="utf-8")
    runner.invoke(args=["policy", "import", str(tmp_path)])
    (tmp_path / "2020-01-02.en.md").write_text("Two.\n", encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "Published versions never change" in result.output


def test_import_defaults_to_the_repository_content(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["policy", "import"])
    assert result.exit_code == 0, result.output
    assert "added 2019-06-08.en.md" in result.output
    assert "added 2019-06-08.nl.md" in result.output


def test_import_asks_for_a_summary_of_changes(runner: FlaskCliRunner, tmp_path: Path) -> None:
    (tmp_path / "2020-01-02.en.md").write_text("One.\n", encoding="utf-8")
    (tmp_path / "2021-03-04.en.md").write_text("Two.\n", encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "say what changed in 2021-03-04.en.changes.md" in result.output
    (tmp_path / "2021-03-04.en.changes.md").write_text("- Shorter.\n", encoding="utf-8")
    result = runner.invoke(args=["policy", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 unchanged" in result.output
