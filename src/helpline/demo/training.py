"""The demo's training: a course and an exam for OSAGO, the DMS doctor-curator desk and European assistance (as
Balt Assistance, nobody takes requests before the exam), and a few attempts: two agents holding OSAGO sit its
exam, one passes (renewing the certification), one fails. Added once: nothing happens when an exam exists."""

from sqlalchemy import select

from helpline.adapters.db.models import Agent, AgentSkill, Skill, User
from helpline.adapters.db.models_training import TrainingExam
from helpline.domain.permissions import Actor
from helpline.domain.training import QuestionKind
from helpline.domain.vocabulary import Role
from helpline.services import training
from helpline.services.training_schemas import AttemptSubmit, CourseCreate, ExamCreate, QuestionSpec
from helpline.services.unit_of_work import UnitOfWork

Q = tuple[str, QuestionKind, list[str], list[int]]
COURSES: dict[str, tuple[str, str, list[str], list[Q]]] = {
    "osago": (
        "ОСАГО: извещение о ДТП и европротокол",
        "Европротокол оформляется без ГИБДД, если участников двое, вред причинён только транспортным средствам и "
        "у обоих есть полис ОСАГО. Лимит — 100 000 ₽ (400 000 ₽ при записи в АИС ОСАГО через «Госуслуги»). "
        "Извещение подаётся страховщику в течение 5 рабочих дней.",
        ["https://www.consultant.ru/document/cons_doc_LAW_36528/"],
        [("Когда можно оформить европротокол?", QuestionKind.SINGLE,
          ["Всегда", "Два участника, вред только машинам, оба с ОСАГО", "Только при пострадавших"], [1]),
         ("Срок подачи извещения страховщику?", QuestionKind.SINGLE, ["3 дня", "5 рабочих дней", "30 дней"], [1]),
         ("Что нужно к заявлению о выплате?", QuestionKind.MULTIPLE,
          ["Извещение о ДТП", "Паспорт заявителя", "Справка с места работы", "Документы на транспортное средство"],
          [0, 1, 3])]),
    "dms_medical": (
        "ДМС: гарантийные письма врача-куратора",
        "Врач-куратор проверяет программу застрахованного, клинику сети, услугу и лимит, затем выдаёт гарантийное "
        "письмо со сроком действия. Данные о здоровье — особая категория: только по согласию и с аудитом чтения.",
        [],
        [("Кто принимает решение о гарантийном письме?", QuestionKind.SINGLE,
          ["Любой оператор", "Врач-куратор", "Клиника"], [1]),
         ("Что проверяется до выдачи письма?", QuestionKind.MULTIPLE,
          ["Программа ДМС", "Клиника из сети", "Цвет автомобиля", "Лимит по услуге"], [0, 1, 3])]),
    "travel_europe": (
        "Ассистанс: медицинский случай в Европе",
        "Триаж по опроснику, выбор клиники из сети партнёров по стране и городу, гарантия оплаты, журнал расходов; "
        "каждый случай проходит медицинскую экспертизу.",
        [],
        [("Как выбирается клиника?", QuestionKind.SINGLE,
          ["По желанию оператора", "Из сети партнёров по стране и городу", "Ближайшая к аэропорту"], [1]),
         ("Что ведётся по каждому случаю?", QuestionKind.MULTIPLE,
          ["Журнал расходов", "Медицинская экспертиза", "Опрос о погоде"], [0, 1])]),
}


def ensure_training(uow: UnitOfWork) -> int:
    """Seed courses, exams and a few attempts; returns the exams written (0 when there were some)."""
    if uow.session.scalar(select(TrainingExam.id).limit(1)) is not None:
        return 0
    author = uow.session.scalar(select(User).where(User.role.in_([Role.QA.value, Role.ADMIN.value])).order_by(User.id))
    if author is None:
        return 0
    manager = Actor(user_id=author.id, username=author.username, role=Role(author.role))
    skills = {s.code: s.id for s in uow.session.scalars(select(Skill).where(Skill.code.in_(COURSES)))}
    exams: dict[str, int] = {}
    for code, (title, material, links, questions) in COURSES.items():
        if code not in skills:
            continue
        training.create_course(uow, manager, CourseCreate(skill_id=skills[code], title=title, material=material,
                                                          links=links))
        specs = [QuestionSpec(key=f"q{n}", text=text, kind=kind, options=options, correct=correct)
                 for n, (text, kind, options, correct) in enumerate(questions, start=1)]
        exams[code] = training.create_exam(uow, manager, ExamCreate(
            skill_id=skills[code], title=f"Экзамен: {title}", pass_mark=80, validity_months=12, retake_delay_h=24,
            time_limit_min=20, questions=specs)).id
    if "osago" in exams:
        _sit(uow, skills["osago"], exams["osago"])
    return len(exams)


def _sit(uow: UnitOfWork, skill_id: int, exam_id: int) -> None:
    """The first agent holding the skill passes its exam, the second fails it."""
    agents = list(uow.session.scalars(select(Agent).join(AgentSkill).where(AgentSkill.skill_id == skill_id,
                                                                           Agent.user_id.is_not(None))
                                      .order_by(Agent.id).limit(2)))
    right = {"q1": [1], "q2": [1], "q3": [0, 1, 3]}
    wrong = {"q1": [0], "q2": [1], "q3": [0, 1]}
    for agent, answers in zip(agents, (right, wrong), strict=False):
        user = uow.session.get(User, agent.user_id)
        actor = Actor(user_id=agent.user_id, username=user.username if user else "", role=Role.AGENT,
                      agent_id=agent.id)
        started = training.start_attempt(uow, actor, exam_id)
        training.submit_attempt(uow, actor, started.attempt.id, AttemptSubmit(answers=answers))
