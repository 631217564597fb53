"""`pos edge enroll`: trade an outlet enrollment key for this device's credential."""
from __future__ import annotations

import socket

from sqlalchemy import func, select

from edge.models import OutboxEvent
from edge.services.storage.uow import write_transaction
from edge.services.syncing import status as sync_status
from edge.services.syncing.credentials import DeviceCredential, load_device, save_device
from sync.client import CloudClient


class EnrollmentRefused(Exception):
    pass


def enroll(session, data_dir: str, cloud_url: str, enrollment_key: str, device_name: str | None = None,
           client: CloudClient | None = None) -> DeviceCredential:
    existing = load_device(data_dir)
    if existing is not None:
        pending = session.execute(
            select(func.count(OutboxEvent.seq)).where(OutboxEvent.status == "pending")).scalar_one()
        if pending:
            raise EnrollmentRefused(f"this data dir is enrolled to outlet {existing.outlet_code} and has {pending} "
                                    "unsynced events; sync them or use another data dir")
    client = client or CloudClient(cloud_url)
    body = client.enroll(enrollment_key, device_name or f"edge@{socket.gethostname()}")
    outlet, tenant = body["outlet"], body["tenant"]
    if existing is not None and existing.outlet_id != outlet["id"]:
        raise EnrollmentRefused(f"this data dir belongs to outlet {existing.outlet_code}; use another data dir")
    credential = DeviceCredential(device_id=body["device_id"], device_token=body["device_token"],
                                  cloud_url=cloud_url.rstrip("/"), tenant_id=tenant["id"], outlet_id=outlet["id"],
                                  outlet_code=outlet["code"], device_name=device_name or "edge",
                                  number_space=body.get("number_space"))
    save_device(data_dir, credential)
    adopt_identity(credential)
    return credential


def adopt_identity(credential: DeviceCredential) -> None:
    """The database learns the device it now belongs to and its numbering space."""
    with write_transaction() as session:
        state = sync_status.state(session)
        state.device_id = credential.device_id
        if credential.number_space:
            state.number_space = credential.number_space
