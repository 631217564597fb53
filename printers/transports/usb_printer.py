"""A printer on USB through pyusb (libusb), found by vendor and product id.

Importing this module never fails: without pyusb, or without a libusb backend, or
with no such device plugged in, `open()` raises OpenError with a sentence a person can
act on. The bulk OUT endpoint carries the job; a bulk IN endpoint, where the printer
has one, carries DLE EOT status answers (without one the link is write-only and the
status is "unknown"). On Linux the kernel's usblp driver is detached from the
interface while we hold it; the user running the edge needs access to the device
(a udev rule such as `SUBSYSTEM=="usb", ATTR{idVendor}=="04b8", MODE="0660",
GROUP="lp"`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .base import ConnectionLost, OpenError, Transport, WriteTimeout

try:
    import usb.core
    import usb.util
except ImportError:  # pragma: no cover - pyusb is a dependency, but stay import-safe
    usb = None

log = logging.getLogger(__name__)

PRINTER_CLASS = 7


class UsbTransport(Transport):
    def __init__(
        self,
        vendor_id: int,
        product_id: int | None = None,
        *,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
        find: Callable[..., Any] | None = None,
    ):
        super().__init__(write_timeout_s=write_timeout_s, status_timeout_s=status_timeout_s)
        self.vendor_id = vendor_id
        self.product_id = product_id
        self._find = find
        self._device = None
        self._interface = None
        self._out = None
        self._in = None

    def __repr__(self) -> str:
        return f"UsbTransport({self.ident})"

    @property
    def ident(self) -> str:
        product = f"{self.product_id:04x}" if self.product_id is not None else "*"
        return f"{self.vendor_id:04x}:{product}"

    @property
    def is_open(self) -> bool:
        return self._device is not None

    @property
    def bidirectional(self) -> bool:  # type: ignore[override]
        return self._in is not None

    def open(self) -> None:
        if self._device is not None:
            return
        if usb is None and self._find is None:
            raise OpenError("USB printing needs pyusb, which is not installed")
        find = self._find or usb.core.find
        criteria = {"idVendor": self.vendor_id}
        if self.product_id is not None:
            criteria["idProduct"] = self.product_id
        try:
            device = find(**criteria)
        except Exception as exc:  # pyusb may be absent, so its errors cannot be named
            if type(exc).__name__ == "NoBackendError":
                raise OpenError("no USB backend: install libusb-1.0 (apt install libusb-1.0-0)") from exc
            raise OpenError(f"cannot search the USB bus: {exc}") from exc
        if device is None:
            raise OpenError(f"USB printer {self.ident} not found: is it plugged in and switched on?")
        try:
            self._claim(device)
        except OpenError:
            raise
        except Exception as exc:  # usb.core.USBError (permissions, busy interface)
            raise OpenError(f"cannot use USB printer {self.ident}: {exc} (check the device permissions)") from exc

    def _claim(self, device) -> None:
        try:
            config = device.get_active_configuration()
        except Exception:  # noqa: BLE001 - pyusb raises USBError when no configuration is set yet
            device.set_configuration()
            config = device.get_active_configuration()
        interfaces = list(config)
        interface = next((i for i in interfaces if i.bInterfaceClass == PRINTER_CLASS), None)
        interface = interface or (interfaces[0] if interfaces else None)
        if interface is None:
            raise OpenError(f"USB device {self.ident} has no interface to print on")
        number = interface.bInterfaceNumber
        try:
            if device.is_kernel_driver_active(number):
                device.detach_kernel_driver(number)
        except (NotImplementedError, AttributeError):
            pass  # not on Linux/libusb1: no kernel driver to detach
        out_ep = _endpoint(interface, out=True)
        if out_ep is None:
            raise OpenError(f"USB device {self.ident} has no bulk OUT endpoint: it is not a printer")
        _claim_interface(device, number)
        self._device, self._interface = device, number
        self._out, self._in = out_ep, _endpoint(interface, out=False)

    def close(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        try:
            if usb is not None:
                usb.util.release_interface(device, self._interface)
                usb.util.dispose_resources(device)
        except Exception as exc:  # noqa: BLE001 - closing an unplugged device must not raise
            log.debug("USB printer %s: release failed: %s", self.ident, exc)
        self._out = self._in = None

    def _write_chunk(self, chunk: memoryview) -> int:
        try:
            return self._out.write(bytes(chunk), timeout=int(self.write_timeout_s * 1000))
        except Exception as exc:
            if _is_timeout(exc):
                raise WriteTimeout(f"USB printer {self.ident} took no data for {self.write_timeout_s}s",
                                   uncertain=True) from exc
            raise ConnectionLost(f"USB printer {self.ident} failed: {exc}", uncertain=True) from exc

    def _read(self, timeout_s: float) -> bytes:
        if self._in is None:
            return b""
        try:
            return bytes(self._in.read(self._in.wMaxPacketSize, timeout=max(1, int(timeout_s * 1000))))
        except Exception as exc:
            if _is_timeout(exc):
                return b""
            raise ConnectionLost(f"USB printer {self.ident} failed: {exc}") from exc

    def _discard_input(self) -> None:
        while self._read(0.001):
            pass


def _endpoint(interface, *, out: bool):
    for endpoint in interface:
        attributes = endpoint.bmAttributes & 0x03
        is_in = bool(endpoint.bEndpointAddress & 0x80)
        if attributes == 0x02 and is_in != out:  # bulk
            return endpoint
    return None


def _claim_interface(device, number: int) -> None:
    if usb is not None:
        usb.util.claim_interface(device, number)


def _is_timeout(exc: Exception) -> bool:
    if usb is not None and isinstance(exc, getattr(usb.core, "USBTimeoutError", ())):
        return True
    return getattr(exc, "errno", None) == 110  # ETIMEDOUT from older pyusb
