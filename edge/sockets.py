"""The kitchen's Socket.IO side (CONTRACT.md section 5), on the edge's own port.

A screen connects with an access token (`auth: {token, last_seq?, log_id?}`), joins its
outlet's room and is brought up to date in the same step: the events after its
`last_seq`, or a snapshot of the open tickets when those events are not all known.
Every change a screen asks for runs the order services the REST API runs, inside
`write_transaction()`; the kitchen log's after-commit listener publishes the event.

Exactly once, in order, to every screen rests on one lock per app (the `Hub`'s): live
publishing and a screen's catch-up-and-join never interleave, live events leave in seq
order (a late or missing listener call is filled from the log), and a screen's catch-up
ends exactly where the live stream it joins resumes. Emitting only queues packets (every
connection has its own writer), so a slow or dead screen never blocks a request.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context, request
from flask_jwt_extended import decode_token
from flask_socketio import (
    ConnectionRefusedError as Refused,  # not the builtin: this one carries data
)
from jwt import ExpiredSignatureError, PyJWTError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from edge.extensions import db, socketio
from edge.models import KitchenEvent
from edge.services import auth as auth_service
from edge.services import outlet_status
from edge.services.inventory import sold_out
from edge.services.kitchen import kitchen_log
from edge.services.selling import orders
from edge.services.storage.uow import write_transaction
from edge.services.syncing import outlet as outlet_settings
from sync import sqlite
from sync.errors import DomainError
from sync.roles import at_least
from sync.timeutil import isoformat, utcnow
from sync.web.errors import (
    APIError,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
    refusal,
)

log = logging.getLogger(__name__)

NAMESPACE = "/"
HUB_KEY = "kitchen_hub"
MAX_BROADCAST_BYTES = 16 * 1024


def room_of(outlet_id: int) -> str:
    return f"outlet:{outlet_id}"


def now() -> str:
    return isoformat(utcnow())


@dataclass
class Screen:
    """One connected client: who it is (from its token) and what it said it is."""

    sid: str
    user_id: int
    username: str
    role: str
    outlet_id: int
    claims: dict
    type: str = "unknown"
    station: str | None = None
    connected_at: str = field(default_factory=now)


class Hub:
    """Per-app publishing state: the lock, the last seq sent to the room, the screens."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()  # cooperative under eventlet (patched before import)
        self.last_published: int | None = None
        self.screens: dict[str, Screen] = {}
        self.max_replay = int(app.config.get("KITCHEN_REPLAY_MAX", 500))

    # -- live events ------------------------------------------------------------------

    def publish(self, event: KitchenEvent) -> None:
        """After a commit: send `event` (and any earlier one not yet sent) to its room,
        then yield once, so under eventlet the screens' writer greenlets put the ticket
        on the wire before this request goes on (the kitchen hears first)."""
        self._publish(event)
        socketio.sleep(0)

    def _publish(self, event: KitchenEvent) -> None:
        with self.lock:
            if self.last_published is None:
                self.last_published = event.seq - 1
            if event.seq <= self.last_published:
                return  # already sent, filled from the log by an earlier call
            if event.seq == self.last_published + 1:
                self._send_to_room(event)
                self.last_published = event.seq
                return
            with Session(db.engine, expire_on_commit=False) as session:
                self._publish_upto(session, event.seq)

    def _publish_upto(self, session, upto: int) -> None:
        if self.last_published is None:
            self.last_published = upto
            return
        if upto < self.last_published:  # the database under this process was replaced
            log.warning("kitchen log went back from seq %s to %s", self.last_published, upto)
            self.last_published = upto
            return
        for event in kitchen_log.events_after(session, self.last_published, upto - self.last_published, upto=upto):
            self._send_to_room(event)
            self.last_published = event.seq
        self.last_published = upto

    @staticmethod
    def _send_to_room(event: KitchenEvent) -> None:
        socketio.emit(event.type, kitchen_log.wire(event), to=room_of(event.outlet_id), namespace=NAMESPACE)

    # -- a screen joining (connect or resync) -------------------------------------------

    def attach(self, screen: Screen, seq, log_id) -> dict:
        """Catch `screen` up from `seq` and put it in its room, atomically with respect to
        live publishing. Returns the `synced` marker it was sent last."""
        room = room_of(screen.outlet_id)
        with self.lock:
            socketio.server.leave_room(screen.sid, room, namespace=NAMESPACE)
            with Session(db.engine, expire_on_commit=False) as session, session.begin():
                plan = kitchen_log.catch_up(session, seq, log_id, self.max_replay)
                self._publish_upto(session, plan.last_seq)
                for event in plan.events:
                    socketio.emit(event.type, kitchen_log.wire(event), to=screen.sid, namespace=NAMESPACE)
            if plan.mode == "snapshot":
                socketio.emit("snapshot", {"tickets": plan.tickets, "last_seq": plan.last_seq, "log_id": plan.log_id,
                                           "reason": plan.reason, "outletId": screen.outlet_id, "timestamp": now()},
                              to=screen.sid, namespace=NAMESPACE)
            marker = {"mode": plan.mode, "reason": plan.reason, "last_seq": plan.last_seq, "log_id": plan.log_id,
                      "replayed": len(plan.events), "timestamp": now()}
            socketio.emit("synced", marker, to=screen.sid, namespace=NAMESPACE)
            socketio.server.enter_room(screen.sid, room, namespace=NAMESPACE)
        return marker

    def status(self) -> dict:
        """For the cashier's status bar (`GET /api/status/` under "kitchen")."""
        screens = list(self.screens.values())
        kitchen = [s for s in screens if s.type == "kitchen"]
        return {"screens": len(kitchen), "clients": len(screens),
                "stations": sorted({s.station or "all" for s in kitchen}), "last_seq": self.last_published}


