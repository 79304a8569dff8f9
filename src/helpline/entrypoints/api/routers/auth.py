"""Log-in for scripts (bearer tokens) and who-am-I."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from helpline.domain.permissions import ROLE_PERMISSIONS, Actor, Permission
from helpline.entrypoints.api.deps import UoW, current_actor, public
from helpline.services import auth

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field("", max_length=100, description="What the token is for")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    user_id: int
    username: str
    role: str
    site_ids: list[int]
    agent_id: int | None
    permissions: list[Permission]


@router.post("/token", response_model=TokenResponse, dependencies=[Depends(public("the log-in itself"))])
def create_token(body: TokenRequest, uow: UoW) -> TokenResponse:
    user = auth.authenticate(uow, body.username, body.password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    return TokenResponse(access_token=auth.issue_token(uow, user.username, body.name))


@router.get("/me", response_model=Me, dependencies=[Depends(public("any logged-in user may ask who they are"))])
def me(actor: Annotated[Actor, Depends(current_actor)]) -> Me:
    return Me(user_id=actor.user_id, username=actor.username, role=actor.role.value, site_ids=sorted(actor.site_ids),
              agent_id=actor.agent_id, permissions=sorted(ROLE_PERMISSIONS[actor.role]))
