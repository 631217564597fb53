"""Blueprints of the cloud API, registered by `register_blueprints`."""
from werkzeug.routing import IntegerConverter

from cloud.api import analytics, auth, catalog, customers, health, orders, promotions, sync, tenants, users
from cloud.api.schemas.common import MAX_ID

BLUEPRINTS = (health.bp, auth.bp, users.bp, tenants.bp, catalog.bp, sync.bp, customers.bp, promotions.bp, orders.bp,
              analytics.bp)


class IdConverter(IntegerConverter):
    """`<int:...>` path ids: integers the database can hold (a larger one is a 404, not a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app) -> None:
    app.url_map.converters["int"] = IdConverter
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
