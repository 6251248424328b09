"""Small query helpers shared by the features: searching, and locking a row."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import InstrumentedAttribute

from website.extensions import db


def contains(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], text: str
) -> sa.ColumnElement[bool]:
    """Case-insensitive "column contains text", with LIKE's wildcards taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def changed_rows(statement: sa.Executable) -> int:
    """Run an UPDATE or DELETE in the session's transaction; how many rows it changed."""
    result = db.session.execute(statement)
    return cast(sa.CursorResult[Any], result).rowcount


LOCK_TIMEOUT_MS = 5000


def lock_row(model: type[Any], row_id: int) -> None:
    """Hold the row until the transaction ends, so requests that change it take turns.

    PostgreSQL: ``SELECT … FOR UPDATE``, given up after five seconds. SQLite has no row
    locks: a no-op write takes the database's write lock instead (held already if the
    transaction wrote before). Nothing is committed: what the caller changed before stays
    in its transaction, to be committed or rolled back with the rest. A lock not had in
    time raises ``OperationalError``; the transaction is rolled back first.

    Every object the session holds is read again when next used, so nothing loaded before
    the lock (by another request's turn, stale) decides what happens under it.
    """
    dialect = db.session.get_bind().dialect.name
    table = model.__table__
    try:
        db.session.flush()
        if dialect == "sqlite":
            db.session.execute(sa.update(table).where(table.c.id == row_id).values(id=table.c.id))
        else:
            if dialect == "postgresql":
                db.session.execute(sa.text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
            db.session.execute(sa.select(table.c.id).where(table.c.id == row_id).with_for_update())
        db.session.expire_all()
    except OperationalError:
        db.session.rollback()
        raise


def insert_unless_present(model: type[Any], unique: str | tuple[str, ...], **values: Any) -> bool:
    """Add a row unless one with the same ``unique`` column value(s) exists (ON CONFLICT DO
    NOTHING), so two requests adding it at once both succeed and one row is kept.

    Returns whether this call added it. On PostgreSQL the second of two inserts at once waits
    for the first one's transaction and, once that commits, adds nothing.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    columns = [unique] if isinstance(unique, str) else list(unique)
    statement = (
        dialect.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=columns)
        # A returned key proves the row went in; the row count cannot (psycopg reports -1).
        .returning(*sa.inspect(model).primary_key)
    )
    return db.session.execute(statement).first() is not None
