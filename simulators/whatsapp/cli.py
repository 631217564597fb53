"""`pos whatsapp-sim [--host H] [--port N] [--webhook-url URL]`."""
from __future__ import annotations

import signal

import click

from simulators.whatsapp.core import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_APP_SECRET,
    DEFAULT_DISPLAY_PHONE_NUMBER,
    DEFAULT_PHONE_NUMBER_ID,
    Account,
)


def _interrupt(*_):
    raise KeyboardInterrupt


@click.command("whatsapp-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8091, show_default=True, type=click.IntRange(1, 65535))
@click.option("--webhook-url", envvar="POS_SIM_WHATSAPP_WEBHOOK_URL", default=None, metavar="URL",
              help="Where status webhooks (sent, delivered, read, failed) are POSTed, signed with the app secret.")
@click.option("--access-token", envvar="POS_SIM_WHATSAPP_ACCESS_TOKEN", default=DEFAULT_ACCESS_TOKEN,
              show_default=True, help="The only Bearer token accepted.")
@click.option("--app-secret", envvar="POS_SIM_WHATSAPP_APP_SECRET", default=DEFAULT_APP_SECRET, show_default=True,
              help="Signs every webhook (X-Hub-Signature-256).")
@click.option("--phone-number-id", envvar="POS_SIM_WHATSAPP_PHONE_NUMBER_ID", default=DEFAULT_PHONE_NUMBER_ID,
              show_default=True, help="The business phone number id messages are sent from.")
@click.option("--display-phone-number", envvar="POS_SIM_WHATSAPP_DISPLAY_PHONE_NUMBER",
              default=DEFAULT_DISPLAY_PHONE_NUMBER, show_default=True)
@click.option("--enforce-window/--no-enforce-window", envvar="POS_SIM_WHATSAPP_ENFORCE_WINDOW", default=False,
              show_default=True, help="Free text to a number that has not written within 24 hours fails (131047), "
                                      "as Meta does; templates still go.")
def whatsapp_sim(host, port, webhook_url, access_token, app_secret, phone_number_id, display_phone_number,
                 enforce_window):
    """Serve the WhatsApp Cloud API simulator (no internet needed; see docs/api-extensions.md)."""
    from werkzeug.serving import make_server

    from simulators.whatsapp import create_app

    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http(s) URL", param_hint="--webhook-url")
    if not phone_number_id.isdigit():
        raise click.BadParameter("digits only, as Meta shows it", param_hint="--phone-number-id")
    app = create_app(Account(access_token, app_secret, phone_number_id, display_phone_number),
                     webhook_url=webhook_url)
    app.extensions["whatsapp_sim"].config.enforce_window = enforce_window
    server = make_server(host, port, app, threaded=True)
    signal.signal(signal.SIGTERM, _interrupt)  # a stopped process ends like Ctrl-C: ticker joined, port closed
    click.echo(f"WhatsApp simulator on http://{host}:{port}/ (phone number id {phone_number_id}; webhooks to "
               f"{webhook_url or 'nowhere until POST /_sim/config sets webhook_url'})", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["whatsapp_sim"].stop()
        server.server_close()
