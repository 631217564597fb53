"""UsbTransport's logic with stand-in pyusb objects (there is no USB printer here).

What is tested: finding the device, choosing the printer interface's bulk endpoints,
chunked writes, status over the IN endpoint, and the errors a person sees. What is
not: real libusb I/O, which needs hardware.
"""
from __future__ import annotations

import errno

import pytest

from printers.transports import OpenError, UsbTransport, WriteTimeout, usb_printer


class FakeEndpoint:
    def __init__(self, address, answers=b""):
        self.bEndpointAddress = address
        self.bmAttributes = 0x02  # bulk
        self.wMaxPacketSize = 64
        self.written = bytearray()
        self.answers = bytearray(answers)
        self.stall = False
        self.replies_to: FakeEndpoint | None = None  # where a status answer appears

    def write(self, data, timeout=None):
        if self.stall:
            raise OSError(errno.ETIMEDOUT, "Operation timed out")
        self.written += data
        if data.startswith(b"\x10\x04") and self.replies_to is not None:
            self.replies_to.answers.append(0x12)
        return len(data)

    def read(self, size, timeout=None):
        if not self.answers:
            raise OSError(errno.ETIMEDOUT, "Operation timed out")
        data, self.answers[:] = bytes(self.answers[:size]), self.answers[size:]
        return data


class FakeInterface(list):
    def __init__(self, endpoints, cls=7, number=0):
        super().__init__(endpoints)
        self.bInterfaceClass = cls
        self.bInterfaceNumber = number


class FakeDevice:
    def __init__(self, interfaces):
        self.interfaces = interfaces
        self.detached = []
        self.kernel_driver = True

    def get_active_configuration(self):
        return self.interfaces

    def is_kernel_driver_active(self, number):
        return self.kernel_driver

    def detach_kernel_driver(self, number):
        self.detached.append(number)
        self.kernel_driver = False


@pytest.fixture(autouse=True)
def no_real_libusb_calls(monkeypatch):
    monkeypatch.setattr(usb_printer, "_claim_interface", lambda device, number: None)


def _printer(with_in=True):
    out_ep, in_ep = FakeEndpoint(0x01), FakeEndpoint(0x82)
    out_ep.replies_to = in_ep if with_in else None
    printer_interface = FakeInterface([out_ep, in_ep] if with_in else [out_ep])
    hid = FakeInterface([FakeEndpoint(0x83)], cls=3, number=1)
    return FakeDevice([hid, printer_interface]), out_ep


def test_missing_device_says_so():
    transport = UsbTransport(0x04B8, 0x0202, find=lambda **criteria: None)
    with pytest.raises(OpenError, match="04b8:0202 not found"):
        transport.open()


def test_missing_libusb_backend_says_what_to_install():
    class NoBackendError(Exception):
        pass

    def find(**criteria):
        raise NoBackendError("No backend available")

    with pytest.raises(OpenError, match="libusb"):
        UsbTransport(0x04B8, find=find).open()


def test_opens_the_printer_interface_and_writes_through_its_bulk_out_endpoint():
    device, out_ep = _printer()
    seen = {}

    def find(**criteria):
        seen.update(criteria)
        return device

    job = b"\x1b@" + b"x" * 5000
    with UsbTransport(0x04B8, 0x0E15, find=find) as transport:
        transport.write(job)
    assert seen == {"idVendor": 0x04B8, "idProduct": 0x0E15}
    assert device.detached == [0]
    assert bytes(out_ep.written) == job


def test_status_is_read_from_the_bulk_in_endpoint():
    device, _ = _printer()
    with UsbTransport(0x04B8, find=lambda **c: device, status_timeout_s=0.05) as transport:
        status = transport.status()
    assert status.online and status.ready


def test_a_printer_without_an_in_endpoint_has_unknown_status():
    device, _ = _printer(with_in=False)
    with UsbTransport(0x04B8, find=lambda **c: device) as transport:
        assert not transport.bidirectional
        assert transport.status().online is None


def test_a_stalled_usb_write_is_a_timeout_that_may_have_printed():
    device, out_ep = _printer()
    out_ep.stall = True
    with UsbTransport(0x04B8, find=lambda **c: device) as transport, pytest.raises(WriteTimeout) as raised:
        transport.write(b"x" * 100)
    assert raised.value.started


def test_importing_the_module_never_needs_a_device():
    assert UsbTransport(0x04B8).is_open is False
