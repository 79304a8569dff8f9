"""Customers and their policies. Phone numbers and e-mail addresses are matched however they are written."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, IdPath, IdQuery, Limit, Offset, SearchText
from helpline.services import customers
from helpline.services.customer_schemas import (
    CustomerCreate,
    CustomerDetail,
    CustomerUpdate,
    CustomerView,
    PolicyCreate,
)
from helpline.services.schemas import PolicyView

router = APIRouter(tags=["customers"])
Reader = Annotated[Actor, Depends(require(P.READ_CUSTOMERS))]
Writer = Annotated[Actor, Depends(require(P.WRITE_CUSTOMERS))]


@router.get("/customers", response_model=list[CustomerView],
            description="Every criterion given must match; `name` matches part of the name, ignoring case.")
def search_customers(uow: UoW, actor: Reader, phone: SearchText = None, email: SearchText = None,
                     policy_number: SearchText = None, name: SearchText = None, limit: Limit = 100,
                     offset: Offset = 0) -> list[CustomerView]:
    return customers.search_customers(uow, phone=phone, email=email, policy_number=policy_number, name=name,
                                      limit=limit, offset=offset)


@router.get("/customers/{customer_id}", response_model=CustomerDetail, responses=NOT_FOUND)
def get_customer(customer_id: IdPath, uow: UoW, actor: Reader) -> CustomerDetail:
    return customers.get_customer(uow, customer_id)


@router.post("/customers", response_model=CustomerDetail, status_code=status.HTTP_201_CREATED,
             responses={**NOT_FOUND, **CONFLICT})
def create_customer(body: CustomerCreate, uow: UoW, actor: Writer) -> CustomerDetail:
    return customers.create_customer(uow, body)


@router.patch("/customers/{customer_id}", response_model=CustomerDetail, responses={**NOT_FOUND, **CONFLICT})
def update_customer(customer_id: IdPath, body: CustomerUpdate, uow: UoW, actor: Writer) -> CustomerDetail:
    return customers.update_customer(uow, customer_id, body)


@router.get("/customers/{customer_id}/policies", response_model=list[PolicyView], responses=NOT_FOUND)
def customer_policies(customer_id: IdPath, uow: UoW, actor: Reader) -> list[PolicyView]:
    return customers.customer_policies(uow, customer_id)


@router.post("/customers/{customer_id}/policies", response_model=PolicyView, status_code=status.HTTP_201_CREATED,
             responses={**NOT_FOUND, **CONFLICT})
def add_policy(customer_id: IdPath, body: PolicyCreate, uow: UoW, actor: Writer) -> PolicyView:
    return customers.add_policy(uow, customer_id, body)


@router.get("/policies", response_model=list[PolicyView], description="Policies with this number (any client).")
def find_policies(uow: UoW, actor: Reader,
                  number: Annotated[str, Query(min_length=1, max_length=60, pattern=r"^[^\x00]*$")],
                  client_id: IdQuery = None, limit: Limit = 100, offset: Offset = 0) -> list[PolicyView]:
    return customers.find_policies(uow, number, client_id=client_id, limit=limit, offset=offset)
