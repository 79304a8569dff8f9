"""The quality-control pages: the QA work list and the week's sample (/quality), scorecards
(/quality/scorecards), the scorecard form for a handled interaction (/quality/evaluate/{interaction}), an
evaluation with the agent's acknowledgement or dispute and QA's decision (/quality/evaluations/{id}), the
quality figures (/quality/agents) and an agent's own evaluations (/quality/mine). The same use cases as
/api/v1/quality."""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from helpline.bootstrap import Container
from helpline.domain.errors import DomainError, IllegalTransition, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.quality import Answer, EvaluationStatus, may_move
from helpline.entrypoints.api.deps import UoW, get_container
from helpline.entrypoints.web.admin_common import MANY, Posted, checked, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form, validation_errors
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.pages import BigId, SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import quality, quality_figures, quality_sampling, quality_scorecards, queues_admin, reference
from helpline.services.quality_schemas import (
    AgentReply,
    CriterionSpec,
    DisputeDecision,
    EvaluationCreate,
    RetrainingRequest,
    SampleRequest,
    ScorecardCreate,
    ScorecardView,
)
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reviewer = Annotated[WebUser, Depends(page_user(P.WRITE_QUALITY))]
Reader = Annotated[WebUser, Depends(page_user(P.READ_QUALITY))]
ReaderOrAgent = Annotated[WebUser, Depends(page_user(P.READ_QUALITY, P.ACKNOWLEDGE_QUALITY))]
AnAgent = Annotated[WebUser, Depends(page_user(P.ACKNOWLEDGE_QUALITY))]
Settings = Annotated[Container, Depends(get_container)]
BLANK_ROWS = 3
NO_SCORECARD = N_("There is no active scorecard yet: create one first.")
NOT_HANDLED = N_("Only an interaction an agent has handled can be evaluated.")
ANSWER_EVERY = N_("Answer every criterion.")
DISPUTE_WHY = N_("Say why you dispute the evaluation.")
GIVE_REASON = N_("Give the reason.")
NOT_CRITICAL = N_("Retraining follows a critical error on a criterion linked to that skill.")


# --- the work list ------------------------------------------------------------------------------------


@router.get("/quality")
def quality_home(request: Request, uow: UoW, user: ReaderOrAgent, settings: Settings) -> Response:
    if not user.actor.can(P.READ_QUALITY):
        return RedirectResponse("/quality/mine", status_code=303)
    return _home(request, uow, user, settings, values=_sample_defaults(uow))


@router.post("/quality/sample")
def draw_sample(request: Request, uow: UoW, user: Reviewer, settings: Settings, form: Posted) -> Response:
    values = {"week": text(form, "week"), "seed": text(form, "seed") or "0",
              "share_percent": text(form, "share_percent") or "0", "per_agent_min": text(form, "per_agent_min") or "0",
              "low_scores": checked(form, "low_scores"), "complaints": checked(form, "complaints"),
              "medical": checked(form, "medical")}
    cmd, errors = parse_form(SampleRequest, values)
    if cmd is not None:
        result = quality_sampling.draw_sample(uow, user.actor, cmd, settings.settings.time_zone)
        request.session["quality_drawn"] = result.drawn
        return done(request, "/quality", N_("The sample has been drawn."))
    return _home(request, uow, user, settings, values=typed(form) | values, errors=errors)


@router.post("/quality/evaluate")
def evaluate_any(request: Request, uow: UoW, user: Reviewer, settings: Settings, form: Posted) -> Response:
    """The form "evaluate any handled interaction": its number, then the scorecard form."""
    raw = text(form, "interaction_id")
    errors: FormErrors = {}
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
        errors["interaction_id"] = N_("Enter a whole number.")
    else:
        try:
            quality.evaluation_subject(uow, user.actor, int(raw))
        except InvalidInput:
            errors["interaction_id"] = NOT_HANDLED
        except DomainError as refused:
            errors = domain_error(refused, "interaction_id")
        else:
            return RedirectResponse(f"/quality/evaluate/{int(raw)}", status_code=303)
    return _home(request, uow, user, settings, values=_sample_defaults(uow) | {"interaction_id": raw},
                 errors=errors)


