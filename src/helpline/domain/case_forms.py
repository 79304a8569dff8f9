"""What an operator captures for each case type (BRIEF §5), and the checks on it. Pure: no framework,
database or I/O; the caller passes today's date in the centre's time zone.

Labels, choice texts and error messages are English message ids: the web pages translate them (desk.po).
`check(case_type, raw, today)` turns the posted text into JSON-storable values for `cases.details`, or
returns field name -> message id for what is wrong."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from helpline.domain.vocabulary import CaseType


class Kind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    TIME = "time"
    NUMBER = "number"  # a non-negative number (money, minutes)
    COUNT = "count"  # a non-negative whole number
    CHOICE = "choice"
    YES_NO = "yes_no"
    VIN = "vin"
    PLATE = "plate"
    COUNTRY = "country"  # ISO 3166-1 alpha-2
    CURRENCY = "currency"  # ISO 4217
    COORDINATES = "coordinates"  # "latitude, longitude" in decimal degrees
    PROVIDER = "provider"  # the id of a provider from the network (checked against it by the service)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    max_length: int = 300
    past_only: bool = False  # a date that must not be in the future


@dataclass(frozen=True)
class CaseForm:
    case_type: CaseType
    fields: tuple[Field, ...]
    product_lines: tuple[str, ...] = field(default=())  # the case's product line follows field `product`

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


# --- messages (ids for the catalogues) ---------------------------------------------------------------

REQUIRED = "This field is required."
TOO_LONG = "This is too long."
NOT_A_DATE = "Enter a date."
NOT_A_TIME = "Enter a time (hh:mm)."
FUTURE_DATE = "The date cannot be in the future."
NOT_A_NUMBER = "Enter a number of zero or more."
NOT_A_COUNT = "Enter a whole number of zero or more."
NOT_A_CHOICE = "Choose one of the options."
BAD_VIN = "A VIN has 17 letters and digits (no I, O or Q)."
BAD_PLATE = "Enter a plate number of letters and digits (up to 12)."
EUROPROTOCOL_INJURED = "The simplified europrotocol is only for accidents with no injured: set injured to 0."
EUROPROTOCOL_POLICE = "With the simplified europrotocol the police are not involved."
UNKNOWN_TYPE = "This case type has no form."
BAD_COUNTRY = "Enter the country's two-letter ISO code (for example TR)."
BAD_CURRENCY = "Enter a three-letter currency code (for example EUR)."
BAD_COORDINATES = "Enter latitude and longitude, for example 55.75, 37.62."
CURRENCY_NEEDED = "Give the currency of the guarantee."
VALIDITY_ORDER = "The end of validity cannot be before its start."
NOT_ROUTINE = "A patient who needs a hospital or is unconscious is not routine."
PROVIDER_UNKNOWN = "Choose a provider from the network."
PROVIDER_INACTIVE = "This provider is no longer active: choose another."
PROVIDER_WRONG_KIND = "This provider does not give this kind of assistance."
PROVIDER_ELSEWHERE = "This provider is not in the case's country and city."
PROVIDER_PLACE_FIRST = "Save the country and city first, then choose the provider."

YES_NO = (("yes", "Yes"), ("no", "No"))
VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
PLATE_PATTERN = re.compile(r"^[0-9A-ZА-ЯЁ]{4,12}$")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")

FORMS: dict[CaseType, CaseForm] = {form.case_type: form for form in (
    CaseForm(CaseType.MOTOR_CLAIM, (
        Field("product", "Insurance", Kind.CHOICE, required=True, choices=(("osago", "OSAGO"), ("kasko", "KASKO"))),
        Field("europrotocol", "Simplified europrotocol", Kind.YES_NO, required=True, choices=YES_NO),
        Field("accident_date", "Date of the accident", Kind.DATE, required=True, past_only=True),
        Field("accident_time", "Time of the accident", Kind.TIME),
        Field("place", "Place of the accident", required=True),
        Field("plate", "Plate number", Kind.PLATE, required=True),
        Field("vin", "VIN", Kind.VIN),
        Field("policy_number", "Policy number", max_length=60),
        Field("other_vehicles", "Other vehicles (plate, policy, insurer)", Kind.TEXTAREA, max_length=2000),
        Field("drivers", "Drivers", Kind.TEXTAREA, required=True, max_length=2000),
        Field("injured", "Number of injured", Kind.COUNT, required=True),
        Field("witnesses", "Witnesses", Kind.TEXTAREA, max_length=2000),
        Field("police_report", "Police report", Kind.CHOICE, required=True,
              choices=(("none", "No police"), ("called", "Police called"), ("issued", "Report issued"))),
        Field("damage", "Damage", Kind.TEXTAREA, required=True, max_length=4000),
        Field("inspection_place", "Where the car can be inspected"),
    ), product_lines=("osago", "kasko")),
    CaseForm(CaseType.PROPERTY_CLAIM, (
        Field("loss_date", "Date of the loss", Kind.DATE, required=True, past_only=True),
        Field("loss_kind", "Kind of loss", Kind.CHOICE, required=True,
              choices=(("fire", "Fire"), ("flood", "Flood"), ("theft", "Theft"), ("storm", "Storm"),
                       ("other", "Other"))),
        Field("location", "Location", required=True),
        Field("description", "Description", Kind.TEXTAREA, required=True, max_length=4000),
        Field("estimate", "Estimated loss (RUB)", Kind.NUMBER),
        Field("contact", "Contact for the adjuster"),
    )),
    CaseForm(CaseType.DMS_GUARANTEE_LETTER, (  # the doctor-curator's decision is recorded apart (medical skill)
        Field("insured", "Insured person", required=True),
        Field("programme", "Programme", required=True),
        Field("clinic", "Clinic", required=True),
        Field("service", "Requested service", Kind.TEXTAREA, required=True, max_length=2000),
        Field("limit", "Limit (RUB)", Kind.NUMBER),
        Field("valid_from", "Valid from", Kind.DATE),
        Field("valid_until", "Valid until", Kind.DATE),
    )),
    CaseForm(CaseType.TRAVEL_ASSISTANCE, (
        Field("country", "Country (ISO code)", Kind.COUNTRY, required=True, max_length=2),
        Field("city", "City", required=True),
        Field("symptoms", "Symptoms", Kind.TEXTAREA, required=True, max_length=4000),
        Field("conscious", "The patient is conscious", Kind.YES_NO, required=True, choices=YES_NO),
        Field("fever", "Fever", Kind.YES_NO, choices=YES_NO),
        Field("injury", "Injury (accident, fall)", Kind.YES_NO, choices=YES_NO),
        Field("hospitalisation", "Hospitalisation needed", Kind.YES_NO, required=True, choices=YES_NO),
        Field("triage", "Triage", Kind.CHOICE, required=True,
              choices=(("routine", "Routine"), ("urgent", "Urgent"), ("emergency", "Emergency"))),
        Field("provider_id", "Provider from the network", Kind.PROVIDER),
        Field("payment_guarantee", "Guarantee of payment sent", Kind.YES_NO, choices=YES_NO),
        Field("guarantee_amount", "Guarantee amount", Kind.NUMBER),
        Field("guarantee_currency", "Guarantee currency", Kind.CURRENCY, max_length=3),
        Field("repatriation", "Repatriation needed", Kind.YES_NO, choices=YES_NO),
    )),
    CaseForm(CaseType.ROADSIDE_ASSISTANCE, (
        Field("location", "Location", required=True),
        Field("coordinates", "Coordinates (latitude, longitude)", Kind.COORDINATES, max_length=60),
        Field("safe", "The customer is in a safe place", Kind.YES_NO, required=True, choices=YES_NO),
        Field("vehicle", "Vehicle (make, model, plate)", required=True),
        Field("service", "Service", Kind.CHOICE, required=True,
              choices=(("tow", "Tow"), ("jump_start", "Jump start"), ("commissioner", "Accident commissioner"),
                       ("tyre", "Tyre change"), ("fuel", "Fuel delivery"), ("lockout", "Lockout"))),
        Field("country", "Country (ISO code)", Kind.COUNTRY, max_length=2),
        Field("city", "City"),
        Field("provider_id", "Provider from the network", Kind.PROVIDER),
        Field("eta_minutes", "ETA (minutes)", Kind.COUNT),
    )),
    CaseForm(CaseType.COMPLAINT, (
        Field("complainant", "Complainant", required=True),
        Field("subject", "Subject", required=True),
        Field("facts", "Facts", Kind.TEXTAREA, required=True, max_length=4000),
        Field("remedy", "Remedy sought", Kind.TEXTAREA, max_length=2000),
        Field("evidence", "Evidence", Kind.TEXTAREA, max_length=2000),
        Field("handler", "Handler"),
        Field("root_cause", "Root cause", Kind.CHOICE,
              choices=(("service", "Service"), ("claims", "Claims handling"), ("sales", "Sales"),
                       ("product", "Product terms"), ("other", "Other"))),
    )),
)}
FORM_TYPES: tuple[CaseType, ...] = tuple(FORMS)

# The provider field (Kind.PROVIDER) offers only the active providers of these kinds in the case's country and
# city; the chosen provider's id and, for display, its name (`provider`) go into the case's details.
PROVIDER_KINDS: dict[CaseType, tuple[str, ...]] = {
    CaseType.TRAVEL_ASSISTANCE: ("clinic", "assistance"),
    CaseType.ROADSIDE_ASSISTANCE: ("tow",),
}
PROVIDER_NAME = "provider"  # the details key with the chosen provider's name


@dataclass(frozen=True)
class ProviderFacts:
    """What the provider check needs to know of a provider (the service loads it)."""

    kind: str
    country: str
    city_key: str  # the city, case-folded
    active: bool


def provider_problem(case_type: CaseType | str, values: Mapping[str, Any],
                     provider: ProviderFacts | None) -> str | None:
    """Why the provider chosen on the form (values["provider_id"]) cannot be taken, or None. `provider` is that
    provider, None when there is no such provider. The country and city are the form's (saved with it)."""
    if values.get("provider_id") is None:
        return None
    if provider is None:
        return PROVIDER_UNKNOWN
    if provider.kind not in PROVIDER_KINDS.get(CaseType(case_type), ()):
        return PROVIDER_WRONG_KIND
    if not provider.active:
        return PROVIDER_INACTIVE
    country, city = str(values.get("country") or ""), str(values.get("city") or "")
    if not country or not city:
        return PROVIDER_PLACE_FIRST
    if provider.country != country.upper() or provider.city_key != city.strip().casefold():
        return PROVIDER_ELSEWHERE
    return None


