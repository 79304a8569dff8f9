"""User administration (admin only): accounts, roles, supervisors' sites, passwords, and where a user is e-mailed
(complaint deadline warnings) in which time zone. Every change is audited; password hashes never leave this
module."""

from sqlalchemy import select

from helpline.adapters.db.models import Site, User
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services import audit, auth
from helpline.services.admin_schemas import UserCreate, UserUpdate, UserView
from helpline.services.unit_of_work import UnitOfWork


def list_users(uow: UnitOfWork, *, role: Role | None = None, is_active: bool | None = None,
               limit: int = 100, offset: int = 0) -> list[UserView]:
    query = select(User)
    if role is not None:
        query = query.where(User.role == role.value)
    if is_active is not None:
        query = query.where(User.is_active.is_(is_active))
    return [user_view(u) for u in uow.session.scalars(query.order_by(User.id).limit(limit).offset(offset))]


def get_user(uow: UnitOfWork, user_id: int) -> UserView:
    return user_view(_load(uow, user_id))


def create_user(uow: UnitOfWork, actor: Actor, cmd: UserCreate) -> UserView:
    _check_sites_for_role(cmd.role, cmd.site_ids)
    user = auth.create_user(uow, username=cmd.username, role=cmd.role, password=cmd.password,
                            full_name=cmd.full_name, language=cmd.language, site_ids=cmd.site_ids)
    user.email, user.time_zone = cmd.email, cmd.time_zone
    audit.record(uow, actor, "create", "user", user.id, username=user.username, role=user.role,
                 site_ids=sorted(cmd.site_ids))
    view = user_view(user)
    uow.commit()
    return view


def update_user(uow: UnitOfWork, actor: Actor, user_id: int, cmd: UserUpdate) -> UserView:
    user = _load(uow, user_id)
    changes = cmd.model_dump(exclude_unset=True)
    role = Role(changes.get("role", user.role))
    if user.id == actor.user_id and (role != user.role or changes.get("is_active") is False):
        raise InvalidInput("you may not change your own role or deactivate yourself")
    if "site_ids" in changes:
        _check_sites_for_role(role, changes["site_ids"])
        user.sites = _sites(uow, changes["site_ids"])
    elif role != Role.SUPERVISOR:
        user.sites = []
    if "password" in changes:
        user.password_hash = auth.hash_password(changes["password"])
    user.role = role.value
    for name in ("full_name", "language", "is_active", "email", "time_zone"):
        if name in changes:
            setattr(user, name, changes[name])
    audit.record(uow, actor, "update", "user", user.id, changed=sorted(changes), role=user.role,
                 site_ids=sorted(site.id for site in user.sites))
    uow.flush()
    view = user_view(user)
    uow.commit()
    return view


def user_view(user: User) -> UserView:
    return UserView(id=user.id, username=user.username, full_name=user.full_name, role=Role(user.role),
                    language=user.language, email=user.email, time_zone=user.time_zone, is_active=user.is_active,
                    created_at=user.created_at,
                    site_ids=sorted(site.id for site in user.sites))


def _check_sites_for_role(role: Role, site_ids: list[int]) -> None:
    if site_ids and role != Role.SUPERVISOR:
        raise InvalidInput("only supervisors oversee sites: site_ids must be empty for this role")


def _sites(uow: UnitOfWork, site_ids: list[int]) -> list[Site]:
    sites = list(uow.session.scalars(select(Site).where(Site.id.in_(site_ids)).order_by(Site.id)))
    missing = set(site_ids) - {site.id for site in sites}
    if missing:
        raise NotFound("site", min(missing))
    return sites


def _load(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user
