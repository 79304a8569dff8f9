"""The shape of the demo history, taken from the published figures (BRIEF §1, seed 000): volumes by
queue, Mon–Tue peaks at 10–14 and 17–20 Moscow time, waits of 11 s (Moscow) and 7 s (St Petersburg),
the medical desk's channel mix 60/21/6/13, rare complaints."""

from dataclasses import dataclass

from helpline.domain.vocabulary import CaseType

MOSCOW_SHARE = 0.84  # of the general voice calls; St Petersburg takes the rest

# Monday..Sunday factors (mean 1) and 24 hourly weights in Moscow time
GENERAL_DAYS = (1.3, 1.25, 1.05, 1.0, 0.95, 0.8, 0.65)
MEDICAL_DAYS = (1.2, 1.15, 1.05, 1.0, 1.0, 0.85, 0.75)
TRAVEL_DAYS = (0.98, 0.97, 0.97, 0.98, 1.0, 1.05, 1.05)
OFFICE = (0,) * 8 + (0.55, 0.9, 1.45, 1.6, 1.6, 1.45, 1.05, 1.0, 1.05, 1.3, 1.4, 1.3, 0.7) + (0,) * 3
MEDICAL = (0.15, 0.1, 0.08, 0.08, 0.1, 0.15, 0.3, 0.6, 1.0, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.2, 1.1, 1.0, 0.9,
           0.8, 0.6, 0.45, 0.3, 0.2)
TRAVEL = (0.5, 0.45, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, 0.85, 0.8, 0.7, 0.6)
MAIL = (0.1,) * 7 + (0.4, 0.9, 1.3, 1.4, 1.4, 1.3, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.5, 0.4, 0.3, 0.2)


@dataclass(frozen=True)
class Scenario:
    key: str  # the topic is "<product line>.<key>"
    case_type: CaseType
    wrap_up_code: str
    weight: float
    talk_factor: float = 1.0
    subject: str = ""


@dataclass(frozen=True)
class Behaviour:
    daily: float  # interactions on an average day at scale 1.0
    days: tuple[float, ...]
    hours: tuple[float, ...]
    wait: tuple[str, float, float]  # ("exp", mean answered wait s, mean patience s) | ("lognormal", median s, sigma)
    talk: tuple[float, float]  # lognormal median s, sigma (for e-mail and app: the handling time)
    wrap: tuple[float, float]
    scenarios: tuple[Scenario, ...]
    ivr: tuple[int, int] = (0, 2)  # seconds from received to entered queue (greeting, menu)
    ring: tuple[int, int] = (2, 6)  # seconds from offered to answered


S = Scenario
E = CaseType
MOTOR = (S("claim", E.MOTOR_CLAIM, "claim_registered", 22, 1.6, "Извещение о ДТП"),
         S("info", E.ENQUIRY, "info_given", 50, 1.0, "Консультация по полису"),
         S("policy", E.ENQUIRY, "resolved", 15, 1.1, "Изменения в полисе"),
         S("callback", E.ENQUIRY, "callback_promised", 8, 1.0, "Статус выплаты"),
         S("transfer", E.ENQUIRY, "transferred", 3, 0.6, "Вопрос другого подразделения"))
KASKO = (*MOTOR, S("roadside", E.ROADSIDE_ASSISTANCE, "resolved", 4, 1.2, "РЕСОавто-Помощь: эвакуатор"))
PROPERTY = (S("claim", E.PROPERTY_CLAIM, "claim_registered", 25, 1.6, "Заявление об ущербе имуществу"),
            S("info", E.ENQUIRY, "info_given", 50, 1.0, "Консультация по страхованию имущества"),
            S("policy", E.ENQUIRY, "resolved", 20, 1.1, "Продление полиса"),
            S("callback", E.ENQUIRY, "callback_promised", 5, 1.0, "Статус выплаты"))
COMPLAINTS = (S("complaint", E.COMPLAINT, "complaint_registered", 90, 1.5, "Претензия"),
              S("info", E.ENQUIRY, "info_given", 10, 1.0, "Порядок подачи претензии"))
DMS = (S("guarantee", E.DMS_GUARANTEE_LETTER, "guarantee_letter_issued", 65, 1.0, "Гарантийное письмо в клинику"),
       S("status", E.DMS_GUARANTEE_LETTER, "info_given", 20, 0.7, "Статус гарантийного письма"),
       S("callback", E.DMS_GUARANTEE_LETTER, "callback_promised", 10, 0.8, "Согласование услуги"),
       S("appointment", E.DMS_GUARANTEE_LETTER, "resolved", 5, 1.0, "Запись к врачу"))
TRAVEL_CASES = (S("assistance", E.TRAVEL_ASSISTANCE, "guarantee_letter_issued", 35, 1.2, "Гарантия оплаты лечения"),
                S("advice", E.TRAVEL_ASSISTANCE, "info_given", 25, 0.9, "Медицинская консультация"),
                S("followup", E.TRAVEL_ASSISTANCE, "callback_promised", 25, 1.0, "Подбор клиники"),
                S("closed", E.TRAVEL_ASSISTANCE, "resolved", 15, 0.8, "Возмещение расходов"))
