"""The HTTP client an edge uses to talk to the cloud: enroll, pull, push, allowances.

Failures come back as typed exceptions, so the relay can tell "try again later"
(transport errors, timeouts, 5xx, 429) from "the device must re-authenticate" (401)
from "the cloud refused this content" (other 4xx).
"""
from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass

import requests

from sync import PROTOCOL_VERSION
from sync.timeutil import isoformat, utcnow


class CloudError(Exception):
    """Base of everything that can go wrong talking to the cloud."""


class Unreachable(CloudError):
    """Connection refused or reset, DNS failure, timeout: the cloud may be fine later.
    `timed_out` says the request went out but no answer came in time: the cloud may be
    busy with it (a batch too big for the timeout), so the sender should send less."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class ServerError(CloudError):
    def __init__(self, status: int, message: str):
        super().__init__(f"cloud answered {status}: {message}")
        self.status = status


class RateLimited(ServerError):
    def __init__(self, retry_after: float | None, message: str = "rate limited"):
        super().__init__(429, message)
        self.retry_after = retry_after


class AuthFailed(CloudError):
    """401: the device credential (or enrollment key) is not accepted."""


class Refused(CloudError):
    """A 4xx about the request's content: retrying the same request will not help."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"cloud refused the request ({status}): {body.get('message', body)}")
        self.status = status
        self.body = body


class MustRefetch(CloudError):
    def __init__(self, snapshot: dict):
        super().__init__("cursor too old: the cloud sent a full snapshot")
        self.snapshot = snapshot


@dataclass
class Exchange:
    body: dict
    clock_skew_s: int | None  # device clock minus cloud clock, from the Date header


