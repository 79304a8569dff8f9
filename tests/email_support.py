"""Helpers of the e-mail channel's tests: messages as real mail clients write them, an SMTP sink standing in
for the remote mail server, and a configured e-mail desk (queue, listener config, sender config)."""

import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import make_msgid

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from helpline.adapters.db import models as m
from helpline.bootstrap import Container
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs, inbox
from tests.server_process import free_port

SUPPORT = "support@reso.test"
SENDER = "care@reso.test"


def mail(subject: str = "ОСАГО: ДТП на МКАД", body: str = "Прошу помочь с заявлением.", *,
         sender: str = "lev@example.com", to: str = SUPPORT, message_id: str | None = None,
         charset: str = "utf-8", headers: dict[str, str] | None = None,
         attachments: list[tuple[str, str, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    """An e-mail as a mail client sends it; `attachments` are (filename, content type, bytes)."""
    message = EmailMessage()
    message["From"] = f"Лев Толстой <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    message["Date"] = "Mon, 02 Feb 2026 12:00:00 +0300"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset=charset)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as on the wire


@dataclass
class Sink:
    """The remote SMTP server our sender delivers to: keeps what it received."""

    port: int = field(default_factory=free_port)
    received: list[Envelope] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        self.arrived.set()
        return "250 OK"

    def __post_init__(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(e.original_content or b"", policy=email.policy.default)
                for e in self.received]


@dataclass
class Desk:
    """An e-mail queue with an SMTP listener config (the inbox source) and a sender to the sink."""

    container: Container
    queue: m.Queue
    source: str
    worker: ChannelWorker

    def receive(self, raw: bytes) -> int:
        """Store a message as the listener would, then process the inbox and outbox; the message's id."""
        with self.container.uow() as uow:
            message_id, _new = inbox.store(uow, inbox.Inbound(channel="email", source=self.source, raw=raw))
        self.worker.run_once()
        return message_id

    def message(self, message_id: int) -> m.InboundMessage:
        with self.container.uow() as uow:
            found = uow.session.get(m.InboundMessage, message_id)
            assert found is not None
            uow.session.expunge(found)  # detached with its values: the unit of work rolls back on exit
            return found


def email_desk(container: Container, make, client: m.Client, site: m.Site, sink_port: int,
               **intake_settings) -> Desk:
    queue = make.queue(client=client, site=site, code=f"email_{free_port()}", channel="email")
    with container.uow() as uow:
        configs.add(uow, "mail-in", "smtp-listener", {"port": free_port(), "recipients": [SUPPORT],
                                                      **intake_settings}, queue=queue.id)
        configs.add(uow, "mail-out", "smtp-sender", {"host": "127.0.0.1", "port": sink_port, "security": "none",
                                                     "from_address": SENDER, "from_name": "RESO care"})
    worker = ChannelWorker(container)
    worker.configure()  # builds the connectors; the listener is not started (the tests store directly)
    return Desk(container, queue, "mail-in", worker)


@pytest.fixture
def sink():
    """An SMTP server on loopback standing for the customer's mail server: it keeps what it receives."""
    server = Sink()
    server.controller.start()
    yield server
    server.controller.stop()
