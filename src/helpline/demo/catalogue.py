"""The demo insurer's fixed reference data: RESO-Garantia's two general sites and medical desk
(BRIEF §1, seed 000), and Balt Assistance's travel desk grouped by the customer's country (seed 001)."""

from dataclasses import dataclass, field
from typing import Any

from helpline.domain.vocabulary import Channel, ProductLine, Role

MOSCOW, SPB, MEDICAL = "Москва", "Санкт-Петербург", "Медицинский пульт"
SITES: tuple[tuple[str, str, str], ...] = (
    (MOSCOW, "Europe/Moscow", "RU"),
    (SPB, "Europe/Moscow", "RU"),
    (MEDICAL, "Europe/Moscow", "RU"),
)
TEAMS: dict[str, tuple[str, ...]] = {
    MOSCOW: ("Автострахование", "Имущество и претензии", "Цифровые каналы"),
    SPB: ("Универсальная группа", "Цифровые каналы"),
    MEDICAL: ("Врачи-кураторы", "VIP-кураторы", "Ассистанс"),
}
RESO, BALT = "reso", "balt"
CLIENTS = ((RESO, "РЕСО-Гарантия"), (BALT, "Balt Assistance"))

# code, name, requires_certification
SKILLS: tuple[tuple[str, str, bool], ...] = (
    ("osago", "ОСАГО", True),
    ("kasko", "КАСКО", True),
    ("property", "Страхование имущества", True),
    ("complaints", "Претензии и жалобы", True),
    ("dms_medical", "ДМС: врач-куратор", True),
    ("travel_europe", "Ассистанс: Европа", True),
    ("travel_asia", "Ассистанс: Азия", True),
    ("travel_cis", "Ассистанс: СНГ", True),
    ("chat", "Чат", False),
    ("email", "Электронная почта", False),
    ("lang_en", "Английский язык", False),
    ("vip", "VIP-обслуживание", True),
)

# the service level each channel promises: (answered within seconds, share)
SERVICE_LEVEL = {Channel.VOICE: (20, 0.8), Channel.CHAT: (60, 0.8), Channel.EMAIL: (3600, 0.8),
                 Channel.APP: (900, 0.8)}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_HOURS = {day: [["08:00", "21:00"]] for day in _DAYS}


@dataclass(frozen=True)
class QueueSpec:
    code: str
    name: str
    client: str
    site: str | None
    channel: Channel
    product_line: ProductLine | None
    skills: dict[str, int]
    priority: int = 0
    hours: dict[str, list[list[str]]] = field(default_factory=dict)  # empty: 24/7
    expansion: tuple[dict[str, Any], ...] = ()  # routing steps, as the queue administration stores them
    agent_choice: str = "best_proficiency"


def _general(prefix: str, site: str, city: str) -> list[QueueSpec]:
    lines = (("osago", "ОСАГО", ProductLine.OSAGO, 3), ("kasko", "КАСКО", ProductLine.KASKO, 3),
             ("property", "Имущество", ProductLine.PROPERTY, 3), ("complaints", "Претензии", None, 5))
    # after 30 s a less experienced operator may take the call (not a complaint); after 60 s the other city helps
    other_city = {"after_s": 60, "any_site": True}
    return [QueueSpec(f"{prefix}_{code}", f"{title} — {city}", RESO, site, Channel.VOICE, line, {code: level},
                      priority=1 if code == "complaints" else 0, hours=OFFICE_HOURS,
                      expansion=(other_city,) if code == "complaints" else (*_relax_after(30, code, 1), other_city))
            for code, title, line, level in lines]


def _relax_after(seconds: int, skill: str, level: int) -> tuple[dict[str, Any], ...]:
    return ({"after_s": seconds, "min_proficiency": {skill: level}},)


