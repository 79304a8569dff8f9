"""Cases in the demo history: what a new case holds, when it is resolved, whether the customer calls
about it again."""

import random
from typing import Any

from helpline.demo import profile as pf
from helpline.demo.customers import CLINICS
from helpline.demo.records import CaseRec, Contact
from helpline.domain.vocabulary import CaseType

H = 3_600_000
SERVICES = ("Приём терапевта", "МРТ коленного сустава", "Анализы крови", "Консультация кардиолога",
            "УЗИ брюшной полости", "Лечение зуба", "Вызов врача на дом", "Госпитализация")
SYMPTOMS = ("температура", "травма ноги", "отравление", "боль в ухе", "аллергическая реакция", "укус животного")
ROADSIDE = ("эвакуатор", "аварийный комиссар", "запуск двигателя", "замена колеса")
CITIES = ("Москва", "Химки", "Балашиха", "Подольск", "Санкт-Петербург", "Пушкин", "Колпино")


def new_case(rng: random.Random, contact: Contact, client: str, queue_site_line: str | None) -> CaseRec:
    person, scenario = contact.person, contact.scenario
    line = contact.product_line or queue_site_line
    vip = person is not None and person.vip_tier > 0
    priority = ("high" if scenario.case_type == CaseType.COMPLAINT or vip else
                "urgent" if scenario.case_type == CaseType.TRAVEL_ASSISTANCE and rng.random() < 0.2 else "normal")
    return CaseRec(client=client, person=person,
                   policy_id=person.policies.get(line) if person is not None and line else None,
                   queue=contact.queue, type=scenario.case_type.value, topic=contact.topic,
                   subject=scenario.subject, product_line=line, priority=priority, created=contact.received,
                   details=_details(rng, scenario.case_type, person), updated=contact.received)


def _details(rng: random.Random, case_type: CaseType, person: Any) -> dict[str, Any]:
    if case_type == CaseType.MOTOR_CLAIM:
        return {"place": rng.choice(CITIES), "europrotocol": rng.random() < 0.4, "injured": 0,
                "police_report": rng.random() < 0.3}
    if case_type == CaseType.PROPERTY_CLAIM:
        return {"loss": rng.choice(("залив", "пожар", "кража", "стихийное бедствие")), "estimate_rub":
                rng.randint(20, 900) * 1000}
    if case_type == CaseType.DMS_GUARANTEE_LETTER:
        return {"clinic": rng.choice(CLINICS), "service": rng.choice(SERVICES),
                "decision": "approved" if rng.random() < 0.97 else "declined"}  # 96–98 % approved
    if case_type == CaseType.TRAVEL_ASSISTANCE:
        trip = person.trip if person is not None and person.trip else ("europe", "Италия", "Рим")
        return {"country": trip[1], "city": trip[2], "symptoms": rng.choice(SYMPTOMS), "medical_review": True}
    if case_type == CaseType.ROADSIDE_ASSISTANCE:
        return {"service": rng.choice(ROADSIDE), "eta_min": rng.randint(30, 90)}
    if case_type == CaseType.COMPLAINT:
        return {"deadline_working_days": 15, "remedy": "пересмотр суммы выплаты"}
    return {}


def resolution(rng: random.Random, case: CaseRec, contact: Contact) -> int:
    """When a case first answered by `contact` will be resolved (ms; it may lie beyond the history)."""
    assert contact.answered is not None and contact.completed is not None
    wrap = contact.scenario.wrap_up_code
    if case.type == CaseType.ENQUIRY:
        lo, hi = pf.ENQUIRY_DELAY.get(wrap, (0.0, 0.0))
        return contact.completed + int(rng.uniform(lo, hi) * H)
    if case.type == CaseType.DMS_GUARANTEE_LETTER and wrap in pf.IMMEDIATE_WRAP_UPS:
        return contact.completed
    (lo, hi), _chance, _after = pf.CASE_PLAN[case.type]
    return max(contact.completed, contact.answered + int(rng.uniform(lo, hi) * H))


def follow_up_at(rng: random.Random, case: CaseRec, contact: Contact) -> int | None:
    """When the customer contacts us again about the case, if they do."""
    _resolve, chance, (lo, hi) = pf.CASE_PLAN[case.type]
    if contact.answered is None or rng.random() >= chance:
        return None
    return contact.answered + int(rng.uniform(lo, hi) * H)


def follow_up_scenario(rng: random.Random, scenario: pf.Scenario) -> pf.Scenario:
    wrap = "info_given" if rng.random() < 0.7 else "callback_promised"
    return pf.Scenario(scenario.key, scenario.case_type, wrap, 0, 0.7, scenario.subject)