def _home(request: Request, uow: UnitOfWork, user: WebUser, settings: Container, *, values: dict[str, Any],
          errors: FormErrors | None = None) -> Response:
    tasks = quality_sampling.list_tasks(uow, user.actor, limit=200)
    recent = quality.list_evaluations(uow, user.actor, limit=30)
    names = quality_sampling.agent_names(uow, {t.agent_id for t in tasks} | {e.agent_id for e in recent
                                                                            if e.agent_id is not None})
    drawn = request.session.pop("quality_drawn", None)
    return page(request, "quality/index.html", tasks=tasks, recent=recent, names=names, values=values,
                errors=errors, drawn=drawn, may_write=user.actor.can(P.WRITE_QUALITY),
                complaints_rule=quality_sampling.complaint_filter() is not None)


def _sample_defaults(uow: UnitOfWork) -> dict[str, Any]:
    last_week = uow.now().date() - timedelta(days=7)
    return {"week": (last_week - timedelta(days=last_week.weekday())).isoformat(), "seed": "0",
            "share_percent": "5", "per_agent_min": "0", "low_scores": True, "complaints": True, "medical": True}


# --- scorecards ---------------------------------------------------------------------------------------


@router.get("/quality/scorecards")
def scorecards_page(request: Request, uow: UoW, user: Reader) -> Response:
    return page(request, "quality/scorecards.html", cards=quality_scorecards.list_scorecards(uow),
                may_write=user.actor.can(P.WRITE_QUALITY), **_options(uow, user.actor))


@router.get("/quality/scorecards/new")
def new_scorecard(request: Request, uow: UoW, user: Reviewer) -> Response:
    return _scorecard_form(request, uow, user, None, {"critical_cap": "0"}, [{} for _ in range(5)])


@router.post("/quality/scorecards/new")
def create_scorecard(request: Request, uow: UoW, user: Reviewer, form: Posted) -> Response:
    cmd, values, rows, errors = _scorecard_command(form)
    if cmd is not None and not errors:
        try:
            created = quality_scorecards.create_scorecard(uow, user.actor, cmd)
        except DomainError as refused:
            errors = domain_error(refused, "name")
        else:
            return done(request, f"/quality/scorecards/{created.id}", N_("The scorecard has been created."))
    return _scorecard_form(request, uow, user, None, values, rows, errors)


@router.get("/quality/scorecards/{scorecard_id}")
def scorecard_page(request: Request, scorecard_id: SmallId, uow: UoW, user: Reader) -> Response:
    card = quality_scorecards.get_scorecard(uow, scorecard_id)
    rows = [_row_values(c) for c in card.criteria] + [{} for _ in range(BLANK_ROWS)]
    values = {"name": card.name, "client_id": card.client_id or "", "queue_id": card.queue_id or "",
              "channel": card.channel or "", "critical_cap": f"{card.critical_cap:g}"}
    return _scorecard_form(request, uow, user, card, values, rows)


