"""The edge's background work in `pos edge run`: the relay (kicked after every commit
that queued events, and on a schedule), the pull, the database's upkeep and its
integrity check, each on its own loop that counts time on the monotonic clock
(`edge.services.loops`) and never runs twice at once. Nothing touches a database found
damaged: the loops wait for `pos edge recover`."""
from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import DBAPIError

from edge.extensions import db
from edge.services import continuity
from edge.services.loops import Loop
from edge.services.selling import gateway_payments, late_payments
from edge.services.storage import database as storage
from edge.services.storage import upkeep
from edge.services.syncing import credentials, outbox, puller
from edge.services.syncing.relay import Relay
from sync.client import CloudClient, CloudError

log = logging.getLogger(__name__)


def client_for(app) -> CloudClient | None:
    device = credentials.load_device(app.config["DATA_DIR"])
    if device is None:
        return None
    url = app.config.get("CLOUD_URL") or device.cloud_url
    return CloudClient(url, device.device_id, device.device_token, timeout=app.config["HTTP_TIMEOUT_S"],
                       session=app.extensions.get("pos_cloud_session"))  # tests route it in-process


def make_relay(app, client: CloudClient) -> Relay:
    return Relay(client, batch=app.config["PUSH_BATCH"], base_s=app.config["BACKOFF_BASE_S"],
                 cap_s=app.config["BACKOFF_CAP_S"], breaker_threshold=app.config["BREAKER_THRESHOLD"])


class BackgroundServices:
    def __init__(self, app):
        self.app = app
        self.push_client = client_for(app)
        self.pull_client = client_for(app)
        self.relay = make_relay(app, self.push_client) if self.push_client else None
        self.loops: dict[str, Loop] = {}
        self._probe_wanted = False

    def start(self) -> None:
        config = self.app.config
        self.app.extensions["pos_background"] = self  # GET /api/health/ reports the loops
        self.loops["upkeep"] = Loop("upkeep", self._noting(self._upkeep), config["MAINTENANCE_INTERVAL_S"],
                                    first_delay_s=min(60, config["MAINTENANCE_INTERVAL_S"])).start()
        self.loops["integrity"] = Loop("integrity", self._integrity, config["INTEGRITY_CHECK_INTERVAL_S"],
                                       first_delay_s=config["INTEGRITY_CHECK_INTERVAL_S"]).start()  # start: cli
        if self.relay is None:
            log.warning("this edge is not enrolled: sync is off (run `pos edge enroll`)")
            return
        self.loops["push"] = Loop("push", self._noting(self._push), config["PUSH_INTERVAL_S"]).start()
        self.loops["pull"] = Loop("pull", self._noting(self._pull), config["PULL_INTERVAL_S"]).start()
        outbox.on_new_events(self.kick)

    def stop(self) -> None:
        for loop in self.loops.values():
            loop.stop()

    def kick(self) -> None:
        """Push right after a commit (coalesced with a run already under way). While the
        relay backs off, a new sale lets one probe through (the half-open breaker's
        job), at most one per POS_EDGE_KICK_PROBE_S: a cloud that came back is seen in
        seconds, not at the end of a backoff of up to a minute."""
        if self.relay.backing_off:
            if not self.relay.may_probe(self.app.config["KICK_PROBE_S"]):
                return
            self._probe_wanted = True
        self.loops["push"].kick()

    def _noting(self, job):
        """A job whose database errors say something about the storage (a damaged page read
        outside a write, a full disk) has them noted, so the loops stop touching a damaged
        database after the first such error instead of failing on it every second."""
        def run() -> None:
            try:
                job()
            except DBAPIError as error:
                with self.app.app_context():
                    storage.observe(error)
                raise

        return run

    def _damaged(self) -> bool:
        return storage.state(self.app).damaged is not None

    def _upkeep(self) -> None:
        if not self._damaged():
            upkeep.run(self.app)

    def _integrity(self) -> None:
        if not self._damaged():
            storage.check_integrity(self.app)

    def _push(self) -> None:
        if self._damaged() or continuity.catching_up(self.app):
            return  # (catching up: its unsent changes are sorted out first)
        with self.app.app_context():
            probe, self._probe_wanted = self._probe_wanted, False
            self.relay.drain(force=probe)
            if self.relay.cloud_ahead is not None:
                self.catch_up(*self.relay.cloud_ahead)

    def catch_up(self, cloud_seq: int | None = None, after_seq: int | None = None, *,
                 timeout_s: float | None = None, background: bool = False) -> None:
        """When this database is behind what the cloud has seen from the device, pause
        selling and take back what it lost and a new identity (edge.services.continuity);
        both clients follow. At start: `timeout_s` (a short wait for the cloud, before
        serving) and `background` (serve meanwhile, selling paused, health red)."""
        usual = self.push_client.timeout
        if timeout_s is not None:
            self.push_client.timeout = min(usual, timeout_s)
        try:
            found = continuity.behind(self.app, self.push_client, cloud_seq, after_seq)
        except CloudError as error:
            log.info("could not compare with the cloud now (%s): selling goes on", error)
            return
        finally:
            self.push_client.timeout = usual
        if found is None:
            self.relay.cloud_ahead = None
            return
        continuity.pause(self.app, *found)  # before the first sale
        if background:
            threading.Thread(target=self._catch_up, args=found, name="edge-catch-up", daemon=True).start()
        else:
            self._catch_up(*found)

    def _catch_up(self, cloud_seq: int, local: int) -> None:
        try:
            outcome = continuity.catch_up(self.app, self.push_client, cloud_seq, local)
        except CloudError as error:
            log.warning("catching up stopped (%s): selling goes on; it starts again after the next push", error)
            return
        self.relay.cloud_ahead = None
        if outcome.new_device_id:
            self.pull_client.become(self.push_client.device_id, self.push_client.device_token)

    def _pull(self) -> None:
        if self._damaged():
            return
        with self.app.app_context():
            try:
                puller.pull_all(self.pull_client)
            except CloudError as error:
                log.info("pull failed, serving from the mirror: %s", error)
                return
            gateway_payments.refresh_pending(db.session, self.pull_client)  # a QR paid while no till looked
            late_payments.watch(db.session, self.pull_client)  # a QR paid after it was cancelled or expired
