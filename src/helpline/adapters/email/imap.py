"""An IMAP mailbox poller: every unseen message is stored in the inbox, then marked \\Seen (or moved to the
processed folder). Stored first, marked second: a crash between the two stores it again at the next pass,
and the inbox keeps one message per Message-ID, so nothing is lost and nothing doubles.

It waits with IDLE when the server has it (re-issued every few minutes, as RFC 2177 asks) and polls every
`poll_s` otherwise; a lost connection is retried with back-off, and channel health shows the mailbox state.
"""

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient

from helpline.adapters.email.smtp_listener import message_id_of
from helpline.services.channels import health, inbox
from helpline.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)
IDLE_RENEW_S = 5 * 60  # servers drop an IDLE after ~30 min; renewing sooner also notices dead connections
BACKOFF_S = (1, 2, 5, 15, 30, 60)
FETCH_BATCH = 50


@dataclass
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    security: str = "ssl"  # none, starttls, ssl
    mailbox: str = "INBOX"
    poll_s: float = 60.0
    idle: bool = True
    processed_folder: str = ""  # empty: mark \Seen and leave in place
    timeout_s: float = 30.0
    ca_file: str = ""  # trust only this CA (PEM); empty: the system's CAs
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)


class ImapPoller:
    def __init__(self, new_uow: UnitOfWorkFactory, name: str, settings: ImapSettings,
                 wake: Callable[[], None] = lambda: None) -> None:
        self.new_uow, self.name, self.settings, self.wake = new_uow, name, settings, wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # completed fetch passes (tests and health detail)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"imap-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with self.connect() as client:
                    failures = 0
                    self._serve(client)
            except Exception as error:  # network, login, server errors: report, back off, reconnect
                log.warning("mailbox %s: %s", self.name, error)
                self._health_error(error)
                delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                self._stop.wait(delay)

    def connect(self) -> IMAPClient:
        s = self.settings
        context = s.ssl_context or ssl.create_default_context(cafile=s.ca_file or None)
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout_s)
        try:
            if s.security == "starttls":
                client.starttls(context)
            client.login(s.username, s.password)
        except Exception:
            # after a failed STARTTLS handshake the socket is already gone: keep the handshake's error, not EBADF
            with contextlib.suppress(OSError):
                client.shutdown()
            raise
        with self.new_uow() as uow:
            health.record_ok(uow, self.name, "email", mailbox=s.mailbox, idle=self._can_idle(client))
        return client

    def _serve(self, client: IMAPClient) -> None:
        status = client.select_folder(self.settings.mailbox)
        uidvalidity = int(status.get(b"UIDVALIDITY", 0))
        idle = self._can_idle(client)
        while not self._stop.is_set():
            self.fetch_new(client, uidvalidity)
            self.passes += 1
            if idle:
                self._idle(client)
            else:
                self._stop.wait(self.settings.poll_s)
                client.noop()

    def _can_idle(self, client: IMAPClient) -> bool:
        return self.settings.idle and client.has_capability("IDLE")

    def fetch_new(self, client: IMAPClient, uidvalidity: int) -> int:
        """Store every unseen message; returns how many were new to the inbox."""
        uids = sorted(client.search(["UNSEEN"]))
        new = 0
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start:start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])  # PEEK: \Seen only once it is stored
            done = []
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:  # expunged meanwhile
                    continue
                new += self._store(bytes(raw), uid, uidvalidity)
                done.append(uid)
            self._mark_processed(client, done)
        if new:
            self.wake()
        return new

    def _store(self, raw: bytes, uid: int, uidvalidity: int) -> int:
        external_id = message_id_of(raw) or f"uid:{uidvalidity}:{uid}"
        meta: dict[str, Any] = {"mailbox": self.settings.mailbox, "uid": uid, "uidvalidity": uidvalidity}
        with self.new_uow() as uow:
            _id, is_new = inbox.store(uow, inbox.Inbound(channel="email", source=self.name, raw=raw,
                                                         external_id=external_id, meta=meta))
        return int(is_new)

    def _mark_processed(self, client: IMAPClient, uids: list[int]) -> None:
        if not uids:
            return
        folder = self.settings.processed_folder
        if not folder:
            client.add_flags(uids, [b"\\Seen"])
            return
        client.add_flags(uids, [b"\\Seen"])
        if client.has_capability("MOVE"):
            client.move(uids, folder)
        else:
            client.copy(uids, folder)
            client.delete_messages(uids)
            client.uid_expunge(uids) if client.has_capability("UIDPLUS") else client.expunge()

    def _idle(self, client: IMAPClient) -> None:
        """Wait for the server to announce mail, the renewal time, or stop (checked twice a second)."""
        client.idle()
        renew_at = time.monotonic() + min(IDLE_RENEW_S, self.settings.poll_s)  # the poll interval is the safety net
        try:
            while not self._stop.is_set() and time.monotonic() < renew_at:
                responses = client.idle_check(timeout=0.5)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    break
        finally:
            client.idle_done()

    def _health_error(self, error: Exception) -> None:
        try:
            with self.new_uow() as uow:
                health.record_error(uow, self.name, "email", f"{type(error).__name__}: {error}")
        except Exception:  # the database is down too: the log has it
            log.exception("recording mailbox health failed")
