"""The e-mail channel over TLS, against real servers on loopback with a certificate authority made for the test
session (tests/tls_support.py): dovecot with IMAPS and STARTTLS, aiosmtpd with STARTTLS and implicit TLS.

Trusted servers are used: mail is fetched and replies are delivered, over TLS. Untrusted servers (an unknown
CA, a certificate for another host) are refused before the password is sent: nothing is fetched, nothing is
delivered, the connector's health says why, and an outgoing message waits in the outbox for a retry. A client
configured for STARTTLS never falls back to plain text."""

import itertools
import ssl
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from imapclient import IMAPClient
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.email.imap import ImapPoller, ImapSettings
from helpline.adapters.email.smtp_sender import SmtpSender
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs, health, outbox
from tests.dovecot import PASSWORD, USER, Dovecot
from tests.email_support import SENDER, mail
from tests.server_process import free_port
from tests.tls_support import CertificateAuthority, ServerCertificate

_folders = itertools.count(1)


# --- certificates and servers -------------------------------------------------------------------


@pytest.fixture(scope="session")
def ca(tmp_path_factory) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def server_cert(ca) -> ServerCertificate:
    """127.0.0.1 and localhost, signed by the test CA."""
    return ca.issue("server")


@pytest.fixture(scope="session")
def other_host_cert(ca) -> ServerCertificate:
    """Signed by the same (trusted) CA, but for another host."""
    return ca.issue("elsewhere", hosts=("mail.elsewhere.test",))


@pytest.fixture(scope="session")
def unknown_ca_cert(tmp_path_factory) -> ServerCertificate:
    """For 127.0.0.1, but signed by a CA nobody trusts."""
    return CertificateAuthority.create(tmp_path_factory.mktemp("tls-unknown"), "Unknown CA").issue("server")


@pytest.fixture(scope="module")
def tls_dovecot(server_cert):
    server = Dovecot(tls=server_cert).start()  # STARTTLS on .port, IMAPS on .tls_port
    yield server
    server.stop()


@pytest.fixture(scope="module")
def other_host_dovecot(other_host_cert):
    server = Dovecot(tls=other_host_cert).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain_dovecot():
    server = Dovecot().start()  # no TLS at all: STARTTLS is not offered
    yield server
    server.stop()


def setup_client(server: Dovecot) -> IMAPClient:
    """The test's own access to the mailbox (dovecot lets loopback log in without TLS)."""
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    return client


def new_folder(server: Dovecot, *messages: bytes) -> str:
    name = f"Tls{next(_folders)}"
    with setup_client(server) as client:
        client.create_folder(name)
        for raw in messages:
            client.append(name, raw)
    return name


def unseen(server: Dovecot, folder: str) -> int:
    with setup_client(server) as client:
        client.select_folder(folder, readonly=True)
        return len(client.search(["UNSEEN"]))


def logins(server: Dovecot) -> list[str]:
    """dovecot's log line of every successful log-in; it ends in `TLS` when the session was encrypted."""
    return [line for line in server.log_lines() if "imap-login: Info: Login: user=" in line]


def port_of(server: Dovecot, security: str) -> int:
    return server.tls_port if security == "ssl" else server.port


def poller(container, server: Dovecot, folder: str, security: str, **kw) -> ImapPoller:
    settings = ImapSettings(**{"host": "127.0.0.1", "port": port_of(server, security), "username": USER,
                               "password": PASSWORD, "security": security, "mailbox": folder, "poll_s": 60.0,
                               "idle": False, **kw})
    return ImapPoller(container.uow, "mailbox", settings)


def stored(container) -> list[m.InboundMessage]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(m.InboundMessage).order_by(m.InboundMessage.id)))
        uow.session.expunge_all()
        return rows


