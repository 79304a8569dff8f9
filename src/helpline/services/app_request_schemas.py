"""What the mobile-app and web-form intake accepts and answers (the REST API exposes the same shapes)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from helpline.domain.vocabulary import CaseType

Key = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]


class AppRequestIn(BaseModel):
    """One request from the insurer's app or a web form (the fields of the JSON body or multipart form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: CaseType = Field(description="What the request is about: the case type it opens")
    policy_number: Annotated[str, StringConstraints(max_length=60)] | None = None
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] = Field(
        description="The customer's message")
    phone: Annotated[str, StringConstraints(max_length=40, pattern=r"^\+?[0-9 ()\-]{5,40}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}([-_][A-Za-z]{2})?$")] = Field(
        "ru", description="The customer's language (status texts exist in ru and en; others read en)")
    channel: Literal["app", "web"] = Field("app", description="app: the mobile app; web: a web form")
    idempotency_key: Key | None = Field(
        None, description="The same key again returns the same request (or send an Idempotency-Key header)")

    @model_validator(mode="after")
    def _contact(self) -> "AppRequestIn":
        if not self.phone and not self.email:
            raise ValueError("give a phone or an email to reach the customer")
        return self


class CustomerStatus(StrEnum):
    RECEIVED = "received"
    IN_QUEUE = "in_queue"
    BEING_HANDLED = "being_handled"
    WAITING_FOR_REPLY = "waiting_for_reply"
    RESOLVED = "resolved"


class AppRequestAccepted(BaseModel):
    reference: str = Field(description="The request's reference, shown to the customer")
    status_token: str = Field(description="Reads the status (GET .../requests/{reference}); shown once, kept "
                                          "hashed: a retry of the same request gets a new one, both valid")
    status: CustomerStatus
    status_text: str
    attachments: int


class AppRequestStatus(BaseModel):
    reference: str
    status: CustomerStatus
    status_text: str = Field(description="The status in the request's language")
    case_reference: str | None = Field(description="The case the request joined or opened")
    last_update: datetime
