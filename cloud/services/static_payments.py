"""Static QRIS payments at the cloud: the ones still unverified, and a provider's settlement
report matched against them (by reference and amount).

A match verifies the payment; every difference (an amount that differs, a reference no till
recorded, a payment the report lacks) is flagged and listed, never corrected: the payments
are facts the tills recorded. An import is one transaction and is idempotent: the same
file (by its SHA-256) again answers the first import and changes nothing.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError

from cloud.models import GatewayCharge, Outlet, SettlementImport, SettlementLine, SyncedOrder, SyncedPayment
from cloud.services import settlement_files
from cloud.services.actor import Actor
from sync.errors import Invalid, NotFound
from sync.money import format_amount
from sync.timeutil import utcnow
from sync.vocab import PAID, SETTLEMENT_FLAGS, STATIC_QR_METHODS

MAX_DAYS = 62
STATES = ("unverified", "verified", "all")


def _matched_line():
    return select(SettlementLine.id).where(SettlementLine.payment_id == SyncedPayment.id,
                                           SettlementLine.outcome == "matched")


def static_query(actor: Actor, *, outlet_id: int | None = None, date_from: date | None = None,
                 date_to: date | None = None, state: str = "unverified"):
    """(payment, order number, verified) rows the actor may see, newest first."""
    verified = exists(_matched_line())
    flag = (select(SettlementLine.outcome).where(SettlementLine.payment_id == SyncedPayment.id,
                                                 SettlementLine.outcome.in_(SETTLEMENT_FLAGS))
            .order_by(SettlementLine.id.desc()).limit(1).scalar_subquery())
    stmt = (select(SyncedPayment, SyncedOrder.order_number, verified.label("verified"), flag.label("flag"))
            .outerjoin(SyncedOrder, and_(SyncedOrder.outlet_id == SyncedPayment.outlet_id,
                                         SyncedOrder.uuid == SyncedPayment.order_uuid))
            .where(SyncedPayment.tenant_id == actor.require_tenant(),
                   SyncedPayment.method.in_(STATIC_QR_METHODS), SyncedPayment.status == PAID))
    if actor.outlet_id is not None:
        stmt = stmt.where(SyncedPayment.outlet_id == actor.outlet_id)
    if outlet_id is not None:
        stmt = stmt.where(SyncedPayment.outlet_id == outlet_id)
    if date_from is not None:
        stmt = stmt.where(SyncedPayment.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(SyncedPayment.business_date <= date_to)
    if state == "unverified":
        stmt = stmt.where(~verified)
    elif state == "verified":
        stmt = stmt.where(verified)
    return stmt.order_by(SyncedPayment.created_at.desc(), SyncedPayment.id.desc())


def present(row) -> dict:
    payment, order_number, verified, flag = row
    return {"id": payment.id, "uuid": payment.uuid, "outlet_id": payment.outlet_id, "order_uuid": payment.order_uuid,
            "order_number": order_number, "terminal": payment.terminal, "amount": format_amount(payment.amount),
            "reference": payment.reference, "business_date": payment.business_date, "created_at": payment.created_at,
            "verified": bool(verified), "flag": None if verified else flag}


# ------------------------------------------------------------------------------------ import


@dataclass(frozen=True)
class ImportRequest:
    provider: str
    data: bytes
    filename: str
    date_from: date
    date_to: date
    outlet_id: int | None = None


def _scope_outlet(session, actor: Actor, outlet_id: int | None) -> int | None:
    """The outlet the import covers: an outlet-bound manager's own; else the one asked, if the tenant's."""
    if outlet_id is not None:
        outlet = session.get(Outlet, outlet_id)
        if outlet is None or outlet.tenant_id != actor.require_tenant() or not actor.can_see_outlet(outlet.id):
            raise NotFound("Outlet")
    return actor.outlet_id if actor.outlet_id is not None else outlet_id


def _check_dates(request: ImportRequest) -> None:
    if request.date_to < request.date_from:
        raise Invalid("date_to is before date_from", "INVALID_DATE_RANGE", "date_to")
    if (request.date_to - request.date_from).days >= MAX_DAYS:
        raise Invalid(f"A settlement import covers at most {MAX_DAYS} days", "INVALID_DATE_RANGE", "date_to")


def _key(reference: str) -> str:
    return reference.strip().upper()


class _Matcher:
    """The static payments in scope by reference, and what this import has used of them."""

    def __init__(self, session, tenant_id: int, outlet_id: int | None):
        stmt = (select(SyncedPayment, exists(_matched_line()))
                .where(SyncedPayment.tenant_id == tenant_id, SyncedPayment.method.in_(STATIC_QR_METHODS),
                       SyncedPayment.status == PAID))
        if outlet_id is not None:
            stmt = stmt.where(SyncedPayment.outlet_id == outlet_id)
        self.by_reference: dict[str, list[SyncedPayment]] = {}
        self.verified: set[int] = set()
        self.payments: list[SyncedPayment] = []
        for payment, verified in session.execute(stmt.order_by(SyncedPayment.id)).all():
            self.payments.append(payment)
            self.by_reference.setdefault(_key(payment.reference), []).append(payment)
            if verified:
                self.verified.add(payment.id)
        self.touched: set[int] = set()  # referenced by a line of this file
        charges = select(GatewayCharge.gateway_order_id, GatewayCharge.gateway_id).where(
            GatewayCharge.tenant_id == tenant_id)
        self.charges = {_key(value) for row in session.execute(charges).all() for value in row if value}

    def outcome(self, row: settlement_files.SettlementRow) -> tuple[str, SyncedPayment | None, str]:
        if not row.settled:
            return "not_settled", None, f"status {row.status or 'unknown'}: not a settled payment"
        found = [p for reference in row.references for p in self.by_reference.get(_key(reference), [])]
        if not found:
            if any(_key(reference) in self.charges for reference in row.references):
                return "gateway_charge", None, "a dynamic QRIS / e-wallet charge (settled by its webhook)"
            return "reference_not_found", None, "no static QRIS payment was recorded with this reference"
        self.touched.update(p.id for p in found)
        open_ = [p for p in found if p.id not in self.verified]
        for payment in open_:
            if payment.amount == row.amount:
                self.verified.add(payment.id)
                return "matched", payment, ""
        if any(p.amount == row.amount for p in found):
            return "already_verified", next(p for p in found if p.amount == row.amount), \
                "this payment was verified already (an earlier line or import)"
        payment = (open_ or found)[0]
        return "amount_mismatch", payment, (f"the report says {format_amount(row.amount)}, "
                                            f"the till recorded {format_amount(payment.amount)}")

    def missing(self, date_from: date, date_to: date) -> list[SyncedPayment]:
        return [p for p in self.payments if p.id not in self.verified and p.id not in self.touched
                and p.business_date is not None and date_from <= p.business_date <= date_to]


def import_report(session, actor: Actor, request: ImportRequest, imported_by: int | None) -> tuple[
        SettlementImport, bool]:
    """Match a settlement file; (the import, True) or, for a file imported before, (that one, False).
    The caller's transaction holds every line; a bad line refuses the whole file."""
    tenant_id = actor.require_tenant()
    outlet_id = _scope_outlet(session, actor, request.outlet_id)
    _check_dates(request)
    digest = hashlib.sha256(request.data).hexdigest()
    earlier = _earlier(session, tenant_id, digest)
    if earlier is not None:
        return earlier, False
    rows = settlement_files.parse(request.provider, settlement_files.decode(request.data))
    record = SettlementImport(tenant_id=tenant_id, outlet_id=outlet_id, provider=request.provider,
                              file_sha256=digest, filename=_printable(request.filename)[:255],
                              date_from=request.date_from,
                              date_to=request.date_to, lines=len(rows), imported_by=imported_by,
                              created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:  # the same file imported at the same moment: that import stands
        earlier = _earlier(session, tenant_id, digest)
        if earlier is None:
            raise
        return earlier, False
    matcher = _Matcher(session, tenant_id, outlet_id)
    lines = []
    for row in rows:
        outcome, payment, note = matcher.outcome(row)
        lines.append(SettlementLine(import_id=record.id, tenant_id=tenant_id, row_number=row.line,
                                    reference=row.references[0], amount=row.amount,
                                    payment_id=payment.id if payment else None, outcome=outcome, note=note))
    for payment in matcher.missing(request.date_from, request.date_to):
        lines.append(SettlementLine(import_id=record.id, tenant_id=tenant_id, row_number=None,
                                    reference=payment.reference, amount=None, payment_id=payment.id,
                                    outcome="missing_from_settlement",
                                    note="recorded at the till, absent from this report"))
    session.add_all(lines)
    record.matched = sum(1 for line in lines if line.outcome == "matched")
    record.flagged = sum(1 for line in lines if line.outcome in SETTLEMENT_FLAGS)
    session.flush()
    return record, True


def _printable(name: str) -> str:
    """The upload's name as a database stores it (no NUL, no lone surrogate)."""
    return "".join(ch for ch in name if ch.isprintable())


def _earlier(session, tenant_id: int, digest: str) -> SettlementImport | None:
    return session.execute(select(SettlementImport).where(SettlementImport.tenant_id == tenant_id,
                                                          SettlementImport.file_sha256 == digest)).scalar_one_or_none()


def imports_query(actor: Actor):
    stmt = select(SettlementImport).where(SettlementImport.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(SettlementImport.outlet_id == actor.outlet_id)
    return stmt.order_by(SettlementImport.id.desc())


def get_import(session, actor: Actor, import_id: int) -> SettlementImport:
    found = session.execute(imports_query(actor).where(SettlementImport.id == import_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("Settlement import")
    return found


def lines_of(session, record: SettlementImport, outcomes: tuple[str, ...] | None = None) -> list[dict]:
    stmt = (select(SettlementLine, SyncedPayment)
            .outerjoin(SyncedPayment, SyncedPayment.id == SettlementLine.payment_id)
            .where(SettlementLine.import_id == record.id))
    if outcomes:
        stmt = stmt.where(SettlementLine.outcome.in_(outcomes))
    stmt = stmt.order_by(SettlementLine.row_number.is_(None), SettlementLine.row_number, SettlementLine.id)
    return [{"row_number": line.row_number, "reference": line.reference,
             "amount": format_amount(line.amount) if line.amount is not None else None,
             "outcome": line.outcome, "flagged": line.outcome in SETTLEMENT_FLAGS, "note": line.note,
             "payment_uuid": payment.uuid if payment else None,
             "payment_amount": format_amount(payment.amount) if payment else None,
             "outlet_id": payment.outlet_id if payment else None}
            for line, payment in session.execute(stmt).all()]


def summary(session, record: SettlementImport, *, replayed: bool = False) -> dict:
    return {"id": record.id, "provider": record.provider, "outlet_id": record.outlet_id, "filename": record.filename,
            "date_from": record.date_from, "date_to": record.date_to, "lines": record.lines,
            "matched": record.matched, "flagged": record.flagged, "created_at": record.created_at,
            "replayed": replayed, "differences": lines_of(session, record, SETTLEMENT_FLAGS)}
