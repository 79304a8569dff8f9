"""SMS notifications to customers (POST /notifications/sms): a template in the customer's language, queued
in the outbox for the SMS connector; consent is checked there (a marketing message without a yes is stored
as `suppressed` and never handed to a gateway).

Only `sms_*` templates may be sent: they are written to fit SMS (see docs/channels/sms.md for their length).
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator
from sqlalchemy import select

from helpline.adapters.db.models import Case, Customer, CustomerPhone, Interaction, OutboundMessage
from helpline.adapters.sms.encoding import segment_count
from helpline.domain.contact import normalize_phone
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services import scope
from helpline.services.channels import outbox, templates
from helpline.services.schemas import Command, View
from helpline.services.unit_of_work import UnitOfWork

TEMPLATE_PREFIX = "sms_"
Param = Annotated[str, StringConstraints(max_length=500)] | int | float


class SmsNotification(Command):
    customer_id: int | None = Field(None, ge=1)
    phone: Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()\-]+$")] | None = None
    case_id: int | None = Field(None, ge=1)
    template: Annotated[str, StringConstraints(pattern=r"^sms_[a-z0-9_]{1,56}$")]
    params: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,39}$")], Param] = Field(
        default_factory=dict, max_length=30)
    purpose: Literal["service", "marketing"] = "service"
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")] | None = Field(
        None, description="Defaults to the customer's language")
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = Field(
        None, description="The same key again returns the message queued first")

    @model_validator(mode="after")
    def _addressed(self) -> "SmsNotification":
        if self.customer_id is None and self.phone is None:
            raise ValueError("give customer_id or phone")
        return self


class NotificationView(View):
    id: int
    status: str
    purpose: str
    to_address: str
    customer_id: int | None
    case_id: int | None
    template: str | None
    language: str | None
    body: str
    segments: int
    error: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


def view(message: OutboundMessage) -> NotificationView:
    return NotificationView.model_validate({**{k: getattr(message, k) for k in NotificationView.model_fields
                                               if k != "segments"},
                                            "segments": segment_count(message.body.rstrip("\n"))})


def sms_templates() -> list[str]:
    return [name for name in templates.available() if name.startswith(TEMPLATE_PREFIX)]


def notify(uow: UnitOfWork, actor: Actor, cmd: SmsNotification) -> NotificationView:
    """Queue one SMS (commits)."""
    if cmd.template not in sms_templates():
        raise InvalidInput(f"no SMS template {cmd.template!r}; known: {', '.join(sms_templates())}")
    customer = _customer(uow, cmd)
    phone = normalize_phone(cmd.phone) if cmd.phone else _phone_of(customer)
    if cmd.case_id is not None:
        _check_case(uow, actor, cmd.case_id)
    key = f"notify:{actor.user_id}:{cmd.idempotency_key}" if cmd.idempotency_key else None
    message = outbox.enqueue(uow, outbox.OutboundRequest(
        channel="sms", to_address=phone, purpose=cmd.purpose, template=cmd.template, params=dict(cmd.params),
        language=cmd.language or (customer.language if customer else None),
        client_id=customer.client_id if customer else None, customer_id=customer.id if customer else None,
        case_id=cmd.case_id, idempotency_key=key))
    uow.commit()
    return view(message)


def _customer(uow: UnitOfWork, cmd: SmsNotification) -> Customer | None:
    if cmd.customer_id is not None:
        customer = uow.session.get(Customer, cmd.customer_id)
        if customer is None:
            raise NotFound("customer", cmd.customer_id)
        return customer
    # by phone: the one customer with this number, whose consents then apply (several: none is assumed)
    owners = list(uow.session.scalars(select(CustomerPhone.customer_id).where(
        CustomerPhone.phone == normalize_phone(cmd.phone or "")).distinct()))
    return uow.session.get(Customer, owners[0]) if len(owners) == 1 else None


def _phone_of(customer: Customer | None) -> str:
    if customer is None or not customer.phones:
        raise InvalidInput("the customer has no phone number; give one")
    return customer.phones[0].phone


def _check_case(uow: UnitOfWork, actor: Actor, case_id: int) -> None:
    visible = scope.case_filter(uow, actor)
    if actor.role == Role.INTEGRATION:  # an integration sees the cases of the interactions it created
        visible = Case.id.in_(select(Interaction.case_id).where(scope.interaction_filter(uow, actor)))
    if uow.session.scalar(select(Case.id).where(Case.id == case_id, visible)) is None:
        raise NotFound("case", case_id)


def get(uow: UnitOfWork, message_id: int) -> NotificationView:
    message = uow.session.get(OutboundMessage, message_id)
    if message is None or message.channel != "sms":
        raise NotFound("SMS", message_id)
    return view(message)
