"""What the administration pages share: the posted form (CSRF checked), the page with its notice, the redirect
after a change, and the option lists of the forms' selects."""

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from helpline.domain.opening_hours import WEEKDAYS
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.web.forms import FormErrors, validation_errors
from helpline.entrypoints.web.identity import WebUser, check_csrf, page_user
from helpline.entrypoints.web.rendering import get_pages
from helpline.services import reference
from helpline.services.staffing_schemas import BusinessHours
from helpline.services.unit_of_work import UnitOfWork

NOTICE_KEY = "admin_notice"
UserAdmin = Annotated[WebUser, Depends(page_user(P.MANAGE_USERS))]
AgentManager = Annotated[WebUser, Depends(page_user(P.MANAGE_AGENTS))]
QueueManager = Annotated[WebUser, Depends(page_user(P.MANAGE_QUEUES))]
ReferenceManager = Annotated[WebUser, Depends(page_user(P.MANAGE_REFERENCE))]
MANY = 1000  # option lists: every site, team, skill, queue a centre has


async def posted_form(request: Request) -> FormData:
    """The posted fields, refused (403) without the session's CSRF token. Declared after the user dependency,
    so a role without the permission is refused first."""
    form = await request.form()
    csrf = form.get("csrf")
    check_csrf(request, csrf if isinstance(csrf, str) else "")
    return form


Posted = Annotated[FormData, Depends(posted_form)]


def page(request: Request, template: str, *, errors: FormErrors | None = None, **context: Any) -> Response:
    """An admin page; 422 when it shows a form sent back with errors. The notice left by the last change is
    shown once."""
    notice = request.session.pop(NOTICE_KEY, None) if "session" in request.scope else None
    return get_pages(request).render(request, template, status_code=422 if errors else 200, errors=errors or {},
                                     notice=notice, **context)


def done(request: Request, url: str, notice: str) -> RedirectResponse:
    """After a change: back to a page (POST-redirect-GET), which says what was done."""
    request.session[NOTICE_KEY] = notice
    return RedirectResponse(url, status_code=303)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    return name in form


def typed(form: FormData) -> dict[str, Any]:
    """What the person typed, to show the form again (lists for multi-valued fields)."""
    values: dict[str, Any] = {}
    for key in form:
        if key != "csrf":
            items = [str(v) for v in form.getlist(key)]
            values[key] = items if len(items) > 1 else items[0]
    return values


def check(adapter: TypeAdapter[Any], value: Any, field: str, errors: FormErrors) -> Any:
    """Validate one value with a Pydantic type; a problem becomes the field's message."""
    try:
        return adapter.validate_python(value)
    except ValidationError as invalid:
        errors.setdefault(field, next(iter(validation_errors(invalid).values())))
        return None


def options(rows: Iterable[Any], label: str = "name") -> list[tuple[int, str]]:
    return [(row.id, getattr(row, label)) for row in rows]


def reference_options(uow: UnitOfWork) -> Mapping[str, list[Any]]:
    """Sites, teams, clients and skills, for selects and names."""
    return {"sites": reference.list_items(uow, reference.SITES, limit=MANY),
            "teams": reference.list_items(uow, reference.TEAMS, limit=MANY),
            "clients": reference.list_items(uow, reference.CLIENTS, limit=MANY),
            "skills": reference.list_items(uow, reference.SKILLS, limit=MANY)}


# --- weekly hours typed one field per weekday: "09:00-13:00, 14:00-18:00" (queues and sites) ------------

HOURS = TypeAdapter(BusinessHours)


def weekly_hours(form: FormData, errors: FormErrors, message: str) -> dict[str, list[list[str]]]:
    """The week's hours from the fields `hours_mon` … `hours_sun`; a field that is not in that form gets
    `message` next to it, one the domain refuses (a span that ends before it starts) its own message."""
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        spans = _spans(text(form, f"hours_{day}"))
        if spans is None:
            errors[f"hours_{day}"] = message
        elif spans and check(HOURS, {day: spans}, f"hours_{day}", errors) is not None:
            hours[day] = spans
    return hours


def hours_fields(hours: Mapping[str, Any]) -> dict[str, str]:
    """The stored week as the form's fields."""
    return {f"hours_{day}": ", ".join(f"{start}-{end}" for start, end in spans) for day, spans in hours.items()}


def _spans(raw: str) -> list[list[str]] | None:
    """"09:00-13:00, 14:00-18:00" → [["09:00", "13:00"], ["14:00", "18:00"]]; None when not in that form."""
    spans = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        bounds = [b.strip() for b in part.replace("–", "-").split("-")]
        if len(bounds) != 2:
            return None
        spans.append(bounds)
    return spans
