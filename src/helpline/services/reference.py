"""Reference data (sites, teams, clients, skills, wrap-up codes, not-ready reasons): one set of use cases
for every kind, described by a `ReferenceKind`. There is no delete: history refers to these records."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import holidays
from pydantic import BaseModel
from sqlalchemy import select

from helpline.adapters.db.models import Base, Client, NotReadyReason, Site, SiteCalendarDay, Skill, Team, WrapUpCode
from helpline.domain import calendars, opening_hours
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.services import audit
from helpline.services import reference_schemas as s
from helpline.services.admin_schemas import column_values
from helpline.services.schemas import View
from helpline.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ReferenceKind:
    """One kind of reference record: its name, its table and its schemas."""

    name: str  # singular, for messages: "site"
    model: type[Base]
    create: type[BaseModel]
    update: type[BaseModel]
    view: type[View]
    references: Mapping[str, type[Base]] = field(default_factory=dict)  # field -> the table whose id it names


SITES = ReferenceKind("site", Site, s.SiteCreate, s.SiteUpdate, s.SiteView)
TEAMS = ReferenceKind("team", Team, s.TeamCreate, s.TeamUpdate, s.TeamView, {"site_id": Site})
CLIENTS = ReferenceKind("client", Client, s.ClientCreate, s.ClientUpdate, s.ClientView)
SKILLS = ReferenceKind("skill", Skill, s.SkillCreate, s.SkillUpdate, s.SkillView)
WRAP_UP_CODES = ReferenceKind("wrap-up code", WrapUpCode, s.WrapUpCodeCreate, s.WrapUpCodeUpdate, s.WrapUpCodeView)
NOT_READY_REASONS = ReferenceKind("not-ready reason", NotReadyReason, s.NotReadyReasonCreate,
                                  s.NotReadyReasonUpdate, s.NotReadyReasonView)


def list_items(uow: UnitOfWork, kind: ReferenceKind, *, limit: int = 100, offset: int = 0) -> list[View]:
    model: Any = kind.model
    rows = uow.session.scalars(select(model).order_by(model.id).limit(limit).offset(offset))
    return [kind.view.model_validate(row) for row in rows]


def get_item(uow: UnitOfWork, kind: ReferenceKind, item_id: int) -> View:
    return kind.view.model_validate(_load(uow, kind, item_id))


def create_item(uow: UnitOfWork, kind: ReferenceKind, cmd: BaseModel) -> View:
    values = column_values(cmd)
    _check_references(uow, kind, values)
    record = kind.model(**values)
    uow.session.add(record)
    uow.flush()
    uow.commit()
    return kind.view.model_validate(record)


def update_item(uow: UnitOfWork, kind: ReferenceKind, item_id: int, cmd: BaseModel) -> View:
    record = _load(uow, kind, item_id)
    changes = column_values(cmd, exclude_unset=True)
    _check_references(uow, kind, changes)
    for name, value in changes.items():
        setattr(record, name, value)
    uow.flush()
    uow.commit()
    return kind.view.model_validate(record)


def set_active(uow: UnitOfWork, actor: Actor, kind: ReferenceKind, item_id: int, active: bool) -> View:
    """Deactivate (or reactivate) a record of a kind that can be: history keeps referring to an inactive one,
    but it is refused for new use (a wrap-up code when completing, a reason when going not ready)."""
    record = _load(uow, kind, item_id)
    if not hasattr(record, "is_active"):
        raise InvalidInput(f"a {kind.name} cannot be deactivated")
    if record.is_active != active:
        record.is_active = active
        audit.record(uow, actor, "activate" if active else "deactivate", kind.name, item_id, code=record.code)
    uow.flush()
    view = kind.view.model_validate(record)
    uow.commit()
    return view


def public_holidays(country: str, year: int, language: str = "en") -> list[tuple[date, str]]:
    """A country's public holidays in a year, from the `holidays` package working calendars use, named in
    `language` when the package has it."""
    calendar = holidays.country_holidays(country, years=year)
    named = [code for code in calendar.supported_languages if code.split("_")[0] == language]
    if named:
        calendar = holidays.country_holidays(country, years=year, language=min(named))
    return sorted(calendar.items())


# --- a site's calendar: business hours and the dates added to its country's --------------------------------


def set_business_hours(uow: UnitOfWork, actor: Actor, site_id: int, cmd: s.SiteHoursIn) -> s.SiteView:
    """Replace a site's weekly business hours (empty: 24/7); business-time clocks count them from now on."""
    site = _load(uow, SITES, site_id)
    hours = cmd.model_dump(mode="json")["business_hours"]
    try:
        opening_hours.check_hours(hours)
        calendars.parse_weekly_hours(hours)
    except ValueError as invalid:
        raise InvalidInput(str(invalid)) from invalid
    if site.business_hours != hours:
        audit.record(uow, actor, "set_business_hours", SITES.name, site_id, before=site.business_hours, after=hours)
        site.business_hours = hours
    uow.flush()
    view = s.SiteView.model_validate(site)
    uow.commit()
    return view


