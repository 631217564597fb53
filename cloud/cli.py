"""`pos cloud ...`: serve the cloud, migrate, create the first admin, seed the demo."""
from __future__ import annotations

import os
from pathlib import Path

import click

DB_OPTION = click.option("--database-url", envvar="POS_CLOUD_DATABASE_URL", default=None,
                         help="SQLAlchemy URL (default: SQLite under ./instance/).")


def _app(database_url: str | None, **overrides):
    from sqlalchemy.exc import ArgumentError

    from cloud import create_app
    from cloud.config import default_database_url

    url = database_url or default_database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": url, **overrides})
    except ArgumentError as error:
        raise click.ClickException(f"invalid database URL: {error}") from None


def _upgrade(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        try:
            upgrade()
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0]
            raise click.ClickException(f"cannot reach the database: {reason}") from None


@click.group("cloud")
def cloud_group():
    """The head-office API and dashboard."""


@cloud_group.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@DB_OPTION
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes (use PostgreSQL for more than one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256))
def run(host, port, database_url, workers, threads):
    """Apply pending migrations and serve the cloud."""
    from gunicorn.app.base import BaseApplication

    metrics_dir = _share_metrics_between(workers)  # before the app builds its metrics
    app = _app(database_url)
    # long-polls of pending charges never take the last two threads: the webhooks that end them need one
    app.config["CHARGE_WAIT_SLOTS"] = max(0, min(app.config["CHARGE_WAIT_SLOTS"], threads - 2))
    _upgrade(app)
    with app.app_context():
        from cloud.extensions import db

        db.engine.dispose()  # workers open their own connections after the fork

    class Server(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "accesslog": "-", "timeout": 60,
                               "graceful_timeout": 10}.items():
                self.cfg.set(key, value)
            if metrics_dir:
                self.cfg.set("child_exit", _forget_worker_metrics)

        def load(self):
            return app

    from sync.web.server_errors import use_json_errors_in_gunicorn

    use_json_errors_in_gunicorn()  # what gunicorn refuses itself (414, 431, 400) in the contract's JSON body too
    click.echo(f"cloud serving on http://{host}:{port}/ (API docs: /api/docs/)", err=True)
    Server().run()


def _share_metrics_between(workers: int) -> str | None:
    """With several workers, /metrics must sum them all: prometheus_client's multiprocess
    mode keeps each worker's counts in files under PROMETHEUS_MULTIPROC_DIR (set here to
    a fresh directory unless the operator set one). Files of an earlier run are removed,
    or their counts would be summed in."""
    import os
    import tempfile
    from pathlib import Path

    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory and workers > 1:
        directory = tempfile.mkdtemp(prefix="pos-cloud-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()
    return directory


def _forget_worker_metrics(server, worker) -> None:
    """A worker that exited: its live gauges (connections in use) stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


@cloud_group.command("migrate")
@DB_OPTION
def migrate(database_url):
    """Apply pending migrations (run once before starting gunicorn workers)."""
    _upgrade(_app(database_url))
    click.echo("database is up to date")


@cloud_group.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True)
@DB_OPTION
def create_admin(username, password, database_url):
    """Create a super_admin."""
    from cloud.extensions import db
    from cloud.services import users
    from cloud.services.actor import Actor
    from sync.errors import DomainError

    app = _app(database_url)
    _upgrade(app)
    with app.app_context():
        root = Actor(0, "cli", "super_admin", None, None)
        try:
            user = users.create_user(db.session, root, {"username": username, "password": password,
                                                        "role": "super_admin"})
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"created super_admin {user.username} (id {user.id})")


@cloud_group.command("seed-demo")
@DB_OPTION
@click.option("--keep-other-devices", is_flag=True,
              help="The key's device joins the demo outlet's enrolled edges instead of replacing them.")
@click.option("--notifications", is_flag=True,
              help="Also a customer with a phone and an email, and default payment_received templates (pos demo).")
def seed_demo(database_url, keep_other_devices, notifications):
    """Create the demo tenant, outlet, users, catalog and promotions; print an enrollment key."""
    from cloud.extensions import db
    from cloud.services import demo

    app = _app(database_url, DEMO=True)
    _upgrade(app)
    with app.app_context():
        # gateway credentials are sealed under the cloud's secret: only a lasting one (not a throwaway) will do
        lasting = os.environ.get("POS_JWT_SECRET") == app.config["JWT_SECRET_KEY"]
        summary, key = demo.seed(db.session, keep_other_devices, notifications,
                                 gateway_secret=app.config["JWT_SECRET_KEY"] if lasting else None)
        db.session.commit()
    for line in summary:
        click.echo(line)
    click.echo(f"enrollment_key={key}")


@cloud_group.command("worker")
@DB_OPTION
def worker(database_url):
    """Deliver notifications (WhatsApp, email) with retries and evaluate automation rules; run one or more
    beside the API."""
    import contextlib
    import logging

    from cloud.worker import build_channels, make_scheduler

    app = _app(database_url)
    _upgrade(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("apscheduler", "alembic"):  # a line per pass (every few seconds) says nothing
        logging.getLogger(noisy).setLevel(logging.WARNING)
    channels = build_channels(app.config)
    click.echo(f"notification worker: channels {', '.join(sorted(channels)) or 'none configured'}, "
               f"every {app.config['NOTIFY_POLL_S']} s; automation rules every {app.config['NOTIFY_RULES_S']} s",
               err=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        make_scheduler(app, channels).start()


@cloud_group.command("maintenance")
@DB_OPTION
def maintenance(database_url):
    """Prune old tombstones and expired token revocations (run daily)."""
    from datetime import timedelta

    from cloud.extensions import db
    from cloud.services import auth, changefeed, security_log
    from sync.timeutil import utcnow

    app = _app(database_url)
    _upgrade(app)
    with app.app_context():
        days = app.config["SYNC_TOMBSTONE_RETENTION_DAYS"]
        pruned = changefeed.prune_tombstones(db.session, utcnow() - timedelta(days=days))
        purged = auth.purge_expired_revocations(db.session)
        logged = security_log.prune(db.session, app.config["SECURITY_LOG_KEEP_DAYS"])
        db.session.commit()
    click.echo(f"pruned {pruned} tombstones older than {days} days, {purged} expired revocations, "
               f"{logged} security log rows older than {app.config['SECURITY_LOG_KEEP_DAYS']} days")



