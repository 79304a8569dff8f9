"""A real IMAP server for the tests: Debian's dovecot with its own configuration in a temporary directory
(a passwd-file user, maildirs there, a free port on 127.0.0.1, no TLS). `scripts/test` installs the package;
without it the tests fail (they never skip: an untested mailbox adapter must not look green)."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.server_process import free_port

USER, PASSWORD = "support@reso.test", "mailbox-secret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = helpline-test-{port}
log_path = {root}/dovecot.log
ssl = no
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
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    def __init__(self) -> None:
        binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
        if binary is None:
            raise RuntimeError("dovecot is not installed: run scripts/test (it installs dovecot-imapd) or "
                               "apt-get install dovecot-imapd")
        self.binary = binary
        self.port = free_port()
        # Not under pytest's tmp dir: that is private to its owner, and dovecot's mail processes run as another
        # user when the tests run as root (dovecot refuses mail access as root).
        self.root = Path(tempfile.mkdtemp(prefix="helpline-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Dovecot":
        root = self.root
        root.chmod(0o755)
        (root / "mail").mkdir()
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
            uid, gid, login_users = mail_user.pw_uid, mail_user.pw_gid, ""
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            uid, gid = os.geteuid(), os.getegid()
            login_users = f"default_login_user = {me}\ndefault_internal_user = {me}"
        (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=self.port, uid=uid, gid=gid,
                                                         login_users=login_users))
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode}: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