QUEUES: tuple[QueueSpec, ...] = (
    *_general("msk", MOSCOW, "Москва"),
    *_general("spb", SPB, "Санкт-Петербург"),
    QueueSpec("med_dms_voice", "ДМС — телефон", RESO, MEDICAL, Channel.VOICE, ProductLine.DMS, {"dms_medical": 5}),
    QueueSpec("med_dms_vip_voice", "ДМС — VIP-кураторы", RESO, MEDICAL, Channel.VOICE, ProductLine.DMS,
              {"dms_medical": 7, "vip": 5}, priority=5,
              expansion=({"after_s": 45, "move_to_queue": "med_dms_voice"},)),  # no VIP curator free: any doctor
    QueueSpec("med_dms_app", "ДМС — RESO Mobile", RESO, MEDICAL, Channel.APP, ProductLine.DMS,
              {"dms_medical": 5, "email": 3}),
    QueueSpec("med_dms_chat", "ДМС — чат", RESO, MEDICAL, Channel.CHAT, ProductLine.DMS, {"dms_medical": 5, "chat": 3}),
    QueueSpec("med_dms_email", "ДМС — e-mail", RESO, MEDICAL, Channel.EMAIL, ProductLine.DMS,
              {"dms_medical": 5, "email": 3}),
    QueueSpec("balt_travel_europe", "Ассистанс — Европа", BALT, MEDICAL, Channel.VOICE, ProductLine.TRAVEL,
              {"travel_europe": 4}, priority=3, expansion=_relax_after(40, "travel_europe", 2)),
    QueueSpec("balt_travel_asia", "Ассистанс — Азия", BALT, MEDICAL, Channel.VOICE, ProductLine.TRAVEL,
              {"travel_asia": 4}, priority=3, expansion=_relax_after(40, "travel_asia", 2)),
    QueueSpec("balt_travel_cis", "Ассистанс — СНГ", BALT, MEDICAL, Channel.VOICE, ProductLine.TRAVEL,
              {"travel_cis": 4}, priority=3, expansion=_relax_after(40, "travel_cis", 2)),
    QueueSpec("reso_chat", "Чат на сайте", RESO, None, Channel.CHAT, None, {"chat": 3}, hours=OFFICE_HOURS,
              agent_choice="least_occupied"),  # spread chats over operators rather than fill the best one
    QueueSpec("reso_email", "Электронная почта", RESO, None, Channel.EMAIL, None, {"email": 3}),
)

WRAP_UP_CODES = (
    ("resolved", "Вопрос решён"),
    ("info_given", "Дана информация"),
    ("claim_registered", "Заявлен страховой случай"),
    ("guarantee_letter_issued", "Выдано гарантийное письмо"),
    ("callback_promised", "Обещан обратный звонок"),
    ("transferred", "Переведён в другое подразделение"),
    ("complaint_registered", "Зарегистрирована претензия"),
)
# code, name, paid (unpaid reasons are not shrinkage)
NOT_READY_REASONS = (
    ("break", "Перерыв", True),
    ("lunch", "Обед", False),
    ("training", "Обучение", True),
    ("meeting", "Совещание", True),
    ("after_call_work", "Постобработка", True),
    ("no_answer", "Не ответил на вызов", True),
)

AGENT_PASSWORD = "agent-demo-1"
# username, password, role, description (printed by the quick start)
DEMO_LOGINS: list[tuple[str, str, str, str]] = [
    ("admin", "admin-demo-1", Role.ADMIN.value, "администратор: настройка всего центра"),
    ("supervisor", "supervisor-demo-1", Role.SUPERVISOR.value, "супервизор Москвы и Санкт-Петербурга"),
    ("medsup", "supervisor-demo-1", Role.SUPERVISOR.value, "супервизор медицинского пульта"),
    ("qa", "qa-demo-1", Role.QA.value, "контроль качества"),
    ("agent", AGENT_PASSWORD, Role.AGENT.value, "оператор в Москве (ОСАГО, КАСКО)"),
    ("doctor", AGENT_PASSWORD, Role.AGENT.value, "врач-куратор ДМС на медицинском пульте"),
    ("pbx", "integration-demo-1", Role.INTEGRATION.value, "интеграция с АТС и каналами"),
]
SUPERVISED_SITES = {"supervisor": (MOSCOW, SPB), "medsup": (MEDICAL,)}

HOTLINE = {RESO: "+78000000000", BALT: "+74950000000"}
MAILBOX = {RESO: "help@reso.demo", BALT: "assistance@balt.demo"}
