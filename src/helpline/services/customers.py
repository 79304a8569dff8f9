"""Customers with their phones and e-mails, and their policies. Look-ups normalise phone numbers and
e-mail addresses the way they are stored, so any spelling of a number finds the customer."""

from sqlalchemy import select

from helpline.adapters.db.models import Client, Customer, CustomerEmail, CustomerPhone, Policy
from helpline.domain.contact import normalize_email, normalize_phone
from helpline.domain.errors import InvalidInput, NotFound
from helpline.services.admin_schemas import column_values
from helpline.services.customer_schemas import (
    CustomerCreate,
    CustomerDetail,
    CustomerUpdate,
    CustomerView,
    PolicyCreate,
)
from helpline.services.schemas import PolicyView
from helpline.services.unit_of_work import UnitOfWork


def search_customers(uow: UnitOfWork, *, phone: str | None = None, email: str | None = None,
                     policy_number: str | None = None, name: str | None = None, limit: int = 100,
                     offset: int = 0) -> list[CustomerView]:
    query = select(Customer)
    if phone is not None:
        normalized = normalize_phone(phone)
        if not normalized:
            raise InvalidInput("the phone number to search for has no digits")
        query = query.where(Customer.id.in_(select(CustomerPhone.customer_id).where(CustomerPhone.phone == normalized)))
    if email is not None:
        query = query.where(Customer.id.in_(
            select(CustomerEmail.customer_id).where(CustomerEmail.email == normalize_email(email))))
    if policy_number is not None:
        query = query.where(Customer.id.in_(select(Policy.customer_id).where(Policy.number == policy_number.strip())))
    if name is not None and name.strip():
        pattern = "%" + name.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(Customer.full_name.ilike(pattern, escape="\\"))
    rows = uow.session.scalars(query.order_by(Customer.id).limit(limit).offset(offset))
    return [customer_view(c) for c in rows]


def get_customer(uow: UnitOfWork, customer_id: int) -> CustomerDetail:
    customer = _load(uow, customer_id)
    return CustomerDetail(**customer_view(customer).model_dump(), policies=_policies(uow, customer.id))


def create_customer(uow: UnitOfWork, cmd: CustomerCreate) -> CustomerDetail:
    values = column_values(cmd, exclude={"phones", "emails"})
    _check_client(uow, values.get("client_id"))
    customer = Customer(**values, created_at=uow.now())
    _set_addresses(customer, cmd.phones, cmd.emails)
    uow.session.add(customer)
    uow.flush()
    view = CustomerDetail(**customer_view(customer).model_dump(), policies=[])
    uow.commit()
    return view


def update_customer(uow: UnitOfWork, customer_id: int, cmd: CustomerUpdate) -> CustomerDetail:
    customer = _load(uow, customer_id)
    changes = column_values(cmd, exclude_unset=True, exclude={"phones", "emails"})
    _check_client(uow, changes.get("client_id"))
    for name, value in changes.items():
        setattr(customer, name, value)
    _set_addresses(customer, cmd.phones, cmd.emails)
    uow.flush()
    view = CustomerDetail(**customer_view(customer).model_dump(), policies=_policies(uow, customer.id))
    uow.commit()
    return view


def customer_policies(uow: UnitOfWork, customer_id: int) -> list[PolicyView]:
    return _policies(uow, _load(uow, customer_id).id)


def add_policy(uow: UnitOfWork, customer_id: int, cmd: PolicyCreate) -> PolicyView:
    customer = _load(uow, customer_id)
    client_id = cmd.client_id or customer.client_id
    if client_id is None:
        raise InvalidInput("client_id is needed: the customer belongs to no client")
    _check_client(uow, client_id)
    policy = Policy(**column_values(cmd, exclude={"client_id"}), client_id=client_id, customer_id=customer.id)
    uow.session.add(policy)
    uow.flush()
    view = PolicyView.model_validate(policy)
    uow.commit()
    return view


def find_policies(uow: UnitOfWork, number: str, *, client_id: int | None = None, limit: int = 100,
                  offset: int = 0) -> list[PolicyView]:
    query = select(Policy).where(Policy.number == number.strip())
    if client_id is not None:
        query = query.where(Policy.client_id == client_id)
    rows = uow.session.scalars(query.order_by(Policy.id).limit(limit).offset(offset))
    return [PolicyView.model_validate(p) for p in rows]


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(id=customer.id, client_id=customer.client_id, external_ref=customer.external_ref,
                        full_name=customer.full_name, language=customer.language, vip_tier=customer.vip_tier,
                        created_at=customer.created_at, phones=[p.phone for p in customer.phones],
                        emails=[e.email for e in customer.emails])


def _set_addresses(customer: Customer, phones: list[str] | None, emails: list[str] | None) -> None:
    """Replace the phones and e-mails given (already normalised by the schema), keeping rows that stay."""
    if phones is not None:
        held_phones = {p.phone: p for p in customer.phones}
        customer.phones = [held_phones.get(p) or CustomerPhone(phone=p) for p in dict.fromkeys(phones)]
    if emails is not None:
        held_emails = {e.email: e for e in customer.emails}
        customer.emails = [held_emails.get(e) or CustomerEmail(email=e) for e in dict.fromkeys(emails)]


def _policies(uow: UnitOfWork, customer_id: int) -> list[PolicyView]:
    rows = uow.session.scalars(select(Policy).where(Policy.customer_id == customer_id).order_by(Policy.id))
    return [PolicyView.model_validate(p) for p in rows]


def _check_client(uow: UnitOfWork, client_id: int | None) -> None:
    if client_id is not None and uow.session.get(Client, client_id) is None:
        raise NotFound("client", client_id)


def _load(uow: UnitOfWork, customer_id: int) -> Customer:
    customer = uow.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer
