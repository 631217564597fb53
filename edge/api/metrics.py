"""The edge's `/metrics`: requests (sync.web.metrics), the outbox backlog and its oldest
age, each printer's queue, the kitchen screens connected and orders per minute, read at
scrape time (the database is the truth; nothing to keep in step)."""
from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from edge.extensions import db
from edge.services import throughput
from edge.services.printing import jobs as printing
from edge.services.syncing import status as sync_status
from sync.web.metrics import RequestMetrics, install_metrics

_built: dict = {}


def _requests() -> RequestMetrics:
    if not _built:
        _built["requests"] = RequestMetrics()
    return _built["requests"]


class _EdgeGauges:
    def __init__(self, sockets_connected):
        self.sockets_connected = sockets_connected

    def collect(self):
        summary = sync_status.summary(db.session)
        yield GaugeMetricFamily("pos_edge_outbox_backlog", "Events waiting to be pushed to the cloud",
                                value=summary["pending"])
        yield GaugeMetricFamily("pos_edge_outbox_dead", "Events the cloud refused for good (dead letters)",
                                value=summary["dead"])
        yield GaugeMetricFamily("pos_edge_outbox_oldest_age_seconds",
                                "Age of the oldest event waiting to be pushed (0 when none waits)",
                                value=summary["oldest_pending_age_s"] or 0)
        queue = GaugeMetricFamily("pos_edge_print_queue_depth", "Jobs queued or sending, per active printer",
                                  labels=("printer", "role"))
        failed = GaugeMetricFamily("pos_edge_print_failed_jobs", "Jobs that failed and wait for a manager",
                                   labels=("printer", "role"))
        for printer in printing.problems(db.session):
            queue.add_metric((printer["name"], printer["role"]), printer["queued"])
            failed.add_metric((printer["name"], printer["role"]), printer["failed"])
        yield queue
        yield failed
        yield GaugeMetricFamily("pos_edge_kitchen_sockets_connected", "Socket.IO clients connected to the kitchen",
                                value=self.sockets_connected())
        yield GaugeMetricFamily("pos_edge_orders_per_minute", "Orders started in the last 60 seconds",
                                value=throughput.orders_in_last(db.session, 60))


def install(app, sockets_connected) -> None:
    """`sockets_connected`: how many Socket.IO clients the kitchen hub holds now."""
    install_metrics(app, _requests(), (_EdgeGauges(sockets_connected),),
                    open_on_loopback=app.config.get("DEBUG") or app.config.get("DEMO"))
