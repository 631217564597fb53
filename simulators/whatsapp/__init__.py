"""`pos whatsapp-sim`: Meta's WhatsApp Business Cloud API on a loopback port, with a
phone's screen and signed status webhooks like Meta sends.

It imports nothing of ours: it is written from Meta's published formats, not from our
channel (cloud/notifications/channels/whatsapp.py), so testing the channel against it
tests our reading of Meta. docs/notifications.md has the formats and sources,
docs/api-extensions.md the simulator's own endpoints.
"""
from __future__ import annotations

from flask import Flask

from simulators.whatsapp import api, control
from simulators.whatsapp.core import Account, Simulator


def create_app(account: Account | None = None, *, webhook_url: str | None = None, start: bool = True) -> Flask:
    """The simulator's WSGI app; `start` runs its ticker (status steps, webhook deliveries)."""
    sim = Simulator(account or Account(), webhook_url)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.extensions["whatsapp_sim"] = sim
    app.register_blueprint(control.bp)
    app.register_blueprint(api.bp)
    if start:
        sim.start()
    return app
