"""Reference data (sites, teams, clients, skills, wrap-up codes, not-ready reasons): one set of use cases
for every kind, described by a `ReferenceKind`. There is no delete: history refers to these records."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import holidays
from pydantic import BaseModel
from sqlalchemy import select

from helpline.adapters.db.models import Base, Client, NotReadyReason, Site, Skill, Team, WrapUpCode
from helpline.domain.errors import InvalidInput, NotFound
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
