"""Security alerts (issue 21): what the scan finds, kept one open alert per kind and
subject, and acknowledged by an owner.

The scan (`pos cloud worker`, every minute) reads what the cloud already keeps:
- failed sign-ins per username (the login throttle's counters) and per address (the
  security request log's refused logins), `failures` or more within `window`;
- lockouts (the throttle's `locked_at`);
- an outlet none of whose active devices has been heard from for `silent_after`;
- refunds and voids above `refund_share_percent` of an outlet's orders on a business day
  (today's or yesterday's, UTC);
- drawers opened with no sale (the tills' `drawer_open` audit records), per outlet and day;
- an outlet's audit chain that did not hold when its records arrived (`chain_ok` false).
A repeat of an open alert updates it (count, last seen); once acknowledged, the same
subject raises a new alert only on evidence newer than the acknowledgement."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from cloud.models import AuditEntry, Device, LoginThrottle, Outlet, RequestLogEntry, SecurityAlert, SyncedOrder, User
from cloud.services.actor import Actor
from sync.errors import Forbidden, NotFound
from sync.timeutil import isoformat, utcnow
from sync.vocab import NOT_SOLD_STATUSES

LOGIN_RULE = "/api/auth/login/"
REFUSED_LOGIN = (401, 429)


@dataclass(frozen=True)
class AlertSettings:
    failures: int = 5
    window: timedelta = timedelta(minutes=15)
    silent_after: timedelta = timedelta(minutes=60)
    refund_share_percent: int = 20

    @classmethod
    def from_config(cls, config) -> AlertSettings:
        return cls(config["ALERT_FAILED_LOGINS"], timedelta(minutes=config["ALERT_WINDOW_MINUTES"]),
                   timedelta(minutes=config["ALERT_OUTLET_SILENT_MINUTES"]), config["ALERT_REFUND_SHARE_PERCENT"])


def scan(session, settings: AlertSettings, now: datetime | None = None) -> int:
    """Raise or update every alert the evidence calls for; the caller commits. Returns how
    many alerts were raised or updated."""
    now = now or utcnow()
    found = 0
    for check in (_failed_logins_per_user, _failed_logins_per_address, _lockouts, _silent_outlets, _refund_shares,
                  _drawer_opens, _broken_chains):
        for alert in check(session, settings, now):
            found += _raise(session, now=now, **alert)
    return found


def _tenant_of(session, username: str) -> int | None:
    return session.execute(select(User.tenant_id).where(User.username == username)).scalar()


def _failed_logins_per_user(session, settings, now):
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.failures >= settings.failures,
                                                       LoginThrottle.last_failure_at >= now - settings.window))
    for throttle in rows.scalars():
        yield {"kind": "failed_logins_user", "tenant_id": _tenant_of(session, throttle.username),
               "subject": throttle.username, "count": throttle.failures, "evidence_at": throttle.last_failure_at,
               "message": f"{throttle.failures} failed sign-ins in a row for {throttle.username}",
               "detail": {"username": throttle.username, "last_failure_at": isoformat(throttle.last_failure_at)}}


def _failed_logins_per_address(session, settings, now):
    rows = session.execute(
        select(RequestLogEntry.address, func.count(), func.max(RequestLogEntry.at))
        .where(RequestLogEntry.endpoint == LOGIN_RULE, RequestLogEntry.method == "POST",
               RequestLogEntry.status.in_(REFUSED_LOGIN), RequestLogEntry.at >= now - settings.window)
        .group_by(RequestLogEntry.address).having(func.count() >= settings.failures))
    minutes = int(settings.window.total_seconds() // 60)
    for address, count, last in rows:
        yield {"kind": "failed_logins_address", "tenant_id": None, "subject": address, "count": count,
               "evidence_at": last, "message": f"{count} refused sign-ins from {address} in {minutes} minutes",
               "detail": {"address": address, "last_at": isoformat(last)}}


def _lockouts(session, settings, now):
    rows = session.execute(select(LoginThrottle).where(LoginThrottle.locked_at >= now - settings.window))
    for throttle in rows.scalars():
        yield {"kind": "account_locked", "tenant_id": _tenant_of(session, throttle.username),
               "subject": throttle.username, "count": throttle.locks or 1, "evidence_at": throttle.locked_at,
               "message": f"{throttle.username} was locked after repeated failed sign-ins",
               "detail": {"username": throttle.username, "locked_until": isoformat(throttle.locked_until)}}


def _silent_outlets(session, settings, now):
    rows = session.execute(
        select(Device.tenant_id, Device.outlet_id, func.max(Device.last_seen_at))
        .where(Device.is_active.is_(True), Device.last_seen_at.is_not(None))
        .group_by(Device.tenant_id, Device.outlet_id)
        .having(func.max(Device.last_seen_at) < now - settings.silent_after))
    for tenant_id, outlet_id, seen in rows:
        name = session.execute(select(Outlet.name).where(Outlet.id == outlet_id)).scalar() or f"outlet {outlet_id}"
        minutes = int((now - seen).total_seconds() // 60)
        yield {"kind": "outlet_silent", "tenant_id": tenant_id, "outlet_id": outlet_id, "subject": str(outlet_id),
               "count": 1, "evidence_at": seen, "message": f"{name} has not been heard from for {minutes} minutes",
               "detail": {"outlet_id": outlet_id, "last_contact_at": isoformat(seen)}}


def _refund_shares(session, settings, now):
    days = (now.date(), now.date() - timedelta(days=1))
    taken_back = func.sum(SyncedOrder.voided_amount + SyncedOrder.refunded_amount)
    rows = session.execute(
        select(SyncedOrder.tenant_id, SyncedOrder.outlet_id, SyncedOrder.business_date,
               func.sum(SyncedOrder.total_amount), taken_back, func.max(SyncedOrder.received_at))
        .where(SyncedOrder.business_date.in_(days), SyncedOrder.status.not_in(NOT_SOLD_STATUSES))
        .group_by(SyncedOrder.tenant_id, SyncedOrder.outlet_id, SyncedOrder.business_date))
    for tenant_id, outlet_id, day, total, back, updated in rows:
        total, back = int(total or 0), int(back or 0)  # PostgreSQL sums to Decimal
        if not total or not back or back * 100 <= total * settings.refund_share_percent:
            continue
        share = round(back * 100 / total, 1)  # a percentage for people, not money
        yield {"kind": "refund_share", "tenant_id": tenant_id, "outlet_id": outlet_id,
               "subject": f"{outlet_id}:{day.isoformat()}", "count": 1, "evidence_at": updated,
               "message": f"refunds and voids are {share} % of outlet {outlet_id}'s orders on {day.isoformat()} "
                          f"(over {settings.refund_share_percent} %)",
               "detail": {"outlet_id": outlet_id, "business_date": day.isoformat(), "share_percent": share}}


def _drawer_opens(session, settings, now):
    """Every drawer opened with no sale is worth a look: one alert per outlet and UTC day,
    its count the opens recorded (the reasons are in the audit trail)."""
    day = func.date(AuditEntry.occurred_at)
    rows = session.execute(
        select(AuditEntry.tenant_id, AuditEntry.outlet_id, day, func.count(), func.max(AuditEntry.received_at))
        .where(AuditEntry.action == "drawer_open", AuditEntry.occurred_at >= now - timedelta(days=1))
        .group_by(AuditEntry.tenant_id, AuditEntry.outlet_id, day))
    for tenant_id, outlet_id, opened_on, count, latest in rows:
        opened_on = str(opened_on)
        yield {"kind": "drawer_opens", "tenant_id": tenant_id, "outlet_id": outlet_id,
               "subject": f"{outlet_id}:{opened_on}", "count": count, "evidence_at": latest,
               "message": f"the drawer was opened with no sale {count} time(s) at outlet {outlet_id} on {opened_on}",
               "detail": {"outlet_id": outlet_id, "day": opened_on, "opens": count}}


def _broken_chains(session, settings, now):
    """Records that did not follow their device's chain when they arrived: a record deleted
    or edited at the till (verify names the place)."""
    rows = session.execute(
        select(AuditEntry.tenant_id, AuditEntry.outlet_id, func.count(), func.max(AuditEntry.received_at))
        .where(AuditEntry.source == "edge", AuditEntry.chain_ok.is_(False))
        .group_by(AuditEntry.tenant_id, AuditEntry.outlet_id))
    for tenant_id, outlet_id, count, latest in rows:
        yield {"kind": "audit_chain_broken", "tenant_id": tenant_id, "outlet_id": outlet_id,
               "subject": str(outlet_id), "count": count, "evidence_at": latest,
               "message": f"outlet {outlet_id}'s audit trail has {count} record(s) that do not follow the chain "
                          "(see GET /api/audit/verify/)",
               "detail": {"outlet_id": outlet_id, "records": count}}


def _raise(session, *, now, kind, tenant_id, subject, message, count, detail, evidence_at, outlet_id=None) -> int:
    same = and_(SecurityAlert.kind == kind, SecurityAlert.subject == subject[:200],
                SecurityAlert.tenant_id.is_(None) if tenant_id is None else SecurityAlert.tenant_id == tenant_id)
    latest = session.execute(select(SecurityAlert).where(same).order_by(SecurityAlert.id.desc()).limit(1)).scalar()
    if latest is not None and latest.acknowledged_at is None:
        latest.last_seen_at, latest.count, latest.message, latest.detail = now, max(count, 1), message[:300], detail
        return 1
    if latest is not None and evidence_at is not None and evidence_at <= latest.acknowledged_at:
        return 0  # acknowledged, and nothing new since
    session.add(SecurityAlert(tenant_id=tenant_id, outlet_id=outlet_id, kind=kind, subject=subject[:200],
                              message=message[:300], count=max(count, 1), detail=detail, first_seen_at=now,
                              last_seen_at=now))
    return 1


def raise_alert(session, *, kind: str, tenant_id: int, subject: str, message: str, detail: dict,
                evidence_at: datetime, now: datetime, outlet_id: int | None = None, count: int = 1) -> int:
    """Raise (or update) one alert from elsewhere (an automation rule's alert action), by the
    scan's own rule: one open alert per kind and subject. 1 when raised or updated."""
    return _raise(session, now=now, kind=kind, tenant_id=tenant_id, subject=subject, message=message, count=count,
                  detail=detail, evidence_at=evidence_at, outlet_id=outlet_id)


# --- reading and acknowledging ------------------------------------------------------------

def visible_to(actor: Actor):
    """A tenant's owner: the tenant's alerts; a platform admin: all (or X-Tenant-ID's)."""
    stmt = select(SecurityAlert)
    if actor.is_platform:
        return stmt if actor.tenant_id is None else stmt.where(SecurityAlert.tenant_id == actor.tenant_id)
    if not actor.at_least("tenant_owner"):
        raise Forbidden("Security alerts are for the tenant's owner")
    return stmt.where(SecurityAlert.tenant_id == actor.require_tenant())


def filtered(stmt, *, acknowledged: bool | None = None, kind: str | None = None):
    if acknowledged is not None:
        stmt = stmt.where(SecurityAlert.acknowledged_at.is_not(None) if acknowledged
                          else SecurityAlert.acknowledged_at.is_(None))
    if kind is not None:
        stmt = stmt.where(SecurityAlert.kind == kind)
    return stmt.order_by(SecurityAlert.last_seen_at.desc(), SecurityAlert.id.desc())


def acknowledge(session, actor: Actor, alert_id: int) -> SecurityAlert:
    """Record who acknowledged the alert and when (the first acknowledgement stands)."""
    alert = session.execute(visible_to(actor).where(SecurityAlert.id == alert_id)).scalar()
    if alert is None:
        raise NotFound("Security alert", "ALERT_NOT_FOUND")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = utcnow(), actor.user_id
        alert.acknowledged_by_username = actor.username[:150]
    return alert
