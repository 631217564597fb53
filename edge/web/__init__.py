"""The pages the edge serves on the LAN (every asset local: no CDN, no internet)."""

from edge.web.kitchen import bp as kitchen  # /kitchen/: the kitchen display

BLUEPRINTS: list = [kitchen]


def register_pages(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
