"""Alembic environment, run by Flask-Migrate inside the app (``flask db ...``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from website.extensions import Hundredths, UTCDateTime, db

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def render_item(type_, obj, autogen_context):
    """Write our column types as the plain types they store, so migrations never import the app."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Hundredths):
        return "sa.BigInteger()"
    return False


def skip_empty_autogenerate(context_, revision, directives):
    """`flask db migrate` writes no file when the models and the schema already agree."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def configure_args():
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("process_revision_directives", skip_empty_autogenerate)
    args.setdefault("render_item", render_item)
    return args


def run_migrations_offline():
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        **configure_args(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            _migrate(connection)
            return
        # SQLite changes a table by copying it and dropping the old one; with foreign keys
        # checked, dropping a parent would delete (or refuse) its children. Off while
        # migrating (it only takes effect outside a transaction), checked afterwards.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
        try:
            _migrate(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"The migration left rows pointing at nothing: {broken}")
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()


def _migrate(connection):
    context.configure(connection=connection, target_metadata=db.metadata, **configure_args())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
