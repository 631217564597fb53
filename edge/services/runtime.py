"""The edge's background work in `pos edge run`: the relay (kicked after every commit
that queued events, and on a schedule) and the pull, on one APScheduler whose jobs never
run twice at once."""
from __future__ import annotations

import logging
import time
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from edge.services import credentials, outbox, puller
from edge.services.relay import Relay
from sync.client import CloudClient, CloudError

log = logging.getLogger(__name__)


def client_for(app) -> CloudClient | None:
    device = credentials.load_device(app.config["DATA_DIR"])
    if device is None:
        return None
    url = app.config.get("CLOUD_URL") or device.cloud_url
    return CloudClient(url, device.device_id, device.device_token, timeout=app.config["HTTP_TIMEOUT_S"])


def make_relay(app, client: CloudClient) -> Relay:
    return Relay(client, batch=app.config["PUSH_BATCH"], base_s=app.config["BACKOFF_BASE_S"],
                 cap_s=app.config["BACKOFF_CAP_S"], breaker_threshold=app.config["BREAKER_THRESHOLD"])


class BackgroundServices:
    def __init__(self, app):
        self.app = app
        self.scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True,
                                                                            "misfire_grace_time": 30})
        self.push_client = client_for(app)
        self.pull_client = client_for(app)
        self.relay = make_relay(app, self.push_client) if self.push_client else None
        self._kicked = False

    def start(self) -> None:
        if self.relay is None:
            log.warning("this edge is not enrolled: sync is off (run `pos edge enroll`)")
            return
        self.scheduler.add_job(self._push, "interval", seconds=self.app.config["PUSH_INTERVAL_S"], id="push",
                               next_run_time=datetime.utcnow())
        self.scheduler.add_job(self._pull, "interval", seconds=self.app.config["PULL_INTERVAL_S"], id="pull",
                               next_run_time=datetime.utcnow())
        self.scheduler.start()
        outbox.on_new_events(self.kick)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def kick(self) -> None:
        """Push right after a commit (coalesced with a run already under way); while the
        relay backs off, the scheduled attempt will find the new events anyway."""
        if time.monotonic() < self.relay.backing_off_until:
            return
        self._kicked = True
        try:
            self.scheduler.modify_job("push", next_run_time=datetime.utcnow())
        except Exception:  # the scheduler is stopping
            pass

    def _push(self) -> None:
        with self.app.app_context():
            while True:
                self._kicked = False
                try:
                    self.relay.drain()
                except Exception:  # keep the job alive; the relay records cloud errors itself
                    log.exception("push failed")
                if not self._kicked:
                    return

    def _pull(self) -> None:
        with self.app.app_context():
            try:
                puller.pull_all(self.pull_client)
            except CloudError as error:
                log.info("pull failed, serving from the mirror: %s", error)
            except Exception:
                log.exception("pull failed")