@dataclass(frozen=True)
class Workflow:
    """What follows the form of a case type: the operator's next steps (message ids, in order), the SMS
    template that tells the customer what to send or do (services/notifications.py), whether a doctor with
    the medical skill decides (a guarantee letter) and whether a doctor must review the case before it
    closes (travel assistance), whether it keeps a cost log, and whether the provider's ETA is tracked."""

    next_steps: tuple[str, ...]
    sms_template: str | None = None
    sms_params: tuple[str, ...] = ()  # what the operator gives besides the case reference (upload link, hotline)
    case_params: tuple[str, ...] = ()  # what the message takes from the case's details ("" when not filled in)
    medical_decision: bool = False
    medical_review: bool = False
    cost_log: bool = False
    eta: bool = False


WORKFLOWS: dict[CaseType, Workflow] = {
    CaseType.MOTOR_CLAIM: Workflow((
        "Send the customer the document checklist.",
        "Agree the date and place of the inspection.",
        "OSAGO: the decision is due within 20 calendar days (holidays excluded) of a complete set of documents.",
    ), sms_template="sms_motor_claim_checklist", sms_params=("upload_url",)),
    CaseType.PROPERTY_CLAIM: Workflow((
        "Send the customer the document checklist.",
        "Pass the case to the loss adjuster and agree the visit.",
    ), sms_template="sms_property_claim_checklist", sms_params=("upload_url",)),
    CaseType.DMS_GUARANTEE_LETTER: Workflow((
        "Send the customer the list of documents the doctor-curator needs.",
        "A doctor-curator decides: approve, refuse or request documents.",
        "Send the guarantee letter to the clinic once approved.",
    ), sms_template="sms_dms_guarantee_letter_checklist", medical_decision=True),
    CaseType.TRAVEL_ASSISTANCE: Workflow((
        "Choose a provider from the network in the customer's country and city.",
        "Send the guarantee of payment to the provider.",
        "Log every cost with its currency.",
        "A doctor reviews the case before it is closed.",
    ), sms_template="sms_travel_assistance_checklist", sms_params=("hotline",), medical_review=True,
        cost_log=True),
    CaseType.ROADSIDE_ASSISTANCE: Workflow((
        "Make sure the customer is safe (hazard lights, warning triangle, behind the barrier).",
        "Dispatch a provider from the network and give the customer the ETA.",
        "Call the customer back if the provider is late.",
    ), sms_template="sms_roadside_assistance_checklist", sms_params=("hotline",), case_params=("eta_minutes",),
        eta=True),
    CaseType.COMPLAINT: Workflow((
        "Register the complaint in the complaint register; its deadline follows the jurisdiction.",
    )),
}


