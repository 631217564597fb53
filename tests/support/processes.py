"""Real `pos` processes on loopback ports, for end-to-end and fault tests.

Each process runs `python -m pos ...` from this virtualenv with its own environment,
logs to a file in the test's directory, and is stopped (SIGTERM, then SIGKILL) at the
end. `kill()` is SIGKILL: the crash a power cut or an OOM killer would cause.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support import log_scan
from tests.support.ports import free_port

SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789"
log_scan.known_secret(SECRET)
# The installed console script, not `python -m pos`: -m would put the working directory
# first on sys.path, where a data dir named like a package would shadow it.
POS = [str(Path(sys.executable).with_name("pos"))]


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update({"POS_JWT_SECRET": SECRET, "POS_PASSWORD_HASH_PROFILE": "fast", "PYTHONUNBUFFERED": "1",
                "POS_LOGIN_RATE_LIMIT": "10000 per minute", "POS_EDGE_LOGIN_RATE_LIMIT": "10000 per minute",
                "POS_RATELIMIT_PUBLIC": "100000 per hour", "POS_RATELIMIT_AUTHENTICATED": "100000 per hour",
                "POS_RATELIMIT_EXPORT": "100000 per hour"})
    env.update(extra or {})
    return env


def run_pos(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120) -> str:
    """Run a short `pos` command; return its stdout, raise with its output on failure."""
    done = subprocess.run([*POS, *args], env=_env(env), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"pos {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException as error:
            last = error
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s ({last})")


class PosProcess:
    def __init__(self, args: list[str], log: Path, health_url: str, env: dict | None = None,
                 cwd: Path | None = None):
        self.args, self.log_path, self.health_url = args, log, health_url
        self.env, self.cwd = env or {}, cwd
        self.proc: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> PosProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log_scan.watch(self.log_path)  # read for secrets at the end of the session
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([*POS, *self.args], env=_env(self.env), cwd=self.cwd,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            try:
                wait_http(self.health_url)
            except TimeoutError:
                raise RuntimeError(f"pos {' '.join(self.args)} did not come up:\n{self.log()}") from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, no flush — a crash."""
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class GatewaySim(PosProcess):
    """`pos gateway-sim` on a free port, `url` its base address. `keys` name its flags:
    midtrans_server_key, xendit_secret_key, xendit_callback_token (else its demo ones)."""

    def __init__(self, log: Path, webhook_base: str, port: int | None = None, **keys: str):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        flags = [arg for name, value in keys.items() for arg in (f"--{name.replace('_', '-')}", value)]
        super().__init__(["gateway-sim", "--port", str(self.port), "--webhook-base", webhook_base, *flags], log,
                         f"{self.url}/_sim/charges/")


class Cloud(PosProcess):
    def __init__(self, workdir: Path, port: int | None = None, database_url: str | None = None,
                 env: dict | None = None):
        self.port = port or free_port()
        self.database_url = database_url or f"sqlite:///{workdir / 'cloud.sqlite3'}"
        self.workdir = workdir
        super().__init__(["cloud", "run", "--port", str(self.port), "--database-url", self.database_url],
                         workdir / "cloud.log", f"http://127.0.0.1:{self.port}/api/health/", env, workdir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seed_demo(self, keep_other_devices: bool = False) -> str:
        """Seed the demo tenant (idempotent); returns a fresh enrollment key (whose device
        replaces the outlet's enrolled ones unless `keep_other_devices`)."""
        extra = ["--keep-other-devices"] if keep_other_devices else []
        out = run_pos("cloud", "seed-demo", "--database-url", self.database_url, *extra, cwd=self.workdir,
                      env={"POS_DEMO": "1", **(self.env or {})})
        return out.strip().splitlines()[-1].split("=", 1)[1]

    def restart_on(self, port: int) -> None:
        self.stop()
        self.port = port
        self.args = ["cloud", "run", "--port", str(port), "--database-url", self.database_url]
        self.health_url = f"http://127.0.0.1:{port}/api/health/"
        self.start()


class Edge(PosProcess):
    def __init__(self, data_dir: Path, port: int | None = None, cloud_url: str | None = None,
                 async_mode: str = "eventlet", env: dict | None = None):
        self.port = port or free_port()
        self.data_dir = data_dir
        args = ["edge", "run", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data_dir),
                "--async-mode", async_mode]
        if cloud_url:
            args += ["--cloud-url", cloud_url]
        super().__init__(args, data_dir.parent / f"edge-{data_dir.name}.log",
                         f"http://127.0.0.1:{self.port}/api/health/",
                         {"POS_EDGE_PUSH_INTERVAL_S": "1", "POS_EDGE_PULL_INTERVAL_S": "5",
                          "POS_EDGE_BACKOFF_CAP_S": "2", **(env or {})}, data_dir.parent)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def enroll(self, cloud_url: str, key: str) -> None:
        run_pos("edge", "enroll", "--cloud-url", cloud_url, "--enrollment-key", key, "--data-dir",
                str(self.data_dir), cwd=self.data_dir.parent)
        secret = self.data_dir / "secret.key"
        if secret.exists():
            log_scan.known_secret(secret.read_text().strip())

    def login(self, username: str, **secret) -> str:
        response = requests.post(f"{self.url}/api/auth/login/", json={"username": username, **secret}, timeout=10)
        response.raise_for_status()
        return response.json()["access"]


class RedisServer:
    """Debian's redis-server on a free loopback port, in memory only (no dump, no AOF)."""

    def __init__(self, workdir: Path, port: int | None = None):
        from tests.support.needs import require_redis_server

        self.binary = require_redis_server()
        self.port = port or free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.workdir / "redis.log", "ab") as log:
            self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                          "--appendonly", "no", "--dir", str(self.workdir)],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return self
            except redis.RedisError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"redis-server did not come up on port {self.port}") from None
                time.sleep(0.05)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
