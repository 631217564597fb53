"""A real SMTP server in the test process (aiosmtpd) on a loopback port, and a test CA.

`SmtpServer` records every message it accepts (envelope and raw bytes) and can offer
STARTTLS, implicit TLS (SMTPS) and AUTH, or refuse recipients or data with the reply
the test names. `make_certificates` issues a throwaway CA and a server certificate for
localhost/127.0.0.1 with the openssl command line, so TLS is verified for real.
"""
from __future__ import annotations

import email
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.ports import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None

    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=policy.default)


@dataclass(frozen=True)
class Certificates:
    ca: Path          # what a client trusts (POS_SMTP_CA_FILE)
    cert: Path        # the server's chain
    key: Path


def make_certificates(directory: Path, name: str = "test") -> Certificates:
    if shutil.which("openssl") is None:
        raise RuntimeError("openssl is needed to issue test certificates")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (directory / f"{name}-{part}" for part in
                                  ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = directory / f"{name}-server.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", f"/CN={name} test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=localhost")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))
    return Certificates(ca, cert, key)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.refuse_rcpt:
            return self.server.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.refuse_data:
            return self.server.refuse_data
        self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                             or envelope.content, session.auth_data))
        return "250 2.0.0 Ok: queued as 4F2A1"


class SmtpServer:
    """`tls`: none, starttls or ssl. `users`: {login: password} turns AUTH on."""

    def __init__(self, tls: str = "none", certificates: Certificates | None = None, users: dict | None = None):
        self.port = free_port()
        self.received: list[Received] = []
        self.refuse_rcpt: str | None = None   # e.g. "550 5.1.1 <x>: Recipient address rejected"
        self.refuse_data: str | None = None
        kwargs: dict = {}
        if tls != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificates.cert, certificates.key)
            kwargs["ssl_context" if tls == "ssl" else "tls_context"] = context
            if tls == "starttls":
                kwargs["require_starttls"] = True
        if users is not None:
            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = isinstance(auth_data, LoginPassword) and users.get(auth_data.login.decode()) == \
                    auth_data.password.decode()
                return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

            # aiosmtpd only counts STARTTLS as TLS for AUTH; SMTPS is TLS from the first byte
            kwargs.update(authenticator=authenticate, auth_require_tls=tls == "starttls")
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
