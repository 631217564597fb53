"""python-escpos's printer database, read once per machine instead of once per process.

On import, python-escpos parses its printer database (capabilities.json, as YAML in pure
Python: about 0.15 s of every edge start) unless it finds its own pickle of it, and by
default it looks for that pickle in a new temporary directory each time, so it never
does. Here the database is pickled once (with libyaml when present, atomically, so that
processes starting together never read half a file) into a cache directory of this OS
user's alone (a pickle is code: one that others could write is not used), and
python-escpos is pointed at it. `printers` imports this before anything imports escpos.

python-escpos also makes a temporary directory on import whether it needs one or not
(`environ.get(..., mkdtemp())`) and never removes it: one empty directory in /tmp per
process. It is imported here once, with that directory made in a scratch one we remove.
"""
from __future__ import annotations

import os
import pickle
import platform
import sys
import tempfile
from importlib.util import find_spec
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"  # python-escpos's own setting


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "outlet-pos" / "escpos"


def _ours_alone(directory: Path) -> bool:
    status = directory.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _database() -> Path | None:
    spec = find_spec("escpos")
    locations = spec.submodule_search_locations if spec else None
    return Path(next(iter(locations))) / "capabilities.json" if locations else None


def _pickle(database: Path, target: Path) -> None:
    """What python-escpos would write, written whole or not at all."""
    import yaml

    with open(database, encoding="utf-8") as source:
        capabilities = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".capabilities-")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(capabilities, out, protocol=2)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise


def use_private_cache() -> None:
    """Point python-escpos at the cache (unless it was told where already); any failure
    leaves it as it was: parsing on every start."""
    if ENV in os.environ:
        return
    database = _database()
    if database is None or not database.exists():
        return
    try:
        directory = cache_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _ours_alone(directory):
            return
        target = directory / f"{platform.python_version()}.capabilities.pickle"
        if not target.exists() or target.stat().st_mtime < database.stat().st_mtime:
            _pickle(database, target)
    except (OSError, RuntimeError, ValueError, pickle.PickleError):  # RuntimeError: no home directory
        return
    os.environ[ENV] = str(directory)


def import_escpos_without_litter() -> None:
    """Import python-escpos's capabilities with its stray temporary directory cleaned up."""
    if "escpos.capabilities" in sys.modules:
        return
    with tempfile.TemporaryDirectory(prefix="escpos-import-") as scratch:
        default, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            import escpos.capabilities  # noqa: F401
        finally:
            tempfile.tempdir = default


use_private_cache()
import_escpos_without_litter()
