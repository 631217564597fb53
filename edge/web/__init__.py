"""The pages the edge serves on the LAN (every asset local: no CDN, no internet)."""

from edge.web.kiosk import bp as kiosk  # /kiosk/: the cashier and self-order kiosk
from edge.web.kitchen import bp as kitchen  # /kitchen/: the kitchen display

BLUEPRINTS: list = [kiosk, kitchen]


def register_pages(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
