"""PrinterConfig accepts what the edge's printer API stores and refuses what cannot work."""
from __future__ import annotations

import pytest

from printers.config import ConfigError, PrinterConfig


def test_network_printer_from_the_contracts_device_field():
    config = PrinterConfig.from_dict({"name": "Bar", "kind": "network", "device": "192.168.1.50:9101",
                                      "profile": "TM-T88V", "role": "kitchen", "station": "bar"})
    assert (config.host, config.port, config.paper().columns) == ("192.168.1.50", 9101, 42)


def test_network_port_defaults_to_9100():
    assert PrinterConfig(name="Bar", kind="network", device="printer.local").port == 9100


def test_usb_ids_from_a_hex_device_string():
    config = PrinterConfig.from_dict({"name": "Front", "kind": "usb", "device": "04b8:0e15"})
    assert (config.vendor_id, config.product_id) == (0x04B8, 0x0E15)


def test_round_trips_through_a_dict():
    config = PrinterConfig(name="Front", kind="serial", device="/dev/ttyUSB0", baudrate=38400,
                           flow_control="rtscts", profile="TM-T20II", columns=42, code_page="CP858")
    assert PrinterConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("settings, field", [
    ({"kind": "bluetooth"}, "kind"),
    ({"kind": "serial", "device": ""}, "device"),
    ({"kind": "serial", "device": "/dev/ttyS0", "baudrate": 9601}, "baudrate"),
    ({"kind": "serial", "device": "/dev/ttyS0", "flow_control": "cts"}, "flow_control"),
    ({"kind": "file", "device": "/tmp/p", "profile": "ZJ-5870", "code_page": "CP858"}, "profile"),
    ({"kind": "file", "device": "/tmp/p", "columns": 200}, "profile"),
    ({"kind": "file", "device": "/tmp/p", "write_timeout_s": 0}, "write_timeout_s"),
    ({"kind": "usb", "device": "epson"}, "vendor id"),
    ({"kind": "file", "device": "/tmp/p", "speed": 1}, "unknown printer setting"),
])
def test_settings_that_cannot_work_are_refused_naming_the_setting(settings, field):
    with pytest.raises(ConfigError, match=field):
        PrinterConfig.from_dict({"name": "P", **settings})
