"""The demo's satisfaction surveys: SMS surveys after the latest handled calls, most answered with the scores of
a centre like PICC's (nearly all satisfied), the few low scores' reviews opened and some of them recorded by the
supervisor or QA. Added once: nothing happens when a survey with an answer link already exists."""

import random

from sqlalchemy import select

from helpline.adapters.db.models import Customer, CustomerPhone, Interaction, Survey, User
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services import surveys
from helpline.services.survey_schemas import AnswerSurvey, CloseReview, ReviewResult, SendSurvey, SurveyChannel
from helpline.services.unit_of_work import UnitOfWork

SCORES = (5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
COMMENTS = {5: "Всё быстро и вежливо, спасибо!", 4: "Хорошо, но пришлось подождать.", 3: "Долго ждал на линии.",
            2: "Обещали перезвонить и не перезвонили.", 1: "Оператор не смог ответить на вопрос."}
CAUSES = [("Ожидание выше нормы в пик", "Добавлен оператор на пиковые часы", ReviewResult.RESOLVED),
          ("Перезвон не был запланирован", "Задача перезвона создана, оператор проинструктирован",
           ReviewResult.RESOLVED),
          ("Клиент не ответил на три звонка", "Отправлено SMS с телефоном горячей линии", ReviewResult.NOT_REACHED)]


def ensure_surveys(uow: UnitOfWork, *, count: int = 120, seed: int = 2026,
                   base_url: str = "http://localhost:8000") -> int:
    """Send and answer up to `count` surveys; returns how many were sent (0 when already there)."""
    if uow.session.scalar(select(Survey.id).where(Survey.token_digest.is_not(None)).limit(1)) is not None:
        return 0
    admin_user = uow.session.scalar(select(User).where(User.role == Role.ADMIN.value).order_by(User.id))
    if admin_user is None:
        return 0
    admin = Actor(user_id=admin_user.id, username=admin_user.username, role=Role.ADMIN)
    chance = random.Random(seed)
    with_phone = select(CustomerPhone.customer_id)
    handled = select(Interaction.id).join(Customer, Customer.id == Interaction.customer_id).where(
        Interaction.answered_at.is_not(None), Interaction.customer_id.in_(with_phone))
    calls = list(uow.session.scalars(handled.order_by(Interaction.ended_at.desc(), Interaction.id.desc()).limit(count)))
    sent = 0
    for interaction_id in calls:
        survey = surveys.send(uow, admin, SendSurvey(interaction_id=interaction_id, channel=SurveyChannel.SMS,
                                                     ask_nps=chance.random() < 0.5), base_url)
        sent += 1
        if survey.link is None or chance.random() > 0.7:  # about 70 % answer
            continue
        score = chance.choice(SCORES)
        nps = min(10, max(0, score * 2 + chance.choice((-1, 0, 0, 1)))) if survey.ask_nps else None
        surveys.answer(uow, survey.link.rsplit("/s/", 1)[1], AnswerSurvey(score=score, nps=nps,
                                                                          comment=COMMENTS[score]))
    for review in surveys.reviews(uow, admin)[::2]:  # half the reviews recorded
        cause, action, result = chance.choice(CAUSES)
        surveys.close(uow, admin, review.id, CloseReview(
            result=result, customer_contacted=result != ReviewResult.NOT_REACHED, cause=cause, action=action))
    return sent
