"""Queues (administrators): channel, site, priority, the service-level target (share answered within T seconds),
the skills an agent needs, the expansion / overflow steps of routing, and the opening hours.

Steps are written one a line, `SECONDS ACTION`: `30 osago=2` (lower a skill's minimum), `60 any_site` (offer it
to agents of every site), `300 move osago_spb` (move it to another queue of the same client and channel)."""

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from helpline.domain.errors import Conflict, DomainError, NotFound
from helpline.domain.opening_hours import WEEKDAYS
from helpline.domain.vocabulary import Channel, ProductLine
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import (
    MANY,
    Posted,
    QueueManager,
    check,
    checked,
    done,
    hours_fields,
    page,
    reference_options,
    text,
    typed,
    weekly_hours,
)
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FormErrors, domain_error, parse_form
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import queues_admin
from helpline.services.staffing_schemas import QueueCreate, QueueSkillIn, QueueUpdate, QueueView
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AGENT_CHOICES = ("best_proficiency", "longest_idle", "least_occupied", "round_robin")
BAD_STEP = N_("Write one step a line: seconds, then skill=minimum, any_site or move QUEUE_CODE.")
BAD_STEPS = N_("These steps are not valid: each relaxed skill must be required by the queue, and an overflow "
               "queue must be another queue of the same client and channel, in increasing order of seconds.")
BAD_HOURS = N_("Write opening hours as 09:00-18:00, several spans separated by commas.")


@router.get("/admin/queues")
def queues_page(request: Request, uow: UoW, user: QueueManager) -> Response:
    queues = queues_admin.list_queues(uow, user.actor, limit=MANY)
    return _page(request, uow, "admin/queues.html", queues=queues)


@router.get("/admin/queues/new")
def new_queue_form(request: Request, uow: UoW, user: QueueManager) -> Response:
    values = {"channel": "voice", "priority": 0, "sl_target": 80, "sl_threshold_s": 20,
              "agent_choice": "best_proficiency", "is_active": True}
    return _page(request, uow, "admin/queue_form.html", item=None, values=values)


@router.post("/admin/queues/new")
def create_queue(request: Request, uow: UoW, user: QueueManager, form: Posted) -> Response:
    values, errors = _read(form, uow)
    values["code"] = text(form, "code")
    cmd, invalid = parse_form(QueueCreate, values)
    errors = invalid | errors
    if cmd is not None and not errors:
        try:
            created = queues_admin.create_queue(uow, cmd)
        except DomainError as refused:
            errors = _refusal(refused)
        else:
            return done(request, f"/admin/queues/{created.id}", N_("The queue has been created."))
    return _page(request, uow, "admin/queue_form.html", item=None, values=_shown(form), errors=errors)


@router.get("/admin/queues/{queue_id}")
def queue_page(request: Request, queue_id: SmallId, uow: UoW, user: QueueManager) -> Response:
    item = queues_admin.get_queue(uow, user.actor, queue_id)
    return _page(request, uow, "admin/queue_form.html", item=item, values=_current(item))


@router.post("/admin/queues/{queue_id}")
def update_queue(request: Request, queue_id: SmallId, uow: UoW, user: QueueManager, form: Posted) -> Response:
    item = queues_admin.get_queue(uow, user.actor, queue_id)
    values, errors = _read(form, uow)
    cmd, invalid = parse_form(QueueUpdate, values)
    errors = invalid | errors
    if cmd is not None and not errors:
        try:
            queues_admin.update_queue(uow, user.actor, queue_id, cmd)
        except DomainError as refused:
            errors = _refusal(refused)
        else:
            return done(request, f"/admin/queues/{queue_id}", N_("The changes have been saved."))
    return _page(request, uow, "admin/queue_form.html", item=item, values=_shown(form), errors=errors)


