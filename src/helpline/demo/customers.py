"""Demo customers and their policies: motor and property and VHI (DMS) customers of RESO-Garantia,
travel customers of Balt Assistance. Generated from a seed, so every run makes the same people."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import select

from helpline.adapters.db.models import Customer, CustomerEmail, CustomerPhone, Policy
from helpline.demo import bulk
from helpline.demo import catalogue as cat
from helpline.demo.reference import Refs
from helpline.services.unit_of_work import UnitOfWork

REF_PREFIX = "demo-cust-"
CARS = (("Kia", "Rio"), ("Hyundai", "Solaris"), ("Lada", "Vesta"), ("Lada", "Granta"), ("Volkswagen", "Polo"),
        ("Toyota", "Camry"), ("Skoda", "Octavia"), ("Renault", "Logan"), ("Haval", "Jolion"), ("Chery", "Tiggo 7"),
        ("Geely", "Coolray"), ("BMW", "X5"), ("Mercedes-Benz", "E 200"))
PLATE_LETTERS, REGIONS = "АВЕКМНОРСТУХ", (77, 97, 99, 177, 197, 199, 777, 50, 150, 750, 78, 98, 178, 198)
OSAGO_SERIES = ("ХХХ", "ТТТ", "ААС", "ААВ", "МММ", "РРР", "ККК")
COUNTRIES = {
    "europe": (("Италия", "Рим"), ("Испания", "Барселона"), ("Франция", "Париж"), ("Германия", "Мюнхен"),
               ("Чехия", "Прага"), ("Греция", "Афины"), ("Турция", "Анталья")),
    "asia": (("Таиланд", "Пхукет"), ("Вьетнам", "Нячанг"), ("ОАЭ", "Дубай"), ("Индонезия", "Бали"),
             ("Китай", "Пекин"), ("Шри-Ланка", "Коломбо")),
    "cis": (("Казахстан", "Алматы"), ("Армения", "Ереван"), ("Узбекистан", "Ташкент"), ("Беларусь", "Минск"),
            ("Азербайджан", "Баку"), ("Киргизия", "Бишкек")),
}
CLINICS = ("Клиника «Семейный доктор»", "Медицинский центр «Здоровье»", "Поликлиника «Медлайн»",
           "Клиника «Доктор рядом»", "Диагностический центр №1", "Стоматология «Улыбка»")
PROGRAMMES = ("Стандарт", "Оптима", "Премиум")


@dataclass
class Person:
    """A demo customer as the history generator needs them."""

    id: int
    segment: str  # motor (incl. property), dms, travel
    language: str
    vip_tier: int
    phone: str
    email: str | None
    policies: dict[str, int] = field(default_factory=dict)  # product line -> policy id
    trip: tuple[str, str, str] | None = None  # group, country, city


def customer_count(scale: float) -> int:
    return max(150, round(3000 * scale))


def ensure_customers(uow: UnitOfWork, refs: Refs, *, count: int, seed: int) -> int:
    """Insert the demo customers (with phones, e-mails, policies) that are not there yet."""
    session, now = uow.session, uow.now()
    existing = set(session.scalars(select(Customer.external_ref).where(Customer.external_ref.like(REF_PREFIX + "%"))))
    people = _generate(count, seed, now)
    missing = [p for p in people if p["customer"]["external_ref"] not in existing]
    if not missing:
        return 0
    first = bulk.next_id(session, Customer)
    customers, phones, emails, policies = [], [], [], []
    for offset, person in enumerate(missing):
        cid = first + offset
        customers.append({"id": cid, **person["customer"]})
        customers[-1]["client_id"] = refs.clients[person["client"]]
        phones += [{"customer_id": cid, "phone": phone} for phone in person["phones"]]
        emails += [{"customer_id": cid, "email": email} for email in person["emails"]]
        policies += [{"customer_id": cid, **policy, "client_id": refs.clients[person["client"]]}
                     for policy in person["policies"]]
    writer = bulk.Writer(session)
    writer.insert_dicts(Customer, customers)
    bulk.sync_sequence(session, "customers")
    writer.insert_dicts(CustomerPhone, phones)
    writer.insert_dicts(CustomerEmail, emails)
    writer.insert_dicts(Policy, policies)
    return len(customers) + len(phones) + len(emails) + len(policies)


def _generate(count: int, seed: int, now: datetime) -> list[dict[str, Any]]:
    rng, fake, fake_en = random.Random(seed + 2), Faker("ru_RU"), Faker("en_GB")
    fake.seed_instance(seed + 2)
    fake_en.seed_instance(seed + 3)
    today, used_phones, used_numbers, used_emails = now.date(), set[str](), set[str](), set[str]()
    people = []
    for n in range(1, count + 1):
        segment = rng.choices(("motor", "dms", "travel"), (62, 25, 13))[0]
        english = rng.random() < 0.03
        female = rng.random() < 0.5
        if english:
            name = fake_en.name()
        elif female:
            name = f"{fake.last_name_female()} {fake.first_name_female()} {fake.middle_name_female()}"
        else:
            name = f"{fake.last_name_male()} {fake.first_name_male()} {fake.middle_name_male()}"
        phone = _unique(used_phones, lambda: "+79" + "".join(rng.choice("0123456789") for _ in range(9)))
        phones = [phone] + ([f"+7495{rng.randint(1000000, 9999999)}"] if rng.random() < 0.1 else [])
        faker = fake_en if english else fake
        emails = [_unique(used_emails, lambda f=faker: f.free_email().lower())] if rng.random() < 0.8 else []
        vip = rng.choices((0, 1, 2, 3), (93, 4, 2, 1))[0] if segment != "travel" else 0
        policies = _policies(rng, fake, segment, vip, name, today, used_numbers)
        people.append({"client": cat.BALT if segment == "travel" else cat.RESO, "phones": phones, "emails": emails,
                       "policies": policies, "customer": {
                           "external_ref": f"{REF_PREFIX}{n:06d}", "full_name": name,
                           "language": "en" if english else "ru", "vip_tier": vip,
                           "created_at": now - timedelta(days=rng.randint(30, 2500))}})
    return people


def _policies(rng: random.Random, fake: Faker, segment: str, vip: int, name: str, today: date,
              used: set[str]) -> list[dict[str, Any]]:
    def policy(line: str, number: Any, objects: list[dict[str, Any]], days: int = 365) -> dict[str, Any]:
        starts = today - timedelta(days=rng.randint(0, days + 60))
        ends = starts + timedelta(days=days - 1)
        status = rng.choices(("active", "cancelled", "pending"), (96, 3, 1))[0]
        if ends < today and status == "active":
            status = "expired"
        return {"number": _unique(used, number), "product_line": line, "status": status,
                "starts_on": starts, "ends_on": ends, "insured_objects": objects}

    def digits(k: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(k))

    if segment == "dms":
        programme = "VIP" if vip else rng.choice(PROGRAMMES)
        return [policy("dms", lambda: f"ДМС-{rng.randint(10, 99)}-{digits(7)}", [{
            "type": "person", "full_name": name, "programme": programme,
            "clinics": rng.sample(CLINICS, 2)}])]
    if segment == "travel":
        group = rng.choices(("europe", "asia", "cis"), (50, 30, 20))[0]
        country, city = rng.choice(COUNTRIES[group])
        return [policy("travel", lambda: f"BA-{today.year}-{digits(7)}", [{
            "type": "trip", "group": group, "country": country, "city": city, "sum_insured_eur": 50000}],
            days=rng.randint(7, 30))]
    result = []
    car = rng.choice(CARS)
    vehicle = {"type": "vehicle", "make": car[0], "model": car[1], "year": rng.randint(2008, today.year),
               "plate": _plate(rng), "vin": fake.vin()}
    if rng.random() < 0.85:
        result.append(policy("osago", lambda: f"{rng.choice(OSAGO_SERIES)} {digits(10)}", [vehicle]))
    if rng.random() < 0.45:
        result.append(policy("kasko", lambda: f"SYS{digits(10)}", [vehicle]))
    if rng.random() < 0.25 or not result:
        result.append(policy("property", lambda: f"ИФЛ-{digits(8)}", [{
            "type": "apartment", "address": fake.address(), "area_m2": rng.randint(28, 140)}]))
    return result


def _plate(rng: random.Random) -> str:
    letters = [rng.choice(PLATE_LETTERS) for _ in range(3)]
    return f"{letters[0]}{rng.randint(1, 999):03d}{letters[1]}{letters[2]}{rng.choice(REGIONS)}"


def _unique(used: set[str], make: Any) -> str:
    value = make()
    while value in used:
        value = make()
    used.add(value)
    return str(value)


def load_people(uow: UnitOfWork) -> list[Person]:
    """The demo customers as stored (whether this run or an earlier one inserted them)."""
    session = uow.session
    rows = session.execute(select(Customer.id, Customer.language, Customer.vip_tier).where(
        Customer.external_ref.like(REF_PREFIX + "%")).order_by(Customer.id)).all()
    people = {cid: Person(cid, "motor", language, vip, "", None) for cid, language, vip in rows}
    for cid, phone in session.execute(select(CustomerPhone.customer_id, CustomerPhone.phone).order_by(
            CustomerPhone.id)):
        if cid in people and not people[cid].phone:
            people[cid].phone = phone
    for cid, email in session.execute(select(CustomerEmail.customer_id, CustomerEmail.email)):
        if cid in people and people[cid].email is None:
            people[cid].email = email
    for pid, cid, line, objects in session.execute(select(
            Policy.id, Policy.customer_id, Policy.product_line, Policy.insured_objects).order_by(Policy.id)):
        person = people.get(cid)
        if person is None:
            continue
        person.policies.setdefault(line, pid)
        if line in ("dms", "travel"):
            person.segment = line
        if line == "travel" and objects:
            person.trip = (objects[0]["group"], objects[0]["country"], objects[0]["city"])
    return list(people.values())
