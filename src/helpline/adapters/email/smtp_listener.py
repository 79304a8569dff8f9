"""An SMTP listener (aiosmtpd in its own thread): the insurer's mail server forwards customer mail to it.

A message is answered 250 only after it is committed to the inbox, so a 250 is a promise kept even if the
process dies a moment later; any failure to store answers 451 and the sending server retries later. A
message over the size limit is refused with 552 (aiosmtpd enforces `data_size_limit` and advertises SIZE).
Only the configured recipient addresses and domains are accepted (550 for the rest).
"""

import asyncio
import logging
import ssl
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from helpline.adapters.email.parse import message_ids
from helpline.services.channels import inbox
from helpline.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class Recipients:
    """Accepted recipients: full addresses (support@insurer.ru) and whole domains (@insurer.ru or insurer.ru)."""

    def __init__(self, entries: Iterable[str]) -> None:
        cleaned = [e.strip().lower() for e in entries if e.strip()]
        self.addresses = {e for e in cleaned if "@" in e and not e.startswith("@")}
        self.domains = {e.lstrip("@") for e in cleaned if e not in self.addresses}

    def accepts(self, address: str) -> bool:
        address = address.strip().strip("<>").lower()
        return address in self.addresses or address.rpartition("@")[2] in self.domains

    @property
    def our_addresses(self) -> frozenset[str]:
        return frozenset(self.addresses)


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID, read from the headers only (cheap): the inbox stores one message per id."""
    try:
        headers = BytesHeaderParser().parsebytes(raw[:256 * 1024])
        ids = message_ids(str(headers.get("Message-ID", "")))
    except Exception:
        return None
    return ids[0][:300] if ids else None


class _Handler:
    def __init__(self, listener: "SmtpListener") -> None:
        self.listener = listener

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if not self.listener.recipients.accepts(address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "peer": str(session.peer[0]) if isinstance(session.peer, tuple) else str(session.peer)}
        loop = asyncio.get_running_loop()
        try:
            stored = await loop.run_in_executor(self.listener.executor, self.listener.store, raw, meta)
        except Exception:  # nothing was promised: the sending server keeps the message and retries
            log.exception("storing an e-mail failed")
            return "451 4.3.0 the message could not be stored; try again later"
        return f"250 2.0.0 OK: queued as {stored}"


class SmtpListener:
    def __init__(self, new_uow: UnitOfWorkFactory, name: str, host: str, port: int, max_bytes: int,
                 recipients: Iterable[str], wake: Callable[[], None] = lambda: None, writers: int = 4,
                 tls_files: tuple[str, str] | None = None, require_starttls: bool = False) -> None:
        self.new_uow, self.name, self.wake = new_uow, name, wake
        self.tls_files, self.require_starttls = tls_files, require_starttls  # (certificate, key) PEM files
        self.host, self.port, self.max_bytes, self.writers = host, port, max_bytes, writers
        self.recipients = Recipients(recipients)
        self.executor: ThreadPoolExecutor | None = None
        self.controller: Controller | None = None  # built on start: it owns an event loop from birth

    def store(self, raw: bytes, meta: dict[str, Any]) -> int:
        with self.new_uow() as uow:
            message_id, _new = inbox.store(uow, inbox.Inbound(channel="email", source=self.name, raw=raw,
                                                              external_id=message_id_of(raw), meta=meta))
        self.wake()
        return message_id

    def start(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=self.writers, thread_name_prefix=f"smtp-{self.name}")
        tls_context = None
        if self.tls_files is not None:  # read at start, so a renewed certificate is taken on restart
            tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_context.minimum_version = ssl.TLSVersion.TLSv1_2
            tls_context.load_cert_chain(*self.tls_files)
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                     data_size_limit=self.max_bytes, server_hostname="helpline", ready_timeout=10,
                                     tls_context=tls_context, require_starttls=self.require_starttls)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
