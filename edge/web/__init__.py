"""The pages the edge serves on the LAN (every asset local: no CDN, no internet)."""

BLUEPRINTS: list = []


def register_pages(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
