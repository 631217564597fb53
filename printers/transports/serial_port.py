"""A printer on a serial port (RS-232, or a USB-serial adapter) through pyserial.

The port is opened exclusively, so two processes can never interleave bytes on one
printer. Flow control must match the printer's DIP switches: with none, a printer that
is off swallows nothing and the bytes are lost on the wire; with RTS/CTS or DSR/DTR
a stopped printer stalls the write, which the write timeout turns into an error.
"""
from __future__ import annotations

import contextlib

import serial

from .base import ConnectionLost, OpenError, Transport, WriteTimeout, wait_for_drain

FLOW_CONTROL = {
    "none": {},
    "rtscts": {"rtscts": True},
    "xonxoff": {"xonxoff": True},
    "dsrdtr": {"dsrdtr": True},
}


class SerialTransport(Transport):
    bidirectional = True

    def __init__(
        self,
        device: str,
        baudrate: int = 9600,
        flow_control: str = "none",
        *,
        write_timeout_s: float = 5.0,
        status_timeout_s: float = 0.5,
    ):
        super().__init__(write_timeout_s=write_timeout_s, status_timeout_s=status_timeout_s)
        if flow_control not in FLOW_CONTROL:
            raise ValueError(f"flow_control must be one of {', '.join(FLOW_CONTROL)}")
        self.device = device
        self.baudrate = baudrate
        self.flow_control = flow_control
        self._port: serial.Serial | None = None
        self._write_failed = False

    def __repr__(self) -> str:
        return f"SerialTransport({self.device!r}, {self.baudrate}, {self.flow_control})"

    @property
    def is_open(self) -> bool:
        return self._port is not None and self._port.is_open

    def open(self) -> None:
        if self.is_open:
            return
        try:
            self._port = serial.Serial(
                port=self.device,
                baudrate=self.baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=self.status_timeout_s,
                write_timeout=self.write_timeout_s,
                exclusive=True,
                **FLOW_CONTROL[self.flow_control],
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            self._port = None
            raise OpenError(f"cannot open serial port {self.device}: {exc}") from exc
        self._write_failed = False

    def close(self) -> None:
        port, self._port = self._port, None
        if port is None:
            return
        try:
            # After a stall, drop what is still queued: close() would otherwise wait for
            # it (up to the tty's 30 s closing_wait) and print it later, unannounced.
            # After a good write nothing is queued on a UART (we drained), and on a pty
            # the queue is the printer's unread input, which must not be thrown away.
            if self._write_failed or port.out_waiting:
                port.reset_output_buffer()
        except (serial.SerialException, OSError):
            pass
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()

    def write(self, data: bytes) -> None:
        try:
            super().write(data)
        except Exception:
            self._write_failed = True
            raise

    def _write_chunk(self, chunk: memoryview) -> int:
        try:
            return self._port.write(chunk)
        except serial.SerialTimeoutException as exc:
            raise WriteTimeout(f"serial write stalled for {self.write_timeout_s}s", uncertain=True) from exc
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"serial port {self.device} failed: {exc}", uncertain=True) from exc

    def _drain(self, total: int) -> None:
        # On a real UART out_waiting counts bytes not yet on the wire; on a pty it is 0.
        try:
            wait_for_drain(lambda: self._port.out_waiting, self.write_timeout_s, total)
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"serial port {self.device} failed: {exc}", bytes_written=total,
                                 uncertain=True) from exc

    def _read(self, timeout_s: float) -> bytes:
        try:
            self._port.timeout = timeout_s
            return self._port.read(1)
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"serial port {self.device} failed: {exc}") from exc

    def _discard_input(self) -> None:
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise ConnectionLost(f"serial port {self.device} failed: {exc}") from exc
