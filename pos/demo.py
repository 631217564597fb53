"""`pos demo`: the cloud and an enrolled edge on SQLite with the demo data, on this machine.

Everything lives in one directory (default ./instance/demo/) and survives restarts: the
second run finds the tenant, the enrolled edge and its printers, and just starts them.
The edge's printers are files in its data dir's printers folder, each with a readable
.txt transcript.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import requests

POS = [sys.executable, "-I", "-m", "pos"]  # -I: the working directory is never importable


def claim_port(wanted: int, option: str) -> int:
    """The port asked for, or a one-line refusal: the URLs the demo printed last time
    (bookmarks, a kitchen tablet) must stay right, so it never moves silently.

    The check binds the way the servers do, with SO_REUSEADDR: a port the last run left
    in TIME_WAIT (Ctrl-C a minute ago) is free to them, so it is free here too; a port
    another program listens on is not."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", wanted))
            probe.listen(1)
        except OSError as error:
            raise click.ClickException(
                f"port {wanted} is in use by another program ({error.strerror}); stop it, or start the demo "
                f"with {option} set to a free port") from None
    return wanted


class DemoDirError(click.ClickException):
    """A --dir that cannot hold the demo's data: one line and exit status 2, as every
    command answers a bad data dir."""

    exit_code = 2


def demo_dir(directory: str) -> Path:
    """The demo's data dir, made if missing (a relative one is the working directory's)."""
    base = Path(directory).expanduser().resolve()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DemoDirError(f"{base} is not a directory; --dir names the directory the demo keeps its data in") \
            from None
    except OSError as error:
        raise DemoDirError(f"the demo dir {base} cannot be made: {error.strerror or error}") from None
    if not os.access(base, os.W_OK | os.X_OK):
        raise DemoDirError(f"the demo dir {base} is not writable by this user")
    return base