DIGITAL = (S("info", E.ENQUIRY, "info_given", 60, 1.0, "Вопрос по полису"),
           S("policy", E.ENQUIRY, "resolved", 32, 1.0, "Документы по полису"),
           S("callback", E.ENQUIRY, "callback_promised", 5, 1.0, "Просьба перезвонить"),
           S("transfer", E.ENQUIRY, "transferred", 3, 0.6, "Вопрос другого подразделения"))

_VOICE_TALK, _VOICE_WRAP = (150.0, 0.55), (30.0, 0.5)


def _general(daily: float, share: float, wait: float, scenarios: tuple[Scenario, ...],
             talk: tuple[float, float] = _VOICE_TALK) -> Behaviour:
    return Behaviour(daily * share, GENERAL_DAYS, OFFICE, ("exp", wait, 300), talk, _VOICE_WRAP, scenarios,
                     ivr=(8, 15))


def _both(code: str, daily: float, scenarios: tuple[Scenario, ...], **kw: tuple[float, float]) -> dict[str, Behaviour]:
    return {f"msk_{code}": _general(daily, MOSCOW_SHARE, 11.0, scenarios, **kw),
            f"spb_{code}": _general(daily, 1 - MOSCOW_SHARE, 7.0, scenarios, **kw)}


_MED_VOICE = dict(days=MEDICAL_DAYS, hours=MEDICAL, talk=(240.0, 0.5), wrap=(60.0, 0.5), scenarios=DMS, ivr=(15, 20))
_TRAVEL = dict(days=TRAVEL_DAYS, hours=TRAVEL, wait=("exp", 15.0, 400), talk=(380.0, 0.6), wrap=(90.0, 0.5),
               scenarios=TRAVEL_CASES, ivr=(10, 18))

BEHAVIOUR: dict[str, Behaviour] = {
    **_both("osago", 296, MOTOR),
    **_both("kasko", 310, KASKO),
    **_both("property", 129, PROPERTY, talk=(180.0, 0.55)),
    **_both("complaints", 2.0, COMPLAINTS, talk=(300.0, 0.5)),
    # the medical desk: 381 requests a day, 60 % phone, 21 % app, 6 % chat, 13 % e-mail
    "med_dms_voice": Behaviour(208, wait=("exp", 18.0, 300), **_MED_VOICE),  # type: ignore[arg-type]
    "med_dms_vip_voice": Behaviour(21, wait=("exp", 8.0, 600), **_MED_VOICE),  # type: ignore[arg-type]
    "med_dms_app": Behaviour(80, MEDICAL_DAYS, MEDICAL, ("lognormal", 300, 0.8), (240, 0.6), (40, 0.5), DMS,
                             ring=(5, 40)),
    "med_dms_chat": Behaviour(23, MEDICAL_DAYS, MEDICAL, ("exp", 25.0, 600), (420, 0.6), (20, 0.5), DMS,
                              ring=(2, 10)),
    "med_dms_email": Behaviour(49, MEDICAL_DAYS, MAIL, ("lognormal", 1200, 0.9), (300, 0.7), (40, 0.5), DMS,
                               ring=(5, 60)),
    "balt_travel_europe": Behaviour(48, **_TRAVEL),  # type: ignore[arg-type]
    "balt_travel_asia": Behaviour(28, **_TRAVEL),  # type: ignore[arg-type]
    "balt_travel_cis": Behaviour(19, **_TRAVEL),  # type: ignore[arg-type]
    "reso_chat": Behaviour(42, GENERAL_DAYS, OFFICE, ("exp", 25.0, 600), (420, 0.6), (20, 0.5), DIGITAL,
                           ring=(2, 10)),
    "reso_email": Behaviour(38, GENERAL_DAYS, MAIL, ("lognormal", 1200, 0.9), (300, 0.7), (40, 0.5), DIGITAL,
                            ring=(5, 60)),
}

# case type -> (resolved after hours lo..hi, chance of a follow-up contact, follow-up after hours lo..hi)
CASE_PLAN: dict[str, tuple[tuple[float, float], float, tuple[float, float]]] = {
    E.MOTOR_CLAIM: ((120, 480), 0.5, (24, 168)),
    E.PROPERTY_CLAIM: ((168, 720), 0.4, (48, 240)),
    E.ROADSIDE_ASSISTANCE: ((1, 3), 0.2, (0.3, 1)),
    E.DMS_GUARANTEE_LETTER: ((0.5, 6), 0.1, (1, 4)),
    E.TRAVEL_ASSISTANCE: ((24, 168), 0.5, (2, 48)),
    E.COMPLAINT: ((96, 504), 0.3, (72, 240)),
    E.ENQUIRY: ((0, 0), 0.0, (0, 0)),
}
# enquiries are resolved at the end of the contact, except these wrap-ups: resolved after hours lo..hi
ENQUIRY_DELAY = {"callback_promised": (1.0, 24.0), "transferred": (2.0, 48.0)}
# a DMS or travel contact that only informed or called back needs no letter: resolved at once
IMMEDIATE_WRAP_UPS = frozenset({"info_given", "resolved"})
RETRY_CHANCE, RETRY_AFTER_S = 0.6, (60, 1800)  # callers who abandoned and try again
HOLD_CHANCE, HOLD_S = 0.12, (20, 120)
UNKNOWN_CALLER = 0.04  # voice calls from numbers that identify no customer
WAIT_GAIN = 0.01  # how fast the simulated answer speed is steered to the published average wait
