"""A real Postfix for the tests: its own main.cf and master.cf in a temporary folder, loopback ports, a
self-signed certificate made by the test, started with `postfix -c DIR start` and stopped after.

Postfix needs root to start (its master binds ports and drops to the postfix user), the Debian package, and a
folder every user can walk into (pytest's tmp_path is private to root, so the postfix user could not read it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.tls_helpers import Issued, issue

HOSTNAME = "mx.postfix.test"
NAMES = (HOSTNAME, "127.0.0.1")
VALID_DAYS = 20


def why_no_postfix() -> str | None:
    """The reason the Postfix tests cannot run here, or None when they can."""
    if shutil.which("postfix") is None and not Path("/usr/sbin/postfix").exists():
        return "Postfix is not installed (Debian: apt-get install postfix; .ci/run installs it)"
    if os.geteuid() != 0:
        return "Postfix's master must start as root"
    try:
        import pwd

        pwd.getpwnam("postfix")
    except KeyError:
        return "there is no postfix user (the Debian package creates it)"
    return None


@dataclass(frozen=True)
class Postfix:
    directory: Path
    certificate: Issued
    cert_file: Path
    starttls_port: int  # STARTTLS offered (smtpd_tls_security_level = may)
    plain_port: int  # no TLS at all
    proxy_port: int  # expects a HAProxy PROXY header first (smtpd_upstream_proxy_protocol = haproxy)
    relay_port: int  # relays for mynetworks (127.0.0.0/8) only: who the client is changes the answer

    def target(self, port: int | None = None, host: str = "127.0.0.1") -> str:
        return f"{host}:{port or self.starttls_port}"

    def log(self) -> str:
        path = self.directory / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    # Postfix binds by itself from master.cf; the kernel's pick is taken and released just before it starts.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _main_cf(directory: Path, cert: Path, key: Path) -> str:
    return f"""\
compatibility_level = 3.6
queue_directory = {directory}/queue
data_directory = {directory}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = {HOSTNAME}
mydomain = postfix.test
mydestination =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
maillog_file = {directory}/maillog
maillog_file_prefixes = {directory}
alias_maps =
alias_database =
local_recipient_maps =
smtpd_upstream_proxy_timeout = 5s
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_authorized_xforward_hosts = 127.0.0.0/8
biff = no
"""


_SERVICES = """\
postlog   unix-dgram n  -       n       -       1       postlogd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
"""


@contextmanager
def running_postfix() -> Iterator[Postfix]:
    reason = why_no_postfix()
    if reason is not None:
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="smtpshell-postfix-"))
    directory.chmod(0o755)
    (directory / "conf").mkdir()
    (directory / "queue").mkdir()
    (directory / "data").mkdir()
    shutil.chown(directory / "data", "postfix")
    certificate = issue(None, NAMES, valid_until=datetime.now(UTC) + timedelta(days=VALID_DAYS))
    cert_file, key_file = certificate.write(directory, "postfix")
    key_file.chmod(0o600)
    ports = [_free_port() for _ in range(4)]
    starttls, plain, proxy, relay = ports
    (directory / "conf" / "main.cf").write_text(_main_cf(directory, cert_file, key_file))
    (directory / "conf" / "master.cf").write_text(
        f"127.0.0.1:{starttls} inet n - n - - smtpd\n"
        f"127.0.0.1:{plain} inet n - n - - smtpd -o smtpd_tls_security_level=none\n"
        f"127.0.0.1:{proxy} inet n - n - - smtpd -o smtpd_upstream_proxy_protocol=haproxy\n"
        f"127.0.0.1:{relay} inet n - n - - smtpd -o smtpd_relay_restrictions=permit_mynetworks,reject\n" + _SERVICES
    )
    command = ["postfix", "-c", str(directory / "conf")]
    started = subprocess.run([*command, "start"], capture_output=True, text=True, timeout=60, check=False)
    try:
        if started.returncode != 0:
            log = (directory / "maillog").read_text() if (directory / "maillog").exists() else ""
            pytest.fail(f"postfix did not start: {started.stdout}{started.stderr}\n{log}")
        # `postfix start` runs `master -w`, which returns only once the master has initialised, listening
        # sockets bound: the ports take connections now, so nothing is waited for.
        yield Postfix(directory, certificate, cert_file, starttls, plain, proxy, relay)
    finally:
        subprocess.run([*command, "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(directory, ignore_errors=True)
