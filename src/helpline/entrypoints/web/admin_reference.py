"""Reference data (administrators): sites with their time zone and public-holiday calendar, teams, clients,
skills, wrap-up codes and not-ready reasons. One list-and-create page and one edit page per kind, registered
from a description of its fields, over the same use cases as /api/v1 (services/reference.py).

A site's page also holds its calendar: the weekly business hours (one field per weekday, as on the queue
form) and the days off and working days added to its country's public holidays. A client's form also holds its
customer-care settings: the complaint deadline rule (a select of the rules the complaint register knows) and the
satisfaction survey sent when one of its cases is resolved."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from helpline.domain.calendars import CALENDAR_DAY_KINDS
from helpline.domain.errors import Conflict, DomainError
from helpline.domain.opening_hours import WEEKDAYS
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import (
    MANY,
    Posted,
    ReferenceManager,
    checked,
    done,
    hours_fields,
    page,
    text,
    typed,
    weekly_hours,
)
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form, validation_errors
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_, get_pages
from helpline.services import reference
from helpline.services.complaints import deadline_rules
from helpline.services.reference import ReferenceKind
from helpline.services.reference_schemas import CalendarDayIn, SiteHoursIn

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, checkbox (default on), site (a select of the sites), choice (a select; blank: none)
    hint: str | None = None
    fixed: bool = False  # set on creation only (codes: history refers to them)
    options: tuple[tuple[str, str], ...] = ()  # a choice's (value, label); none: the complaint deadline rules


@dataclass(frozen=True)
class Section:
    slug: str
    kind: ReferenceKind
    title: str
    fields: tuple[Field, ...]

    @property
    def deactivates(self) -> bool:
        return "is_active" in self.kind.view.model_fields


CODE = Field("code", N_("Code"), hint=N_("Latin letters, digits, _ . -; it cannot be changed later."), fixed=True)
NAME = Field("name", N_("Name"))
SECTIONS = (
    Section("sites", reference.SITES, N_("Sites"), (
        NAME, Field("time_zone", N_("Time zone"), hint=N_("An IANA time zone, e.g. Europe/Moscow.")),
        Field("holiday_country", N_("Public holidays of"),
              hint=N_("A country code (RU, KZ, CN, ...): its public holidays are non-working days.")))),
    Section("teams", reference.TEAMS, N_("Teams"), (NAME, Field("site_id", N_("Site"), "site"))),
    Section("clients", reference.CLIENTS, N_("Clients"), (
        CODE, NAME,
        Field("complaint_rule", N_("Complaint deadline rule"), "choice",
              hint=N_("Empty: the rule of the handling site's country.")),
        Field("survey_after_resolve", N_("Survey when a case is resolved"), "choice",
              hint=N_("Empty: no survey. Automatic: by SMS when the customer has a phone, else by e-mail."),
              options=(("sms", N_("By SMS")), ("email", N_("By e-mail")),
                       ("auto", N_("Automatic: SMS, else e-mail")))))),
    Section("skills", reference.SKILLS, N_("Skills"), (
        CODE, NAME, Field("requires_certification", N_("Requires a passed exam"), "checkbox"))),
    Section("wrap-up-codes", reference.WRAP_UP_CODES, N_("Wrap-up codes"), (CODE, NAME)),
    Section("not-ready-reasons", reference.NOT_READY_REASONS, N_("Not-ready reasons"), (
        CODE, NAME,
        Field("paid", N_("Paid time"), "checkbox", hint=N_("Unpaid reasons (a lunch break) are not shrinkage.")))),
)
DEFAULTS = {"time_zone": "Europe/Moscow", "holiday_country": "RU", "requires_certification": True, "paid": True}
BAD_HOURS = N_("Write business hours as 09:00-18:00, several spans separated by commas.")
DAY_LISTED = N_("This date is already in the site's calendar.")
DAY_FIELDS = {"date": "date", "kind": "kind", "name": "day_name"}  # the command's field -> the form's
UNKNOWN_RULE = N_("There is no such rule. The rules are: %(rules)s.")


def _values(section: Section, form: Any, *, creating: bool) -> dict[str, Any]:
    """The command's fields: unchecked boxes are false, blank fields are sent as blank (so Pydantic says they
    are required, rather than a patch quietly keeping the old value)."""
    return {f.name: checked(form, f.name) if f.kind == "checkbox" else text(form, f.name)
            for f in section.fields if creating or not f.fixed}


def _rule_names() -> list[str]:
    """The complaint deadline rules: built in and those of the HELPLINE_DEADLINE_RULES file."""
    return sorted(deadline_rules())


def _choices(request: Request, section: Section, item: Any) -> dict[str, list[tuple[str, str]]]:
    """Each choice field's (value, label) options, labels in the request's language. A rule no longer known
    (the rules file changed) is still shown on the edit page of the record that holds it (saving it unchanged
    is then refused next to the field, naming the rules there are)."""
    translate = get_pages(request).translate
    choices: dict[str, list[tuple[str, str]]] = {}
    for f in section.fields:
        if f.kind != "choice":
            continue
        if f.options:
            choices[f.name] = [(value, translate(request, label)) for value, label in f.options]
            continue
        names = _rule_names()
        held = getattr(item, f.name, None)
        choices[f.name] = [(name, name) for name in names + ([held] if held and held not in names else [])]
    return choices


def _rule_errors(request: Request, section: Section, errors: FormErrors) -> FormErrors:
    """An unknown complaint rule is named with the rules there are, in the request's language."""
    if "complaint_rule" in errors and any(f.name == "complaint_rule" for f in section.fields):
        rules = ", ".join(_rule_names())
        return {**errors, "complaint_rule": get_pages(request).translate(request, UNKNOWN_RULE, rules=rules)}
    return errors


