"""Blueprints of the edge API, registered by `register_blueprints`."""
from edge.api import (
    audit,
    auth,
    catalog,
    customers,
    health,
    kitchen,
    orders,
    outlet,
    payments,
    printers,
    shifts,
    sold_out,
    status,
    stock,
    stocktakes,
    sync,
    transfers,
)
from sync import sqlite
from sync.web.converters import bound_path_ids

BLUEPRINTS = (health.bp, auth.bp, catalog.bp, orders.bp, payments.bp, shifts.bp, customers.bp, kitchen.bp, sync.bp,
              status.bp, outlet.bp, printers.bp, stock.bp, audit.bp, sold_out.bp, stocktakes.bp, transfers.bp)


def register_blueprints(app) -> None:
    bound_path_ids(app, sqlite.MAX_INT)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