@router.post("/quality/scorecards/{scorecard_id}")
def update_scorecard(request: Request, scorecard_id: SmallId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    card = quality_scorecards.get_scorecard(uow, scorecard_id)
    cmd, values, rows, errors = _scorecard_command(form)
    if cmd is not None and not errors:
        try:
            saved = quality_scorecards.update_scorecard(uow, user.actor, scorecard_id, cmd)
        except InvalidInput:
            errors = {FORM_LEVEL: N_("A retired version cannot be changed; change the current version.")}
        except DomainError as refused:
            errors = domain_error(refused, "name")
        else:
            notice = (N_("The scorecard has been saved.") if saved.id == scorecard_id
                      else N_("The scorecard was in use: the change has been saved as its next version."))
            return done(request, f"/quality/scorecards/{saved.id}", notice)
    return _scorecard_form(request, uow, user, card, values, rows, errors)


def _scorecard_form(request: Request, uow: UnitOfWork, user: WebUser, card: ScorecardView | None,
                    values: dict[str, Any], rows: list[dict[str, Any]], errors: FormErrors | None = None
                    ) -> Response:
    return page(request, "quality/scorecard_form.html", card=card, values=values, rows=rows, errors=errors,
                may_write=user.actor.can(P.WRITE_QUALITY) and (card is None or card.is_active),
                **_options(uow, user.actor))


def _scorecard_command(form: FormData) -> tuple[ScorecardCreate | None, dict[str, Any], list[dict[str, Any]],
                                               FormErrors]:
    """The scorecard's fields and its criteria rows (`c{n}_text`, `c{n}_weight`, ...); a row left blank is
    skipped, a row's problem goes next to the row's field."""
    values = {"name": text(form, "name"), "client_id": text(form, "client_id"), "queue_id": text(form, "queue_id"),
              "channel": text(form, "channel"), "critical_cap": text(form, "critical_cap") or "0"}
    rows: list[dict[str, Any]] = []
    criteria: list[CriterionSpec] = []
    errors: FormErrors = {}
    count = int(text(form, "rows")) if text(form, "rows").isdigit() else 0
    for n in range(min(count, 60)):
        row = {"key": text(form, f"c{n}_key"), "text": text(form, f"c{n}_text"), "group": text(form, f"c{n}_group"),
               "weight": text(form, f"c{n}_weight"), "critical": checked(form, f"c{n}_critical"),
               "skill_id": text(form, f"c{n}_skill_id")}
        rows.append(row)
        if not row["text"] and not row["weight"] and not row["key"]:
            continue
        spec = {k: v for k, v in row.items() if v not in ("", None)} | {"key": row["key"] or f"c{n + 1}"}
        try:
            criteria.append(CriterionSpec.model_validate(spec))
        except ValidationError as invalid:
            for field, message in validation_errors(invalid).items():
                errors.setdefault(f"c{n}_{field}", message)
    if not criteria and not errors:
        errors["c0_text"] = N_("A scorecard needs at least one criterion.")
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        errors[FORM_LEVEL] = N_("Each criterion needs its own key.")
    shown_rows = rows + [{} for _ in range(max(0, BLANK_ROWS - sum(1 for r in rows if not r["text"])))]
    cmd, base_errors = parse_form(ScorecardCreate, {k: v for k, v in values.items() if v} |
                                  {"criteria": [c.model_dump() for c in criteria] or [{}]})
    errors = {k: v for k, v in base_errors.items() if k != "criteria"} | errors
    return cmd, values, shown_rows, errors


def _row_values(criterion: CriterionSpec) -> dict[str, Any]:
    return {"key": criterion.key, "text": criterion.text, "group": criterion.group,
            "weight": f"{criterion.weight:g}", "critical": criterion.critical,
            "skill_id": criterion.skill_id or ""}


def _options(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    clients: list[Any] = reference.list_items(uow, reference.CLIENTS, limit=MANY)
    skills: list[Any] = reference.list_items(uow, reference.SKILLS, limit=MANY)
    queues: list[Any] = queues_admin.list_queues(uow, actor, limit=MANY)
    return {"client_options": [(c.id, c.name) for c in clients], "skill_options": [(s.id, s.name) for s in skills],
            "queue_options": [(q.id, q.name) for q in queues],
            "client_names": {c.id: c.name for c in clients}, "queue_names": {q.id: q.name for q in queues},
            "skill_names": {s.id: s.name for s in skills}}


# --- the scorecard form for one interaction -----------------------------------------------------------


@router.get("/quality/evaluate/{interaction_id}")
def evaluate_form(request: Request, interaction_id: BigId, uow: UoW, user: Reviewer) -> Response:
    subject = quality.evaluation_subject(uow, user.actor, interaction_id)
    chosen = request.query_params.get("scorecard", "")
    return _evaluate_page(request, uow, subject, chosen, {})


@router.post("/quality/evaluate/{interaction_id}")
def evaluate(request: Request, interaction_id: BigId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    subject = quality.evaluation_subject(uow, user.actor, interaction_id)
    card_id = text(form, "scorecard_id")
    card = _active_card(uow, card_id)
    errors: FormErrors = {}
    answers = _answers(form, card, errors) if card is not None else {}
    if card is None:
        errors["scorecard_id"] = N_("Choose one of the options.")
    cmd, base = parse_form(EvaluationCreate, {"interaction_id": interaction_id, "comment": text(form, "comment"),
                                              "scorecard_id": card.id if card else None, "answers": answers})
    errors = base | errors
    if cmd is not None and not errors:
        try:
            created = quality.create_evaluation(uow, user.actor, cmd)
        except DomainError as refused:
            errors = domain_error(refused)
        else:
            return done(request, f"/quality/evaluations/{created.id}", N_("The evaluation has been saved."))
    return _evaluate_page(request, uow, subject, card_id, typed(form), errors)


def _evaluate_page(request: Request, uow: UnitOfWork, subject: Any, chosen: str, values: dict[str, Any],
                   errors: FormErrors | None = None) -> Response:
    cards = quality_scorecards.list_scorecards(uow, active_only=True)
    card = _active_card(uow, chosen) if chosen else None
    if card is None:
        card = quality_scorecards.scorecard_for_interaction(uow, subject.interaction_id)
    return page(request, "quality/evaluate.html", subject=subject, cards=cards, card=card, values=values,
                errors=errors, answers=[a.value for a in Answer], groups=_groups(card))


def _groups(card: ScorecardView | None) -> list[tuple[str, list[CriterionSpec]]]:
    groups: list[tuple[str, list[CriterionSpec]]] = []
    for criterion in card.criteria if card else []:
        if not groups or groups[-1][0] != criterion.group:
            groups.append((criterion.group, []))
        groups[-1][1].append(criterion)
    return groups


def _active_card(uow: UnitOfWork, raw: str) -> ScorecardView | None:
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        return None
    try:
        card = quality_scorecards.get_scorecard(uow, int(raw))
    except NotFound:
        return None
    return card if card.is_active else None


def _answers(form: FormData, card: ScorecardView, errors: FormErrors) -> dict[str, dict[str, str]]:
    answers = {}
    for criterion in card.criteria:
        answer = text(form, f"answer_{criterion.key}")
        if answer not in {a.value for a in Answer}:
            errors[f"answer_{criterion.key}"] = ANSWER_EVERY
            continue
        answers[criterion.key] = {"answer": answer, "comment": text(form, f"note_{criterion.key}")}
    return answers


# --- one evaluation -----------------------------------------------------------------------------------


@router.get("/quality/evaluations/{evaluation_id}")
def evaluation_page(request: Request, evaluation_id: SmallId, uow: UoW, user: ReaderOrAgent) -> Response:
    return _evaluation(request, uow, user, evaluation_id, {})


@router.post("/quality/evaluations/{evaluation_id}/reply")
def reply(request: Request, evaluation_id: SmallId, uow: UoW, user: AnAgent, form: Posted) -> Response:
    values = {"decision": text(form, "decision"), "comment": text(form, "reply_comment")}
    cmd, errors = parse_form(AgentReply, values)
    if errors.get(FORM_LEVEL):  # a dispute without a comment
        errors = {"reply_comment": DISPUTE_WHY}
    elif "comment" in errors:
        errors = {"reply_comment": errors["comment"]}
    if cmd is not None:
        try:
            quality.reply(uow, user.actor, evaluation_id, cmd)
        except IllegalTransition as refused:
            errors = domain_error(refused)
        else:
            notice = (N_("You have acknowledged the evaluation.") if cmd.decision == "acknowledge"
                      else N_("Your dispute has been sent to quality control."))
            return done(request, f"/quality/evaluations/{evaluation_id}", notice)
    return _evaluation(request, uow, user, evaluation_id, {"reply_comment": values["comment"]}, errors)


@router.post("/quality/evaluations/{evaluation_id}/decision")
def decide(request: Request, evaluation_id: SmallId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    evaluation = quality.get_evaluation(uow, user.actor, evaluation_id)
    decision = text(form, "decision")
    errors: FormErrors = {}
    values: dict[str, Any] = {"decision": decision, "comment": text(form, "decision_comment")}
    if decision == "revise" and evaluation.scorecard_id is not None:
        card = quality_scorecards.get_scorecard(uow, evaluation.scorecard_id)
        values["answers"] = _answers(form, card, errors)
    elif decision == "revise":
        values["score"] = text(form, "score") or None
        values["critical_error"] = checked(form, "critical_error")
        if values["score"] is None:
            errors["score"] = N_("This field is required.")
    cmd, base = parse_form(DisputeDecision, {k: v for k, v in values.items() if v is not None})
    if "comment" in base:
        errors["decision_comment"] = GIVE_REASON
    errors |= {k: v for k, v in base.items() if k != "comment"}
    if cmd is not None and not errors:
        try:
            quality.decide_dispute(uow, user.actor, evaluation_id, cmd)
        except DomainError as refused:
            errors = domain_error(refused)
        else:
            notice = N_("The evaluation has been upheld.") if decision == "uphold" else N_(
                "The evaluation has been revised.")
            return done(request, f"/quality/evaluations/{evaluation_id}", notice)
    return _evaluation(request, uow, user, evaluation_id, typed(form), errors)


@router.post("/quality/evaluations/{evaluation_id}/retraining")
def retraining(request: Request, evaluation_id: SmallId, uow: UoW, user: Reviewer, form: Posted) -> Response:
    values = {"skill_id": text(form, "skill_id"), "reason": text(form, "reason")}
    cmd, errors = parse_form(RetrainingRequest, values)
    if "reason" in errors:
        errors["reason"] = GIVE_REASON
    if cmd is not None:
        try:
            quality.require_retraining(uow, user.actor, evaluation_id, cmd)
        except InvalidInput:
            errors = {"skill_id": NOT_CRITICAL}
        else:
            return done(request, f"/quality/evaluations/{evaluation_id}",
                        N_("Retraining is required: the certification is suspended until the exam is passed again."))
    return _evaluation(request, uow, user, evaluation_id, values, errors)


def _evaluation(request: Request, uow: UnitOfWork, user: WebUser, evaluation_id: int, values: dict[str, Any],
                errors: FormErrors | None = None) -> Response:
    evaluation = quality.get_evaluation(uow, user.actor, evaluation_id)
    card = (quality_scorecards.get_scorecard(uow, evaluation.scorecard_id)
            if evaluation.scorecard_id is not None else None)
    actor = user.actor
    own = actor.agent_id is not None and evaluation.agent_id == actor.agent_id
    may_reply = own and actor.can(P.ACKNOWLEDGE_QUALITY) and any(
        may_move(evaluation.status, to, by_agent=True) for to in EvaluationStatus)
    may_decide = actor.can(P.WRITE_QUALITY) and evaluation.status == EvaluationStatus.DISPUTED
    skills = quality.retraining_skills(uow, evaluation) if actor.can(P.WRITE_QUALITY) else []
    users = quality.user_names(uow, {h.user_id for h in evaluation.history if h.user_id is not None})
    options = _options(uow, actor)
    return page(request, "quality/evaluation.html", evaluation=evaluation, card=card, groups=_groups(card),
                names=quality_sampling.agent_names(uow, {evaluation.agent_id} if evaluation.agent_id else set()),
                users=users, may_reply=may_reply,
                may_dispute=own and may_move(evaluation.status, EvaluationStatus.DISPUTED, by_agent=True),
                may_decide=may_decide, retraining_skills=[(s, options["skill_names"].get(s, s)) for s in skills],
                answers=[a.value for a in Answer], values=values, errors=errors)


# --- figures ------------------------------------------------------------------------------------------


@router.get("/quality/agents")
def agents_page(request: Request, uow: UoW, user: Reader, settings: Settings) -> Response:
    return _figures_page(request, uow, user, settings, "quality/agents.html")


@router.get("/quality/mine")
def my_evaluations(request: Request, uow: UoW, user: AnAgent, settings: Settings) -> Response:
    evaluations = quality.list_evaluations(uow, user.actor, limit=200)
    return _figures_page(request, uow, user, settings, "quality/mine.html", evaluations=evaluations)


def _figures_page(request: Request, uow: UnitOfWork, user: WebUser, settings: Container, template: str,
                  **context: Any) -> Response:
    today = uow.now().date()
    default_from = today - timedelta(days=today.weekday() + 7 * 7)
    values = {"from": request.query_params.get("from", default_from.isoformat()),
              "to": request.query_params.get("to", (today + timedelta(days=1)).isoformat()),
              "by": request.query_params.get("by", "agent")}
    errors: FormErrors = {}
    report = None
    try:
        date_from, date_to = date.fromisoformat(values["from"]), date.fromisoformat(values["to"])
    except ValueError:
        errors["from" if not _is_date(values["from"]) else "to"] = N_("Enter a date.")
    else:
        by = values["by"] if values["by"] in ("agent", "team", "site") else "agent"
        try:
            report = quality_figures.quality_report(uow, user.actor, date_from, date_to,
                                                    settings.settings.time_zone, by)  # type: ignore[arg-type]
        except InvalidInput:
            errors["to"] = N_("The period must run forwards and last at most a year.")
    chart = None
    if report is not None:
        chart = {"weeks": [w.week.isoformat() for w in report.total.weeks],
                 "mean": [w.mean_score for w in report.total.weeks],
                 "error_free": [round(100 * w.error_free_share, 1) for w in report.total.weeks]}
    return page(request, template, report=report, values=values, errors=errors, chart=chart, **context)


def _is_date(raw: str) -> bool:
    try:
        date.fromisoformat(raw)
    except ValueError:
        return False
    return True
