"""`GET /metrics` in the Prometheus text format, and the request counts and latencies behind it.

Both apps install it (`install_metrics`) with their own `RequestMetrics` and the gauges
they compute at scrape time (collectors reading the database). Requests are counted by
the Flask url rule (`/api/orders/<int:order_id>/`), never the raw path, so an id does not
make a new series.

Who may scrape: an address in `METRICS_ALLOW` (addresses or networks, comma-separated),
a caller with `Authorization: Bearer <METRICS_TOKEN>`, and, in demo and debug runs, any
loopback caller. Anyone else gets 403 in the contract's error format.

Under gunicorn with several workers (`PROMETHEUS_MULTIPROC_DIR` set before the metrics
are built), each worker writes its counts to files there and a scrape sums them all
(prometheus_client's multiprocess mode); the scrape-time gauges come from the database,
so any worker answers them alike.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Response, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from sync.web.access import mark
from sync.web.errors import PermissionDenied

SCRAPE = "scrape"  # the access mark of /metrics: an allowed address or the scrape token, no user token
UNMATCHED = "<unmatched>"  # the endpoint label of a request no route matched (404, 405)
EXTENSION = "pos_metrics"
_STARTED = "pos.metrics.started"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class RequestMetrics:
    """The request counter and latency histogram of one app kind (built once per process)."""

    def __init__(self):
        labels = ("endpoint", "method", "status")
        self.requests = Counter("pos_http_requests", "HTTP requests answered, by url rule, method and status",
                                labels, registry=None)
        self.latency = Histogram("pos_http_request_duration_seconds",
                                 "Time from the first request hook to the answer, by url rule, method and status",
                                 labels, registry=None, buckets=LATENCY_BUCKETS)
        self.own: list = [self.requests, self.latency]

    def add(self, *metrics) -> None:
        """Metrics of this app kind written as things happen (counters, gauges)."""
        self.own.extend(metrics)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        labels = (endpoint, method, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)


def parse_networks(value) -> tuple:
    """`METRICS_ALLOW` ("10.0.0.5, 10.1.0.0/16") as networks; a bad entry stops the start."""
    items = value if isinstance(value, (list, tuple)) else [part.strip() for part in str(value or "").split(",")]
    networks = []
    for item in items:
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise SystemExit(f"refusing to start: POS_METRICS_ALLOW has {item!r}, not an address or a network")\
                    from None
    return tuple(networks)


def _start_timer() -> None:
    request.environ[_STARTED] = time.perf_counter()


def request_started() -> float | None:
    """When the first request hook ran (time.perf_counter), for others that time requests."""
    return request.environ.get(_STARTED)


def _record(response):
    started = request.environ.get(_STARTED)
    if started is not None:
        endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        current_app.extensions[EXTENSION]["metrics"].observe(endpoint, request.method, response.status_code,
                                                             time.perf_counter() - started)
    return response


def _presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def scrape_allowed(config: dict, remote_addr: str | None, token: str | None) -> bool:
    expected = config.get("METRICS_TOKEN") or ""
    if expected and token is not None and hmac.compare_digest(token.encode(), expected.encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if any(address in network for network in config.get("METRICS_ALLOW_NETWORKS", ())):
        return True
    return bool(config.get("METRICS_OPEN_ON_LOOPBACK")) and address.is_loopback


def _scrape():
    """The app's metrics in the Prometheus text format (version 0.0.4)."""
    if not scrape_allowed(current_app.config, request.remote_addr, _presented_token()):
        raise PermissionDenied("Metrics are for an allowed address or the scrape token (POS_METRICS_ALLOW, "
                               "POS_METRICS_TOKEN)", "METRICS_FORBIDDEN")
    state = current_app.extensions[EXTENSION]
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        MultiProcessCollector(registry, path=directory)
    else:
        for metric in state["metrics"].own:
            registry.register(metric)
    for collector in state["collectors"]:
        registry.register(collector)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4,
                    headers={"Cache-Control": "no-store"})


def install_metrics(app, metrics: RequestMetrics, collectors=(), *, open_on_loopback: bool) -> None:
    """Time every request (the hook runs first, before the apps' own checks), count it when
    it is answered, and serve `GET /metrics`. `collectors` compute gauges at scrape time."""
    app.config["METRICS_ALLOW_NETWORKS"] = parse_networks(app.config.get("METRICS_ALLOW", ""))
    app.config["METRICS_OPEN_ON_LOOPBACK"] = bool(open_on_loopback)
    app.extensions[EXTENSION] = {"metrics": metrics, "collectors": tuple(collectors)}
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_record)
    # not in the OpenAPI document: a text exposition for Prometheus (docs/api-extensions.md)
    app.add_url_rule("/metrics", "metrics", app.doc(hide=True)(mark(_scrape, SCRAPE)), methods=["GET"])