def list_calendar_days(uow: UnitOfWork, site_id: int) -> list[s.CalendarDayView]:
    """The dates a site's calendar adds to its country's, in date order."""
    _load(uow, SITES, site_id)
    rows = uow.session.scalars(select(SiteCalendarDay).where(SiteCalendarDay.site_id == site_id)
                               .order_by(SiteCalendarDay.date))
    return [s.CalendarDayView.model_validate(row) for row in rows]


def add_calendar_day(uow: UnitOfWork, actor: Actor, site_id: int, cmd: s.CalendarDayIn) -> s.CalendarDayView:
    """Add a `day_off` or a `working_day` to a site's calendar; a date already listed is a Conflict."""
    _load(uow, SITES, site_id)
    if _calendar_day(uow, site_id, cmd.date) is not None:
        raise Conflict(f"{cmd.date.isoformat()} is already in the site's calendar")
    row = SiteCalendarDay(site_id=site_id, date=cmd.date, kind=cmd.kind, name=cmd.name)
    uow.session.add(row)
    audit.record(uow, actor, "add_calendar_day", SITES.name, site_id, date=cmd.date.isoformat(), kind=cmd.kind,
                 name=cmd.name)
    uow.flush()
    view = s.CalendarDayView.model_validate(row)
    uow.commit()
    return view


def remove_calendar_day(uow: UnitOfWork, actor: Actor, site_id: int, day: date) -> None:
    _load(uow, SITES, site_id)
    row = _calendar_day(uow, site_id, day)
    if row is None:
        raise NotFound("calendar day", day.isoformat())
    audit.record(uow, actor, "remove_calendar_day", SITES.name, site_id, date=day.isoformat(), kind=row.kind,
                 name=row.name)
    uow.session.delete(row)
    uow.flush()
    uow.commit()


def site_calendars(uow: UnitOfWork) -> dict[str, calendars.WorkingCalendar]:
    """Every site's working calendar (hours, country, added dates), by site name (unique, and what the report
    frames carry): what business time counts."""
    days: dict[int, list[tuple[date, str]]] = {}
    for row in uow.session.execute(select(SiteCalendarDay.site_id, SiteCalendarDay.date, SiteCalendarDay.kind)):
        days.setdefault(row.site_id, []).append((row.date, row.kind))
    return {site.name: calendars.site_calendar(site.time_zone, site.business_hours, site.holiday_country,
                                             days.get(site.id, ()))
            for site in uow.session.scalars(select(Site))}


def _calendar_day(uow: UnitOfWork, site_id: int, day: date) -> SiteCalendarDay | None:
    return uow.session.scalars(select(SiteCalendarDay).where(SiteCalendarDay.site_id == site_id,
                                                             SiteCalendarDay.date == day)).one_or_none()


def _load(uow: UnitOfWork, kind: ReferenceKind, item_id: int) -> Any:
    record = uow.session.get(kind.model, item_id)
    if record is None:
        raise NotFound(kind.name, item_id)
    return record


def _check_references(uow: UnitOfWork, kind: ReferenceKind, values: Mapping[str, Any]) -> None:
    for name, target in kind.references.items():
        value = values.get(name)
        if value is not None and uow.session.get(target, value) is None:
            raise NotFound(name.removesuffix("_id"), value)