def health_of(container, name: str) -> health.HealthView | None:
    with container.uow() as uow:
        return next((h for h in health.statuses(uow) if h.name == name), None)


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- IMAP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_imap_over_tls_fetches_mail_trusting_the_ca_through_ssl_context(container, tls_dovecot, ca, security):
    folder = new_folder(tls_dovecot, mail(message_id="<tls-1@example.com>"))
    before = len(logins(tls_dovecot))
    service = poller(container, tls_dovecot, folder, security, ssl_context=ca.client_context())
    with service.connect() as client:
        sock = client.socket()
        assert isinstance(sock, ssl.SSLSocket) and sock.version() in ("TLSv1.2", "TLSv1.3")
        assert ("IP Address", "127.0.0.1") in sock.getpeercert()["subjectAltName"]
        uidvalidity = int(client.select_folder(folder)[b"UIDVALIDITY"])
        assert service.fetch_new(client, uidvalidity) == 1
    [message] = stored(container)
    assert message.external_id == "<tls-1@example.com>" and message.source == "mailbox"
    assert unseen(tls_dovecot, folder) == 0
    # the server's side: the poller's log-in was inside TLS (loopback would have let it in without)
    assert wait_for(lambda: len(logins(tls_dovecot)) >= before + 1)
    poller_login = logins(tls_dovecot)[before]
    assert ", TLS," in poller_login and ", secured," not in poller_login


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_connector_configured_with_a_ca_file_fetches_over_tls(container, make, cc, tls_dovecot, ca, security):
    folder = new_folder(tls_dovecot)
    queue = make.queue(client=cc.client, site=cc.moscow, code="email_msk", channel="email")
    with container.uow() as uow:
        configs.add(uow, "mailbox", "imap", {
            "host": "127.0.0.1", "port": port_of(tls_dovecot, security), "security": security,
            "ca_file": str(ca.cert), "username": USER, "password": PASSWORD, "mailbox": folder, "poll_s": 300,
            "idle": True, "acknowledge": False}, queue=queue.id)
        [view] = [c for c in configs.all_configs(uow) if c.name == "mailbox"]
        assert view.settings["ca_file"] == str(ca.cert)
    worker = ChannelWorker(container, poll_s=300)
    worker.start()
    try:
        [service] = worker.services
        assert wait_for(lambda: service.passes >= 1)
        new_folder_mail = mail("По TLS", "Текст", message_id="<tls-cfg@example.com>")
        with setup_client(tls_dovecot) as client:
            client.append(folder, new_folder_mail)
        assert wait_for(lambda: any(x.status == "processed" for x in stored(container)))
    finally:
        worker.stop()
    with container.uow() as uow:
        interaction = uow.session.scalar(select(m.Interaction))
        assert interaction.external_id == "<tls-cfg@example.com>" and interaction.subject == "По TLS"
    state = health_of(container, "mailbox")
    assert state is not None and state.status == "ok"


UNTRUSTED = {
    # id: (server fixture, security, context trusting the test CA?, what the error says)
    "imaps-unknown-ca": ("tls_dovecot", "ssl", False, "unable to get local issuer certificate"),
    "starttls-unknown-ca": ("tls_dovecot", "starttls", False, "unable to get local issuer certificate"),
    "imaps-other-host": ("other_host_dovecot", "ssl", True, "IP address mismatch"),
    "starttls-other-host": ("other_host_dovecot", "starttls", True, "IP address mismatch"),
}


@pytest.mark.parametrize("case", UNTRUSTED)
def test_an_untrusted_imap_server_is_refused_and_nothing_is_fetched(request, container, ca, case):
    fixture, security, trust_ca, reason = UNTRUSTED[case]
    server: Dovecot = request.getfixturevalue(fixture)
    folder = new_folder(server, mail(message_id="<never@example.com>"))
    before = len(logins(server))
    context = {"ssl_context": ca.client_context()} if trust_ca else {}  # else the system's CAs
    service = poller(container, server, folder, security, **context)
    service.start()
    try:
        assert wait_for(lambda: (h := health_of(container, "mailbox")) is not None and h.status == "failing")
    finally:
        service.stop()
    state = health_of(container, "mailbox")
    assert state is not None and state.last_error is not None
    assert state.last_error.startswith("SSLCertVerificationError: ")
    assert "certificate verify failed" in state.last_error and reason in state.last_error
    assert stored(container) == [] and service.passes == 0
    assert unseen(server, folder) == 1  # still waiting on the server
    # the password was never sent: the only log-in since is the test's own (just above), not the poller's
    assert wait_for(lambda: len(logins(server)) >= before + 1)
    time.sleep(0.2)
    assert len(logins(server)) == before + 1


