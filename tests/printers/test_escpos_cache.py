"""python-escpos's printer database is pickled once into a private cache and read from there."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

from printers import escpos_cache


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(escpos_cache.ENV, raising=False)
    return tmp_path


def test_the_database_is_pickled_whole_and_escpos_is_pointed_at_it(cache_home):
    escpos_cache.use_private_cache()
    directory = escpos_cache.cache_dir()
    assert os.environ[escpos_cache.ENV] == str(directory)
    [pickled] = directory.glob("*.capabilities.pickle")
    database = json.loads(escpos_cache._database().read_text(encoding="utf-8"))  # JSON is YAML
    assert pickle.loads(pickled.read_bytes()) == database
    assert list(directory.glob(".capabilities-*")) == []  # no partial file left behind


def test_a_cache_directory_others_may_write_is_not_used(cache_home):
    directory = escpos_cache.cache_dir()
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    escpos_cache.use_private_cache()
    assert escpos_cache.ENV not in os.environ
    assert list(directory.iterdir()) == []


def test_a_stale_pickle_is_rewritten(cache_home):
    escpos_cache.use_private_cache()
    [pickled] = escpos_cache.cache_dir().glob("*.capabilities.pickle")
    pickled.write_bytes(pickle.dumps({"profiles": {}}))
    os.utime(pickled, (0, 0))  # older than the database
    del os.environ[escpos_cache.ENV]
    escpos_cache.use_private_cache()
    assert pickle.loads(pickled.read_bytes())["profiles"]


def test_a_directory_chosen_by_the_operator_is_left_alone(cache_home, tmp_path, monkeypatch):
    monkeypatch.setenv(escpos_cache.ENV, str(tmp_path / "theirs"))
    escpos_cache.use_private_cache()
    assert os.environ[escpos_cache.ENV] == str(tmp_path / "theirs")
    assert not escpos_cache.cache_dir().exists()


def test_importing_printers_leaves_no_directory_in_the_temporary_directory(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    subprocess.run([sys.executable, "-c", "import printers, escpos.capabilities"], env=env, check=True)
    assert list(scratch.iterdir()) == []
