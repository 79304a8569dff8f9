"""User administration (admin only). Password hashes are never returned."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Role
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, IdPath, Limit, Offset
from helpline.services import users_admin
from helpline.services.admin_schemas import UserCreate, UserUpdate, UserView

router = APIRouter(prefix="/users", tags=["users"])
Admin = Annotated[Actor, Depends(require(P.MANAGE_USERS))]


@router.get("", response_model=list[UserView])
def list_users(uow: UoW, actor: Admin, role: Role | None = None, is_active: bool | None = None,
               limit: Limit = 100, offset: Offset = 0) -> list[UserView]:
    return users_admin.list_users(uow, role=role, is_active=is_active, limit=limit, offset=offset)


@router.get("/{user_id}", response_model=UserView, responses=NOT_FOUND)
def get_user(user_id: IdPath, uow: UoW, actor: Admin) -> UserView:
    return users_admin.get_user(uow, user_id)


@router.post("", response_model=UserView, status_code=status.HTTP_201_CREATED, responses={**NOT_FOUND, **CONFLICT})
def create_user(body: UserCreate, uow: UoW, actor: Admin) -> UserView:
    return users_admin.create_user(uow, actor, body)


@router.patch("/{user_id}", response_model=UserView, responses=NOT_FOUND,
              description="Changing the role away from supervisor drops the user's sites.")
def update_user(user_id: IdPath, body: UserUpdate, uow: UoW, actor: Admin) -> UserView:
    return users_admin.update_user(uow, actor, user_id, body)
