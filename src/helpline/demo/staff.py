"""The demo's people: the log-ins of DEMO_LOGINS and 94 operators with skills, certifications
(some expired, some never passed, so eligibility can be shown) and capacities."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from faker import Faker
from sqlalchemy import select

from helpline.adapters.db.models import Agent, AgentCapacity, AgentSkill, Certification, User
from helpline.demo import catalogue as cat
from helpline.demo.reference import Refs
from helpline.services import auth
from helpline.services.unit_of_work import UnitOfWork

NEVER_CERTIFIED = None


@dataclass
class AgentSpec:
    employee_no: str
    display_name: str
    site: str
    team: str
    shift: str  # early / mid / late (general sites), day / night / evening (medical desk)
    crew: int  # which days off (5/2) or which alternate days (2/2 on the medical desk)
    username: str | None
    skills: dict[str, int] = field(default_factory=dict)
    # skill -> (passed days ago, expires in days (negative: expired) or None) or NEVER_CERTIFIED
    certs: dict[str, tuple[int, int | None] | None] = field(default_factory=dict)


def agent_specs(seed: int) -> list[AgentSpec]:
    """The operators, the same for a given seed: shifts and days off spread so that every shift has
    each skill, and a few certification gaps (expired, never passed, too low a level) to show."""
    rng, fake = random.Random(seed + 1), Faker("ru_RU")
    fake.seed_instance(seed + 1)
    specs = [
        AgentSpec("MSK-000", _name(rng, fake), cat.MOSCOW, "Автострахование", "early", 0, "agent",
                  {"osago": 7, "kasko": 6}, {"osago": (400, 330), "kasko": (300, 430)}),
        AgentSpec("MED-000", _name(rng, fake), cat.MEDICAL, "Врачи-кураторы", "day", 0, "doctor", {"dms_medical": 9},
                  {"dms_medical": (600, None)}),
    ]
    specs += _general(rng, fake, "msk", cat.MOSCOW, {"early": 13, "mid": 9, "late": 14},
                      expired={5: "kasko"}, uncertified={8: "property"}, novice=17)
    specs += _general(rng, fake, "spb", cat.SPB, {"early": 6, "mid": 4, "late": 6}, expired={3: "osago"},
                      universal=True)
    for i in range(40):  # by day 20 doctors (6 VIP curators) and 8 assistance operators; 8 at night, 4 evenings
        shift = "day" if i < 28 else "night" if i < 36 else "evening"
        crew = i % 2 if shift != "evening" else (3 * i) % 10
        doctor, assistance = i < 20 or shift != "day", i >= 20
        skills: dict[str, int] = {}
        senior = i < 6 or shift != "day"  # VIP curators by day; by night every doctor may take VIP calls
        _maybe(skills, "dms_medical", doctor, rng.randint(8, 10) if senior else rng.randint(5, 10))
        _maybe(skills, "vip", senior, rng.randint(6, 9))
        _maybe(skills, "email", doctor and i % 3 == 1, rng.randint(4, 9))
        _maybe(skills, "chat", doctor and i % 3 == 2, rng.randint(4, 9))
        _maybe(skills, "travel_europe", assistance, rng.randint(5, 9))
        _maybe(skills, "travel_asia", assistance and not 26 <= i <= 27, rng.randint(5, 9))
        _maybe(skills, "travel_cis", assistance and not 20 <= i <= 23, rng.randint(5, 9))
        _maybe(skills, "lang_en", assistance and i % 2 == 0, rng.randint(5, 9))
        team = ("VIP-кураторы" if i < 6 else "Ассистанс" if assistance and shift == "day" else "Врачи-кураторы")
        specs.append(_spec(rng, fake, "med", cat.MEDICAL, i, team, shift, crew, skills,
                           expired={"dms_medical": 45} if i == 6 else {},
                           uncertified={"travel_asia"} if i == 21 else set()))
    return specs


def _general(rng: random.Random, fake: Faker, prefix: str, site: str, shifts: dict[str, int], *,
             expired: dict[int, str], uncertified: dict[int, str] | None = None,
             novice: int | None = None, universal: bool = False) -> list[AgentSpec]:
    """A general site's operators; a universal team (St Petersburg's) takes every product line."""
    kinds = [kind for kind, n in shifts.items() for _ in range(n)]
    crews = [i % 10 for i in range(len(kinds))]
    rng.shuffle(kinds)
    rng.shuffle(crews)
    seen: dict[str, int] = {}
    specs = []
    for i, (kind, crew) in enumerate(zip(kinds, crews, strict=True)):
        rank = seen[kind] = seen.get(kind, -1) + 1  # the first three of each shift take complaints
        skills = {"osago": rng.randint(4, 10)}
        _maybe(skills, "kasko", universal or i % 5 != 4, rng.randint(3, 10))
        _maybe(skills, "property", universal or i % 2 == 0 or i in (uncertified or {}),
               2 if i == novice else rng.randint(4, 9))
        _maybe(skills, "complaints", rank < 3, rng.randint(6, 9))
        _maybe(skills, "chat", i % 6 == 1, rng.randint(4, 9))
        _maybe(skills, "email", i % 6 == 4, rng.randint(4, 9))
        _maybe(skills, "lang_en", i % 7 == 0, rng.randint(5, 9))
        team = ("Имущество и претензии" if "complaints" in skills or "property" in skills else
                "Цифровые каналы" if "chat" in skills or "email" in skills else "Автострахование")
        if prefix != "msk":
            team = "Цифровые каналы" if "chat" in skills or "email" in skills else "Универсальная группа"
        specs.append(_spec(rng, fake, prefix, site, i, team, kind, crew, skills,
                           expired={expired[i]: 20 if prefix == "msk" else 200} if i in expired else {},
                           uncertified={(uncertified or {})[i]} if i in (uncertified or {}) else set()))
    return specs


def _maybe(skills: dict[str, int], code: str, condition: bool, level: int) -> None:
    if condition:
        skills[code] = level


def _name(rng: random.Random, fake: Faker) -> str:
    if rng.random() < 0.6:
        return f"{fake.last_name_female()} {fake.first_name_female()} {fake.middle_name_female()}"
    return f"{fake.last_name_male()} {fake.first_name_male()} {fake.middle_name_male()}"


def _spec(rng: random.Random, fake: Faker, prefix: str, site: str, i: int, team: str, shift: str, crew: int,
          skills: dict[str, int], *, expired: dict[str, int], uncertified: set[str] | None = None) -> AgentSpec:
    n = i + 1
    username = None if i % 9 == 8 else f"{prefix}{n:02d}"  # a few operators are known to the PBX only
    spec = AgentSpec(f"{prefix.upper()}-{n:03d}", _name(rng, fake), site, team, shift, crew, username, skills)
    for code in skills:
        if code in (uncertified or set()):
            spec.certs[code] = NEVER_CERTIFIED
        elif code in expired:
            spec.certs[code] = (expired[code] + 730, -expired[code])
        else:
            spec.certs[code] = (rng.randint(120, 900), None if rng.random() < 0.2 else rng.randint(60, 700))
    return spec


def ensure_staff(uow: UnitOfWork, refs: Refs, specs: list[AgentSpec]) -> int:
    """Create the demo log-ins and the operators that are missing; returns how many rows were created."""
    session, now, created = uow.session, uow.now(), 0
    existing_users = set(session.scalars(select(User.username)))

    def user(username: str, password: str, role: str, full_name: str, sites: tuple[str, ...] = ()) -> None:
        nonlocal created
        if username in existing_users:
            return
        record = auth.create_user(uow, username=username, role=role, password=None, full_name=full_name,
                                  site_ids=[refs.sites[s] for s in sites])
        record.password_hash = _demo_hash(password)
        existing_users.add(username)
        created += 1

    names = {s.username: s.display_name for s in specs if s.username}
    for username, password, role, description in cat.DEMO_LOGINS:
        user(username, password, role, names.get(username, description), cat.SUPERVISED_SITES.get(username, ()))
    for spec in specs:
        if spec.username:
            user(spec.username, cat.AGENT_PASSWORD, "agent", spec.display_name)
    uow.flush()
    user_ids = {username: uid for username, uid in session.execute(select(User.username, User.id))}
    known = set(session.scalars(select(Agent.employee_no)))
    linked = set(session.scalars(select(Agent.user_id).where(Agent.user_id.is_not(None))))
    for spec in specs:
        if spec.employee_no not in known:
            user_id = user_ids.get(spec.username) if spec.username else None
            session.add(_agent(spec, refs, None if user_id in linked else user_id, now))
            created += 1
    uow.flush()
    return created


@cache
def _demo_hash(password: str) -> str:
    """argon2 is slow by design: one hash per published demo password (they are no secret) and process."""
    return auth.hash_password(password)


def _agent(spec: AgentSpec, refs: Refs, user_id: int | None, now: datetime) -> Agent:
    agent = Agent(user_id=user_id, employee_no=spec.employee_no, display_name=spec.display_name,
                  site_id=refs.sites[spec.site], team_id=refs.teams[spec.site, spec.team], presence="logged_out",
                  presence_since=now)
    agent.skills = [AgentSkill(skill_id=refs.skills[code], proficiency=level) for code, level in spec.skills.items()]
    requires = {code for code, _name, certified in cat.SKILLS if certified}
    for code, cert in spec.certs.items():
        if cert is not None and code in requires:
            passed, expires = cert
            agent.certifications.append(Certification(
                skill_id=refs.skills[code], passed_at=now - timedelta(days=passed),
                expires_at=None if expires is None else now + timedelta(days=expires)))
    capacities = {"voice": 1, "chat": 3, "email": 5} | ({"app": 5} if spec.site == cat.MEDICAL else {})
    agent.capacities = [AgentCapacity(channel=c, capacity=n) for c, n in capacities.items()]
    return agent
