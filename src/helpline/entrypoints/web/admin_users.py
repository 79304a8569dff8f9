"""Users and roles (administrators only): list, create, change role / sites / language / e-mail address / time
zone, deactivate, reset a password. The same use cases as /api/v1/users."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from helpline.domain.errors import Conflict, DomainError, InvalidInput
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.admin_common import MANY, Posted, UserAdmin, checked, done, page, text, typed
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import INVALID, FormErrors, domain_error, parse_form
from helpline.entrypoints.web.pages import SmallId
from helpline.entrypoints.web.rendering import N_
from helpline.services import reference, users_admin
from helpline.services.admin_schemas import UserCreate, UserUpdate, UserView
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PASSWORD_REQUIRED = N_("Give the new user a first password.")
ONLY_SUPERVISORS = N_("Only supervisors oversee sites: clear the sites or choose the supervisor role.")
NOT_YOURSELF = N_("You may not change your own role or deactivate yourself.")
SHORT_PASSWORD = N_("A password has at least 8 characters.")
BAD_EMAIL = N_("Enter an e-mail address such as name@insurer.ru, or leave the field empty.")
UNKNOWN_TIME_ZONE = N_("There is no such time zone: write an IANA name such as Europe/Moscow, or leave the field "
                       "empty.")


def _password_error(errors: FormErrors, field: str, password: str) -> None:
    if field in errors and 0 < len(password) < 8:
        errors[field] = SHORT_PASSWORD


def _contact_errors(errors: FormErrors) -> FormErrors:
    """An address or a time zone refused as invalid is told what is expected (too long stays too long)."""
    for field, message in (("email", BAD_EMAIL), ("time_zone", UNKNOWN_TIME_ZONE)):
        if errors.get(field) == INVALID:
            errors[field] = message
    return errors


def _page(request: Request, uow: UnitOfWork, template: str, **context: Any) -> Response:
    sites: list[Any] = reference.list_items(uow, reference.SITES, limit=MANY)
    return page(request, template, site_options=[(s.id, s.name) for s in sites],
                site_names={s.id: s.name for s in sites}, **context)


@router.get("/admin/users")
def users_page(request: Request, uow: UoW, user: UserAdmin) -> Response:
    return _page(request, uow, "admin/users.html", users=users_admin.list_users(uow, limit=MANY))


@router.get("/admin/users/new")
def new_user_form(request: Request, uow: UoW, user: UserAdmin) -> Response:
    return _page(request, uow, "admin/user_form.html", item=None, values={"role": "agent", "language": "ru"})


@router.post("/admin/users/new")
def create_user(request: Request, uow: UoW, user: UserAdmin, form: Posted) -> Response:
    values = {"username": text(form, "username"), "full_name": text(form, "full_name"), "role": text(form, "role"),
              "language": text(form, "language"), "password": form.get("password") or None,
              "email": text(form, "email"), "time_zone": text(form, "time_zone"),
              "site_ids": [v for v in form.getlist("site_ids") if isinstance(v, str) and v]}
    cmd, errors = parse_form(UserCreate, values)
    errors = _contact_errors(errors)
    if not values["password"]:
        errors.setdefault("password", PASSWORD_REQUIRED)
    _password_error(errors, "password", str(values["password"] or ""))
    if cmd is not None and not errors:
        try:
            created = users_admin.create_user(uow, user.actor, cmd)
        except InvalidInput:
            errors = {"site_ids": ONLY_SUPERVISORS}
        except DomainError as refused:
            errors = domain_error(refused, "username" if isinstance(refused, Conflict) else "site_ids")
        else:
            return done(request, f"/admin/users/{created.id}", N_("The user has been created."))
    return _page(request, uow, "admin/user_form.html", item=None, values=typed(form) | {"password": ""},
                 errors=errors)


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: SmallId, uow: UoW, user: UserAdmin) -> Response:
    item = users_admin.get_user(uow, user_id)
    return _page(request, uow, "admin/user_form.html", item=item, values=_current(item))


@router.post("/admin/users/{user_id}")
def update_user(request: Request, user_id: SmallId, uow: UoW, user: UserAdmin, form: Posted) -> Response:
    item = users_admin.get_user(uow, user_id)  # 404 before anything else
    values = {"role": text(form, "role"), "full_name": text(form, "full_name"), "language": text(form, "language"),
              "email": text(form, "email"), "time_zone": text(form, "time_zone"),
              "is_active": checked(form, "is_active"),
              "site_ids": [v for v in form.getlist("site_ids") if isinstance(v, str) and v]}
    cmd, errors = parse_form(UserUpdate, values)
    errors = _contact_errors(errors)
    if cmd is not None:
        try:
            users_admin.update_user(uow, user.actor, user_id, cmd)
        except InvalidInput:
            errors = {"role": NOT_YOURSELF} if user_id == user.actor.user_id else {"site_ids": ONLY_SUPERVISORS}
        except DomainError as refused:
            errors = domain_error(refused, "site_ids")
        else:
            return done(request, f"/admin/users/{user_id}", N_("The changes have been saved."))
    shown = typed(form) | {"is_active": values["is_active"], "site_ids": values["site_ids"]}
    return _page(request, uow, "admin/user_form.html", item=item, values=shown, errors=errors)


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, user_id: SmallId, uow: UoW, user: UserAdmin, form: Posted) -> Response:
    item = users_admin.get_user(uow, user_id)
    password = form.get("new_password")
    password = password if isinstance(password, str) else ""
    cmd, errors = parse_form(UserUpdate, {"password": password})
    if cmd is not None:
        users_admin.update_user(uow, user.actor, user_id, cmd)
        return done(request, f"/admin/users/{user_id}", N_("The password has been reset."))
    password_errors: FormErrors = {"new_password": errors.get("password", N_("This field is required."))}
    _password_error(password_errors, "new_password", password)
    return _page(request, uow, "admin/user_form.html", item=item, values=_current(item),
                 errors=password_errors)


def _current(item: UserView) -> dict[str, Any]:
    return {"username": item.username, "full_name": item.full_name, "role": item.role.value,
            "language": item.language, "email": item.email or "", "time_zone": item.time_zone or "",
            "is_active": item.is_active, "site_ids": [str(i) for i in item.site_ids]}