def _read(form: Any, uow: UnitOfWork) -> tuple[dict[str, Any], FormErrors]:
    """The command's fields from the form; the parts Pydantic cannot name a field for are checked here."""
    errors: FormErrors = {}
    target: Any = text(form, "sl_target")
    with suppress(ValueError):  # if it is not a number, Pydantic says so
        target = float(target.replace(",", ".")) / 100  # typed as a percentage
    required = []
    for skill in reference_options(uow)["skills"]:
        raw = text(form, f"req_{skill.id}")
        if raw:
            row = check(TypeAdapter(QueueSkillIn), {"skill_id": skill.id, "min_proficiency": raw},
                        f"req_{skill.id}", errors)
            if row is not None:
                required.append(row)
    hours = weekly_hours(form, errors, BAD_HOURS)
    steps = _steps(text(form, "expansion"))
    if steps is None:
        errors["expansion"] = BAD_STEP
    values = {"name": text(form, "name"), "client_id": text(form, "client_id"),
              "site_id": text(form, "site_id") or None,
              "channel": text(form, "channel"), "product_line": text(form, "product_line") or None,
              "priority": text(form, "priority") or 0, "sl_target": target,
              "sl_threshold_s": text(form, "sl_threshold_s"), "agent_choice": text(form, "agent_choice"),
              "is_active": checked(form, "is_active"), "required_skills": required, "business_hours": hours,
              "expansion": steps or []}
    return values, errors



def _steps(raw: str) -> list[dict[str, Any]] | None:
    steps: list[dict[str, Any]] = []
    for line in filter(None, (line.strip() for line in raw.splitlines())):
        after, _, action = line.partition(" ")
        words = action.split()
        try:
            step: dict[str, Any] = {"after_s": float(after.replace(",", "."))}
        except ValueError:
            return None
        if len(words) == 2 and words[0] == "move":
            step["move_to_queue"] = words[1]
            words = []
        for word in words:
            code, equals, level = word.partition("=")
            if word == "any_site":
                step["any_site"] = True
            elif equals and code and level:
                step.setdefault("min_proficiency", {})[code] = level
            else:
                return None
        steps.append(step)
    return steps


def _refusal(refused: DomainError) -> FormErrors:
    if isinstance(refused, NotFound):
        field = {"client": "client_id", "site": "site_id"}.get(refused.what, "expansion")
        return domain_error(refused, field)
    if isinstance(refused, Conflict):
        return domain_error(refused, "code")
    return {"expansion": BAD_STEPS}  # the use case's InvalidInput is about the steps


def _shown(form: Any) -> dict[str, Any]:
    return typed(form) | {"is_active": checked(form, "is_active")}


def _current(item: QueueView) -> dict[str, Any]:
    values: dict[str, Any] = item.model_dump(exclude={"required_skills", "expansion", "business_hours"})
    values["channel"] = item.channel.value
    values["product_line"] = item.product_line.value if item.product_line else ""
    values["site_id"] = item.site_id or ""
    values["sl_target"] = f"{item.sl_target * 100:g}"
    values |= {f"req_{r.skill_id}": r.min_proficiency for r in item.required_skills}
    values |= hours_fields(item.business_hours)
    values["expansion"] = "\n".join(_step_text(step.model_dump(exclude_none=True)) for step in item.expansion)
    return values


def _step_text(step: dict[str, Any]) -> str:
    after = f"{step['after_s']:g}"
    if step.get("move_to_queue"):
        return f"{after} move {step['move_to_queue']}"
    parts = [f"{code}={level}" for code, level in (step.get("min_proficiency") or {}).items()]
    return " ".join([after, *parts, *(["any_site"] if step.get("any_site") else [])])


def _page(request: Request, uow: UnitOfWork, template: str, **context: Any) -> Response:
    refs = reference_options(uow)
    return page(request, template, skills=refs["skills"], site_names={s.id: s.name for s in refs["sites"]},
                site_pairs=[(s.id, s.name) for s in refs["sites"]],
                client_pairs=[(c.id, f"{c.name} ({c.code})") for c in refs["clients"]],
                channels=[c.value for c in Channel], product_lines=[p.value for p in ProductLine],
                agent_choices=AGENT_CHOICES, weekdays=WEEKDAYS, **context)
