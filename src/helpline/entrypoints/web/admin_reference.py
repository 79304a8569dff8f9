"""Reference data (administrators): sites with their time zone and public-holiday calendar, teams, clients,
skills, wrap-up codes and not-ready reasons. One list-and-create page and one edit page per kind, registered
from a description of its fields, over the same use cases as /api/v1 (services/reference.py)."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from helpline.domain.errors import Conflict, DomainError
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import MANY, Posted, ReferenceManager, checked, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import reference
from helpline.services.reference import ReferenceKind

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, checkbox (default on), site (a select of the sites)
    hint: str | None = None
    fixed: bool = False  # set on creation only (codes: history refers to them)


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
    Section("clients", reference.CLIENTS, N_("Clients"), (CODE, NAME)),
    Section("skills", reference.SKILLS, N_("Skills"), (
        CODE, NAME, Field("requires_certification", N_("Requires a passed exam"), "checkbox"))),
    Section("wrap-up-codes", reference.WRAP_UP_CODES, N_("Wrap-up codes"), (CODE, NAME)),
    Section("not-ready-reasons", reference.NOT_READY_REASONS, N_("Not-ready reasons"), (
        CODE, NAME,
        Field("paid", N_("Paid time"), "checkbox", hint=N_("Unpaid reasons (a lunch break) are not shrinkage.")))),
)
DEFAULTS = {"time_zone": "Europe/Moscow", "holiday_country": "RU", "requires_certification": True, "paid": True}


def _values(section: Section, form: Any, *, creating: bool) -> dict[str, Any]:
    """The command's fields: unchecked boxes are false, blank fields are sent as blank (so Pydantic says they
    are required, rather than a patch quietly keeping the old value)."""
    return {f.name: checked(form, f.name) if f.kind == "checkbox" else text(form, f.name)
            for f in section.fields if creating or not f.fixed}


def _page(request: Request, uow: Any, section: Section, template: str, **context: Any) -> Response:
    sites: list[Any] = reference.list_items(uow, reference.SITES, limit=MANY)
    return page(request, template, section=section, sections=SECTIONS, site_options=[(s.id, s.name) for s in sites],
                site_names={s.id: s.name for s in sites}, **context)


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
               errors: Any = None) -> Response:
    holidays = []
    if section.kind is reference.SITES:  # the public holidays its calendar closes this year and next
        year = uow.now().year
        language = getattr(request.state, "language", "ru")
        holidays = [(y, reference.public_holidays(item.holiday_country, y, language)) for y in (year, year + 1)]
    return _page(request, uow, section, "admin/reference_item.html", item=item, values=values, errors=errors,
                 holidays=holidays)


for _section in SECTIONS:
    register(_section)
