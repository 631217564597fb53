"""Blueprints of the edge API, registered by `register_blueprints`."""
from edge.api import (auth, catalog, customers, health, kitchen, orders, outlet, payments, printers, shifts, status,
                      sync)

BLUEPRINTS = (health.bp, auth.bp, catalog.bp, orders.bp, payments.bp, shifts.bp, customers.bp, kitchen.bp, sync.bp, status.bp, outlet.bp, printers.bp)


def register_blueprints(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