def hub() -> Hub | None:
    return current_app.extensions.get(HUB_KEY) if has_app_context() else None


def _publish(event: KitchenEvent) -> None:
    """kitchen_log listener (runs after the commit of the change)."""
    current = hub()
    if current is not None:
        current.publish(event)


def _announce_sold_out(change: sold_out.Change) -> None:
    """sold_out listener (after the commit): every client of the outlet's room (kiosks,
    self-order screens, kitchen screens) hears `sold_out_changed` at once."""
    if hub() is None:
        return
    outlet_id = outlet_settings.outlet(db.session).id
    socketio.emit("sold_out_changed", {
        "target": change.target, "id": change.id, "name": change.name, "sold_out": change.sold_out,
        "changed_by": change.changed_by, "timestamp": isoformat(change.changed_at), "outletId": outlet_id,
    }, to=room_of(outlet_id), namespace=NAMESPACE)
    socketio.sleep(0)


def _status_for_bar():
    current = hub()
    return current.status() if current is not None else None


# --- helpers for handlers ------------------------------------------------------------------

def _emit_self(event: str, data: dict) -> None:
    socketio.emit(event, data, to=request.sid, namespace=NAMESPACE)


def _refuse(event: str, error: DomainError, order_id=None) -> dict:
    """Send the contract's error body as an `error` event (and return it for the ack)."""
    body, _status, _headers = refusal(error, event=event)
    if order_id is not None:
        body["orderId"] = order_id
    _emit_self("error", body)
    return body


def _screen() -> Screen:
    screen = hub().screens.get(request.sid)
    if screen is None:
        raise NotAuthenticated("This connection is not authenticated", "NOT_AUTHENTICATED")
    return screen


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: str


def _actor(claims: dict, outlet_id: int) -> Actor:
    """The token's user as it is now: revoked, deactivated or expired tokens stop here."""
    if claims.get("exp", 0) <= datetime.now(UTC).timestamp():
        raise NotAuthenticated("Token has expired", "TOKEN_EXPIRED")
    try:
        user = auth_service.current_user(db.session, claims, outlet_id)
        actor = None if user is None else Actor(user.id, user.username, user.role)
    finally:
        db.session.rollback()  # a read left open would pin an old snapshot of the log
    if actor is None:
        raise NotAuthenticated("Token has been revoked or the account is inactive", "TOKEN_REVOKED")
    return actor


