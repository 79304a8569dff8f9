"""Inputs and views of the administration use cases (users, quality, audit); the REST API exposes them as is.

Reference data is in `reference_schemas`, agents and queues in `staffing_schemas`, customers and policies in
`customer_schemas`; the field types they share are here. Partial updates (`Patch`) leave omitted fields
unchanged and refuse null except where a field may be cleared. Codes are identifiers that history and other
systems refer to: they never change.
"""
import math
import re
from collections.abc import Collection
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from helpline.domain.vocabulary import Role
from helpline.services.schemas import Command, View

MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BigIdValue = Annotated[int, Field(ge=1, le=MAX_BIG_ID)]


def _no_nul(value: str) -> str:
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul]
ShortName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul]
LongText = Annotated[str, StringConstraints(max_length=10_000), NoNul]
Language = Annotated[str, StringConstraints(max_length=8, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")]


def column_values(cmd: BaseModel, *, exclude_unset: bool = False, exclude: Collection[str] = ()) -> dict[str, Any]:
    """A command's fields as column values (enums become their plain values)."""
    data = cmd.model_dump(exclude_unset=exclude_unset, exclude=set(exclude))
    return {name: value.value if isinstance(value, Enum) else value for name, value in data.items()}


def storable_json(value: Any) -> Any:
    """Refuse what PostgreSQL's jsonb cannot store: NUL characters, NaN and infinities."""
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable_json(key)
            storable_json(item)
    elif isinstance(value, list):
        for item in value:
            storable_json(item)
    return value


def unique_by(key: str) -> Any:
    def check(items: list[Any]) -> list[Any]:
        values = [getattr(item, key) for item in items]
        if len(values) != len(set(values)):
            raise ValueError(f"each {key} may appear only once")
        return items

    return AfterValidator(check)


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_time_zone)]
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")  # plausible: name@host.domain, nothing more is checked


def _blank_is_none(value: Any) -> Any:
    """A blank value clears the setting (a form's empty field, JSON "")."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _email(value: str) -> str:
    value = value.lower()
    if not EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), NoNul,
                  AfterValidator(_email)]


def _holiday_country(value: str) -> str:
    if value not in holidays.list_supported_countries():  # working calendars need its public holidays
        raise ValueError(f"no public holiday calendar for country {value!r}")
    return value


Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_holiday_country)]


class Patch(Command):
    """A partial update: omitted fields stay unchanged; only fields named in `nullable` may be set to null."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


# --- users --------------------------------------------------------------------------------------

Username = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@\-]+$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
SiteIds = Annotated[list[Id], Field(max_length=500, description="Only for supervisors: the sites they oversee")]
UserEmail = Annotated[Email | None, BeforeValidator(_blank_is_none),
                     Field(description="Where complaint deadline warnings are e-mailed (stored lower-cased); null or "
                                       "empty: none")]
UserTimeZone = Annotated[TimeZone | None, BeforeValidator(_blank_is_none),
                         Field(description="The IANA time zone the dates of those e-mails are written in (e.g. "
                                           "Europe/Moscow); null or empty: the deadline rule's own")]


class UserCreate(Command):
    username: Username
    role: Role
    password: Password | None = Field(None, description="Without one the user can only use API tokens")
    full_name: OptionalText = ""
    language: Language = "ru"
    site_ids: SiteIds = []
    email: UserEmail = None
    time_zone: UserTimeZone = None


class UserUpdate(Patch):
    nullable = frozenset({"email", "time_zone"})

    role: Role | None = None
    full_name: OptionalText | None = None
    language: Language | None = None
    email: UserEmail = None
    time_zone: UserTimeZone = None
    is_active: bool | None = None
    site_ids: SiteIds | None = None
    password: Password | None = None


class UserView(View):
    id: int
    username: str
    full_name: str
    role: Role
    language: str
    email: str | None = None
    time_zone: str | None = None
    is_active: bool
    created_at: datetime
    site_ids: list[int]


# --- audit --------------------------------------------------------------------------


class AuditView(View):
    id: int
    at: datetime
    user_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]