def _page(request: Request, uow: Any, section: Section, template: str, **context: Any) -> Response:
    sites: list[Any] = reference.list_items(uow, reference.SITES, limit=MANY)
    if context.get("errors"):
        context["errors"] = _rule_errors(request, section, context["errors"])
    return page(request, template, section=section, sections=SECTIONS, site_options=[(s.id, s.name) for s in sites],
                site_names={s.id: s.name for s in sites}, choices=_choices(request, section, context.get("item")),
                **context)


def register(section: Section) -> None:
    path = f"/admin/{section.slug}"

    def list_page(request: Request, uow: UoW, user: ReferenceManager) -> Response:
        items = reference.list_items(uow, section.kind, limit=MANY)
        return _page(request, uow, section, "admin/reference.html", items=items, values=DEFAULTS)

    def create(request: Request, uow: UoW, user: ReferenceManager, form: Posted) -> Response:
        cmd, errors = parse_form(section.kind.create, _values(section, form, creating=True))
        if cmd is not None:
            try:
                reference.create_item(uow, section.kind, cmd)
            except DomainError as refused:
                errors = _refusal(section, refused, creating=True)
            else:
                return done(request, path, N_("The record has been added."))
        items = reference.list_items(uow, section.kind, limit=MANY)
        shown = typed(form) | {f.name: checked(form, f.name) for f in section.fields if f.kind == "checkbox"}
        return _page(request, uow, section, "admin/reference.html", items=items, values=shown, errors=errors)

    def edit_page(request: Request, item_id: SmallId, uow: UoW, user: ReferenceManager) -> Response:
        item = reference.get_item(uow, section.kind, item_id)
        return _item_page(request, uow, section, item, item.model_dump())

    def update(request: Request, item_id: SmallId, uow: UoW, user: ReferenceManager, form: Posted) -> Response:
        item = reference.get_item(uow, section.kind, item_id)
        cmd, errors = parse_form(section.kind.update, _values(section, form, creating=False))
        if cmd is not None:
            try:
                reference.update_item(uow, section.kind, item_id, cmd)
            except DomainError as refused:
                errors = _refusal(section, refused, creating=False)
            else:
                return done(request, f"{path}/{item_id}", N_("The changes have been saved."))
        shown = typed(form) | {f.name: checked(form, f.name) for f in section.fields if f.kind == "checkbox"}
        return _item_page(request, uow, section, item, item.model_dump() | shown, errors)

    def set_active(request: Request, item_id: SmallId, uow: UoW, user: ReferenceManager, form: Posted) -> Response:
        active = text(form, "active") == "1"
        reference.set_active(uow, user.actor, section.kind, item_id, active)
        return done(request, path, N_("Reactivated.") if active else N_("Deactivated: kept in history, no longer "
                                                                         "offered for new use."))

    slug = section.slug.replace("-", "_")
    for endpoint, verb in ((list_page, "list"), (create, "create"), (edit_page, "edit"), (update, "update"),
                           (set_active, "activate")):
        endpoint.__name__ = f"admin_{verb}_{slug}"
    router.add_api_route(path, list_page, methods=["GET"])
    router.add_api_route(path, create, methods=["POST"])
    router.add_api_route(f"{path}/{{item_id}}", edit_page, methods=["GET"])
    router.add_api_route(f"{path}/{{item_id}}", update, methods=["POST"])
    if section.deactivates:
        router.add_api_route(f"{path}/{{item_id}}/active", set_active, methods=["POST"])


