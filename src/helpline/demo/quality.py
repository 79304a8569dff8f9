"""The demo's quality control: two scorecards (service and the medical desk, whose critical criterion is
linked to the DMS skill), the samples of the last weeks drawn, and most drawn interactions evaluated by the
demo's QA with answers that give a centre like Pulse's (about 95 % quality, about 70 % error-free); some
evaluations acknowledged, one disputed. Added once: nothing happens when a scorecard already exists."""

import random
from datetime import timedelta

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Skill, User
from helpline.adapters.db.models_quality import Scorecard
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services import quality, quality_sampling, quality_scorecards
from helpline.services.quality_schemas import (
    AgentReply,
    CriterionAnswer,
    EvaluationCreate,
    SampleRequest,
    ScorecardCreate,
)
from helpline.services.unit_of_work import UnitOfWork

SERVICE = [
    ("greeting", "Приветствие и название компании", "Начало", 5, False),
    ("identify", "Клиент и полис идентифицированы", "Начало", 20, True),
    ("listen", "Суть обращения выяснена полностью", "Суть", 20, False),
    ("answer", "Ответ верный и полный", "Суть", 30, True),
    ("record", "Обращение и итог записаны в карточку", "Оформление", 15, False),
    ("closing", "Следующие шаги названы, вежливое завершение", "Завершение", 10, False),
]
MEDICAL = [
    ("identify", "Застрахованный и программа идентифицированы", "Начало", 20, True),
    ("triage", "Вопросы триажа заданы по порядку", "Медицина", 30, True),
    ("provider", "Клиника выбрана из сети по городу", "Медицина", 20, False),
    ("consent", "Согласие на обработку данных о здоровье получено", "Оформление", 15, True),
    ("closing", "Срок гарантийного письма назван", "Завершение", 15, False),
]


def ensure_quality(uow: UnitOfWork, *, weeks: int = 4, seed: int = 2024) -> int:
    """Seed quality control for the last `weeks` full weeks; returns the evaluations written."""
    if uow.session.scalar(select(Scorecard.id).limit(1)) is not None:
        return 0
    qa_user = uow.session.scalar(select(User).where(User.role == Role.QA.value).order_by(User.id))
    if qa_user is None:
        return 0
    qa = Actor(user_id=qa_user.id, username=qa_user.username, role=Role.QA)
    dms = uow.session.scalar(select(Skill.id).where(Skill.code == "dms_medical"))
    service = quality_scorecards.create_scorecard(uow, qa, _card("Качество обслуживания", SERVICE, None))
    medical = quality_scorecards.create_scorecard(uow, qa, _card("Медицинский пульт", MEDICAL, dms))
    chance = random.Random(seed)
    written = 0
    today = uow.now().date()
    for back in range(weeks, 0, -1):
        day = today - timedelta(days=7 * back)
        sample = quality_sampling.draw_sample(uow, qa, SampleRequest(week=day, seed=seed, share_percent=3),
                                              "Europe/Moscow")
        for task in sample.tasks:
            if chance.random() < 0.15:  # the rest of the work list stays for the demo's QA
                continue
            card = medical if task.reason == "medical" else service
            answers = {c.key: CriterionAnswer(answer=_answer(chance, c.critical), comment="")
                       for c in card.criteria}
            evaluation = quality.create_evaluation(uow, qa, EvaluationCreate(
                interaction_id=task.interaction_id, scorecard_id=card.id, answers=answers))
            written += 1
            agent = _agent_actor(uow, evaluation.agent_id)
            if agent is not None and chance.random() < 0.6:
                disputed = evaluation.critical_error and chance.random() < 0.3
                reply = (AgentReply(decision="dispute", comment="Прошу прослушать запись ещё раз")
                         if disputed else AgentReply(decision="acknowledge"))
                quality.reply(uow, agent, evaluation.id, reply)
    return written


def _card(name: str, rows: list[tuple[str, str, str, int, bool]], skill_id: int | None) -> ScorecardCreate:
    return ScorecardCreate.model_validate({
        "name": name, "critical_cap": 0,
        "criteria": [{"key": key, "text": text, "group": group, "weight": weight, "critical": critical,
                      "skill_id": skill_id if critical and skill_id and key == "triage" else None}
                     for key, text, group, weight, critical in rows]})


def _answer(chance: random.Random, critical: bool) -> str:
    roll = chance.random()
    if roll < (0.01 if critical else 0.07):
        return "not_met"
    return "na" if roll > 0.97 and not critical else "met"


def _agent_actor(uow: UnitOfWork, agent_id: int | None) -> Actor | None:
    agent = uow.session.get(Agent, agent_id) if agent_id is not None else None
    if agent is None or agent.user_id is None:
        return None
    user = uow.session.get(User, agent.user_id)
    return Actor(user_id=agent.user_id, username=user.username if user else "", role=Role.AGENT, agent_id=agent.id)
