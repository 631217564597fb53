"""Turn ESC/POS bytes back into what a person reads off the paper.

Tests (and anyone debugging a printer) assert on this instead of on raw bytes:

    decoded = decode(data, encoding="cp858")
    decoded.lines            # the text lines, as printed (leading spaces kept)
    decoded.styled_lines     # the same lines with bold / inverted / size / alignment
    decoded.inverted_lines   # text of the white-on-black lines (the COPY banner)
    decoded.cuts             # number of paper cuts
    decoded.qr               # payloads of printed QR codes (GS ( k)
    decoded.barcodes         # [Barcode(symbology="CODE128", data="YOG-1")] (GS k)
    decoded.images           # [Image(width=512, height=96, kind="raster")]
    decoded.beeps, decoded.drawer_pulses, decoded.status_queries
    decoded.events           # everything above in paper order, for "X comes before Y"
    decoded.unknown          # bytes of commands this decoder does not know (assert empty)

What counts as a line: the characters received up to an LF, printed with the styles
in force for each character. `ESC d n` feeds are blank paper, not lines (they are
counted in `feeds`). Text still in the printer's buffer when the data ends is not
printed by a real printer either; it is reported in `unprinted`. With `columns`, a
line wider than the paper wraps the way the printer wraps it and is listed in
`overflows`, so a test can assert that nothing overflowed.

Text bytes are decoded with the code page in force: `encoding` is the printer's
power-on page (and the one ESC @ restores); ESC t n switches by the numbering of the
given python-escpos `profile` (escpos-printer-db), e.g. 19 = CP858 on Epson.
This module deliberately does not import `printers`: it is an independent oracle.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from escpos.capabilities import CAPABILITIES

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

BARCODE_SYMBOLOGIES = {
    0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
    65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
    72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DATABAR OMNIDIRECTIONAL",
    76: "GS1 DATABAR TRUNCATED", 77: "GS1 DATABAR LIMITED", 78: "GS1 DATABAR EXPANDED",
}
# Commands with one parameter byte that only set modes this decoder does not model:
# ESC SP (char spacing), ESC 3 (line spacing), ESC R (international set), ESC U
# (unidirectional), ESC = (peripheral), ESC V (rotate), ESC r (colour), ESC % (user
# characters), ESC T (page direction), ESC e (reverse feed); GS h/w/H/f (barcode
# height, width, text position, text font), GS b (smoothing), GS a (ASB), GS I / GS r
# (queries), GS | (density), GS T.
_ESC_ONE_BYTE = set(b" 3RU=Vr%Te")
_GS_ONE_BYTE = set(b"hwHfbaIr|T")


@dataclass(frozen=True)
class TextStyle:
    bold: bool = False
    underline: bool = False
    inverted: bool = False
    width: int = 1
    height: int = 1
    font: int = 0
    upside_down: bool = False

    @property
    def double_width(self) -> bool:
        return self.width >= 2

    @property
    def double_height(self) -> bool:
        return self.height >= 2


@dataclass
class Line:
    text: str
    style: TextStyle
    align: str = "left"
    segments: list[tuple[str, TextStyle]] = field(default_factory=list)
    wrapped: bool = False

    @property
    def bold(self) -> bool:
        return self.style.bold

    @property
    def inverted(self) -> bool:
        return self.style.inverted

    @property
    def double_width(self) -> bool:
        return self.style.double_width

    @property
    def double_height(self) -> bool:
        return self.style.double_height

    @property
    def width(self) -> int:
        """Physical width in normal-size columns."""
        return sum(len(text) * style.width for text, style in self.segments)


@dataclass(frozen=True)
class Barcode:
    symbology: str
    data: str


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    kind: str  # raster (GS v 0), graphics (GS ( L), column (ESC *)


@dataclass(frozen=True)
class Event:
    kind: str  # line, cut, qr, pdf417, barcode, image, beep, drawer, feed, status_query, code_page, reset
    value: Any
    line_index: int  # number of lines printed before this event


@dataclass
class Decoded:
    styled_lines: list[Line] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    cut_modes: list[str] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    pdf417: list[str] = field(default_factory=list)
    barcodes: list[Barcode] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    beeps: list[tuple[int, int]] = field(default_factory=list)
    drawer_pulses: list[tuple[int, int, int]] = field(default_factory=list)  # (pin, on_ms, off_ms)
    status_queries: list[int] = field(default_factory=list)
    code_pages: list[str] = field(default_factory=list)
    feeds: int = 0
    resets: int = 0
    overflows: list[str] = field(default_factory=list)
    unprinted: str = ""
    unknown: list[bytes] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line.text for line in self.styled_lines]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def cuts(self) -> int:
        return len(self.cut_modes)

    @property
    def inverted_lines(self) -> list[str]:
        return [line.text for line in self.styled_lines if line.inverted]

    @property
    def bold_lines(self) -> list[str]:
        return [line.text for line in self.styled_lines if line.bold]

    def lines_containing(self, fragment: str) -> list[str]:
        return [line for line in self.lines if fragment in line]

    def line(self, fragment: str) -> Line:
        """The first styled line containing `fragment` (AssertionError if none)."""
        for line in self.styled_lines:
            if fragment in line.text:
                return line
        raise AssertionError(f"no printed line contains {fragment!r}:\n{self.text}")

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]


def _codec_for(name: str) -> str | None:
    """escpos code page name or Python codec name -> Python codec name."""
    encodings = CAPABILITIES["encodings"]
    if name in encodings:
        return encodings[name].get("python_encode")
    try:
        "x".encode(name)
    except LookupError:
        return None
    return name


def _code_page_table(profile: str) -> dict[int, str]:
    pages = CAPABILITIES["profiles"][profile].get("codePages", {})
    return {int(slot): name for slot, name in pages.items()}


class _Decoder:
    def __init__(self, data: bytes, encoding: str, profile: str, columns: int | None):
        self.data = bytes(data)
        self.pos = 0
        self.columns = columns
        self.default_codec = _codec_for(encoding)
        if self.default_codec is None:
            raise ValueError(f"unknown encoding {encoding!r}")
        self.table = _code_page_table(profile)
        self.out = Decoded()
        self._reset_modes()
        self.pending: list[tuple[str, TextStyle]] = []
        self.qr_store: bytes | None = None
        self.pdf417_store: bytes | None = None
        self.graphic_store: tuple[int, int] | None = None
        self.column_image: list[int] | None = None  # [width, height] while stripes arrive
        self.stripe_on_line = False

    def _reset_modes(self) -> None:
        self.style = TextStyle()
        self.align = "left"
        self.codec = self.default_codec

    # --- output helpers ----------------------------------------------------------------

    def event(self, kind: str, value: Any = None) -> None:
        self.out.events.append(Event(kind, value, len(self.out.styled_lines)))

    def flush_line(self, wrapped: bool = False) -> None:
        chars = self.pending
        self.pending = []
        text = "".join(c for c, _ in chars)
        segments: list[tuple[str, TextStyle]] = []
        for char, style in chars:
            if segments and segments[-1][1] == style:
                segments[-1] = (segments[-1][0] + char, style)
            else:
                segments.append((char, style))
        visible = [style for char, style in chars if char != " "]
        style = visible[0] if visible else (chars[0][1] if chars else self.style)
        line = Line(text, style, self.align, segments, wrapped)
        self.out.styled_lines.append(line)
        self.event("line", text)

    def add_char(self, char: str) -> None:
        self.close_column_image()
        if self.columns is not None:
            used = sum(style.width for _, style in self.pending)
            if used + self.style.width > self.columns:
                self.out.overflows.append("".join(c for c, _ in self.pending) + char)
                self.flush_line(wrapped=True)
        self.pending.append((char, self.style))

    def close_column_image(self) -> None:
        if self.column_image is not None:
            image = Image(self.column_image[0], self.column_image[1], "column")
            self.out.images.append(image)
            self.event("image", image)
            self.column_image = None

    def unknown(self, length: int) -> None:
        self.out.unknown.append(self.data[self.pos:self.pos + length])
        self.pos += length

    # --- reading -----------------------------------------------------------------------

    def byte(self, offset: int) -> int:
        index = self.pos + offset
        if index >= len(self.data):
            raise _Truncated()
        return self.data[index]

    def run(self) -> Decoded:
        try:
            while self.pos < len(self.data):
                self.step()
        except _Truncated:
            self.out.warnings.append(f"data ends inside a command at byte {self.pos}")
            self.out.unknown.append(self.data[self.pos:])
        self.close_column_image()
        if self.pending:
            self.out.unprinted = "".join(c for c, _ in self.pending)
        return self.out

    def step(self) -> None:
        b = self.data[self.pos]
        if b == 0x0A:
            self.pos += 1
            if self.stripe_on_line and not self.pending:
                self.stripe_on_line = False  # the LF that prints an ESC * stripe
                return
            self.close_column_image()
            self.flush_line()
        elif b == 0x0D:
            self.pos += 1
        elif b == 0x09:
            self.pos += 1
            self.add_char(" ")
        elif b == 0x0C:
            self.pos += 1
            if self.pending:
                self.flush_line()
            self.event("form_feed")
        elif b == ESC:
            self.esc()
        elif b == GS:
            self.gs()
        elif b == DLE:
            self.dle()
        elif b == FS:
            self.fs()
        elif b < 0x20:
            self.unknown(1)
        else:
            self.pos += 1
            self.add_char(bytes([b]).decode(self.codec, errors="replace"))

    def esc(self) -> None:
        c = self.byte(1)
        ch = chr(c)
        if ch == "@":
            self.pos += 2
            if self.pending:
                self.out.warnings.append(f"ESC @ discarded unprinted text {''.join(x for x, _ in self.pending)!r}")
                self.pending = []
            self._reset_modes()
            self.out.resets += 1
            self.event("reset")
        elif ch == "!":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(
                self.style, font=n & 0x01, bold=bool(n & 0x08), underline=bool(n & 0x80),
                height=2 if n & 0x10 else 1, width=2 if n & 0x20 else 1,
            )
        elif ch in "EG":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, bold=bool(n & 1))
        elif ch == "-":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, underline=n in (1, 2, 49, 50))
        elif ch == "a":
            n = self.byte(2)
            self.pos += 3
            self.align = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}.get(n, "left")
        elif ch == "M":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, font=n % 48 if n >= 48 else n)
        elif ch == "{":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, upside_down=bool(n & 1))
        elif ch == "t":
            n = self.byte(2)
            self.pos += 3
            name = self.table.get(n)
            codec = _codec_for(name) if name else None
            if codec is None:
                self.out.warnings.append(f"ESC t {n}: no code page known for this slot")
            else:
                self.codec = codec
                self.out.code_pages.append(name)
                self.event("code_page", name)
        elif ch in "dJ":
            n = self.byte(2)
            self.pos += 3
            if self.pending:
                self.flush_line()
            if ch == "d":
                self.out.feeds += n
            self.event("feed", n if ch == "d" else f"{n} dots")
        elif ch == "2":
            self.pos += 2
        elif ch in "im":  # obsolete one-byte partial cuts
            self.pos += 2
            if self.pending:
                self.flush_line()
            self.out.cut_modes.append("partial")
            self.event("cut", "partial")
        elif ch == "B":  # buzzer: ESC B n t
            times, duration = self.byte(2), self.byte(3)
            self.pos += 4
            self.out.beeps.append((times, duration))
            self.event("beep", (times, duration))
        elif ch == "p":  # drawer kick: ESC p m t1 t2
            m, t1, t2 = self.byte(2), self.byte(3), self.byte(4)
            self.pos += 5
            pulse = (2 if m in (0, 48) else 5, t1 * 2, t2 * 2)
            self.out.drawer_pulses.append(pulse)
            self.event("drawer", pulse)
        elif ch == "*":  # column bit image: ESC * m nL nH d...
            m, nl, nh = self.byte(2), self.byte(3), self.byte(4)
            width = nl + nh * 256
            stripe = 24 if m in (32, 33) else 8
            length = width * (3 if m in (32, 33) else 1)
            self.byte(4 + length)  # whole stripe present
            self.pos += 5 + length
            if self.column_image is None:
                if self.pending:
                    self.flush_line()
                self.column_image = [width, 0]
            self.column_image[1] += stripe
            self.stripe_on_line = True
        elif ch == "c" or ch in "$\\":  # ESC c 3/4/5 n: paper sensors, panel buttons
            self.byte(3)
            self.pos += 4
        elif ch == "D":  # tab stops, NUL-terminated
            end = self.data.find(b"\x00", self.pos + 2)
            if end < 0:
                raise _Truncated()
            self.pos = end + 1
        elif c in _ESC_ONE_BYTE:
            self.byte(2)
            self.pos += 3
        else:
            self.unknown(2)

    def gs(self) -> None:
        c = self.byte(1)
        ch = chr(c)
        if ch == "!":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, width=(n >> 4 & 7) + 1, height=(n & 7) + 1)
        elif ch == "B":
            n = self.byte(2)
            self.pos += 3
            self.style = replace(self.style, inverted=bool(n & 1))
        elif ch == "V":
            m = self.byte(2)
            length = 4 if m >= 65 else 3
            if length == 4:
                self.byte(3)
            self.pos += length
            if self.pending:
                self.flush_line()
            mode = "partial" if m in (1, 49, 66, 98, 104) else "full"
            self.out.cut_modes.append(mode)
            self.event("cut", mode)
        elif ch == "v":  # GS v 0 m xL xH yL yH d...
            if self.byte(2) != 0x30:
                return self.unknown(3)
            xl, xh, yl, yh = self.byte(4), self.byte(5), self.byte(6), self.byte(7)
            width_bytes, height = xl + xh * 256, yl + yh * 256
            self.byte(7 + width_bytes * height)
            self.pos += 8 + width_bytes * height
            if self.pending:
                self.flush_line()
            self.image(Image(width_bytes * 8, height, "raster"))
        elif ch == "(":
            self.gs_paren()
        elif ch == "k":
            self.barcode()
        elif ch in "LW" or ch == "P":
            self.byte(3)
            self.pos += 4
        elif c in _GS_ONE_BYTE:
            self.byte(2)
            self.pos += 3
        else:
            self.unknown(2)

    def image(self, image: Image) -> None:
        self.close_column_image()
        self.out.images.append(image)
        self.event("image", image)

    def gs_paren(self) -> None:
        fn_class = chr(self.byte(2))
        pl, ph = self.byte(3), self.byte(4)
        size = pl + ph * 256
        if size:
            self.byte(4 + size)
        payload = self.data[self.pos + 5:self.pos + 5 + size]
        self.pos += 5 + size
        if fn_class == "k" and len(payload) >= 2:
            cn, fn = payload[0], payload[1]
            if cn == 49:  # QR
                if fn == 80:
                    self.qr_store = payload[3:]
                elif fn == 81:
                    if self.pending:
                        self.flush_line()
                    text = (self.qr_store or b"").decode("utf-8", errors="replace")
                    self.out.qr.append(text)
                    self.event("qr", text)
            elif cn == 48:  # PDF417
                if fn == 80:
                    self.pdf417_store = payload[3:]
                elif fn == 81:
                    text = (self.pdf417_store or b"").decode("utf-8", errors="replace")
                    self.out.pdf417.append(text)
                    self.event("pdf417", text)
        elif fn_class == "L" and len(payload) >= 2:
            fn = payload[1]
            if fn in (112, 113) and len(payload) >= 10:
                width = payload[6] + payload[7] * 256
                height = payload[8] + payload[9] * 256
                self.graphic_store = (width, height)
            elif fn in (50, 2):
                if self.pending:
                    self.flush_line()
                if self.graphic_store is None:
                    self.out.warnings.append("GS ( L print without stored graphics")
                else:
                    self.image(Image(self.graphic_store[0], self.graphic_store[1], "graphics"))

    def barcode(self) -> None:
        m = self.byte(2)
        if m <= 6:
            end = self.data.find(b"\x00", self.pos + 3)
            if end < 0:
                raise _Truncated()
            raw = self.data[self.pos + 3:end]
            self.pos = end + 1
        else:
            n = self.byte(3)
            if n:
                self.byte(3 + n)
            raw = self.data[self.pos + 4:self.pos + 4 + n]
            self.pos += 4 + n
        if self.pending:
            self.flush_line()
        symbology = BARCODE_SYMBOLOGIES.get(m, f"type {m}")
        data = _code128_text(raw) if symbology in ("CODE128", "GS1-128") else raw.decode("ascii", errors="replace")
        barcode = Barcode(symbology, data)
        self.out.barcodes.append(barcode)
        self.event("barcode", barcode)

    def dle(self) -> None:
        c = self.byte(1)
        if c == 0x04:  # DLE EOT n: real-time status
            n = self.byte(2)
            self.pos += 3
            self.out.status_queries.append(n)
            self.event("status_query", n)
        elif c == 0x05:  # DLE ENQ n
            self.byte(2)
            self.pos += 3
        elif c == 0x14:  # DLE DC4 fn ...
            fn = self.byte(2)
            if fn == 1:  # pulse: DLE DC4 1 m t
                m, t = self.byte(3), self.byte(4)
                self.pos += 5
                pulse = (2 if m == 0 else 5, t * 100, t * 100)
                self.out.drawer_pulses.append(pulse)
                self.event("drawer", pulse)
            elif fn == 8:  # clear buffers: DLE DC4 8 1 3 20 1 6 2 8
                self.byte(9)
                self.pos += 10
            else:
                self.unknown(3)
        else:
            self.unknown(2)

    def fs(self) -> None:
        c = chr(self.byte(1))
        if c in ".&":  # cancel / select Kanji mode
            self.pos += 2
        else:
            self.unknown(2)


class _Truncated(Exception):
    pass


def _code128_text(raw: bytes) -> str:
    """GS k CODE128 data ("{B..." with code set switches) -> the encoded characters."""
    out = []
    code_set = "B"
    i = 0
    while i < len(raw):
        b = raw[i]
        if b == ord("{") and i + 1 < len(raw):
            nxt = chr(raw[i + 1])
            i += 2
            if nxt in "ABC":
                code_set = nxt
            elif nxt == "{":
                out.append("{")
            # {1 {2 {3 {4 {S are function characters with no text
            continue
        if code_set == "C":
            out.append(f"{b:02d}")
        else:
            out.append(chr(b))
        i += 1
    return "".join(out)


def decode(data: bytes, encoding: str = "cp437", *, profile: str = "default", columns: int | None = None) -> Decoded:
    """Decode ESC/POS `data` as a printer with power-on code page `encoding` prints it."""
    return _Decoder(data, encoding, profile, columns).run()
