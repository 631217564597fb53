"""The cash-drawer kick: no paper at all, one pulse on the drawer connector."""
from __future__ import annotations

from ..blocks import DrawerPulse
from ..values import DrawerKick
from .sheet import Sheet


def layout_drawer_kick(kick: DrawerKick, sheet: Sheet) -> None:
    sheet.add(DrawerPulse(kick.pin, kick.on_ms, kick.off_ms))