def test_starttls_never_falls_back_to_plain_text(container, plain_dovecot):
    """A server (or a man in the middle) that does not offer STARTTLS gets no password in clear."""
    folder = new_folder(plain_dovecot, mail())
    before = len(logins(plain_dovecot))
    service = poller(container, plain_dovecot, folder, "starttls")
    service.start()
    try:
        assert wait_for(lambda: (h := health_of(container, "mailbox")) is not None and h.status == "failing")
    finally:
        service.stop()
    state = health_of(container, "mailbox")
    assert state is not None and "STARTTLS" in (state.last_error or "")
    assert stored(container) == []
    assert unseen(plain_dovecot, folder) == 1  # the test's own log-in: the only one expected since `before`
    assert wait_for(lambda: len(logins(plain_dovecot)) >= before + 1)
    time.sleep(0.2)
    assert len(logins(plain_dovecot)) == before + 1


def test_a_missing_ca_file_shows_on_health_and_fetches_nothing(container, tls_dovecot, tmp_path):
    folder = new_folder(tls_dovecot, mail())
    service = poller(container, tls_dovecot, folder, "ssl", ca_file=str(tmp_path / "missing-ca.pem"))
    service.start()
    try:
        assert wait_for(lambda: (h := health_of(container, "mailbox")) is not None and h.status == "failing")
    finally:
        service.stop()
    state = health_of(container, "mailbox")
    assert state is not None and (state.last_error or "").startswith("FileNotFoundError: ")
    assert stored(container) == [] and unseen(tls_dovecot, folder) == 1


# --- SMTP sender --------------------------------------------------------------------------------


