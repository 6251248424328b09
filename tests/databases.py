"""Throw-away test databases: SQLite files, or PostgreSQL databases when TEST_DATABASE_URL is set.

``TEST_DATABASE_URL`` names a PostgreSQL server database we may connect to (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); each xdist worker gets databases
of its own on that server, created here and dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from website.config import normalise_database_url

# The PostgreSQL server that runs on this project's machines (trust authentication).
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


def worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def scratch_database(purpose: str, tmp_dir: Path, server: str | None = None) -> Iterator[str]:
    """Yield the URL of an empty database that is removed afterwards.

    On ``server`` if given, else on TEST_DATABASE_URL's server, else a SQLite file.
    """
    server = server or server_url()
    if server is None:
        path = tmp_dir / f"{purpose}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"website_{purpose}_{worker_name()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
