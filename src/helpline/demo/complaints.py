"""A few complaints for the demo insurer's register: one overdue, one due soon, one fresh, one answered and one
closed, registered through the use cases (so their events and history are real). Each use case commits."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpline.adapters.db.models import Agent, Client, Interaction, User
from helpline.adapters.db.models_complaints import Complaint
from helpline.domain.complaints import ComplaintStatus, Outcome
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Channel, Role
from helpline.services import complaints
from helpline.services.complaint_schemas import ChangeStatus, RegisterComplaint, RequestDocuments
from helpline.services.unit_of_work import UnitOfWork

# (days before now received, channel, category, subject, facts, remedy, complainant, then what happened)
SAMPLES = (
    (40, Channel.EMAIL, "claim_settlement", "Задержка выплаты по ОСАГО",
     "Заявление об убытке подано 40 дней назад, решения нет.", "Выплатить возмещение и неустойку",
     "Сергей Кузнецов", None),
    (19, Channel.VOICE, "agent_behaviour", "Грубость оператора",
     "Оператор перебивал и не дал договорить.", "Извинения", "Ольга Смирнова", "in_progress"),
    (1, Channel.APP, "claim_payment_amount", "Сумма выплаты занижена",
     "Не учтён второй счёт СТО.", "Доплатить разницу", "Мария Иванова", "documents"),
    (12, Channel.CHAT, "waiting_time", "Долгое ожидание в чате", "Ответа ждал 25 минут.", "",
     "Павел Орлов", "answered"),
    (30, Channel.VOICE, "medical_assistance", "Отказ клиники по ДМС",
     "Клиника не приняла гарантийное письмо.", "Оплатить приём", "Анна Волкова", "closed"),
)


def ensure_complaints(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Register the sample complaints when the register is empty; returns how many were added."""
    if uow.session.scalar(select(func.count()).select_from(Complaint)):
        return 0
    client_id = uow.session.scalar(select(Client.id).order_by(Client.id))
    supervisor = uow.session.scalar(select(User).where(User.role == Role.SUPERVISOR.value, User.is_active.is_(True))
                                    .order_by(User.id))
    if client_id is None or supervisor is None:
        return 0
    actor = Actor(user_id=supervisor.id, username=supervisor.username, role=Role.ADMIN)
    now = now or uow.now()
    agents = list(uow.session.scalars(select(Agent.id).order_by(Agent.id).limit(3)))
    added = 0
    for index, (days, channel, category, subject, facts, remedy, name, then) in enumerate(SAMPLES):
        interaction_id = uow.session.scalar(select(Interaction.id).where(
            Interaction.client_id == client_id, Interaction.created_at <= now - timedelta(days=days)).order_by(
            Interaction.created_at.desc()).offset(index))
        made = complaints.register(uow, actor, RegisterComplaint(
            client_id=client_id, interaction_id=interaction_id, complainant_name=name, channel=channel,
            category=category, subject=subject, facts=facts, remedy_sought=remedy,
            subject_agent_id=agents[0] if category == "agent_behaviour" and agents else None,
            handler_user_id=supervisor.id, received_at=now - timedelta(days=days, hours=index)))
        added += 1
        if then == "in_progress":
            complaints.change_status(uow, actor, made.id, ChangeStatus(status=ComplaintStatus.IN_PROGRESS))
        elif then == "documents":
            complaints.request_documents(uow, actor, made.id, RequestDocuments(note="Счёт СТО и акт осмотра"))
        elif then in ("answered", "closed"):
            complaints.change_status(uow, actor, made.id, ChangeStatus(
                status=ComplaintStatus.ANSWERED, outcome=Outcome.PARTLY_UPHELD if then == "answered" else
                Outcome.UPHELD, response="Приносим извинения; решение направлено вам письмом.",
                root_cause="process_breach" if then == "closed" else "agent_error"))
            if then == "closed":
                complaints.change_status(uow, actor, made.id, ChangeStatus(status=ComplaintStatus.CLOSED))
    return added
