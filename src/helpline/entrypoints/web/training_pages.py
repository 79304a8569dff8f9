"""The training and certification pages: /training (an agent's courses, exams due, retraining and results; for
those who manage training, the courses, the exams and the certification matrix), sitting an exam
(/training/exams/{id}, then /training/attempts/{id}; graded by the server), the course and exam editors, and an
agent's history (/training/agents/{id}) with the form that requires retraining. The use cases are
`services.training`'s."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from helpline.domain.errors import Conflict, DomainError, NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.training import QuestionKind
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import Posted, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import training
from helpline.services.training_schemas import AttemptSubmit, CourseCreate, ExamCreate
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Anyone = Annotated[WebUser, Depends(page_user(P.READ_TRAINING, P.TAKE_EXAMS))]
Manager = Annotated[WebUser, Depends(page_user(P.MANAGE_TRAINING))]
Examinee = Annotated[WebUser, Depends(page_user(P.TAKE_EXAMS))]

LANGUAGES = (("ru", "Русский"), ("en", "English"))
ANSWER_IT = N_("Answer this question.")
ONE_OPTION = N_("Choose one option.")
QUESTIONS_FORMAT = N_("Write each question on a line starting with “?” (“??” for several correct answers), then "
                      "its options on lines starting with “+” (correct) or “-” (wrong).")
QUESTION_RULES = N_("Every question needs at least two options and a correct one; a “?” question exactly one "
                    "correct option.")
LINKS_FORMAT = N_("Put one web address (https://…) on each line.")
RETAKE_LATER = N_("You cannot sit this exam again yet: wait for the retake delay after a failed attempt.")
EXAM_CHANGED = N_("The exam changed while you sat it: start it again.")
WHY = {"uncertified": N_("not yet certified"), "expired": N_("certification expired"),
       "expiring": N_("certification expires soon"), "retraining": N_("retraining required")}
STATUS = {"valid": N_("valid"), "expiring": N_("expires soon"), "expired": N_("expired"),
          "suspended": N_("suspended"), "none": N_("no exam passed")}


# --- the overview -------------------------------------------------------------------------------------------


@router.get("/training")
def training_page(request: Request, uow: UoW, user: Anyone) -> Response:
    actor = user.actor
    mine = training.my_training(uow, actor) if actor.can(P.TAKE_EXAMS) and actor.agent_id is not None else None
    managing = actor.can(P.READ_TRAINING)
    return page(request, "training/index.html", mine=mine, why=WHY, status_names=STATUS,
                courses=training.list_courses(uow) if managing else [],
                exams=training.list_exams(uow) if managing else [],
                matrix=training.certification_matrix(uow, actor) if managing else None)


# --- sitting an exam ------------------------------------------------------------------------------------------


@router.get("/training/exams/new")  # before /training/exams/{exam_id}
def new_exam(request: Request, uow: UoW, user: Manager) -> Response:
    return _exam_form(request, uow, None, {"language": "ru", "pass_mark": 80, "validity_months": 12,
                                           "retake_delay_h": 0, "is_active": True})


@router.get("/training/exams/{exam_id}")
def exam_page(request: Request, exam_id: SmallId, uow: UoW, user: Examinee) -> Response:
    return page(request, "training/exam.html", paper=training.exam_paper(uow, exam_id))


@router.post("/training/exams/{exam_id}/start")
def start_exam(request: Request, exam_id: SmallId, uow: UoW, user: Examinee, form: Posted) -> Response:
    try:
        started = training.start_attempt(uow, user.actor, exam_id)
    except Conflict:
        return page(request, "training/exam.html", paper=training.exam_paper(uow, exam_id),
                    errors={FORM_LEVEL: RETAKE_LATER})
    return done(request, f"/training/attempts/{started.attempt.id}", N_("The exam has started."))


@router.get("/training/attempts/{attempt_id}")
def attempt_page(request: Request, attempt_id: SmallId, uow: UoW, user: Examinee) -> Response:
    return _attempt_page(request, uow, user, attempt_id)


@router.post("/training/attempts/{attempt_id}")
def submit_exam(request: Request, attempt_id: SmallId, uow: UoW, user: Examinee, form: Posted) -> Response:
    started = training.get_attempt(uow, user.actor, attempt_id)  # someone else's: 404
    errors: FormErrors = {}
    answers: dict[str, list[int]] = {}
    time_up = form.get("time_up") == "1"  # sent by the countdown at zero: what is unanswered counts as wrong
    for q in started.paper.questions:
        chosen = [str(v) for v in form.getlist(f"q_{q.key}")]
        indexes = [int(v) for v in chosen if v.isdigit() and int(v) < len(q.options)]
        if not chosen:
            if not time_up:
                errors[f"q_{q.key}"] = ANSWER_IT
        elif len(indexes) != len(chosen) or (q.kind == QuestionKind.SINGLE and len(indexes) != 1):
            errors[f"q_{q.key}"] = ONE_OPTION if q.kind == QuestionKind.SINGLE else ANSWER_IT
        answers[q.key] = indexes
    if not errors and started.attempt.submitted_at is None:
        try:
            training.submit_attempt(uow, user.actor, attempt_id, AttemptSubmit(answers=answers))
        except Conflict:
            errors = {FORM_LEVEL: EXAM_CHANGED}
        else:
            return done(request, f"/training/attempts/{attempt_id}", N_("Your answers have been graded."))
    return _attempt_page(request, uow, user, attempt_id, typed_lists(form), errors)


def _attempt_page(request: Request, uow: UnitOfWork, user: WebUser, attempt_id: int,
                  values: dict[str, list[str]] | None = None, errors: FormErrors | None = None) -> Response:
    started = training.get_attempt(uow, user.actor, attempt_id)
    stored = {f"q_{k}": [str(i) for i in v] for k, v in started.answers.items()}
    deadline = started.attempt.deadline_at
    # the countdown counts from the server's figure, not the browser's clock
    seconds_left = max(0, int((deadline - uow.now()).total_seconds())) if deadline is not None else None
    return page(request, "training/attempt.html", attempt=started.attempt, paper=started.paper,
                values=values if values is not None else stored, errors=errors, seconds_left=seconds_left)


def typed_lists(form: FormData) -> dict[str, list[str]]:
    return {key: [str(v) for v in form.getlist(key)] for key in form if key != "csrf"}


# --- an agent's history and retraining ------------------------------------------------------------------------


@router.get("/training/agents/{agent_id}")
def agent_page(request: Request, agent_id: SmallId, uow: UoW, user: Anyone) -> Response:
    return _agent_page(request, uow, user, agent_id)


@router.post("/training/agents/{agent_id}/retraining")
def require_retraining(request: Request, agent_id: SmallId, uow: UoW, user: Manager, form: Posted) -> Response:
    values = {"skill_id": text(form, "skill_id"), "reason": text(form, "reason")}
    errors: FormErrors = {}
    if not values["skill_id"].isdigit():
        errors["skill_id"] = N_("This field is required.")
    if not values["reason"]:
        errors["reason"] = N_("This field is required.")
    elif len(values["reason"]) > training.MAX_REASON:
        errors["reason"] = N_("This is too long.")
    if not errors:
        try:
            training.require_retraining(uow, user.actor, agent_id, int(values["skill_id"]), values["reason"])
        except NotFound as missing:
            if missing.what == "agent":
                raise
            errors = domain_error(missing, "skill_id")
        else:
            return done(request, f"/training/agents/{agent_id}",
                        N_("Retraining is required: the certification is suspended until the exam is passed."))
    return _agent_page(request, uow, user, agent_id, values, errors)


def _agent_page(request: Request, uow: UnitOfWork, user: WebUser, agent_id: int,
                values: dict[str, Any] | None = None, errors: FormErrors | None = None) -> Response:
    history = training.agent_training(uow, user.actor, agent_id)
    return page(request, "training/agent.html", history=history, values=values or {}, errors=errors,
                skill_options=_skill_options(uow) if user.actor.can(P.MANAGE_TRAINING) else [])


# --- course editor --------------------------------------------------------------------------------------------


@router.get("/training/courses/new")
def new_course(request: Request, uow: UoW, user: Manager) -> Response:
    return _course_form(request, uow, None, {"language": "ru", "is_active": True})


@router.post("/training/courses")
def create_course(request: Request, uow: UoW, user: Manager, form: Posted) -> Response:
    cmd, errors = _course_cmd(form)
    if cmd is not None:
        try:
            course = training.create_course(uow, user.actor, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "skill_id")
        else:
            return done(request, f"/training/courses/{course.id}", N_("The course has been saved."))
    return _course_form(request, uow, None, typed(form) | {"is_active": "is_active" in form}, errors)


@router.get("/training/courses/{course_id}")
def course_page(request: Request, course_id: SmallId, uow: UoW, user: Anyone) -> Response:
    managing = user.actor.can(P.MANAGE_TRAINING)
    course = training.get_course(uow, course_id, active_only=not managing)
    if not managing:
        return page(request, "training/course.html", course=course)
    values = course.model_dump() | {"links": "\n".join(course.links)}
    return _course_form(request, uow, course_id, values)


@router.post("/training/courses/{course_id}")
def update_course(request: Request, course_id: SmallId, uow: UoW, user: Manager, form: Posted) -> Response:
    training.get_course(uow, course_id)  # missing: 404
    cmd, errors = _course_cmd(form)
    if cmd is not None:
        try:
            training.update_course(uow, user.actor, course_id, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "skill_id")
        else:
            return done(request, f"/training/courses/{course_id}", N_("The course has been saved."))
    return _course_form(request, uow, course_id, typed(form) | {"is_active": "is_active" in form}, errors)


def _course_cmd(form: FormData) -> tuple[CourseCreate | None, FormErrors]:
    links = [line.strip() for line in text(form, "links").splitlines() if line.strip()]
    values: dict[str, Any] = {"skill_id": text(form, "skill_id"), "title": text(form, "title"),
                              "language": text(form, "language") or "ru", "material": text(form, "material"),
                              "links": links, "is_active": "is_active" in form}
    values = {k: v for k, v in values.items() if v != ""}
    cmd, errors = parse_form(CourseCreate, values)
    if "links" in errors:
        errors["links"] = LINKS_FORMAT
    return cmd, errors


def _course_form(request: Request, uow: UnitOfWork, course_id: int | None, values: dict[str, Any],
                 errors: FormErrors | None = None) -> Response:
    return page(request, "training/course_form.html", course_id=course_id, values=values, errors=errors,
                skill_options=_skill_options(uow), language_options=LANGUAGES)


# --- exam editor ----------------------------------------------------------------------------------------------


@router.post("/training/exams")
def create_exam(request: Request, uow: UoW, user: Manager, form: Posted) -> Response:
    cmd, errors = _exam_cmd(form)
    if cmd is not None:
        try:
            exam = training.create_exam(uow, user.actor, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "skill_id")
        else:
            return done(request, f"/training/exams/{exam.id}/edit", N_("The exam has been saved."))
    return _exam_form(request, uow, None, typed(form) | {"is_active": "is_active" in form}, errors)


@router.get("/training/exams/{exam_id}/edit")
def exam_editor(request: Request, exam_id: SmallId, uow: UoW, user: Manager) -> Response:
    exam = training.get_exam(uow, user.actor, exam_id)
    values = exam.model_dump(exclude={"questions"}) | {"questions": questions_text(exam.questions),
                                                        "time_limit_min": exam.time_limit_min or ""}
    return _exam_form(request, uow, exam_id, values, version=exam.version)


@router.post("/training/exams/{exam_id}/edit")
def update_exam(request: Request, exam_id: SmallId, uow: UoW, user: Manager, form: Posted) -> Response:
    exam = training.get_exam(uow, user.actor, exam_id)  # missing: 404
    cmd, errors = _exam_cmd(form)
    if cmd is not None:
        try:
            training.update_exam(uow, user.actor, exam_id, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "skill_id")
        else:
            return done(request, f"/training/exams/{exam_id}/edit", N_("The exam has been saved."))
    return _exam_form(request, uow, exam_id, typed(form) | {"is_active": "is_active" in form}, errors,
                      version=exam.version)


def parse_questions(source: str) -> list[dict[str, Any]] | None:
    """The editor's text: "? question" (one correct option) or "?? question" (several may be), each followed by
    "+ correct option" / "- wrong option" lines; None when it is not in that form."""
    questions: list[dict[str, Any]] = []
    for raw in source.splitlines():
        line = raw.strip()
        if not line:
            continue
        marker = re.match(r"^(\?\?|\?|\+|-)\s*(.*)$", line)
        if marker is None:
            return None
        sign, body = marker.groups()
        if sign.startswith("?"):
            kind = QuestionKind.MULTIPLE if sign == "??" else QuestionKind.SINGLE
            questions.append({"key": f"q{len(questions) + 1}", "text": body, "kind": kind.value, "options": [],
                              "correct": []})
        elif not questions:
            return None
        else:
            q = questions[-1]
            if sign == "+":
                q["correct"].append(len(q["options"]))
            q["options"].append(body)
    return questions


def questions_text(questions: list[Any]) -> str:
    lines = []
    for q in questions:
        lines.append(("?? " if q.kind == QuestionKind.MULTIPLE else "? ") + q.text)
        lines += [("+ " if i in q.correct else "- ") + option for i, option in enumerate(q.options)]
        lines.append("")
    return "\n".join(lines).strip()


def _exam_cmd(form: FormData) -> tuple[ExamCreate | None, FormErrors]:
    names = ("skill_id", "title", "language", "pass_mark", "validity_months", "time_limit_min", "retake_delay_h")
    values: dict[str, Any] = {name: text(form, name) for name in names if text(form, name)}
    values["is_active"] = "is_active" in form
    questions = parse_questions(text(form, "questions"))
    if questions:
        values["questions"] = questions
    cmd, errors = parse_form(ExamCreate, values)
    if questions is None:
        errors["questions"] = QUESTIONS_FORMAT
    elif "questions" in errors or (FORM_LEVEL in errors and questions):
        errors.pop(FORM_LEVEL, None)
        errors["questions"] = QUESTION_RULES if questions else N_("This field is required.")
    return (cmd if not errors else None), errors


def _exam_form(request: Request, uow: UnitOfWork, exam_id: int | None, values: dict[str, Any],
               errors: FormErrors | None = None, version: int | None = None) -> Response:
    return page(request, "training/exam_form.html", exam_id=exam_id, version=version, values=values,
                errors=errors, skill_options=_skill_options(uow), language_options=LANGUAGES)


def _skill_options(uow: UnitOfWork) -> list[tuple[int, str]]:
    return training.skill_options(uow)
