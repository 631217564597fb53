"""`pos gateway-sim [--host H] [--port N] [--webhook-base URL]`."""
from __future__ import annotations

import signal

import click

from simulators.gateway.core import (
    DEFAULT_MIDTRANS_SERVER_KEY,
    DEFAULT_XENDIT_CALLBACK_TOKEN,
    DEFAULT_XENDIT_SECRET_KEY,
    Credentials,
)


def _interrupt(*_):
    raise KeyboardInterrupt


@click.command("gateway-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=click.IntRange(1, 65535))
@click.option("--webhook-base", envvar="POS_SIM_WEBHOOK_BASE", default=None, metavar="URL",
              help="The merchant's base URL: Midtrans notifications (unless the charge says "
                   "X-Override-Notification) and Xendit callbacks go to URL/api/payments/webhook/<provider>/.")
@click.option("--midtrans-server-key", envvar="POS_SIM_MIDTRANS_SERVER_KEY", default=DEFAULT_MIDTRANS_SERVER_KEY,
              show_default=True, help="The only Midtrans server key accepted; it also signs notifications.")
@click.option("--xendit-secret-key", envvar="POS_SIM_XENDIT_SECRET_KEY", default=DEFAULT_XENDIT_SECRET_KEY,
              show_default=True, help="The only Xendit secret API key accepted.")
@click.option("--xendit-callback-token", envvar="POS_SIM_XENDIT_CALLBACK_TOKEN",
              default=DEFAULT_XENDIT_CALLBACK_TOKEN, show_default=True,
              help="Sent as x-callback-token with every Xendit callback.")
def gateway_sim(host, port, webhook_base, midtrans_server_key, xendit_secret_key, xendit_callback_token):
    """Serve the Midtrans and Xendit simulator (no internet needed; see docs/api-extensions.md)."""
    from werkzeug.serving import make_server

    from simulators.gateway import create_app

    if webhook_base and not webhook_base.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http(s) URL", param_hint="--webhook-base")
    app = create_app(Credentials(midtrans_server_key, xendit_secret_key, xendit_callback_token),
                     webhook_base=webhook_base)
    server = make_server(host, port, app, threaded=True)
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped process ends like Ctrl-C: ticker joined, port closed
    click.echo(f"gateway simulator on http://{host}:{port}/ (webhooks to {webhook_base or 'the charge URLs only'})",
               err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["gateway_sim"].stop()
        server.server_close()
