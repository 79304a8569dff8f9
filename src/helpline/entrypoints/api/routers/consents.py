"""A customer's consents to be contacted, per channel and purpose (service, marketing)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, IdPath
from helpline.services import consents
from helpline.services.consents import ConsentChange, ConsentView

router = APIRouter(tags=["customers"])
Reader = Annotated[Actor, Depends(require(P.READ_CUSTOMERS))]
Writer = Annotated[Actor, Depends(require(P.WRITE_CUSTOMERS))]


@router.get("/customers/{customer_id}/consents", response_model=list[ConsentView], responses=NOT_FOUND)
def get_consents(customer_id: IdPath, uow: UoW, actor: Reader) -> list[ConsentView]:
    """The recorded yes and no of the customer; a channel and purpose not listed has no record (marketing
    then is not sent, service is)."""
    return consents.list_consents(uow, customer_id)


@router.put("/customers/{customer_id}/consents", response_model=list[ConsentView], responses=NOT_FOUND)
def put_consent(customer_id: IdPath, body: ConsentChange, uow: UoW, actor: Writer) -> list[ConsentView]:
    """Record one consent (channel, purpose, granted, source); returns all of the customer's consents."""
    return consents.change_consent(uow, customer_id, body)
