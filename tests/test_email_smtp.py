"""The SMTP listener on loopback: 250 only after the commit, 451 when storing fails, 552 over the size limit,
550 for strangers' addresses; the whole path to an acknowledgement; 1,000 e-mails; a SIGKILL mid-stream."""

import contextlib
import smtplib
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.adapters.email.smtp_listener import SmtpListener
from helpline.bootstrap import bootstrap
from helpline.config import Settings
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs
from tests.email_support import SUPPORT, Sink, mail
from tests.server_process import free_port


@pytest.fixture
def listener(container):
    service = SmtpListener(container.uow, "mail-in", "127.0.0.1", free_port(), 64 * 1024,
                           [SUPPORT, "@claims.reso.test"])
    service.start()
    yield service
    service.stop()


def smtp(port: int) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, timeout=10)


def stored(container) -> list[m.InboundMessage]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(m.InboundMessage).order_by(m.InboundMessage.id)))
        uow.session.expunge_all()
        return rows


def test_a_message_is_stored_before_250(listener, container):
    with smtp(listener.port) as client:
        _code, answer = client.ehlo()
        assert b"SIZE 65536" in answer
        client.sendmail("lev@example.com", [SUPPORT, "desk@claims.reso.test"], mail(message_id="<s1@example.com>"))
    [message] = stored(container)
    assert message.source == "mail-in" and message.channel == "email" and message.status == "pending"
    assert message.external_id == "<s1@example.com>" and message.raw.startswith(b"From: ")
    assert message.meta["mail_from"] == "lev@example.com"
    assert message.meta["rcpt_tos"] == [SUPPORT, "desk@claims.reso.test"]


def test_the_same_message_delivered_twice_is_stored_once(listener, container):
    raw = mail(message_id="<twice@example.com>")
    for _ in range(2):
        with smtp(listener.port) as client:
            client.sendmail("lev@example.com", [SUPPORT], raw)
    assert len(stored(container)) == 1


def test_strangers_addresses_are_refused(listener, container):
    with smtp(listener.port) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("spam@example.com", ["someone@elsewhere.test"], mail())
    assert refused.value.recipients["someone@elsewhere.test"][0] == 550
    assert stored(container) == []


def test_an_over_size_message_is_refused_with_552(listener, container):
    big = mail(body="Фотографии повреждений.\n" * 3000)  # ~130 KB in short lines
    with smtp(listener.port) as client:  # declared size (SIZE=) refused at MAIL FROM
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("lev@example.com", [SUPPORT], big)
        assert refused.value.smtp_code == 552
    with smtp(listener.port) as client:  # undeclared: refused after DATA
        client.ehlo()
        client.mail("lev@example.com")
        client.rcpt(SUPPORT)
        code, _answer = client.data(big)
        assert code == 552
    assert stored(container) == []


def test_a_storage_failure_answers_451_so_the_sender_retries(tmp_path):
    broken = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'no-tables.sqlite3'}", environment="test",
                                routing_enabled=False, channels_enabled=False))
    service = SmtpListener(broken.uow, "mail-in", "127.0.0.1", free_port(), 64 * 1024, [SUPPORT])
    service.start()
    try:
        with smtp(service.port) as client:
            client.ehlo()
            client.mail("lev@example.com")
            client.rcpt(SUPPORT)
            code, answer = client.data(mail())
        assert code == 451 and b"try again later" in answer
    finally:
        service.stop()
        broken.close()


def test_from_smtp_to_an_acknowledgement(container, make, cc):
    sink = Sink()
    sink.controller.start()
    queue = make.queue(client=cc.client, site=cc.moscow, code="email_msk", channel="email")
    port = free_port()
    with container.uow() as uow:
        configs.add(uow, "mail-in", "smtp-listener", {"port": port, "recipients": [SUPPORT]}, queue=queue.id)
        configs.add(uow, "mail-out", "smtp-sender", {"host": "127.0.0.1", "port": sink.port, "security": "none",
                                                     "from_address": "care@reso.test"})
    worker = ChannelWorker(container, poll_s=5)  # the wake-up, not the poll, must bring the answer quickly
    worker.start()
    try:
        with smtp(port) as client:
            client.sendmail("lev@example.com", [SUPPORT], mail(message_id="<e2e@example.com>"))
        assert sink.arrived.wait(4)
    finally:
        worker.stop()
        sink.controller.stop()
    [ack] = sink.messages()
    assert ack["In-Reply-To"] == "<e2e@example.com>" and ack["To"] == "lev@example.com"


def send_many(port: int, ids: list[str], accepted: list[str]) -> None:
    """One SMTP session sending the messages in turn; records each Message-ID answered 250."""
    with smtp(port) as client:
        for message_id in ids:
            client.sendmail("lev@example.com", [SUPPORT], mail(f"Request {message_id}", "text",
                                                               message_id=message_id))
            accepted.append(message_id)


@pytest.mark.slow
def test_a_thousand_e_mails_none_lost_or_doubled(container, make, cc):
    queue = make.queue(client=cc.client, site=cc.moscow, code="email_msk", channel="email")
    port = free_port()
    with container.uow() as uow:
        configs.add(uow, "mail-in", "smtp-listener", {"port": port, "recipients": [SUPPORT],
                                                      "acknowledge": False}, queue=queue.id)
    worker = ChannelWorker(container)
    worker.configure()
    ids = [f"<load-{n}@example.com>" for n in range(1000)]
    accepted: list[str] = []
    started = time.monotonic()
    for service in worker.services:
        service.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda part: send_many(port, ids[part::8], accepted), range(8)))
    finally:
        for service in worker.services:
            service.stop()
    received_s = time.monotonic() - started
    while sum(worker.run_once()[0].values()):
        pass
    processed_s = time.monotonic() - started - received_s
    print(f"\n1000 e-mails: SMTP in {received_s:.1f} s, intake in {processed_s:.1f} s")
    assert sorted(accepted) == sorted(ids)
    with container.uow() as uow:
        statuses = {status: count for status, count in uow.session.execute(
            select(m.InboundMessage.status, func.count()).group_by(m.InboundMessage.status))}
        external = set(uow.session.scalars(select(m.Interaction.external_id).where(m.Interaction.channel == "email")))
        interactions = uow.session.scalar(select(func.count()).select_from(m.Interaction))
    assert statuses == {"processed": 1000} and interactions == 1000 and external == set(ids)


@pytest.mark.slow
def test_a_killed_listener_loses_nothing_it_acknowledged(database_url, container):
    port = free_port()
    child = subprocess.Popen([sys.executable, "-m", "tests.email_listener_process", database_url, str(port)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        accepted: list[str] = []
        ids = [f"<kill-{n}@example.com>" for n in range(100_000)]
        senders = [threading.Thread(target=_send_until_refused, args=(port, ids[k::4], accepted)) for k in range(4)]
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 20
        while len(accepted) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        child.kill()  # SIGKILL, mid-stream: clients are inside DATA exchanges right now
        child.wait(10)
        for sender in senders:
            sender.join(15)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    kept = {message.external_id for message in stored(container)}
    assert len(accepted) >= 200
    assert set(accepted) <= kept  # every 250 was a promise kept


def _send_until_refused(port: int, ids: list[str], accepted: list[str]) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):  # the server died under us: expected
        send_many(port, ids, accepted)
