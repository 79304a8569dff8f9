"""Inputs and views for customers (with their phones and e-mails) and policies.

Phones and e-mails are normalised on the way in (helpline.domain.contact), so '8 (495) 123-45-67' is
stored and searched as '+74951234567'.
"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from helpline.domain.contact import normalize_email, normalize_phone
from helpline.domain.vocabulary import PolicyStatus, ProductLine
from helpline.services.admin_schemas import Id, Language, Name, NoNul, Patch, storable_json
from helpline.services.schemas import Command, PolicyView, View


def _phone(value: str) -> str:
    phone = normalize_phone(value)
    if not 5 <= len(phone) - 1 <= 15:
        raise ValueError("a phone number has 5 to 15 digits")
    return phone


Phone = Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9+()\-. ]+$"), AfterValidator(_phone)]
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN),
                  AfterValidator(normalize_email)]
Phones = Annotated[list[Phone], Field(max_length=20)]
Emails = Annotated[list[Email], Field(max_length=20)]
ExternalRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), NoNul]
VipTier = Annotated[int, Field(ge=0, le=10)]
PolicyNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), NoNul]


class CustomerCreate(Command):
    full_name: Name
    client_id: Id | None = None
    external_ref: ExternalRef | None = Field(None, description="The customer's id in the insurer's system")
    language: Language = "ru"
    vip_tier: VipTier = 0
    phones: Phones = []
    emails: Emails = []


class CustomerUpdate(Patch):
    nullable = frozenset({"client_id", "external_ref"})
    full_name: Name | None = None
    client_id: Id | None = None
    external_ref: ExternalRef | None = None
    language: Language | None = None
    vip_tier: VipTier | None = None
    phones: Phones | None = Field(None, description="Replaces every phone")
    emails: Emails | None = Field(None, description="Replaces every e-mail")


class CustomerView(View):
    id: int
    client_id: int | None
    external_ref: str | None
    full_name: str
    language: str
    vip_tier: int
    created_at: datetime
    phones: list[str]
    emails: list[str]


class CustomerDetail(CustomerView):
    policies: list[PolicyView]


class PolicyCreate(Command):
    number: PolicyNumber
    client_id: Id | None = Field(None, description="Defaults to the customer's client")
    product_line: ProductLine
    status: PolicyStatus = PolicyStatus.ACTIVE
    starts_on: date | None = None
    ends_on: date | None = None
    insured_objects: Annotated[list[dict[str, Any]], Field(max_length=100), AfterValidator(storable_json)] = []

    @model_validator(mode="after")
    def _ends_after_start(self) -> "PolicyCreate":
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self