def _refusal(section: Section, refused: DomainError, *, creating: bool) -> FormErrors:
    """A clash names the code (when creating) or the name; a missing site names the site."""
    names = {f.name for f in section.fields}
    if isinstance(refused, Conflict):
        return domain_error(refused, "code" if creating and "code" in names else "name")
    return domain_error(refused, "site_id" if "site_id" in names else FORM_LEVEL)


def _item_page(request: Request, uow: Any, section: Section, item: Any, values: dict[str, Any],
               errors: Any = None, *, failed: str = "item", hours_values: dict[str, Any] | None = None,
               day_values: dict[str, Any] | None = None) -> Response:
    """An edit page; a site's also shows its calendar. `failed` names the form `errors` belong to (item,
    hours or day), so only that one is marked."""
    holidays: list[Any] = []
    site: dict[str, Any] = {}
    if section.kind is reference.SITES:  # the public holidays its calendar closes this year and next
        year = uow.now().year
        language = getattr(request.state, "language", "ru")
        holidays = [(y, reference.public_holidays(item.holiday_country, y, language)) for y in (year, year + 1)]
        site = {"weekdays": WEEKDAYS, "day_kinds": CALENDAR_DAY_KINDS,
                "calendar_days": reference.list_calendar_days(uow, item.id),
                "hours_values": hours_fields(item.business_hours) if hours_values is None else hours_values,
                "day_values": day_values or {"kind": CALENDAR_DAY_KINDS[0]}}
    return _page(request, uow, section, "admin/reference_item.html", item=item, values=values, errors=errors,
                 failed=failed, holidays=holidays, **site)


# --- a site's calendar --------------------------------------------------------------------------------


SITES_SECTION = next(section for section in SECTIONS if section.kind is reference.SITES)


@router.post("/admin/sites/{site_id}/business-hours")
def set_site_hours(request: Request, site_id: SmallId, uow: UoW, user: ReferenceManager, form: Posted) -> Response:
    item = reference.get_item(uow, reference.SITES, site_id)
    errors: FormErrors = {}
    hours = weekly_hours(form, errors, BAD_HOURS)
    if not errors:
        try:
            cmd = SiteHoursIn.model_validate({"business_hours": hours})
            reference.set_business_hours(uow, user.actor, site_id, cmd)
        except (DomainError, ValidationError) as refused:  # what the fields passed, the week may not
            errors = validation_errors(refused) if isinstance(refused, ValidationError) else domain_error(refused)
        else:
            return done(request, f"/admin/sites/{site_id}", N_("The business hours have been saved."))
    return _item_page(request, uow, SITES_SECTION, item, item.model_dump(), errors, failed="hours",
                      hours_values=typed(form))


@router.post("/admin/sites/{site_id}/calendar-days")
def add_site_day(request: Request, site_id: SmallId, uow: UoW, user: ReferenceManager, form: Posted) -> Response:
    item = reference.get_item(uow, reference.SITES, site_id)
    values = {"date": text(form, "date"), "kind": text(form, "kind"), "name": text(form, "day_name")}
    cmd, invalid = parse_form(CalendarDayIn, values)
    errors = {DAY_FIELDS.get(name, name): message for name, message in invalid.items()}
    if cmd is not None:
        try:
            reference.add_calendar_day(uow, user.actor, site_id, cmd)
        except Conflict:
            errors = {"date": DAY_LISTED}
        except DomainError as refused:
            errors = domain_error(refused)
        else:
            return done(request, f"/admin/sites/{site_id}", N_("The day has been added to the calendar."))
    return _item_page(request, uow, SITES_SECTION, item, item.model_dump(), errors, failed="day",
                      day_values=typed(form))


@router.post("/admin/sites/{site_id}/calendar-days/{day}/remove")
def remove_site_day(request: Request, site_id: SmallId, day: date, uow: UoW, user: ReferenceManager,
                    form: Posted) -> Response:
    reference.remove_calendar_day(uow, user.actor, site_id, day)
    return done(request, f"/admin/sites/{site_id}", N_("The day has been removed from the calendar."))




for _section in SECTIONS:
    register(_section)
