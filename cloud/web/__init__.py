"""The pages the cloud serves (every asset from the app itself: no CDN)."""

from cloud.web.dashboard import bp as dashboard  # /dashboard/: the head-office dashboard
from cloud.web.receipts import bp as receipts  # /r/...: the e-receipt behind the receipt's QR

BLUEPRINTS: list = [dashboard, receipts]


def register_pages(app) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
