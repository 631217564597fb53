"""The pages the cloud serves (every asset from the app itself: no CDN)."""

from cloud.web.dashboard import bp as dashboard  # /dashboard/: the head-office dashboard

BLUEPRINTS: list = [dashboard]


def register_pages(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