def _int(value, name: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(f"{name} is required and must be an integer", "REQUIRED" if value is None else
                               f"INVALID_{name.upper()}", name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= sqlite.MAX_INT:  # larger: no row has it, SQLite can't bind it
        raise ValidationFailed(f"{name} must be a whole number from 0 to {sqlite.MAX_INT}", f"INVALID_{name.upper()}",
                               name)
    return value


def _payload(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("The payload must be an object", "INVALID_REQUEST")
    return data


def _check_outlet(value, screen: Screen, name: str) -> None:
    if value is None:
        return
    if _int(value, name) != screen.outlet_id:
        raise PermissionDenied("A screen may only act on its own outlet", "OUTLET_FORBIDDEN")


def _last_seq_of(session, order_id: int) -> int | None:
    return session.execute(select(func.max(KitchenEvent.seq)).where(KitchenEvent.order_id == order_id)).scalar()


def _change(event: str, data, min_role: str, action) -> dict:
    """Run one status change the way REST does, then acknowledge with `status_updated`."""
    order_id = data.get("id") if isinstance(data, dict) else None
    try:
        screen = _screen()
        data = _payload(data)
        order_id = _int(data.get("id"), "id")
        _check_outlet(data.get("outlet_id"), screen, "outlet_id")
        user = _actor(screen.claims, screen.outlet_id)
        if not at_least(user.role, min_role):
            raise PermissionDenied(f"This action needs the {min_role} role or above")
        with write_transaction() as session:
            order = orders.get(session, order_id)
            action(session, order, user, data)
            seq = _last_seq_of(session, order_id)
            ack = {"orderId": order_id, "order_number": order.order_number, "status": order.status, "seq": seq,
                   "timestamp": now()}
    except NotAuthenticated as error:
        body = _refuse(event, error, order_id)
        socketio.server.disconnect(request.sid, namespace=NAMESPACE)
        return body
    except DomainError as error:
        return _refuse(event, error, order_id)
    _emit_self("status_updated", ack)
    return ack


# --- the actions, each one of the order services REST uses --------------------------------

def _kitchen_status(session, order, user, data):
    orders.set_kitchen_status(session, order, data["status"])


def _complete(session, order, user, data):
    orders.complete(session, order, outlet_settings.tenant(session).points_per_amount)


def _cancel(session, order, user, data):
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        reason = f"cancelled from a screen by {user.username}"
    orders.cancel(session, order, at_least(user.role, "manager"), reason.strip()[:500])


def _items(session, order, user, data):
    ids = data.get("item_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 200:
        raise ValidationFailed("item_ids must be a non-empty list of item ids", "INVALID_ITEM_IDS", "item_ids")
    orders.set_items_status(session, order, [_int(i, "item_ids") for i in ids], data.get("prep_status"))


def _recall(session, order, user, data):
    orders.recall(session, order)


# --- handlers ----------------------------------------------------------------------------

def on_connect(auth=None):
    """Refuse a missing or bad token; otherwise greet, catch up and join the room."""
    try:
        if not isinstance(auth, dict) or not isinstance(auth.get("token"), str) or not auth["token"]:
            raise NotAuthenticated("An access token is required in auth.token", "NOT_AUTHENTICATED")
        try:
            claims = decode_token(auth["token"])
        except ExpiredSignatureError:
            raise NotAuthenticated("Token has expired", "TOKEN_EXPIRED") from None
        except (PyJWTError, ValueError, KeyError):
            raise NotAuthenticated("Token is invalid", "TOKEN_INVALID") from None
        if claims.get("type") != "access":
            raise NotAuthenticated("An access token is required", "TOKEN_INVALID")
        outlet_id = outlet_settings.outlet(db.session).id
        user = _actor(claims, outlet_id)
    except DomainError as error:
        raise Refused(error.message, refusal(error)[0]) from None
    screen = Screen(request.sid, user.user_id, user.username, user.role, outlet_id, claims)
    hub().screens[request.sid] = screen
    _emit_self("connected", {"message": "Connected to the kitchen of this outlet", "socketId": request.sid,
                             "timestamp": now(), "outletId": outlet_id, "user": user.username, "role": user.role})
    log_id = auth.get("log_id") if isinstance(auth.get("log_id"), str) else None
    hub().attach(screen, auth.get("last_seq"), log_id)


def on_disconnect(reason=None):
    current = hub()
    if current is not None:
        current.screens.pop(request.sid, None)


def on_subscribe_outlet(outlet_id=None):
    """The screen is in its own outlet's room from connect; another outlet is refused."""
    try:
        screen = _screen()
        if isinstance(outlet_id, dict):
            outlet_id = outlet_id.get("outletId", outlet_id.get("outlet_id"))
        _check_outlet(_int(outlet_id, "outletId"), screen, "outletId")
    except DomainError as error:
        return _refuse("subscribe_outlet", error)
    body = {"outletId": screen.outlet_id, "timestamp": now()}
    _emit_self("subscribed", body)
    return body


def on_identify(data=None):
    try:
        screen = _screen()
        data = _payload(data)
        kind = data.get("type")
        if kind not in ("pos", "kitchen"):
            raise ValidationFailed("type must be pos or kitchen", "INVALID_TYPE", "type")
        _check_outlet(data.get("outletId"), screen, "outletId")
        station = data.get("station")
        if station is not None and (not isinstance(station, str) or len(station) > 40):
            raise ValidationFailed("station must be a station name", "INVALID_STATION", "station")
    except DomainError as error:
        return _refuse("identify", error)
    screen.type, screen.station = kind, (station or None)
    body = {"type": kind, "station": screen.station, "outletId": screen.outlet_id, "timestamp": now()}
    _emit_self("identified", body)
    return body


def on_new_order(order=None):
    """A POS announcing an order it made over the REST API: acknowledged, never trusted
    to create anything (the kitchen learns of orders from the log)."""
    try:
        screen = _screen()
        order_id = _int(_payload(order).get("id"), "id")
        _check_outlet(order.get("outlet_id"), screen, "outlet_id")
    except DomainError as error:
        return _refuse("new_order", error, order.get("id") if isinstance(order, dict) else None)
    seq = _last_seq_of(db.session, order_id)
    db.session.rollback()
    body = {"orderId": order_id, "timestamp": now(), "in_kitchen": seq is not None,
            "seq": seq if seq is not None else hub().last_published}
    _emit_self("order_sent", body)
    return body


def on_update_status(data=None):
    status = data.get("status") if isinstance(data, dict) else None
    if status == "completed":
        return _change("update_status", data, "cashier", _complete)
    if status == "cancelled":
        return _change("update_status", data, "cashier", _cancel)
    if status not in orders.KITCHEN_STATUSES:
        wanted = ", ".join((*orders.KITCHEN_STATUSES, "completed"))
        return _refuse("update_status", ValidationFailed(f"status must be {wanted} or cancelled", "INVALID_STATUS",
                                                         "status"),
                       data.get("id") if isinstance(data, dict) else None)
    return _change("update_status", data, "kitchen", _kitchen_status)


def on_update_items(data=None):
    return _change("update_items", data, "kitchen", _items)


def on_recall_order(data=None):
    return _change("recall_order", data, "kitchen", _recall)


def on_complete_order(data=None):
    return _change("complete_order", data, "cashier", _complete)


def on_cancel_order(data=None):
    return _change("cancel_order", data, "cashier", _cancel)


def on_broadcast(data=None):
    """Relay anything to the other clients of the outlet (not the sender)."""
    try:
        screen = _screen()
        if len(json.dumps(data, default=str)) > MAX_BROADCAST_BYTES:
            raise APIError(f"A broadcast is limited to {MAX_BROADCAST_BYTES} bytes", "PAYLOAD_TOO_LARGE", status=413)
    except DomainError as error:
        return _refuse("broadcast", error)
    socketio.emit("broadcast", data, to=room_of(screen.outlet_id), skip_sid=request.sid, namespace=NAMESPACE)
    return {"timestamp": now()}


def on_resync(data=None):
    """Replay after `last_seq` (or a snapshot), as on connect."""
    try:
        screen = _screen()
        data = data if isinstance(data, dict) else {"last_seq": data}
    except DomainError as error:
        return _refuse("resync", error)
    log_id = data.get("log_id") if isinstance(data.get("log_id"), str) else None
    return hub().attach(screen, data.get("last_seq"), log_id)


HANDLERS = {
    "connect": on_connect, "disconnect": on_disconnect, "subscribe_outlet": on_subscribe_outlet,
    "identify": on_identify, "new_order": on_new_order, "update_status": on_update_status,
    "update_items": on_update_items, "recall_order": on_recall_order, "complete_order": on_complete_order,
    "cancel_order": on_cancel_order, "broadcast": on_broadcast, "resync": on_resync,
}


def init_app(app) -> None:
    """Register the handlers on the app's Socket.IO server (call after `socketio.init_app`)."""
    app.extensions[HUB_KEY] = Hub(app)
    kitchen_log.RETENTION = timedelta(days=int(app.config.get("KITCHEN_LOG_KEEP_DAYS", 7)))
    for name, handler in HANDLERS.items():
        socketio.on_event(name, handler, namespace=NAMESPACE)
    kitchen_log.on_event(_publish)
    sold_out.on_change(_announce_sold_out)
    outlet_status.provide("kitchen", _status_for_bar)
