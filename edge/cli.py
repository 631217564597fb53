"""`pos edge ...`, `pos sync ...` and `pos printer ...`: the outlet's commands."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import click

from sync.vocab import PRINTER_KINDS, PRINTER_ROLES

DATA_DIR = click.option("--data-dir", envvar="POS_EDGE_DATA_DIR", default=None,
                        help="Where the edge keeps its database and credential (default ./instance/edge/).")
DATABASE_FILE = "edge.sqlite3"


class DataDirError(click.ClickException):
    """A data dir that is missing, not a directory, or holds no usable edge database:
    one line and exit status 2 (a usage error), never a traceback."""

    exit_code = 2


def _data_dir(data_dir: str | None, existing: bool) -> Path:
    """The data dir as an absolute path (a relative one is the working directory's, not
    the app's instance folder). `existing`: it must already hold an edge's database."""
    from edge.config import default_data_dir

    path = Path(data_dir or default_data_dir()).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise DataDirError(f"{path} is not a directory; --data-dir names the edge's data directory")
    if existing and not (path / DATABASE_FILE).is_file():
        what = "does not exist" if not path.exists() else f"holds no edge database ({DATABASE_FILE})"
        raise DataDirError(f"the edge data dir {path} {what}; enroll this edge first with "
                           f"`pos edge enroll --cloud-url URL --enrollment-key KEY --data-dir {path}`")
    nearest = path if path.exists() else next((p for p in path.parents if p.exists()), path.anchor)
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise DataDirError(f"the edge data dir {path} is not writable by this user")
    return path


def _app(data_dir: str | None, existing: bool = True, **overrides):
    from edge import create_app

    # only `pos edge run` serves Socket.IO; the other commands must not load eventlet
    config = {"DATA_DIR": str(_data_dir(data_dir, existing)), "ASYNC_MODE": "threading", **overrides}
    try:
        return create_app(config)
    except OSError as error:
        raise DataDirError(f"the edge data dir {config['DATA_DIR']} cannot be used: {error.strerror or error}") \
            from None


def _upgrade(app) -> None:
    from flask_migrate import upgrade
    from sqlalchemy.exc import DatabaseError

    with app.app_context():
        try:
            upgrade()
        except DatabaseError as error:
            reason = str(getattr(error, "orig", error)).splitlines()[0]
            raise DataDirError(f"the edge database in {app.config['DATA_DIR']} cannot be opened: {reason}") from None


LOCK_FILE = "edge.lock"


def _hold_shared_lock(data_dir: str):
    """`pos edge run` holds this while it runs; `pos edge recover` needs it alone."""
    handle = open(Path(data_dir) / LOCK_FILE, "a+")  # noqa: SIM115 - held for the process's life
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def _upgrade_or_note_damage(app) -> None:
    """Apply migrations; on a damaged database, note the damage instead of dying: the edge
    still serves health (503, database: error) and says how to recover."""
    from sqlalchemy.exc import DBAPIError

    from edge.services.storage import database as storage

    try:
        _upgrade(app)
    except (DBAPIError, sqlite3.DatabaseError) as error:
        if storage.classify(error) != "damaged":
            raise
        storage.mark_damaged(f"migrations could not read it: {getattr(error, 'orig', error)}", app)


def _enrolled_or_exit(app):
    from edge.services.syncing import credentials

    device = credentials.load_device(app.config["DATA_DIR"])
    if device is None:
        raise click.ClickException(f"this edge is not enrolled (data dir {app.config['DATA_DIR']}); "
                                   "run `pos edge enroll --cloud-url URL --enrollment-key KEY` first")
    return device


@click.group("edge")
def edge_group():
    """The outlet's node: selling, kitchen, printing, sync."""


@edge_group.command("enroll")
@click.option("--cloud-url", required=True, envvar="POS_EDGE_CLOUD_URL")
@click.option("--enrollment-key", required=True)
@click.option("--device-name", default=None)
@DATA_DIR
def enroll(cloud_url, enrollment_key, device_name, data_dir):
    """Bind this edge to its outlet and pull master data."""
    from edge.extensions import db
    from edge.services import runtime
    from edge.services.syncing import enrollment, puller
    from sync.client import CloudError

    app = _app(data_dir, existing=False, CLOUD_URL=cloud_url)
    _upgrade(app)
    with app.app_context():
        try:
            credential = enrollment.enroll(db.session, app.config["DATA_DIR"], cloud_url, enrollment_key,
                                           device_name)
            outcome = puller.pull_all(runtime.client_for(app))
        except enrollment.EnrollmentRefused as refused:
            raise click.ClickException(str(refused)) from None
        except CloudError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"enrolled as device {credential.device_id} of outlet {credential.outlet_code}; "
               f"pulled {outcome.changes} changes (cursor {outcome.cursor})")


