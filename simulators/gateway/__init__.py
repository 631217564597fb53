"""`pos gateway-sim`: Midtrans' Core API and Xendit's QR code, e-wallet and refund APIs
on one port, with the customer's pay button and webhooks like the real gateways send.

It imports nothing of ours: it is written from the providers' published formats, not
from our adapters (cloud/gateways), so testing those against it tests our reading of
the providers. docs/gateways.md has the formats and sources, docs/api-extensions.md the
simulator's own endpoints.
"""
from __future__ import annotations

from flask import Flask

from simulators.gateway import control, midtrans, xendit
from simulators.gateway.core import Credentials, Simulator


def create_app(credentials: Credentials | None = None, *, webhook_base: str | None = None,
               start: bool = True) -> Flask:
    """The simulator's WSGI app; `start` runs its ticker (expiries, webhook deliveries)."""
    sim = Simulator(credentials or Credentials(), webhook_base)
    sim.announcers.update(midtrans=midtrans.announce, xendit=xendit.announce)
    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["gateway_sim"] = sim
    app.register_blueprint(control.bp)
    app.register_blueprint(midtrans.bp)
    app.register_blueprint(xendit.bp)
    if start:
        sim.start()
    return app