def workflow_for(case_type: CaseType | str | None) -> Workflow | None:
    try:
        return WORKFLOWS.get(CaseType(case_type)) if case_type else None
    except ValueError:
        return None
ALL_FIELD_NAMES = frozenset({PROVIDER_NAME, *(f.name for form in FORMS.values() for f in form.fields)})


def form_for(case_type: CaseType | str) -> CaseForm | None:
    try:
        return FORMS.get(CaseType(case_type))
    except ValueError:
        return None


def check(case_type: CaseType | str, raw: Mapping[str, str], today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values, cleaned, or the errors by field (message ids). Unknown keys are ignored."""
    form = form_for(case_type)
    if form is None:
        return {}, {"__form__": UNKNOWN_TYPE}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in form.fields:
        text = str(raw.get(spec.name, "") or "").strip()
        if not text:
            if spec.required:
                errors[spec.name] = REQUIRED
            continue
        value, problem = _clean(spec, text, today)
        if problem:
            errors[spec.name] = problem
        else:
            values[spec.name] = value
    errors.update((k, v) for k, v in _rules(form.case_type, values).items() if k not in errors)
    return (values, {}) if not errors else ({}, errors)


def _clean(spec: Field, text: str, today: date) -> tuple[Any, str | None]:
    if len(text) > spec.max_length:
        return None, TOO_LONG
    if spec.kind in (Kind.TEXT, Kind.TEXTAREA):
        return text, None
    if spec.kind == Kind.DATE:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return None, NOT_A_DATE
        if spec.past_only and day > today:
            return None, FUTURE_DATE
        return day.isoformat(), None
    if spec.kind == Kind.TIME:
        return (text.zfill(5), None) if TIME_PATTERN.match(text) else (None, NOT_A_TIME)
    if spec.kind == Kind.NUMBER:
        try:
            number = float(text.replace(",", ".").replace(" ", ""))
        except ValueError:
            return None, NOT_A_NUMBER
        if number < 0 or number != number or number in (float("inf"),):
            return None, NOT_A_NUMBER
        return (int(number) if number.is_integer() else round(number, 2)), None
    if spec.kind == Kind.COUNT:
        return (int(text), None) if text.isdigit() and len(text) <= 6 else (None, NOT_A_COUNT)
    if spec.kind in (Kind.CHOICE, Kind.YES_NO):
        return (text, None) if text in {value for value, _label in spec.choices} else (None, NOT_A_CHOICE)
    if spec.kind == Kind.VIN:
        vin = text.upper().replace(" ", "")
        return (vin, None) if VIN_PATTERN.match(vin) else (None, BAD_VIN)
    if spec.kind == Kind.PLATE:
        plate = text.upper().replace(" ", "")
        return (plate, None) if PLATE_PATTERN.match(plate) else (None, BAD_PLATE)
    if spec.kind == Kind.COUNTRY:
        return (text.upper(), None) if COUNTRY_PATTERN.match(text.upper()) else (None, BAD_COUNTRY)
    if spec.kind == Kind.CURRENCY:
        return (text.upper(), None) if CURRENCY_PATTERN.match(text.upper()) else (None, BAD_CURRENCY)
    if spec.kind == Kind.COORDINATES:
        return _coordinates(text)
    if spec.kind == Kind.PROVIDER:
        return (int(text), None) if text.isdigit() and 0 < int(text) < 2**31 else (None, PROVIDER_UNKNOWN)
    raise AssertionError(spec.kind)  # pragma: no cover


def _coordinates(text: str) -> tuple[Any, str | None]:
    parts = text.replace(";", ",").split(",")
    if len(parts) != 2:
        return None, BAD_COORDINATES
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None, BAD_COORDINATES
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, BAD_COORDINATES
    return f"{round(lat, 6)}, {round(lon, 6)}", None


def _rules(case_type: CaseType, values: Mapping[str, Any]) -> dict[str, str]:
    """Checks across fields."""
    errors: dict[str, str] = {}
    if case_type == CaseType.MOTOR_CLAIM and values.get("europrotocol") == "yes":
        if values.get("injured", 0) != 0:
            errors["injured"] = EUROPROTOCOL_INJURED
        if values.get("police_report") not in (None, "none"):
            errors["police_report"] = EUROPROTOCOL_POLICE
    if case_type == CaseType.DMS_GUARANTEE_LETTER and values.get("valid_from") and values.get("valid_until") \
            and values["valid_until"] < values["valid_from"]:
        errors["valid_until"] = VALIDITY_ORDER
    if case_type == CaseType.TRAVEL_ASSISTANCE:
        if values.get("guarantee_amount") is not None and not values.get("guarantee_currency"):
            errors["guarantee_currency"] = CURRENCY_NEEDED
        if values.get("triage") == "routine" and (values.get("hospitalisation") == "yes"
                                                  or values.get("conscious") == "no"):
            errors["triage"] = NOT_ROUTINE
    return errors


def messages() -> set[str]:
    """Every message id of the forms (labels, choices, errors), for the catalogue check."""
    found = {REQUIRED, TOO_LONG, NOT_A_DATE, NOT_A_TIME, FUTURE_DATE, NOT_A_NUMBER, NOT_A_COUNT, NOT_A_CHOICE,
             BAD_VIN, BAD_PLATE, EUROPROTOCOL_INJURED, EUROPROTOCOL_POLICE, UNKNOWN_TYPE, BAD_COUNTRY, BAD_CURRENCY,
             BAD_COORDINATES, CURRENCY_NEEDED, VALIDITY_ORDER, NOT_ROUTINE, PROVIDER_UNKNOWN, PROVIDER_INACTIVE,
             PROVIDER_WRONG_KIND, PROVIDER_ELSEWHERE, PROVIDER_PLACE_FIRST}
    for form in FORMS.values():
        for spec in form.fields:
            found.add(spec.label)
            found.update(label for _value, label in spec.choices)
    for flow in WORKFLOWS.values():
        found.update(flow.next_steps)
    return found