@edge_group.command("run")
@click.option("--host", default="0.0.0.0", show_default=True, help="0.0.0.0 lets kitchen screens on the LAN in.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@DATA_DIR
@click.option("--cloud-url", envvar="POS_EDGE_CLOUD_URL", default=None, help="Overrides the enrolled cloud URL.")
@click.option("--async-mode", type=click.Choice(["eventlet", "threading"]), envvar="POS_EDGE_ASYNC_MODE",
              default="eventlet", show_default=True)
def run(host, port, data_dir, cloud_url, async_mode):
    """Apply migrations and serve the edge API, Socket.IO, kiosk and kitchen pages."""
    overrides = {"ASYNC_MODE": async_mode}
    if cloud_url:
        overrides["CLOUD_URL"] = cloud_url
    app = _app(data_dir, **overrides)
    lock = _hold_shared_lock(app.config["DATA_DIR"])
    _upgrade_or_note_damage(app)
    device = _enrolled_or_exit(app)
    from edge.extensions import socketio
    from edge.services.runtime import BackgroundServices
    from edge.services.storage import database as storage

    # a damaged database is logged once (edge.services.storage.database); health and reads are still served
    sound = storage.state(app).damaged is None and storage.check_integrity(app)
    services = BackgroundServices(app)
    if sound and services.relay is not None:
        # before the first sale: a restored or copied database takes back what it lost
        # (selling paused and health red while it does; served meanwhile)
        services.catch_up(timeout_s=5, background=True)
    services.start()
    printing = _start_print_worker(app) if app.config["PRINTING_ENABLED"] and sound else None
    if printing is not None:
        app.extensions["pos_print_process"] = printing  # GET /api/health/ reports whether it runs
    click.echo(f"edge of outlet {device.outlet_code} serving on http://{host}:{port}/ "
               f"(kiosk /kiosk/, kitchen /kitchen/, API docs /api/docs/; async mode {async_mode})", err=True)
    try:
        from sync.web import server_errors

        # the server's own refusals (URL too long, bad headers) in the contract's JSON body too
        kwargs = ({"allow_unsafe_werkzeug": True, "request_handler": server_errors.werkzeug_request_handler()}
                  if async_mode == "threading" else {"protocol": server_errors.eventlet_protocol()})
        socketio.run(app, host=host, port=port, log_output=False, use_reloader=False, **kwargs)
    finally:
        services.stop()
        lock.close()
        if printing is not None:
            printing.terminate()
            try:
                printing.wait(timeout=10)
            except subprocess.TimeoutExpired:
                printing.kill()


def _start_print_worker(app):
    """Printing runs in its own process: a printer that stops reading can never stall
    this one's event loop."""
    # -I: the data dir (the working directory) must not be importable
    command = [sys.executable, "-I", "-m", "pos", "edge", "print-worker", "--data-dir", app.config["DATA_DIR"],
               "--parent-pid", str(os.getpid())]
    return subprocess.Popen(command, cwd=app.config["DATA_DIR"])


@edge_group.command("print-worker", hidden=True)
@DATA_DIR
@click.option("--parent-pid", type=int, default=None, help="Exit when this process is gone.")
def print_worker(data_dir, parent_pid):
    """Send print jobs to the printers (started by `pos edge run`)."""
    import logging

    from edge.services.printing.runtime import PrintService

    logging.basicConfig(level=logging.INFO, format="%(asctime)s print-worker %(levelname)s %(message)s")
    app = _app(data_dir)
    service = PrintService(app)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    service.run(parent_pid=parent_pid)


@edge_group.command("recover")
@DATA_DIR
@click.option("--force", is_flag=True, help="Rebuild even when the integrity check finds nothing wrong.")
def recover(data_dir, force):
    """Rebuild a damaged database: set it aside, copy every readable row into a fresh one.

    Run it with the edge stopped. Orders lost with a damaged page come back from the cloud
    when the edge next starts (if they were synced)."""
    from flask_migrate import upgrade

    from edge.extensions import db
    from edge.services.storage import database as storage
    from edge.services.storage import salvage

    data_dir = _data_dir(data_dir, existing=True)
    path = data_dir / DATABASE_FILE
    handle = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise click.ClickException("the edge is running on this data dir: stop it first") from None
    try:
        problems = storage.integrity_problems(path, full=True)
        if not problems and not force:
            click.echo("the database is sound (integrity_check: ok); nothing to do")
            return
        click.echo(f"integrity check: {len(problems)} problem(s), first: {problems[0] if problems else '-'}")
        revision, floor = salvage.revision_of(path), salvage.sequence_floor(path)
        aside = salvage.set_aside(path)
        app = _app(str(data_dir), existing=False)  # the damaged file is set aside: a fresh one is made
        with app.app_context():
            upgrade(revision=revision or "head")
            db.engine.dispose()
        tables = salvage.copy_rows(aside, path)
        if floor:
            salvage.raise_sequence(path, floor)
        _upgrade(app)
        with app.app_context():
            db.engine.dispose()
    finally:
        handle.close()
    for name, table in tables.items():
        if table.copied or table.unreadable_ranges:
            lost = f", unreadable rowids {table.unreadable_ranges[:5]}" if table.unreadable_ranges else ""
            click.echo(f"  {name:<22} {table.copied} rows{lost}")
    after = storage.integrity_problems(path, full=True)
    click.echo(f"damaged database kept as {aside.name}; new database: {'sound' if not after else after[0]}")
    if after:
        raise click.ClickException("the rebuilt database is not sound either; keep both files and call support")
    click.echo("start the edge again: orders lost with damaged pages come back from the cloud if they were synced")


@edge_group.command("maintenance")
@DATA_DIR
def maintenance(data_dir):
    """Prune acknowledged events and old idempotency records now, and give the space back."""
    from edge.services.storage import upkeep

    app = _app(data_dir)
    _upgrade(app)
    pruned = upkeep.run(app)
    click.echo(f"pruned {pruned.outbox} acknowledged events and {pruned.idempotency} idempotency records; "
               f"{pruned.reclaimed_bytes} bytes given back")


# --- pos sync -----------------------------------------------------------------------------

@click.group("sync")
def sync_group():
    """The edge's sync with the cloud."""


def _print_status(app) -> dict:
    from edge.extensions import db
    from edge.services.syncing import status as sync_status

    with app.app_context():
        status = sync_status.full(db.session, app.config["BREAKER_THRESHOLD"])
    click.echo(f"waiting to sync:  {sync_status.describe_records(status['pending_records'], status['pending'])}")
    click.echo(f"pending events:   {status['pending']}"
               + (f" (oldest {status['oldest_pending_age_s']} s)" if status["oldest_pending_age_s"] else ""))
    click.echo(f"dead letters:     {status['dead_count']}")
    for dead in status["dead"]:
        click.echo(f"  #{dead['seq']} {dead['type']} {dead['aggregate_id']}: {dead['reason']}")
    click.echo(f"pull cursor:      {status['cursor']} (last pull {status['last_pull_at'] or 'never'})")
    click.echo(f"last success:     {status['last_success_at'] or 'never'}")
    click.echo(f"breaker:          {status['breaker']} ({status['consecutive_failures']} failures in a row)")
    if status["last_push_error"]:
        click.echo(f"last push error:  {status['last_push_error']}")
    if status["last_pull_error"]:
        click.echo(f"last pull error:  {status['last_pull_error']}")
    skew = status["clock_skew_s"]
    click.echo(f"clock skew:       {'unknown' if skew is None else f'{skew:+d} s against the cloud'}")
    click.echo(f"device:           {status['device_id'] or 'unknown'} (numbering space {status['number_space']})")
    for incident in status["incidents"][:5]:
        click.echo(f"  ! {incident['detected_at']} {incident['kind']}: {incident['message']}")
    room = status["storage"]
    free = "unknown" if room["free_bytes"] is None else f"{room['free_bytes'] / 2**20:.1f} MiB free"
    click.echo(f"database:         {room['database_bytes'] / 2**20:.1f} MiB ({free}; {room['state']})")
    return status


@sync_group.command("status")
@DATA_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(data_dir, as_json):
    """Backlog, dead letters, cursor, last success, breaker and clock skew."""
    app = _app(data_dir)
    _upgrade(app)
    if as_json:
        from edge.extensions import db
        from edge.services.syncing import status as sync_status

        with app.app_context():
            click.echo(json.dumps(sync_status.full(db.session, app.config["BREAKER_THRESHOLD"]), indent=2))
        return
    _print_status(app)


@sync_group.command("push")
@DATA_DIR
def push(data_dir):
    """Push the backlog to the cloud now."""
    from edge.services import runtime

    app = _app(data_dir)
    _upgrade(app)
    _enrolled_or_exit(app)
    with app.app_context():
        outcome = runtime.make_relay(app, runtime.client_for(app)).drain(force=True)
    click.echo(f"sent {outcome.sent} events, {outcome.dead} dead letters")
    if outcome.error and not outcome.sent:
        raise click.ClickException(f"push failed: {outcome.error}")


@sync_group.command("pull")
@DATA_DIR
def pull(data_dir):
    """Pull master data from the cloud now."""
    from edge.services import runtime
    from edge.services.syncing import puller
    from sync.client import CloudError

    app = _app(data_dir)
    _upgrade(app)
    _enrolled_or_exit(app)
    with app.app_context():
        try:
            outcome = puller.pull_all(runtime.client_for(app))
        except CloudError as error:
            raise click.ClickException(f"pull failed: {error}") from None
    click.echo(f"applied {outcome.changes} changes; cursor {outcome.cursor}")





# --- pos printer ----------------------------------------------------------------------------

@click.group("printer")
def printer_group():
    """The outlet's receipt and kitchen printers."""


@printer_group.command("list")
@DATA_DIR
@click.option("--probe/--no-probe", default=True, help="Ask each printer for its status now.")
def list_printers(data_dir, probe):
    """Printers, their settings, their status and their queues."""
    from edge.extensions import db
    from edge.services.printing import jobs as printing
    from printers.worker import probe_status

    app = _app(data_dir)
    _upgrade(app)
    with app.app_context():
        rows = printing.active_printers(db.session)
        problems = {p["id"]: p for p in printing.problems(db.session)}
        if not rows:
            click.echo("no printers configured (add one with `pos printer add` or POST /api/printers/)")
        for printer in rows:
            config = printing.config_of(printer)
            queue = problems.get(printer.id, {})
            line = (f"{printer.name:<16} {printer.role:<8} {config.kind:<8} {config.device or config.host:<28} "
                    f"{config.profile} ({config.paper().columns} col, {config.code_page}) "
                    f"queued {queue.get('queued', 0)}, failed {queue.get('failed', 0)}")
            if probe:
                status = probe_status(config)
                line += f" - {status.detail or ('ok' if not status.problem else status.problem)}"
            click.echo(line)


@printer_group.command("test")
@click.argument("name")
@DATA_DIR
def test_printer(name, data_dir):
    """Print a test page on NAME now (directly, not through the queue)."""
    from edge.extensions import db
    from edge.services.printing import jobs as printing
    from printers import TransportError, make_test_page, render, transport_for

    app = _app(data_dir)
    _upgrade(app)
    with app.app_context():
        printer = printing.find_printer(db.session, name)
        if printer is None:
            raise click.ClickException(f"no printer named {name!r} (see `pos printer list`)")
        config = printing.config_of(printer)
    transport = transport_for(config)
    try:
        transport.open()
        status = transport.status()
        if status.problem:
            raise click.ClickException(f"{name} cannot print: {status.problem}")
        transport.write(render(make_test_page(config), config))
    except TransportError as error:
        raise click.ClickException(f"{name}: {error}") from None
    finally:
        transport.close()
    click.echo(f"test page sent to {name} ({config.kind} {config.device or config.host})")


@printer_group.command("add")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(PRINTER_KINDS), required=True)
@click.option("--device", required=True, help="Serial path, host[:port] (any host and port), vvvv:pppp (USB), "
              "or a file name (file printers write into the data dir's printers folder).")
@click.option("--role", type=click.Choice(PRINTER_ROLES), required=True)
@click.option("--station", default=None, help="Kitchen station whose items this printer gets (default: all).")
@click.option("--profile", default="default", show_default=True)
@click.option("--baudrate", type=int, default=None)
@DATA_DIR
def add_printer(name, kind, device, role, station, profile, baudrate, data_dir):
    """Configure a printer (the API's POST /api/printers/ does the same)."""
    from edge.extensions import db
    from edge.services.printing import jobs as printing
    from edge.services.storage.uow import write_transaction
    from sync.errors import DomainError

    app = _app(data_dir)
    _upgrade(app)
    data = {"name": name, "kind": kind, "device": device, "role": role, "station": station, "profile": profile}
    if baudrate:
        data["baudrate"] = baudrate
    with app.app_context():
        try:
            with write_transaction():
                printer = printing.create_printer(db.session, data)
        except DomainError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"added printer {printer.name} (id {printer.id})")
