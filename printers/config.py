"""One printer's settings, as the edge stores them and as `pos printer list` shows them.

`PrinterConfig.from_dict()` accepts what the edge's printer API receives (CONTRACT.md:
`{name, kind, device, baudrate?, profile, role, station?}`), so `device` alone can say
where the printer is: a serial path, "host[:port]" for a network printer, "vvvv:pppp"
(hex vendor:product) for USB, or a file path for the demo's file printers.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Literal, get_args

from .profiles import Paper, ProfileError

TransportKind = Literal["serial", "usb", "network", "file"]
FlowControl = Literal["none", "rtscts", "xonxoff", "dsrdtr"]
Role = Literal["receipt", "kitchen"]

DEFAULT_PORT = 9100
SERIAL_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class ConfigError(ValueError):
    """A printer setting that cannot work; the message names the setting."""


@dataclass(frozen=True)
class PrinterConfig:
    name: str
    kind: TransportKind
    device: str = ""
    baudrate: int = 9600
    flow_control: FlowControl = "none"
    write_timeout_s: float = 5.0
    host: str = ""
    port: int = DEFAULT_PORT
    connect_timeout_s: float = 3.0
    vendor_id: int | None = None
    product_id: int | None = None
    profile: str = "default"
    columns: int | None = None
    code_page: str = "CP437"
    role: Role = "receipt"
    station: str = ""
    status_timeout_s: float = 0.5
    buzzer: bool = False
    dots: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ConfigError("name: a printer needs a name")
        for field, hint in (("kind", TransportKind), ("flow_control", FlowControl), ("role", Role)):
            if getattr(self, field) not in get_args(hint):
                raise ConfigError(f"{field}: {getattr(self, field)!r} is not one of {', '.join(get_args(hint))}")
        for field in ("write_timeout_s", "connect_timeout_s", "status_timeout_s"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 300:
                raise ConfigError(f"{field}: must be a number of seconds in (0, 300]")
        if self.kind == "network" and not self.host:
            host, _, port = self.device.rpartition(":") if ":" in self.device else (self.device, "", "")
            object.__setattr__(self, "host", host)
            if port:
                object.__setattr__(self, "port", _int(port, "device port"))
        if self.kind == "usb" and self.vendor_id is None and self.device:
            vendor, _, product = self.device.partition(":")
            object.__setattr__(self, "vendor_id", _hex(vendor, "device vendor id"))
            object.__setattr__(self, "product_id", _hex(product, "device product id") if product else None)
        for field in ("vendor_id", "product_id"):
            value = getattr(self, field)
            if isinstance(value, str):
                object.__setattr__(self, field, _hex(value, field))
        self._check_transport()
        try:
            self.paper()
        except ProfileError as exc:
            raise ConfigError(f"profile: {exc}") from None

    def _check_transport(self) -> None:
        if self.kind in ("serial", "file") and not self.device:
            raise ConfigError(f"device: a {self.kind} printer needs a device path")
        if self.kind == "serial" and self.baudrate not in SERIAL_BAUDRATES:
            raise ConfigError(f"baudrate: {self.baudrate!r} is not one of {SERIAL_BAUDRATES}")
        if self.kind == "network":
            if not self.host:
                raise ConfigError("host: a network printer needs a host (or device 'host:port')")
            if not isinstance(self.port, int) or not 0 < self.port < 65536:
                raise ConfigError(f"port: {self.port!r} is not a TCP port")
        if self.kind == "usb" and self.vendor_id is None:
            raise ConfigError("vendor_id: a USB printer needs a vendor id (or device 'vvvv:pppp')")

    def paper(self) -> Paper:
        """The printer's width, dots, code page and abilities from its profile."""
        return Paper.for_profile(
            self.profile, columns=self.columns, code_page=self.code_page, dots=self.dots, buzzer=self.buzzer
        )

    @property
    def bidirectional(self) -> bool:
        """Whether the printer can answer status queries over this link."""
        return self.kind != "file"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PrinterConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown printer setting(s): {', '.join(unknown)}")
        values = {k: v for k, v in data.items() if v is not None or k in ("columns", "dots", "vendor_id", "product_id")}
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(str(exc)) from None


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{what}: {text!r} is not a number") from None


def _hex(text: str, what: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise ConfigError(f"{what}: {text!r} is not a hex id such as 04b8") from None
