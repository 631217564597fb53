"""The cloud's `/metrics`: requests (sync.web.metrics), ingested events by verdict, when
each outlet was last in touch, and the database pool in use.

The metric objects are built on the first `install`, not at import: under gunicorn,
`pos cloud run` sets PROMETHEUS_MULTIPROC_DIR first, and prometheus_client picks
file-backed values for metrics built after that."""
from __future__ import annotations

from datetime import UTC

from prometheus_client import Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event

from cloud.extensions import db
from cloud.services import observability
from sync.web.metrics import RequestMetrics, install_metrics

_built: dict = {}


def _metrics() -> dict:
    if not _built:
        requests = RequestMetrics()
        _built["ingest"] = Counter("pos_cloud_ingest_events", "Events edges pushed, by the verdict on each",
                                   ("verdict",), registry=None)
        _built["pool_checked_out"] = Gauge("pos_cloud_db_pool_checked_out",
                                           "Database connections in use now (all workers)", registry=None,
                                           multiprocess_mode="livesum")
        requests.add(_built["ingest"], _built["pool_checked_out"])
        _built["requests"] = requests
    return _built


def count_ingested(results: list[dict]) -> None:
    """After a push is answered: one count per event, by its verdict (applied, duplicate...)."""
    counter = _metrics()["ingest"]
    for result in results:
        counter.labels(result.get("status", "unknown")).inc()


class _OutletContact:
    """When each outlet's edges were last heard from, read from the database at scrape time."""

    def collect(self):
        family = GaugeMetricFamily("pos_cloud_outlet_last_contact_timestamp_seconds",
                                   "Unix time of the outlet's latest push or enrolment, by any of its devices",
                                   labels=("tenant_id", "outlet_id"))
        for tenant_id, outlet_id, seen in observability.outlets_last_contact(db.session):
            family.add_metric((str(tenant_id), str(outlet_id)), seen.replace(tzinfo=UTC).timestamp())
        yield family


class _PoolSize:
    """The connection pool's capacity in this process (every worker is configured alike)."""

    def collect(self):
        pool = db.engine.pool
        size = getattr(pool, "size", None)
        overflow = getattr(pool, "_max_overflow", 0)
        family = GaugeMetricFamily("pos_cloud_db_pool_size",
                                   "Connections one worker's pool keeps (size) and may open at most (max)",
                                   labels=("limit",))
        if callable(size):
            family.add_metric(("size",), size())
            family.add_metric(("max",), size() + max(overflow, 0))
        yield family


def _track_pool(engine) -> None:
    gauge = _metrics()["pool_checked_out"]
    event.listen(engine, "checkout", lambda *_: gauge.inc())
    event.listen(engine, "checkin", lambda *_: gauge.dec())


def install(app) -> None:
    built = _metrics()
    install_metrics(app, built["requests"], (_OutletContact(), _PoolSize()),
                    open_on_loopback=app.config.get("DEBUG") or app.config.get("DEMO"))
    with app.app_context():
        _track_pool(db.engine)
