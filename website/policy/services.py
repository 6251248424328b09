"""Reading and publishing privacy policy versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from website.audit.services import record
from website.clock import studio_today
from website.extensions import db
from website.policy.models import PolicyVersion
from website.policy.placeholders import unknown_names

LANGUAGES = ("nl", "en")
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(nl|en)\.md$")
CHANGES_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(nl|en)\.changes\.md$")


class PolicyConflict(Exception):
    """A file differs from the version already published under its date and language."""


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def published_versions(language: str, today: date | None = None) -> list[PolicyVersion]:
    """Versions in ``language`` that are in force or were, newest first."""
    today = today or studio_today()
    return list(
        db.session.scalars(
            sa.select(PolicyVersion)
            .where(PolicyVersion.language == language, PolicyVersion.published_on <= today)
            .order_by(PolicyVersion.published_on.desc())
        )
    )


def current_version(language: str, today: date | None = None) -> PolicyVersion | None:
    """The version in force today: in ``language`` if there is one, else in another language."""
    for candidate in (language, *(other for other in LANGUAGES if other != language)):
        versions = published_versions(candidate, today)
        if versions:
            return versions[0]
    return None


def find_version(
    language: str, published_on: date, today: date | None = None
) -> PolicyVersion | None:
    """The version of ``published_on``, preferring ``language``; None if there is none (yet)."""
    if published_on > (today or studio_today()):
        return None
    rows = db.session.scalars(
        sa.select(PolicyVersion).where(PolicyVersion.published_on == published_on)
    ).all()
    by_language = {row.language: row for row in rows}
    return by_language.get(language) or next(iter(by_language.values()), None)


def import_directory(directory: Path) -> ImportReport:
    """Store every ``YYYY-MM-DD.<language>.md`` file in ``directory`` as a published version.

    A ``YYYY-MM-DD.<language>.changes.md`` beside it is the version's summary of changes, which
    every version but the first in its language needs. Files already stored are left alone; a
    file whose text or summary differs from the stored version raises ``PolicyConflict``, since
    published versions never change.
    """
    report = ImportReport()
    names = {path.name for path in directory.iterdir()}
    for name in sorted(names):
        summary = CHANGES_NAME.match(name)
        if summary and f"{summary[1]}.{summary[2]}.md" not in names:
            raise PolicyConflict(
                f"{name} summarises a version that has no text: "
                f"add {summary[1]}.{summary[2]}.md beside it, or remove the summary."
            )
    for name in sorted(names):
        match = FILE_NAME.match(name)
        if not match:
            continue
        changes_path = directory / f"{match[1]}.{match[2]}.changes.md"
        changes = changes_path.read_text(encoding="utf-8") if changes_path.is_file() else None
        try:
            added = _import_version(
                directory / name,
                date.fromisoformat(match[1]),
                match[2],
                changes if changes and changes.strip() else None,
            )
        except PolicyConflict:
            db.session.rollback()
            raise
        (report.added if added else report.unchanged).append(name)
    db.session.commit()
    return report


def _import_version(path: Path, published_on: date, language: str, changes: str | None) -> bool:
    """Add the version in ``path`` unless it is stored already; True if it was added."""
    body = path.read_text(encoding="utf-8")
    unknown = unknown_names(body) | unknown_names(changes or "")
    if unknown:
        raise PolicyConflict(
            f"{path.name} names values the site does not fill: {', '.join(sorted(unknown))}."
        )
    stored = db.session.scalar(
        sa.select(PolicyVersion).where(
            PolicyVersion.language == language, PolicyVersion.published_on == published_on
        )
    )
    summary_name = f"{published_on}.{language}.changes.md"
    if stored is not None:
        if stored.body != body:
            raise PolicyConflict(
                f"{path.name} differs from the version published on {published_on} "
                f"in '{language}'. Published versions never change: add a new dated file."
            )
        if stored.changes != changes:
            raise PolicyConflict(
                f"The summary of changes of {path.name} ({summary_name}) differs from the one "
                f"published on {published_on} in '{language}'. Published versions never change: "
                "add a new dated file."
            )
        return False
    if changes is None and previous_version(language, published_on) is not None:
        raise PolicyConflict(
            f"{path.name} is not the first version in '{language}': "
            f"say what changed in {summary_name} beside it (a short Markdown list)."
        )
    db.session.add(
        PolicyVersion(language=language, published_on=published_on, body=body, changes=changes)
    )
    return True


def previous_version(language: str, published_on: date) -> PolicyVersion | None:
    """The latest version in ``language`` published before ``published_on``, if any."""
    return db.session.scalar(
        sa.select(PolicyVersion)
        .where(PolicyVersion.language == language, PolicyVersion.published_on < published_on)
        .order_by(PolicyVersion.published_on.desc())
        .limit(1)
    )


def publish(
    published_on: date,
    bodies: Mapping[str, str],
    changes: Mapping[str, str],
    staff_id: int | None,
) -> None:
    """Publish a new version in every language at once; it is in force from ``published_on``.

    ``changes`` holds each language's summary of what changed (Markdown), which every version
    but the first in its language needs; blank means none.
    """
    if published_on < studio_today():
        raise PolicyConflict(_l("A new version cannot be published in the past."))
    taken = db.session.scalar(
        sa.select(PolicyVersion.id).where(PolicyVersion.published_on == published_on)
    )
    if taken is not None:
        raise PolicyConflict(
            _l("There is already a version dated %(date)s.", date=published_on.isoformat())
        )
    unknown = set().union(*(unknown_names(text) for text in (*bodies.values(), *changes.values())))
    if unknown:
        raise PolicyConflict(
            _l("Unknown placeholders: %(names)s.", names=", ".join(sorted(unknown)))
        )
    summaries = {
        language: text if (text := changes.get(language, "")).strip() else None
        for language in LANGUAGES
    }
    if any(
        summaries[language] is None and previous_version(language, published_on) is not None
        for language in LANGUAGES
    ):
        raise PolicyConflict(_l("Say what changed since the previous version."))
    for language in LANGUAGES:
        db.session.add(
            PolicyVersion(
                language=language,
                published_on=published_on,
                body=bodies[language],
                changes=summaries[language],
            )
        )
    record(staff_id, "policy.published", "policy_version", published_on.isoformat())
    db.session.commit()


def languages_published() -> set[str]:
    """The languages that have a version already (scheduled ones too): a new version in one
    of them says what changed."""
    return set(db.session.scalars(sa.select(PolicyVersion.language).distinct()))


def all_versions() -> list[PolicyVersion]:
    """Every published version, newest first."""
    return list(
        db.session.scalars(
            sa.select(PolicyVersion).order_by(
                PolicyVersion.published_on.desc(), PolicyVersion.language
            )
        )
    )
