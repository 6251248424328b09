"""The migrations build exactly the models' schema, and go down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from tests.conftest import make_config
from tests.databases import scratch_database
from website import PROJECT_ROOT, create_app
from website.extensions import db


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    with scratch_database("migrations", tmp_path) as url:
        app = create_app(make_config(url))
        with app.app_context():
            yield app
            db.engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory(str(Path(PROJECT_ROOT) / "migrations"))
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


@pytest.mark.usefixtures("empty_app")
def test_upgraded_schema_matches_the_models() -> None:
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
    assert table_names() == {*db.metadata.tables, "alembic_version"}


@pytest.mark.usefixtures("empty_app")
def test_every_revision_upgrades_and_downgrades_in_turn() -> None:
    revisions = revisions_oldest_first()
    assert revisions, "there are migrations"
    for revision in revisions:
        upgrade(revision=revision)
    for _ in revisions:
        downgrade(revision="-1")
    assert table_names() <= {"alembic_version"}
    upgrade()
    assert table_names() == {*db.metadata.tables, "alembic_version"}
