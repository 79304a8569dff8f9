"""A real IMAP server for the tests: Debian's dovecot with its own configuration in a temporary directory
(a passwd-file user, maildirs there, a free port on 127.0.0.1). `scripts/test` installs the package; without it
the tests fail (they never skip: an untested mailbox adapter must not look green).

Plain text by default. `Dovecot(tls=certificate)` (tests/tls_support.py) serves TLS instead: STARTTLS on `port`
(required before log-in: `ssl = required`, the server advertises LOGINDISABLED until then) and implicit TLS
(IMAPS) on `tls_port`. Dovecot counts a connection whose two ends have the same address as secure, so on
loopback a client that never starts TLS is still let in: the client must enforce it."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.server_process import free_port

if TYPE_CHECKING:
    from tests.tls_support import ServerCertificate

USER, PASSWORD = "support@reso.test", "mailbox-secret"

PLAIN_SSL = "ssl = no"
PLAIN_IMAPS = "    port = 0"
TLS_SSL = """ssl = required
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
ssl_min_protocol = TLSv1.2"""
TLS_IMAPS = """    address = 127.0.0.1
    port = {tls_port}
    ssl = yes"""

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = helpline-test-{port}
log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
{login_users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
{imaps}
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    def __init__(self, tls: "ServerCertificate | None" = None) -> None:
        binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
        if binary is None:
            raise RuntimeError("dovecot is not installed: run scripts/test (it installs dovecot-imapd) or "
                               "apt-get install dovecot-imapd")
        self.binary = binary
        self.port = free_port()
        self.tls = tls
        self.tls_port = free_port() if tls is not None else 0  # IMAPS (implicit TLS); 0: none
        # Not under pytest's tmp dir: that is private to its owner, and dovecot's mail processes run as another
        # user when the tests run as root (dovecot refuses mail access as root).
        self.root = Path(tempfile.mkdtemp(prefix="helpline-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Dovecot":
        root = self.root
        root.chmod(0o755)
        (root / "mail").mkdir()
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        ssl_settings, imaps = PLAIN_SSL, PLAIN_IMAPS
        if self.tls is not None:  # copied here: pytest's tmp dir may not be readable by dovecot's processes
            (root / "tls").mkdir()
            shutil.copyfile(self.tls.cert, root / "tls" / "server.pem")
            shutil.copyfile(self.tls.key, root / "tls" / "server.key")
            (root / "tls" / "server.key").chmod(0o600)
            ssl_settings, imaps = TLS_SSL.format(root=root), TLS_IMAPS.format(tls_port=self.tls_port)
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
            uid, gid, login_users = mail_user.pw_uid, mail_user.pw_gid, ""
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            uid, gid = os.geteuid(), os.getegid()
            login_users = f"default_login_user = {me}\ndefault_internal_user = {me}"
        (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=self.port, uid=uid, gid=gid,
                                                         login_users=login_users, ssl=ssl_settings, imaps=imaps))
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode}: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        if self.tls_port:  # opened with the plain listener; check it anyway
                            socket.create_connection(("127.0.0.1", self.tls_port), timeout=1).close()
                        return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def log_lines(self) -> list[str]:
        """The whole log (log-ins say `TLS` when they came over TLS, `secured` when over plain loopback)."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