def _secret(base: Path) -> str:
    path = base / "jwt_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run([*POS, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"`pos {' '.join(args)}` failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def _wait(url: str, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the {what} stopped while starting; see {log}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the {what} did not answer within 60 s; see {log}")


def _printers(env: dict, edge_dir: Path) -> None:
    listed = _run(["printer", "list", "--no-probe", "--data-dir", str(edge_dir)], env)
    # the demo's categories route to three stations: oven (pizza), kitchen (pasta, desserts), bar (drinks)
    for name, role, station in (("receipt", "receipt", None), ("oven", "kitchen", "oven"),
                                ("kitchen", "kitchen", "kitchen"), ("bar", "kitchen", "bar")):
        if listed.startswith(f"{name} ") or f"\n{name} " in listed:
            continue
        args = ["printer", "add", "--name", name, "--kind", "file", "--role", role, "--profile", "TM-T20II",
                "--device", f"{name}.escpos", "--data-dir", str(edge_dir)]
        if station:
            args += ["--station", station]
        _run(args, env)


DEMO_OPENING_DOUGH = 2_000  # g; six Regular pizzas (200 g each) take it under the demo rule's 1 kg


def _opening_stock(edge_url: str) -> str:
    """The manager receives the opening Dough at the freshly enrolled edge (its first
    delivery), so the demo's "Dough running low" rule has stock to run down. What happened,
    for the banner."""
    try:
        login = requests.post(f"{edge_url}/api/auth/login/", json={"username": "manager", "password": "manager123"},
                              timeout=10)
        headers = {"Authorization": f"Bearer {login.json()['access']}"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the edge mirrors the stock items on its first pull
            listed = requests.get(f"{edge_url}/api/stock/?page_size=100", headers=headers, timeout=10).json()
            dough = next((row["stock_item_id"] for row in listed.get("results", []) if row["name"] == "Dough"), None)
            if dough is not None:
                lines = [{"stock_item_id": dough, "quantity": DEMO_OPENING_DOUGH}]
                received = requests.post(f"{edge_url}/api/stock/receive/", headers=headers, timeout=10,
                                         json={"reason": "Opening stock (demo)", "lines": lines})
                received.raise_for_status()
                return f"received {DEMO_OPENING_DOUGH} g of Dough at the outlet"
            time.sleep(0.5)
        return "the edge had not mirrored the stock items within 30 s: no opening stock received"
    except (requests.RequestException, KeyError, ValueError) as error:
        return f"opening stock not received ({error})"


def _interrupt(*_):
    raise KeyboardInterrupt  # SIGTERM stops the demo like Ctrl-C does


def _restart_requests() -> threading.Event:
    """Set when the user asks for the cloud back: Enter on the demo's terminal, or
    SIGUSR1 to the demo's process (for a demo without a terminal)."""
    wanted = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: wanted.set())
    if sys.stdin is not None and sys.stdin.isatty():
        def read_lines():
            for _ in sys.stdin:
                wanted.set()
        threading.Thread(target=read_lines, daemon=True).start()
    return wanted


def notification_settings(whatsapp_url: str, smtp_port: int) -> dict:
    """The cloud's notification settings pointing at the demo's simulator and SMTP sink."""
    from simulators.whatsapp.core import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, DEFAULT_PHONE_NUMBER_ID

    return {"POS_WHATSAPP_API_URL": whatsapp_url, "POS_WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
            "POS_WHATSAPP_ACCESS_TOKEN": DEFAULT_ACCESS_TOKEN, "POS_WHATSAPP_APP_SECRET": DEFAULT_APP_SECRET,
            "POS_WHATSAPP_VERIFY_TOKEN": "demo-verify-token", "POS_SMTP_HOST": "127.0.0.1",
            "POS_SMTP_PORT": str(smtp_port), "POS_SMTP_SECURITY": "none",
            "POS_SMTP_FROM": "Pizza Palace <noreply@pizzapalace.example>", "POS_NOTIFY_POLL_S": "1",
            "POS_NOTIFY_BACKOFF_BASE_S": "5"}


@click.command("demo")
@click.option("--dir", "directory", default="instance/demo", show_default=True, help="Where the demo keeps its data.")
@click.option("--cloud-port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--edge-port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--gateway-port", default=8090, show_default=True, type=click.IntRange(1, 65535),
              help="The payment gateway simulator (Midtrans and Xendit) the demo's cloud charges QRIS through.")
@click.option("--whatsapp-port", default=8091, show_default=True, type=click.IntRange(1, 65535),
              help="The WhatsApp Cloud API simulator (its page shows the messages).")
@click.option("--smtp-port", default=8025, show_default=True, type=click.IntRange(1, 65535),
              help="A local SMTP server (aiosmtpd) that keeps every email in the demo dir's mail/ Maildir.")
def demo(directory, cloud_port, edge_port, gateway_port, whatsapp_port, smtp_port):
    """Start the cloud, an enrolled edge, the notification worker, the payment gateway
    simulator, a WhatsApp simulator and an SMTP sink with the demo data; Ctrl-C stops them
    all. The cloud can be stopped and started again while the outlet keeps selling."""
    ports = {"--cloud-port": cloud_port, "--edge-port": edge_port, "--gateway-port": gateway_port,
             "--whatsapp-port": whatsapp_port, "--smtp-port": smtp_port}
    if len(set(ports.values())) != len(ports):
        raise click.ClickException(f"{', '.join(ports)} must all differ")
    cloud_port, edge_port = claim_port(cloud_port, "--cloud-port"), claim_port(edge_port, "--edge-port")
    gateway_port = claim_port(gateway_port, "--gateway-port")
    whatsapp_port, smtp_port = claim_port(whatsapp_port, "--whatsapp-port"), claim_port(smtp_port, "--smtp-port")
    base = demo_dir(directory)
    edge_dir = base / "edge"
    printer_dir = edge_dir / "printers"  # file printers write only inside their edge's data dir
    maildir = base / "mail"
    cloud_url, edge_url = f"http://127.0.0.1:{cloud_port}", f"http://127.0.0.1:{edge_port}"
    gateway_url, whatsapp_url = f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{whatsapp_port}"
    # the cloud charges through the gateway simulator and notifies through the WhatsApp
    # simulator and the SMTP sink, by the settings production points at the real services
    # (docs/api-extensions.md)
    env = {**os.environ, "POS_DEMO": "1", "POS_JWT_SECRET": _secret(base), "POS_CLOUD_PUBLIC_URL": cloud_url,
           "POS_MIDTRANS_API_URL": gateway_url, "POS_XENDIT_API_URL": gateway_url,
           "POS_NOTIFY_RULES_S": "5", **notification_settings(whatsapp_url, smtp_port)}
    cloud_db = f"sqlite:///{base / 'cloud.sqlite3'}"

    cloud_log, edge_log, gateway_log = base / "cloud.log", base / "edge.log", base / "gateway-sim.log"
    worker_log, whatsapp_log, smtp_log = base / "worker.log", base / "whatsapp-sim.log", base / "smtp.log"
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, _interrupt)

    def start(args: list[str], log: Path, command: list[str] = POS) -> subprocess.Popen:
        with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([*command, *args], env=env, stdout=handle, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        processes.append(process)
        return process

    def stop_all(*_):
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    try:
        gateway = start(["gateway-sim", "--host", "127.0.0.1", "--port", str(gateway_port), "--webhook-base",
                         cloud_url], gateway_log)
        _wait(f"{gateway_url}/_sim/charges/", gateway, "payment gateway simulator", gateway_log)
        click.echo("seeding the demo tenant ...")
        seeded = _run(["cloud", "seed-demo", "--notifications", "--database-url", cloud_db], env)
        key = seeded.strip().splitlines()[-1].split("=", 1)[1]
        cloud_args = ["cloud", "run", "--port", str(cloud_port), "--database-url", cloud_db]
        cloud = start(cloud_args, cloud_log)
        _wait(f"{cloud_url}/api/health/", cloud, "cloud", cloud_log)
        for part in ("", "tmp", "new", "cur"):  # a Maildir, as aiosmtpd's Mailbox handler writes one
            (maildir / part).mkdir(mode=0o700, exist_ok=True)
        start(["-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Mailbox", str(maildir)], smtp_log,
              [sys.executable, "-I", "-m", "aiosmtpd"])
        whatsapp = start(["whatsapp-sim", "--port", str(whatsapp_port), "--webhook-url",
                          f"{cloud_url}/api/notifications/webhook/whatsapp/"], whatsapp_log)
        _wait(f"{whatsapp_url}/_sim/messages/", whatsapp, "WhatsApp simulator", whatsapp_log)
        start(["cloud", "worker", "--database-url", cloud_db], worker_log)
        fresh = not (edge_dir / "device.json").exists()
        if fresh:
            click.echo("enrolling the edge of outlet YOG ...")
            _run(["edge", "enroll", "--cloud-url", cloud_url, "--enrollment-key", key, "--data-dir", str(edge_dir)],
                 env)
        _printers(env, edge_dir)
        edge = start(["edge", "run", "--host", "127.0.0.1", "--port", str(edge_port), "--data-dir", str(edge_dir),
                      "--cloud-url", cloud_url], edge_log)
        _wait(f"{edge_url}/api/health/", edge, "edge", edge_log)
        if fresh:
            click.echo(_opening_stock(edge_url))
        click.echo(f"""
Outlet POS demo is running (data in {base}).

  Cashier kiosk     {edge_url}/kiosk/          cashier: PIN 1234 (or cashier / cashier123)
  Self-order kiosk  {edge_url}/kiosk/?mode=self
  Kitchen display   {edge_url}/kitchen/        kitchen / kitchen123
  Head office       {cloud_url}/dashboard/     owner / owner123 (manager / manager123, PIN 5678)
  Stockkeeper       {cloud_url}/dashboard/     stock / stock123 (the stock cards; PIN 2468 at the edge)
  API docs          {cloud_url}/api/docs/ (cloud)   {edge_url}/api/docs/ (edge)
  Payment gateway   {gateway_url}/                 the customer's side: "Pay" settles a QRIS charge
  Printers          {printer_dir}/*.escpos, readable copies in *.escpos.txt
  WhatsApp (sim)    {whatsapp_url}/        paid orders of customer Budi (081298765432) arrive here
  Email (SMTP sink) 127.0.0.1:{smtp_port}, every message a file in {maildir}/new/
  Automation rules  sell six Regular pizzas (Dough under 1 kg) or stop the cloud for 2 minutes: the
                    manager's WhatsApp (081311112222) gets one message per episode; rules at
                    {cloud_url}/api/notifications/rules/
  Logs              {cloud_log}, {edge_log}, {gateway_log}, {worker_log}

To see the outlet keep selling offline, stop the cloud: kill {cloud.pid}
(the demo then tells how to start it again). Ctrl-C stops them all.""")
        restart, announced = _restart_requests(), False
        while edge.poll() is None:
            if cloud.poll() is None:
                restart.clear()  # Enter while the cloud runs asks for nothing
            elif restart.is_set():
                restart.clear()
                cloud, announced = start(cloud_args, cloud_log), False
                _wait(f"{cloud_url}/api/health/", cloud, "cloud", cloud_log)
                click.echo(f"The cloud is back (pid {cloud.pid}); the outlet sends what it queued. "
                           f"To stop it again: kill {cloud.pid}")
            elif not announced:
                how = "press Enter here" if sys.stdin is not None and sys.stdin.isatty() else \
                    f"kill -USR1 {os.getpid()}"
                click.echo(f"\nThe cloud stopped (see {cloud_log}). The outlet keeps selling offline and queues "
                           f"its sales.\nTo start the cloud again, {how}. Ctrl-C stops the demo.")
                announced = True
            time.sleep(0.5)
        raise click.ClickException(f"the edge stopped; see {edge_log}")
    except KeyboardInterrupt:
        click.echo("\nstopping ...")
    finally:
        stop_all()
