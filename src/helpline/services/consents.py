"""A customer's consents to be contacted, per channel and purpose (GET/PUT /customers/{id}/consents).

Marketing needs a recorded yes; a service message (about the customer's own case or policy) is sent unless
the customer recorded a no. An SMS "STOP" records a no to marketing by SMS (services/sms.py).
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints
from sqlalchemy import select

from helpline.adapters.db.models import ChannelConsent, Customer
from helpline.domain.errors import NotFound
from helpline.domain.vocabulary import Channel
from helpline.services.channels import outbox
from helpline.services.schemas import Command, View
from helpline.services.unit_of_work import UnitOfWork

Purpose = Literal["service", "marketing"]


class ConsentChange(Command):
    channel: Channel
    purpose: Purpose
    granted: bool
    source: Annotated[str, StringConstraints(min_length=1, max_length=60)] = "operator"


class ConsentView(View):
    channel: str
    purpose: str
    granted: bool
    source: str
    updated_at: datetime


def _check_customer(uow: UnitOfWork, customer_id: int) -> None:
    if uow.session.get(Customer, customer_id) is None:
        raise NotFound("customer", customer_id)


def list_consents(uow: UnitOfWork, customer_id: int) -> list[ConsentView]:
    _check_customer(uow, customer_id)
    rows = uow.session.scalars(select(ChannelConsent).where(ChannelConsent.customer_id == customer_id)
                               .order_by(ChannelConsent.channel, ChannelConsent.purpose))
    return [ConsentView.model_validate(row) for row in rows]


def change_consent(uow: UnitOfWork, customer_id: int, change: ConsentChange) -> list[ConsentView]:
    """Record one yes or no (commits); returns all the customer's consents."""
    _check_customer(uow, customer_id)
    outbox.set_consent(uow, customer_id, change.channel.value, change.purpose, change.granted, change.source)
    uow.commit()
    return list_consents(uow, customer_id)