class Recorder:
    """The remote mail server's handler: keeps each message and the TLS version it came over (None: plain)."""

    def __init__(self) -> None:
        self.received: list[tuple[Envelope, str | None]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None
        tls = server.transport.get_extra_info("ssl_object")
        self.received.append((envelope, tls.version() if tls is not None else None))
        self.arrived.set()
        return "250 OK"


@contextmanager
def smtp_server(cert: ServerCertificate | None, mode: str):
    """mode: `starttls` (STARTTLS offered and required before MAIL), `ssl` (implicit TLS), `none`."""
    recorder = Recorder()
    options: dict = {}
    if mode == "starttls":
        assert cert is not None
        options = {"tls_context": cert.server_context(), "require_starttls": True}
    elif mode == "ssl":
        assert cert is not None
        options = {"ssl_context": cert.server_context()}
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()


def queued_reply(container) -> int:
    with container.uow() as uow:
        message = outbox.enqueue(uow, outbox.OutboundRequest(
            channel="email", to_address="lev@example.com", subject="[#1] Re: ДТП на МКАД",
            body="Здравствуйте! Ваше заявление принято.", message_id="<reply-1@reso.test>"))
        uow.commit()
        return message.id


def outbound(container, message_id: int) -> m.OutboundMessage:
    with container.uow() as uow:
        found = uow.session.get(m.OutboundMessage, message_id)
        assert found is not None
        uow.session.expunge(found)
        return found


def sender(port: int, security: str, **kw) -> SmtpSender:
    return SmtpSender(host="127.0.0.1", port=port, from_address=SENDER, from_name="RESO care", security=security,
                      timeout_s=10, name="mail-out", **kw)


def configured_sender(container, port: int, security: str, ca_file: Path) -> SmtpSender:
    """The sender as the channel worker builds it from its configuration."""
    with container.uow() as uow:
        configs.add(uow, "mail-out", "smtp-sender", {"host": "127.0.0.1", "port": port, "security": security,
                                                     "ca_file": str(ca_file), "from_address": SENDER})
    worker = ChannelWorker(container)
    worker.configure()
    built = worker.senders["email"]
    assert isinstance(built, SmtpSender)
    return built


@pytest.mark.parametrize("trust", ["ssl_context", "ca_file"])
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_sender_delivers_a_reply_over_tls(container, ca, server_cert, security, trust):
    with smtp_server(server_cert, security) as (recorder, port):
        smtp = (sender(port, security, ssl_context=ca.client_context()) if trust == "ssl_context"
                else configured_sender(container, port, security, ca.cert))
        message_id = queued_reply(container)
        assert outbox.deliver_due(container.uow, {"email": smtp}) == {"sent": 1}
        assert recorder.arrived.wait(5)
    [(envelope, tls)] = recorder.received
    assert tls in ("TLSv1.2", "TLSv1.3")  # the message itself travelled encrypted
    assert envelope.rcpt_tos == ["lev@example.com"]
    assert b"Message-ID: <reply-1@reso.test>" in (envelope.original_content or b"")
    sent = outbound(container, message_id)
    assert sent.status == "sent" and sent.provider == "mail-out" and sent.error == ""


def test_a_server_requiring_starttls_refuses_a_plain_sender_and_the_reply_waits_for_retry(
        container, clock, ca, server_cert):
    with smtp_server(server_cert, "starttls") as (recorder, port):
        message_id = queued_reply(container)
        assert outbox.deliver_due(container.uow, {"email": sender(port, "none")}) == {"queued": 1}
        waiting = outbound(container, message_id)
        assert waiting.status == "queued" and waiting.attempts == 1 and waiting.next_attempt_at is not None
        assert "530" in waiting.error and "STARTTLS" in waiting.error
        state = health_of(container, "mail-out")
        assert state is not None and state.status == "failing" and "530" in (state.last_error or "")
        assert recorder.received == []
        # not lost: once the sender is configured for STARTTLS, the retry delivers it
        clock.advance(60)
        fixed = sender(port, "starttls", ssl_context=ca.client_context())
        assert outbox.deliver_due(container.uow, {"email": fixed}) == {"sent": 1}
    [(_envelope, tls)] = recorder.received
    assert tls is not None
    assert outbound(container, message_id).status == "sent"


SMTP_UNTRUSTED = {
    # id: (server certificate fixture, server mode, sender security, sender trusts the test CA, error says)
    "starttls-unknown-ca": ("unknown_ca_cert", "starttls", "starttls", True, "unable to get local issuer"),
    "ssl-unknown-ca": ("unknown_ca_cert", "ssl", "ssl", True, "unable to get local issuer"),
    "starttls-default-context": ("server_cert", "starttls", "starttls", False, "unable to get local issuer"),
    "ssl-other-host": ("other_host_cert", "ssl", "ssl", True, "IP address mismatch"),
    "starttls-other-host": ("other_host_cert", "starttls", "starttls", True, "IP address mismatch"),
    "starttls-not-offered": (None, "none", "starttls", True, "STARTTLS extension not supported"),
}


@pytest.mark.parametrize("case", SMTP_UNTRUSTED)
def test_an_untrusted_smtp_server_gets_nothing_and_the_reply_waits_for_retry(request, container, ca, case):
    cert_fixture, mode, security, trust_ca, reason = SMTP_UNTRUSTED[case]
    cert = request.getfixturevalue(cert_fixture) if cert_fixture else None
    with smtp_server(cert, mode) as (recorder, port):
        message_id = queued_reply(container)
        context = {"ssl_context": ca.client_context()} if trust_ca else {}
        assert outbox.deliver_due(container.uow, {"email": sender(port, security, **context)}) == {"queued": 1}
    assert recorder.received == []
    waiting = outbound(container, message_id)
    assert waiting.status == "queued" and waiting.next_attempt_at is not None and reason in waiting.error
    state = health_of(container, "mail-out")
    assert state is not None and state.status == "failing" and reason in (state.last_error or "")


# --- the SMTP listener offering STARTTLS ------------------------------------------------------------


@pytest.fixture
def tls_listener(container, server_cert):
    from helpline.adapters.email.smtp_listener import SmtpListener

    service = SmtpListener(container.uow, "mail-in", "127.0.0.1", free_port(), 64 * 1024, ["support@insurer.ru"],
                           tls_files=(str(server_cert.cert), str(server_cert.key)), require_starttls=True)
    service.start()
    yield service
    service.stop()


def test_the_listener_refuses_mail_before_starttls_and_stores_it_after(tls_listener, container, ca):
    import smtplib

    raw = mail(subject="Over TLS", to="support@insurer.ru")
    with smtplib.SMTP("127.0.0.1", tls_listener.port, timeout=10) as plain:
        plain.ehlo()
        assert plain.has_extn("starttls")
        code, _reply = plain.mail(SENDER)
        assert code == 530  # "Must issue a STARTTLS command first": nothing travels in clear text
    with smtplib.SMTP("127.0.0.1", tls_listener.port, timeout=10) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(ca.cert)))
        assert client.sendmail(SENDER, ["support@insurer.ru"], raw) == {}
    with container.uow() as uow:
        stored = list(uow.session.scalars(select(m.InboundMessage.raw)))
    assert stored == [raw]


def test_listener_tls_settings_must_come_in_pairs():
    from pydantic import ValidationError

    from helpline.services.channels.kinds import SmtpListenerSettings

    for wrong in ({"tls_cert_file": "/etc/cert.pem"}, {"require_starttls": True}):
        with pytest.raises(ValidationError):
            SmtpListenerSettings.model_validate({"recipients": ["@insurer.ru"], **wrong})
