"""Printer links: serial (pyserial), USB (pyusb), network (TCP 9100) and file."""
from __future__ import annotations

from ..config import PrinterConfig
from .base import ConnectionLost, OpenError, Transport, TransportError, WriteTimeout
from .file import FileTransport
from .network import NetworkTransport
from .serial_port import SerialTransport
from .usb_printer import UsbTransport

__all__ = [
    "ConnectionLost", "FileTransport", "NetworkTransport", "OpenError", "SerialTransport", "Transport",
    "TransportError", "UsbTransport", "WriteTimeout", "transport_for",
]


def transport_for(config: PrinterConfig) -> Transport:
    """The (not yet opened) link described by `config`."""
    timeouts = {"write_timeout_s": config.write_timeout_s, "status_timeout_s": config.status_timeout_s}
    if config.kind == "serial":
        return SerialTransport(config.device, config.baudrate, config.flow_control, **timeouts)
    if config.kind == "network":
        return NetworkTransport(config.host, config.port, connect_timeout_s=config.connect_timeout_s, **timeouts)
    if config.kind == "usb":
        return UsbTransport(config.vendor_id, config.product_id, **timeouts)
    return FileTransport(config.device, **timeouts)
