"""The apps' files on disk are their OS user's alone.

An edge's SQLite file holds staff password and PIN hashes (a 4-digit PIN falls to an
offline search in seconds) and customers' details; its data dir also holds the device
credential and the token-signing secret. So: data dirs 0700, database files (with their
-wal and -shm) 0600. `pos` sets the umask 077 at start-up, so what it creates is
private from birth; `make_private` fixes what an older version left readable.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def restrict_umask() -> None:
    """Files and folders this process creates from now on are its user's only."""
    os.umask(PRIVATE_UMASK)


def _chmod(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.getuid():
        return  # not ours to change (a link, or another user's file)
    if stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
        log.warning("%s is a shared (sticky) directory: keep the data in a folder of its own", path)
        return  # /tmp and the like: never lock everyone else out
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)


def make_private(directory: str | Path | None = None, files: tuple[str | Path, ...] = ()) -> None:
    """`directory` to 0700 and each of `files` (if present) to 0600."""
    if directory is not None:
        _chmod(Path(directory), 0o700)
    for name in files:
        _chmod(Path(name), 0o600)


def sqlite_files(database: str | Path) -> tuple[Path, ...]:
    """A SQLite database file and the files SQLite keeps beside it."""
    return tuple(Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS)


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///…` URL (None for other databases and in-memory ones)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in (prefix, f"{prefix}:memory:"):
        return None
    return Path(url[len(prefix):].split("?", 1)[0])
