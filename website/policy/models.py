"""Published versions of the privacy policy, one row per language and date."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from website.clock import utcnow
from website.extensions import Model


class PolicyVersion(Model):
    """A published policy text; immutable once stored (a change is a new version)."""

    __tablename__ = "policy_version"
    __table_args__ = (
        sa.UniqueConstraint("language", "published_on"),
        sa.CheckConstraint("language IN ('nl', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(2))
    published_on: Mapped[date]
    body: Mapped[str] = mapped_column(sa.Text)
    # What changed since the previous version in this language (Markdown); the first has none.
    changes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def slug(self) -> str:
        """The version's part of its URL: its publication date."""
        return self.published_on.isoformat()


@sa.event.listens_for(PolicyVersion, "before_update")
def _refuse_changes(mapper: object, connection: object, version: PolicyVersion) -> None:
    """A published text is a record of what people were shown: it never changes."""
    changed = (
        attribute.history.added and list(attribute.history.added) != list(attribute.history.deleted)
        for attribute in sa.inspect(version).attrs
    )
    if any(changed):
        raise PublishedVersionImmutable(
            f"Policy version {version.slug} ({version.language}) is published."
        )


class PublishedVersionImmutable(Exception):
    """Something tried to change a published policy version."""
