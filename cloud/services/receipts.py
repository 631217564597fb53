"""E-receipts: the order a signed link names (sync/receipt_links.py), as stored.

The link is checked against the device that signed it (the key derives from the SHA-256
of its token the cloud keeps); a wrong signature and an unknown device look the same
(None), so links cannot be probed. The figures are the synced order's own, the same
numbers as the paper.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from cloud.models import Device, Outlet, SyncedOrder, SyncedOrderItem, SyncedPayment, Tenant
from sync import receipt_links
from sync.money import format_rate


@dataclass
class EReceipt:
    tenant: Tenant
    outlet: Outlet
    order: SyncedOrder | None  # None: signed, but not synced yet
    items: list
    payments: list

    @property
    def service_label(self) -> str:
        """As the paper prints it ("Service 5%"): the outlet's rate, else the tenant's."""
        rate = self.outlet.service_charge_bp
        return rate_label("Service", self.tenant.service_charge_bp if rate is None else rate)

    @property
    def tax_label(self) -> str:
        rate = self.outlet.tax_rate_bp
        return rate_label("Tax", self.tenant.tax_rate_bp if rate is None else rate)


def rate_label(word: str, bp: int) -> str:
    """'Tax 10%', 'Service 5.5%': the receipt's label (edge/services/printing/documents.py)."""
    return f"{word} {format_rate(bp).rstrip('0').rstrip('.')}%"


def link_for(session, order: SyncedOrder, base_url: str) -> str:
    """The link the till printed for this order ('' when its device is unknown)."""
    token_hash = session.execute(select(Device.token_hash).where(Device.id == order.device_id)).scalar() \
        if order.device_id else None
    if not token_hash or not base_url:
        return ""
    return receipt_links.url(base_url, receipt_links.key_from_token_hash(token_hash), order.device_id, order.uuid)


def is_link_of(session, link: str, outlet_id: int, order_uuid: str) -> bool:
    """Whether `link` is a signed e-receipt link of this order by a device of this outlet
    (what a till sends along when a customer asks for the e-receipt: sent only if it is)."""
    found = re.search(r"/r/(\d{1,10})/([0-9a-f-]{36})/([A-Za-z0-9_-]{1,64})$", link or "")
    if found is None or found.group(2) != order_uuid:
        return False
    device = session.get(Device, int(found.group(1)))
    return device is not None and device.outlet_id == outlet_id and receipt_links.verify(
        receipt_links.key_from_token_hash(device.token_hash), device.id, order_uuid, found.group(3))


def find(session, device_id: int, order_uuid: str, signature: str) -> EReceipt | None:
    device = session.get(Device, device_id)
    if device is None or not receipt_links.verify(receipt_links.key_from_token_hash(device.token_hash), device_id,
                                                   order_uuid, signature):
        return None
    outlet = session.get(Outlet, device.outlet_id)
    tenant = session.get(Tenant, device.tenant_id)
    order = session.execute(select(SyncedOrder).where(SyncedOrder.outlet_id == device.outlet_id,
                                                      SyncedOrder.uuid == order_uuid)).scalar_one_or_none()
    if order is None:
        return EReceipt(tenant, outlet, None, [], [])
    items = session.execute(select(SyncedOrderItem).where(SyncedOrderItem.order_id == order.id)
                            .order_by(SyncedOrderItem.line_no)).scalars().all()
    payments = session.execute(select(SyncedPayment).where(
        SyncedPayment.outlet_id == order.outlet_id, SyncedPayment.order_uuid == order.uuid,
        SyncedPayment.status == "paid").order_by(SyncedPayment.created_at)).scalars().all()
    return EReceipt(tenant, outlet, order, items, payments)
