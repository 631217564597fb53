"""Alembic's environment for both apps' migrations (Flask-Migrate's template, kept once).

Each app's `migrations/env.py` calls `run()`; the running Flask app says which database."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")


def _engine():
    return current_app.extensions["migrate"].db.engine


def _engine_url():
    try:
        return _engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(_engine().url).replace("%", "%%")


def _metadata():
    target_db = current_app.extensions["migrate"].db
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def _run_offline(config):
    """SQL to stdout from a URL alone (no DBAPI needed)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=_metadata(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_online(config):
    def process_revision_directives(context, revision, directives):
        """No empty revision from an autogenerate that found no change."""
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


def run() -> None:
    config = context.config
    fileConfig(config.config_file_name, disable_existing_loggers=False)
    config.set_main_option("sqlalchemy.url", _engine_url())
    if context.is_offline_mode():
        _run_offline(config)
    else:
        _run_online(config)
