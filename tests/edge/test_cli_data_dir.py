"""`pos sync …` and `pos printer …` with a data dir given as a user types it: relative,
missing, a file, or holding no edge database. Each answers one line and exit status 2
(or works), never a traceback."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.processes import POS, _env


def pos(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([*POS, *args], env=_env(), cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def one_line_refusal(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_relative_data_dir_is_the_working_directorys(edge_app, tmp_path):
    """The demo's own advice, `pos sync status --data-dir instance/demo/edge`, from the
    directory that holds it (before: a 100-line SQLAlchemy traceback)."""
    data_dir = edge_app.config["DATA_DIR"]
    relative = os.path.relpath(data_dir, tmp_path)
    status = pos("sync", "status", "--data-dir", relative, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "waiting to sync:" in status.stdout and "pending events:" in status.stdout
    listed = pos("printer", "list", "--no-probe", "--data-dir", relative, cwd=tmp_path)
    assert listed.returncode == 0 and "no printers configured" in listed.stdout, listed.stderr


@pytest.mark.parametrize("command", [("sync", "status"), ("sync", "push"), ("sync", "pull"),
                                     ("printer", "list"), ("printer", "test", "front"), ("edge", "run")])
def test_a_missing_data_dir_is_one_line_and_exit_status_2(tmp_path, command):
    done = pos(*command, "--data-dir", "no/such/dir", cwd=tmp_path)
    one_line_refusal(done, str(tmp_path / "no" / "such" / "dir"), "does not exist", "pos edge enroll")
    assert not (tmp_path / "no").exists()  # nothing was created on the way


def test_a_data_dir_without_an_edge_database_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    one_line_refusal(pos("sync", "status", "--data-dir", "empty", cwd=tmp_path), "holds no edge database")
    assert list((tmp_path / "empty").iterdir()) == []


def test_a_file_given_as_the_data_dir_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not a directory")
    one_line_refusal(pos("printer", "list", "--data-dir", "notes.txt", cwd=tmp_path), "is not a directory")


def test_a_damaged_database_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "edge").mkdir()
    (tmp_path / "edge" / "edge.sqlite3").write_bytes(b"this is no SQLite database " * 40)
    one_line_refusal(pos("sync", "status", "--data-dir", "edge", cwd=tmp_path), "cannot be opened")
