"""Building blocks of a monospaced slip: wrapping, right-aligned amounts, large type.

Every string goes through the code-page fold first, then is measured: the paper has
`columns` character cells in normal width and half as many in double width, and no
line this module makes is ever wider than that. Widths are counted in cells: a Chinese
character takes two, a combining mark none (only image lines ever hold them: the fold
leaves such characters unfolded only where the printer draws those lines as images).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from ..blocks import BOLD, LARGE, PLAIN, TALL, Block, Style, TextImage, TextLine

MIN_LEFT_WIDTH = 8  # narrower than this, an amount goes on its own line


@lru_cache(maxsize=4096)
def char_cells(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells(text: str) -> int:
    """How many character cells `text` takes on the paper."""
    if text.isascii():
        return len(text)
    return sum(char_cells(c) for c in text)


def _cut(word: str, room: int) -> tuple[str, str]:
    """The longest head of `word` that fits `room` cells (at least one character)."""
    if word.isascii():
        return word[:room], word[room:]
    used = 0
    for index, char in enumerate(word):
        used += char_cells(char)
        if used > room:
            index = max(index, 1)
            return word[:index], word[index:]
    return word, ""


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def wrap(text: str, width: int, rest_width: int | None = None) -> list[str]:
    """Greedy word wrap; the first line may be narrower (`width`) than the rest.

    Newlines in `text` start a new line; a word longer than the line is cut.
    """
    rest_width = width if rest_width is None else rest_width
    lines: list[str] = []

    def limit() -> int:
        return max(1, width if not lines else rest_width)

    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            while word:
                room = limit()
                if not current:
                    if cells(word) <= room:
                        current, word = word, ""
                    else:
                        head, word = _cut(word, room)
                        lines.append(head)
                elif cells(current) + 1 + cells(word) <= room:
                    current, word = f"{current} {word}", ""
                else:
                    lines.append(current)
                    current = ""
        if current:
            lines.append(current)
    return lines


def row(left: str, right: str, width: int, indent: int = 0, hanging: int | None = None) -> list[str]:
    """`left` wrapped, `right` flush right on the first line, exactly `width` wide.

    `indent` shifts every line of `left`; `hanging` is the extra indent of its
    continuation lines (default: the same as the first).
    """
    hanging = indent if hanging is None else hanging
    right = right.strip()
    if len(right) > width:  # never happens with real amounts; still never overflow
        return row(left, "", width, indent, hanging) + [part.rjust(width) for part in wrap(right, width)]
    if not right:
        return [" " * indent + line if i == 0 else " " * hanging + line
                for i, line in enumerate(wrap(left, width - indent, width - hanging))]
    room = width - indent - len(right) - 1
    if room < MIN_LEFT_WIDTH and cells(left) > room:
        lines = row(left, "", width, indent, hanging)
        return lines + [right.rjust(width)]
    parts = wrap(left, room, width - hanging)
    if not parts:
        return [right.rjust(width)]
    first = " " * indent + pad(parts[0], room) + " " + right
    return [first] + [" " * hanging + part for part in parts[1:]]


def center(text: str, width: int) -> str:
    return (" " * max(0, (width - cells(text)) // 2) + text).rstrip()


class Sheet:
    """Accumulates the blocks of one document for a paper `columns` wide.

    `fold` makes text printable; with `needs_image` (a printer that takes images), a line
    it says yes to becomes a TextImage (drawn), every other one a TextLine."""

    def __init__(self, columns: int, fold: Callable[[str], str],
                 needs_image: Callable[[str], bool] | None = None):
        self.columns = columns
        self.fold = fold
        self.needs_image = needs_image
        self.blocks: list[Block] = []

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def line(self, text: str, style: Style = PLAIN) -> None:
        if self.needs_image is not None and self.needs_image(text):
            self.blocks.append(TextImage(text, style))
        else:
            self.blocks.append(TextLine(text, style))

    def blank(self) -> None:
        self.line("")

    def rule(self, char: str = "-") -> None:
        self.line(char * self.columns)

    def text(self, text: str, indent: int = 0, style: Style = PLAIN) -> None:
        width = self.columns // style.width_factor
        for part in row(self.fold(text), "", width, indent):
            self.line(part, style)

    def centered(self, text: str, style: Style = PLAIN, max_lines: int | None = None) -> None:
        """Centred and wrapped; past `max_lines` the last line ends in "..." (a name, say)."""
        width = self.columns // style.width_factor
        parts = wrap(self.fold(text), width)
        if max_lines is not None and len(parts) > max_lines:
            parts = parts[:max_lines]
            head, _ = _cut(parts[-1], max(1, width - 3))
            parts[-1] = head.rstrip() + "..."
        for part in parts:
            self.line(center(part, width), style)

    def row(self, left: str, right: str, indent: int = 0, hanging: int | None = None,
            style: Style = PLAIN) -> None:
        width = self.columns // style.width_factor
        for part in row(self.fold(left), self.fold(right), width, indent, hanging):
            self.line(part, style)

    def heading(self, text: str) -> None:
        self.text(text, style=BOLD)

    def large(self, text: str, centered: bool = True) -> None:
        """Double width and height when every word fits half the columns, else double height."""
        folded = self.fold(text)
        words = folded.split()
        style = LARGE if all(cells(w) <= self.columns // 2 for w in words) else TALL
        width = self.columns // style.width_factor
        for part in wrap(folded, width):
            self.line(center(part, width) if centered else part, style)

    def large_row(self, left: str, right: str) -> None:
        """A label and an amount in large type (the TOTAL line)."""
        left, right = self.fold(left), self.fold(right)
        if cells(left) + 1 + cells(right) <= self.columns // 2:
            self.row(left, right, style=LARGE)
        else:
            self.row(left, right, style=TALL)

    def banner(self, text: str) -> None:
        """White on black across the whole width: COPY, REFUND, CANCELLED."""
        folded = self.fold(text)
        if cells(folded) + 2 <= self.columns // 2:
            style, width = Style(bold=True, invert=True, double_width=True, double_height=True), self.columns // 2
        else:
            style, width = Style(bold=True, invert=True, double_height=True), self.columns
        for part in wrap(folded, width - 2):
            spare = max(0, width - cells(part) - 2)
            self.line(" " * (spare // 2 + 1) + part + " " * (spare - spare // 2 + 1), style)
