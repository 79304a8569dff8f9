"""Helpers shared by the SMS tests: an SMS queue, a configured connector, a customer with a phone."""

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import InboundMessage, Interaction, OutboundMessage
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs

SECRET = "receipt-secret-0123456789"
PHONE = "+79161234567"


def sms_queue(make, cc):
    return make.queue(client=cc.client, site=cc.moscow, code="sms_msk", channel="sms")


def add_channel(container, name: str, kind: str, settings: dict[str, Any], queue_id: int) -> None:
    with container.uow() as uow:
        configs.add(uow, name, kind, settings, queue=queue_id)


def notify(client, who, **body):
    return client.post("/api/v1/notifications/sms", json=body, headers=who.auth)


def outbound(container, message_id: int) -> OutboundMessage:
    with container.uow() as uow:
        message = uow.session.get(OutboundMessage, message_id)
        assert message is not None
        uow.session.expunge(message)
        return message


def sms_interactions(container) -> list[Interaction]:
    with container.uow() as uow:
        found = list(uow.session.scalars(select(Interaction).where(Interaction.channel == "sms")))
        uow.session.expunge_all()
        return found


def inbox_rows(container) -> list[InboundMessage]:
    with container.uow() as uow:
        found = list(uow.session.scalars(select(InboundMessage).order_by(InboundMessage.id)))
        uow.session.expunge_all()
        return found


def until(worker: ChannelWorker, done: Callable[[], bool], clock=None, timeout_s: float = 10.0) -> None:
    """Run the worker until `done()`; the clock moves on so inbox retries (a receipt that came before its
    message's commit) fall due."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        worker.run_once()
        if done():
            return
        if clock is not None:
            clock.advance(10)
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")
