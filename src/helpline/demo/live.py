"""Requests waiting right now, so the demo's first screen shows live queues. They come in through the
real intake use case, as a PBX, chat or e-mail channel would send them."""

from datetime import timedelta

from sqlalchemy import select

from helpline.adapters.db.models import CustomerPhone, Interaction, Queue, User
from helpline.domain.errors import DomainError
from helpline.services import auth, intake
from helpline.services.schemas import ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

LIVE_PREFIX = "demo-live-"
# (queue code, seconds waiting already, topic)
WAITING_NOW = [
    ("msk_osago", 48, "ДТП без пострадавших"), ("msk_osago", 31, "европротокол"), ("msk_osago", 9, "выплата"),
    ("msk_kasko", 22, "эвакуатор"), ("spb_osago", 14, "ДТП без пострадавших"), ("spb_property", 5, "залив"),
    ("med_dms_voice", 37, "гарантийное письмо"), ("med_dms_voice", 12, "запись к врачу"),
    ("med_dms_chat", 65, "гарантийное письмо"), ("balt_travel_europe", 19, "медицинская помощь"),
    ("reso_chat", 27, "продление полиса"), ("reso_email", 1800, "документы по убытку"),
]


def ensure_waiting(uow: UnitOfWork) -> int:
    """Queue the requests of WAITING_NOW unless a previous load did; returns how many were added."""
    if uow.session.scalar(select(Interaction.id).where(Interaction.idempotency_key.like(LIVE_PREFIX + "%"))):
        return 0
    pbx = uow.session.scalar(select(User).where(User.username == "pbx"))
    queues = {q.code: q for q in uow.session.scalars(select(Queue).where(Queue.code.in_([c for c, *_ in WAITING_NOW])))}
    phones = list(uow.session.scalars(select(CustomerPhone.phone).order_by(CustomerPhone.id).limit(len(WAITING_NOW))))
    if pbx is None or len(phones) < len(WAITING_NOW):
        return 0
    actor, now = auth.actor_for_user(uow, pbx), uow.now()
    requests = [(actor, ReceiveInteraction(
        channel=queues[code].channel, queue_id=queues[code].id, idempotency_key=f"{LIVE_PREFIX}{n}",
        from_address=phones[n], topic=topic, subject=topic, occurred_at=now - timedelta(seconds=waited)))
        for n, (code, waited, topic) in enumerate(WAITING_NOW) if code in queues]
    outcomes = intake.receive_interactions(uow, requests)
    return sum(1 for outcome in outcomes if not isinstance(outcome, DomainError) and outcome[1])