class CloudClient:
    """Talks to one cloud as one device. The long-lived device credential is exchanged
    for short-lived access tokens; a 401 on push or pull re-authenticates once."""

    def __init__(self, base_url: str, device_id: int | None = None, device_token: str | None = None,
                 timeout: float = 10.0, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.device_id = device_id
        self.device_token = device_token
        self.timeout = timeout
        self.session = session or requests.Session()
        self._access_token: str | None = None
        self.reauthentications = 0

    def _headers(self, token: str | None) -> dict:
        headers = {"X-POS-Protocol": str(PROTOCOL_VERSION), "X-Device-Time": isoformat(utcnow())}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def authenticate(self) -> str:
        if not self.device_id or not self.device_token:
            raise AuthFailed("this edge is not enrolled")
        body = self._request("POST", "/api/sync/token/",
                             json={"device_id": self.device_id, "device_token": self.device_token}).body
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise Unreachable("the cloud's token answer was cut or garbled")
        self._access_token = body["access_token"]
        return self._access_token

    def _device_request(self, method: str, path: str, **kwargs) -> Exchange:
        if self._access_token is None:
            self.authenticate()
        try:
            return self._request(method, path, token=self._access_token, **kwargs)
        except AuthFailed:
            self.reauthentications += 1
            self.authenticate()
            return self._request(method, path, token=self._access_token, **kwargs)

    def _request(self, method: str, path: str, token: str | None = None, **kwargs) -> Exchange:
        url = f"{self.base_url}{path}"
        sent = time.time()
        try:
            kwargs.setdefault("timeout", self.timeout)
            response = self.session.request(method, url, headers=self._headers(token), **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise Unreachable(f"cannot reach the cloud at {self.base_url}: {error.__class__.__name__}",
                              timed_out=isinstance(error, requests.ReadTimeout)) from None
        except requests.RequestException as error:
            raise Unreachable(f"request to the cloud failed: {error}") from None
        skew = _skew(response.headers.get("Date"), sent, time.time())
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {"message": response.text[:200]}
        if response.status_code == 429:
            retry = response.headers.get("Retry-After")
            raise RateLimited(float(retry) if retry and retry.replace(".", "", 1).isdigit() else None)
        if response.status_code >= 500:
            message = body.get("message", "server error") if isinstance(body, dict) else ""
            raise ServerError(response.status_code, message)
        if response.status_code == 401:
            raise AuthFailed(body.get("message", "not authenticated") if isinstance(body, dict) else "")
        if response.status_code == 409 and isinstance(body, dict) and body.get("code") == "must_refetch":
            raise MustRefetch(body["snapshot"])
        if response.status_code >= 400:
            raise Refused(response.status_code, body if isinstance(body, dict) else {"message": str(body)})
        return Exchange(body, skew)

    def enroll(self, enrollment_key: str, device_name: str) -> dict:
        return self._request("POST", "/api/sync/enroll/",
                             json={"enrollment_key": enrollment_key, "device_name": device_name}).body

    def pull(self, since: int, limit: int = 500) -> Exchange:
        exchange = self._device_request("GET", "/api/sync/pull/", params={"since": since, "limit": limit})
        if not isinstance(exchange.body, dict) or not {"changes", "cursor", "has_more"} <= exchange.body.keys():
            raise Unreachable("the cloud's pull answer was cut or garbled")
        return exchange

    def push(self, events: list[dict]) -> Exchange:
        return self._device_request("POST", "/api/sync/push/", json={"events": events})

    def allowances(self) -> Exchange:
        return self._device_request("POST", "/api/sync/allowances/", json={})

    def create_charge(self, body: dict) -> dict:
        """Ask the cloud for a QRIS / e-wallet charge for an edge payment (same uuid, same charge)."""
        return self._charge_answer(self._device_request("POST", "/api/sync/payments/", json=body).body)

    def charge(self, payment_uuid: str, check: bool = False, wait: int = 0) -> dict:
        """How a charge stands at the cloud; `check` asks the gateway first; `wait` long-polls:
        the cloud answers as soon as a pending charge changes, or after `wait` seconds."""
        params = {"check": "true"} if check else ({"wait": wait} if wait > 0 else None)
        extra = {"timeout": (self.timeout, self.timeout + wait)} if wait > 0 and not check else {}
        return self._charge_answer(self._device_request("GET", f"/api/sync/payments/{payment_uuid}/", params=params,
                                                        **extra).body)

    def cancel_charge(self, payment_uuid: str) -> dict:
        return self._charge_answer(self._device_request("POST", f"/api/sync/payments/{payment_uuid}/cancel/").body)

    def refund_charge(self, payment_uuid: str, refund_uuid: str, amount: str, reason: str) -> dict:
        """Give money back through the gateway; the same refund uuid answers the first result."""
        body = self._device_request("POST", f"/api/sync/payments/{payment_uuid}/refunds/", json={
            "refund_uuid": refund_uuid, "amount": amount, "reason": reason}).body
        if not isinstance(body, dict) or "status" not in body:
            raise Unreachable("the cloud's refund answer was cut or garbled")
        return body

    @staticmethod
    def _charge_answer(body) -> dict:
        if not isinstance(body, dict) or not {"status", "payment_uuid", "amount"} <= body.keys():
            raise Unreachable("the cloud's charge answer was cut or garbled")
        return body

    def device(self) -> dict:
        """What the cloud knows of this device: numbering space, highest seq seen."""
        body = self._device_request("GET", "/api/sync/device/").body
        if not isinstance(body, dict) or "last_pushed_seq" not in body:
            raise Unreachable("the cloud's device answer was cut or garbled")
        return body

    def recovery(self, after_seq: int, after_id: int = 0, limit: int = 200) -> dict:
        body = self._device_request("GET", "/api/sync/recovery/", params={
            "after_seq": after_seq, "after_id": after_id, "limit": limit}).body
        if not isinstance(body, dict) or not {"orders", "shifts", "next_after_id"} <= body.keys():
            raise Unreachable("the cloud's recovery answer was cut or garbled")
        return body

    def fork(self, seq_high: int, device_name: str | None = None) -> dict:
        body = self._device_request("POST", "/api/sync/device/fork/",
                                    json={"seq_high": seq_high, "device_name": device_name}).body
        if not isinstance(body, dict) or "device_token" not in body:
            raise Unreachable("the cloud's fork answer was cut or garbled")
        return body

    def become(self, device_id: int, device_token: str) -> None:
        """Talk as another device from now on (after a fork)."""
        self.device_id, self.device_token, self._access_token = device_id, device_token, None

    def health(self) -> dict:
        return self._request("GET", "/api/health/").body


def _skew(date_header: str | None, sent: float, received: float) -> int | None:
    if not date_header:
        return None
    try:
        server = email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError):
        return None
    midpoint = (sent + received) / 2
    return int(round(midpoint - server))
