"""The provider network (BRIEF §1, Balt Assistance): clinics, tow services and assistance partners by country
and city, searched from a case (GET /providers) and kept by those holding MANAGE_PROVIDERS."""

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator
from sqlalchemy import select

from helpline.adapters.db.models_case_types import Provider
from helpline.domain import case_forms
from helpline.domain.errors import NotFound
from helpline.domain.vocabulary import CaseType
from helpline.services.admin_schemas import NoNul
from helpline.services.schemas import Command, View
from helpline.services.unit_of_work import UnitOfWork

Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300), NoNul]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32,
                                         pattern=r"^\+?[0-9 ()\-]+$")]
Service = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9_]{1,40}$")]


class ProviderKind(StrEnum):
    CLINIC = "clinic"
    TOW = "tow"
    ASSISTANCE = "assistance"


class ProviderCreate(Command):
    name: Name
    kind: ProviderKind
    country: Country = Field(description="ISO 3166-1 alpha-2")
    city: City
    address: Address = ""
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    services: list[Service] = Field(default_factory=list, max_length=30,
                                    description="Codes such as tow, jump_start, tyre, fuel, lockout, outpatient")
    active: bool = True

    @field_validator("services")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class ProviderUpdate(Command):
    name: Name | None = None
    kind: ProviderKind | None = None
    country: Country | None = None
    city: City | None = None
    address: Address | None = None
    phones: list[Phone] | None = Field(None, max_length=10)
    services: list[Service] | None = Field(None, max_length=30)
    active: bool | None = None


class ProviderView(View):
    id: int
    name: str
    kind: ProviderKind
    country: str
    city: str
    address: str
    phones: list[str]
    services: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


def search(uow: UnitOfWork, *, kind: ProviderKind | None = None, country: str | None = None,
           city: str | None = None, q: str | None = None, service: str | None = None,
           include_inactive: bool = False, limit: int = 100, offset: int = 0) -> list[ProviderView]:
    """Providers by kind, country (ISO code), city (case-insensitive, exact), a word of the name or address,
    and a service they offer; active ones only unless asked. Ordered by country, city, name."""
    query = select(Provider)
    if not include_inactive:
        query = query.where(Provider.active.is_(True))
    if kind is not None:
        query = query.where(Provider.kind == kind.value)
    if country:
        query = query.where(Provider.country == country.strip().upper())
    if city and city.strip():
        query = query.where(Provider.city_key == city.strip().casefold())
    if q and q.strip():
        query = query.where(Provider.search_key.like(f"%{_escape(q.strip().casefold())}%", escape="\\"))
    rows = list(uow.session.scalars(query.order_by(Provider.country, Provider.city_key, Provider.name,
                                                    Provider.id)))
    if service:  # JSON lists differ between SQLite and PostgreSQL: filtered here (the network is small)
        rows = [r for r in rows if service.strip().lower() in (r.services or [])]
    return [ProviderView.model_validate(r) for r in rows[offset:offset + limit]]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get(uow: UnitOfWork, provider_id: int) -> ProviderView:
    return ProviderView.model_validate(_load(uow, provider_id))


def create(uow: UnitOfWork, cmd: ProviderCreate) -> ProviderView:
    now = uow.now()
    provider = Provider(**cmd.model_dump(mode="json"), created_at=now, updated_at=now)
    index_keys(provider)
    uow.session.add(provider)
    uow.commit()
    return ProviderView.model_validate(provider)


def update(uow: UnitOfWork, provider_id: int, cmd: ProviderUpdate) -> ProviderView:
    provider = _load(uow, provider_id)
    for name, value in cmd.model_dump(mode="json", exclude_unset=True).items():
        if value is not None:
            setattr(provider, name, value)
    index_keys(provider)
    provider.updated_at = uow.now()
    uow.commit()
    return ProviderView.model_validate(provider)


def index_keys(provider: Provider) -> None:
    provider.city_key = provider.city.casefold()
    provider.search_key = f"{provider.name} {provider.address or ''}".casefold()


def _load(uow: UnitOfWork, provider_id: int) -> Provider:
    provider = uow.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("provider", provider_id)
    return provider


def chosen(uow: UnitOfWork, case_type: CaseType | str,
           details: Mapping[str, Any]) -> tuple[Provider | None, str | None]:
    """The provider a case's details choose (`provider_id`) and why it cannot be taken (None: it can): an active
    provider of the case type's kind in the details' country and city. One rule for the desk form and the API."""
    provider_id = details.get("provider_id")
    found = uow.session.get(Provider, provider_id) if type(provider_id) is int else None
    facts = None if found is None else case_forms.ProviderFacts(
        kind=found.kind, country=found.country, city_key=found.city_key, active=bool(found.active))
    return found, case_forms.provider_problem(case_type, details, facts)
