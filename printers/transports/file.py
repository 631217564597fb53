"""A "printer" that appends each job's bytes to a file: the demo's printers, and tests.

Decode the file with tests/support/escpos_decoder.py to read what would have printed.
It has no status to report, so it is always online. The file is the owner's alone
(0600, its folder 0700) and is never reached through a symbolic link: whoever chose
the path cannot make the edge write to some other file through one.
"""
from __future__ import annotations

import contextlib
import os

from ..status import PrinterStatus
from .base import ConnectionLost, OpenError, Transport


class FileTransport(Transport):
    bidirectional = False

    def __init__(self, path: str, *, write_timeout_s: float = 5.0, status_timeout_s: float = 0.5):
        super().__init__(write_timeout_s=write_timeout_s, status_timeout_s=status_timeout_s)
        self.path = path
        self._file = None

    def __repr__(self) -> str:
        return f"FileTransport({self.path!r})"

    @property
    def is_open(self) -> bool:
        return self._file is not None

    def open(self) -> None:
        if self._file is not None:
            return
        try:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            self._file = os.fdopen(fd, "ab", buffering=0)  # held open across jobs
        except OSError as exc:
            raise OpenError(f"cannot open {self.path}: {exc}", public="cannot open the printer's file") from exc

    def close(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def _write_chunk(self, chunk: memoryview) -> int:
        try:
            return self._file.write(chunk)
        except OSError as exc:
            raise ConnectionLost(f"cannot write {self.path}: {exc}", uncertain=True,
                                 public="cannot write the printer's file") from exc

    def status(self) -> PrinterStatus:
        return PrinterStatus.always_online("file")
