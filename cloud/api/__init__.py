"""Blueprints of the cloud API, registered by `register_blueprints`."""
from cloud.api import auth, catalog, customers, health, orders, promotions, sync, tenants, users

BLUEPRINTS = (health.bp, auth.bp, users.bp, tenants.bp, catalog.bp, sync.bp, customers.bp, promotions.bp, orders.bp)


def register_blueprints(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
