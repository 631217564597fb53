"""An edge's data dir (staff hashes, customers, device credential, signing secret) is
its OS user's alone: 0700, its files 0600, also on an install an older version left
world-readable. The cloud's SQLite file likewise."""
import os
import stat
from pathlib import Path

from cloud import create_app as create_cloud
from sync.private_files import make_private
from tests.conftest import TEST_SECRET
from tests.edge.conftest import make_edge


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_existing_readable_install_is_made_private_at_start(tmp_path):
    data = tmp_path / "edge"
    (data / "printers").mkdir(parents=True)
    files = [data / name for name in ("edge.sqlite3", "edge.sqlite3-wal", "edge.sqlite3-shm", "secret.key",
                                      "device.json")] + [data / "printers" / "front.escpos"]
    for path in files:
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    os.chmod(data, 0o755)
    os.chmod(data / "printers", 0o755)
    make_edge(data)
    assert mode(data) == 0o700 and mode(data / "printers") == 0o700
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_a_new_data_dir_is_private(tmp_path):
    data = tmp_path / "fresh" / "edge"
    make_edge(data)
    assert mode(data) == 0o700


def test_the_clouds_sqlite_file_is_made_private(tmp_path):
    database = tmp_path / "cloud.sqlite3"
    database.write_bytes(b"")
    os.chmod(database, 0o644)
    create_cloud({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "JWT_SECRET_KEY": TEST_SECRET})
    assert mode(database) == 0o600


def test_a_shared_sticky_directory_is_left_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    make_private(shared)
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o1777


def test_a_link_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("x")
    os.chmod(target, 0o644)
    link = tmp_path / "edge.sqlite3"
    link.symlink_to(target)
    make_private(files=(Path(link),))
    assert mode(target) == 0o644
