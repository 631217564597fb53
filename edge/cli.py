"""`pos edge ...`, `pos sync ...` and `pos printer ...`: the outlet's commands."""
from __future__ import annotations

import json


import click

DATA_DIR = click.option("--data-dir", envvar="POS_EDGE_DATA_DIR", default=None,
                        help="Where the edge keeps its database and credential (default ./instance/edge/).")


def _app(data_dir: str | None, **overrides):
    from edge import create_app
    from edge.config import default_data_dir

    # only `pos edge run` serves Socket.IO; the other commands must not load eventlet
    config = {"DATA_DIR": str(data_dir or default_data_dir()), "ASYNC_MODE": "threading", **overrides}
    return create_app(config)


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def _enrolled_or_exit(app):
    from edge.services import credentials

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
    from edge.services import enrollment, puller, runtime
    from sync.client import CloudError

    app = _app(data_dir, CLOUD_URL=cloud_url)
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
    _upgrade(app)
    device = _enrolled_or_exit(app)
    from edge.extensions import socketio
    from edge.services.runtime import BackgroundServices

    services = BackgroundServices(app)
    services.start()
    click.echo(f"edge of outlet {device.outlet_code} serving on http://{host}:{port}/ "
               f"(kiosk /kiosk/, kitchen /kitchen/, API docs /api/docs/; async mode {async_mode})", err=True)
    try:
        kwargs = {"allow_unsafe_werkzeug": True} if async_mode == "threading" else {}
        socketio.run(app, host=host, port=port, log_output=False, use_reloader=False, **kwargs)
    finally:
        services.stop()


# --- pos sync -----------------------------------------------------------------------------

@click.group("sync")
def sync_group():
    """The edge's sync with the cloud."""


def _print_status(app) -> dict:
    from edge.extensions import db
    from edge.services import sync_status

    with app.app_context():
        status = sync_status.full(db.session, app.config["BREAKER_THRESHOLD"])
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
        from edge.services import sync_status

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
    from edge.services import puller, runtime
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



