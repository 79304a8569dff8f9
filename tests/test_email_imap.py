"""The IMAP poller against a real dovecot on loopback: unseen mail is stored once and marked seen (or moved),
IDLE brings a new message at once, a failing login shows on channel health."""

import itertools
import time

import pytest
from imapclient import IMAPClient
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.adapters.email.imap import ImapPoller, ImapSettings
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs, health
from tests.dovecot import PASSWORD, USER, Dovecot
from tests.email_support import mail

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    server = Dovecot().start()  # fails, never skips, when dovecot is missing
    yield server
    server.stop()


@pytest.fixture
def folder(dovecot):
    """A fresh mailbox folder per test on the session's server."""
    name = f"Test{next(_folders)}"
    with imap(dovecot) as client:
        client.create_folder(name)
    return name


def imap(dovecot) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=10)
    client.login(USER, PASSWORD)
    return client


def append(dovecot, folder, *messages: bytes) -> None:
    with imap(dovecot) as client:
        for raw in messages:
            client.append(folder, raw)


def poller(container, dovecot, folder, **kw) -> ImapPoller:
    settings = ImapSettings(**{"host": "127.0.0.1", "port": dovecot.port, "username": USER, "password": PASSWORD,
                               "security": "none", "mailbox": folder, "poll_s": 60.0, "idle": False, **kw})
    return ImapPoller(container.uow, "mailbox", settings)


def stored(container) -> list[m.InboundMessage]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(m.InboundMessage).order_by(m.InboundMessage.id)))
        uow.session.expunge_all()
        return rows


def wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


NO_ID = b"From: anna@example.com\r\nTo: support@reso.test\r\nSubject: no id\r\n\r\nhello\r\n"


def test_a_poll_stores_unseen_mail_once_and_marks_it_seen(container, dovecot, folder):
    append(dovecot, folder, mail(message_id="<i1@example.com>"), mail("КОИ-8", "Привет", charset="koi8-r"), NO_ID)
    service = poller(container, dovecot, folder)
    with service.connect() as client:
        uidvalidity = int(client.select_folder(folder)[b"UIDVALIDITY"])
        assert service.fetch_new(client, uidvalidity) == 3
        assert service.fetch_new(client, uidvalidity) == 0  # a second poll adds nothing
        assert client.search(["UNSEEN"]) == []
        uids = client.search(["ALL"])
    messages = stored(container)
    assert len(messages) == 3 and {x.source for x in messages} == {"mailbox"}
    assert messages[0].external_id == "<i1@example.com>"
    assert messages[2].external_id == f"uid:{uidvalidity}:{uids[2]}"
    assert messages[2].meta == {"mailbox": folder, "uid": uids[2], "uidvalidity": uidvalidity}
    with container.uow() as uow:
        [state] = [h for h in health.statuses(uow) if h.name == "mailbox"]
        assert state.status == "ok"


def test_a_message_seen_again_after_a_crash_is_not_stored_twice(container, dovecot, folder):
    append(dovecot, folder, mail(message_id="<again@example.com>"))
    service = poller(container, dovecot, folder)
    with service.connect() as client:
        uidvalidity = int(client.select_folder(folder)[b"UIDVALIDITY"])
        service.fetch_new(client, uidvalidity)
        client.remove_flags(client.search(["ALL"]), [b"\\Seen"])  # as if we died before marking it
        assert service.fetch_new(client, uidvalidity) == 0
    assert len(stored(container)) == 1


def test_processed_mail_moves_to_a_folder(container, dovecot, folder):
    with imap(dovecot) as client:
        client.create_folder(f"{folder}-done")
    append(dovecot, folder, mail(message_id="<move@example.com>"))
    service = poller(container, dovecot, folder, processed_folder=f"{folder}-done")
    service.start()
    try:
        assert wait_for(lambda: len(stored(container)) == 1)
        with imap(dovecot) as client:
            assert wait_for(lambda: client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"] == 0)
            assert client.folder_status(f"{folder}-done", [b"MESSAGES"])[b"MESSAGES"] == 1
    finally:
        service.stop()


def test_idle_brings_a_new_message_without_waiting_for_the_poll(container, make, cc, dovecot, folder):
    queue = make.queue(client=cc.client, site=cc.moscow, code="email_msk", channel="email")
    with container.uow() as uow:
        configs.add(uow, "mailbox", "imap", {
            "host": "127.0.0.1", "port": dovecot.port, "security": "none", "username": USER, "password": PASSWORD,
            "mailbox": folder, "poll_s": 300, "idle": True, "acknowledge": False}, queue=queue.id)
    worker = ChannelWorker(container, poll_s=300)
    worker.start()
    try:
        [service] = worker.services
        assert wait_for(lambda: service.passes >= 1)  # logged in, first pass done, now in IDLE
        time.sleep(0.3)
        append(dovecot, folder, mail("Срочно", "Помогите", message_id="<idle@example.com>"))
        started = time.monotonic()
        assert wait_for(lambda: any(x.status == "processed" for x in stored(container)), timeout=5)
        assert time.monotonic() - started < 5  # far below the 300 s poll interval
    finally:
        worker.stop()
    with container.uow() as uow:
        interaction = uow.session.scalar(select(m.Interaction))
        assert interaction.external_id == "<idle@example.com>" and interaction.subject == "Срочно"


def test_a_failing_login_shows_on_channel_health_and_is_retried(container, dovecot, folder):
    service = poller(container, dovecot, folder, password="wrong")
    service.start()
    try:
        def failing() -> bool:
            with container.uow() as uow:
                return any(h.name == "mailbox" and h.status == "failing" for h in health.statuses(uow))
        assert wait_for(failing)
    finally:
        service.stop()
    with container.uow() as uow:
        [state] = health.statuses(uow)
        assert "LoginError" in state.last_error or "authentication" in state.last_error.lower()
