"""The planning pages (issue 7): forecast against actual, required against scheduled agents, the schedule by
agent as a timeline, and a what-if simulation form. Reading needs `READ_REPORTS`; running a forecast, a
schedule or a simulation needs `PLAN_WORKFORCE` (a POST with the CSRF token). The runs and their results are
`services.planning`'s; the charts are drawn by static/planning.js from the figures embedded as JSON."""

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from helpline.bootstrap import Container
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container
from helpline.entrypoints.web.admin_common import Posted
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FORM_LEVEL, form_values, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.rendering import DEFAULT_LANGUAGE, N_, Pages, get_pages
from helpline.services import planning
from helpline.services.planning import QueueChoice

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Reader = Annotated[WebUser, Depends(page_user(P.READ_REPORTS))]
Planner = Annotated[WebUser, Depends(page_user(P.PLAN_WORKFORCE))]
AppContainer = Annotated[Container, Depends(get_container)]

VIEWS = (("forecast", N_("Forecast against actual")), ("staffing", N_("Required against scheduled")),
         ("schedule", N_("Schedule by agent")), ("what-if", N_("What-if simulation")))
PATTERNS = {"ru": {"time": "EEE dd.MM HH:mm", "day": "EEEE dd.MM.yyyy", "clock": "HH:mm"},
            "en": {"time": "EEE d MMM HH:mm", "day": "EEEE d MMM yyyy", "clock": "HH:mm"}}
MODEL_NAMES = {"mstl": N_("MSTL (daily and weekly seasons)"), "seasonal_es": N_("Seasonal exponential smoothing"),
               "seasonal_naive": N_("Seasonal naive (a week earlier)")}
FIGURE_NAMES = {"service_level": N_("Service level"), "asa_s": N_("Average speed of answer"),
                "p_abandon": N_("Abandonment rate"), "occupancy": N_("Occupancy"),
                "offered": N_("Offered interactions")}
AHT_SOURCES = {"history": N_("from the history"), "form": N_("as entered"), "default": N_("default")}
NO_HISTORY = N_("There is not enough history for a forecast: it needs at least three weeks of contacts.")
NO_FORECAST = N_("Run a forecast of this queue first.")
CHANGE_ZERO = N_("Enter a number of agents other than 0.")
TOO_FEW = N_("The queue does not have that many agents to remove.")
SIMULATION_FAILED = N_("The simulation could not run with these settings.")
SECONDS = N_("s")


class ForecastForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    queue: str = Field(min_length=1, max_length=60)
    horizon: int = Field(7, ge=7, le=14)


class StaffingForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    queue: str = Field(min_length=1, max_length=60)
    aht_s: float | None = Field(None, gt=0, le=7200)
    shrinkage: float = Field(30, ge=0, lt=100)  # per cent


class WhatIfForm(BaseModel):
    model_config = ConfigDict(extra="ignore")
    queue: str = Field(min_length=1, max_length=60)
    change: int = Field(ge=-planning.MAX_CHANGE, le=planning.MAX_CHANGE)
    day: date | None = None
    replications: int = Field(5, ge=2, le=planning.MAX_REPLICATIONS)


class Formats:
    """Numbers and times in the person's language, in the queue's time zone."""

    def __init__(self, pages: Pages, request: Request, time_zone: str) -> None:
        self.pages, self.request = pages, request
        self.lang = getattr(request.state, "language", None) or DEFAULT_LANGUAGE
        self.zone = ZoneInfo(time_zone)

    def t(self, message: str, **values: Any) -> str:
        return self.pages.translate(self.request, message, **values)

    def moment(self, iso: str, kind: str = "time") -> str:
        value = datetime.fromisoformat(iso).astimezone(self.zone).replace(tzinfo=None)
        return format_datetime(value, PATTERNS[self.lang][kind], locale=self.lang)

    def number(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        return format_decimal(value, "#,##0." + "0" * digits if digits else "#,##0", locale=self.lang)

    def percent(self, value: float | None) -> str:
        if value is None:
            return "—"
        pattern = Locale.parse(self.lang).percent_formats[None].pattern.replace("#,##0", "#,##0.0")
        return format_percent(value, pattern, locale=self.lang)


def _choices(uow: UoW, user: WebUser, container: Container) -> list[QueueChoice]:
    return planning.planning_queues(uow, user.actor, container.settings.time_zone)


def _chosen(request: Request, choices: list[QueueChoice], asked: str | None = None) -> QueueChoice | None:
    code = asked or request.query_params.get("queue")
    if not code:
        return choices[0] if choices else None
    for choice in choices:
        if choice.code == code:
            return choice
    raise NotFound("queue", code)


def _common(request: Request, view: str, choices: list[QueueChoice], chosen: QueueChoice | None,
            user: WebUser) -> dict[str, Any]:
    pages = get_pages(request)
    return {"view": view, "views": [(v, pages.translate(request, t)) for v, t in VIEWS],
            "queues": [(c.code, c.label) for c in choices], "queue": chosen,
            "may_plan": user.actor.can(P.PLAN_WORKFORCE)}


@router.get("/planning")
def planning_index(request: Request, uow: UoW, user: Reader, container: AppContainer) -> Response:
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices)
    return get_pages(request).render(request, "planning/index.html",
                                     **_common(request, "index", choices, chosen, user))


# --- forecast against actual ---------------------------------------------------------------------------

def _forecast_context(request: Request, uow: UoW, user: WebUser, container: Container,
                      chosen: QueueChoice | None) -> dict[str, Any]:
    if chosen is None:
        return {"forecast": None}
    found = planning.forecast_page(uow, user.actor, chosen.code, container.settings.time_zone)
    f = Formats(get_pages(request), request, chosen.time_zone)
    run = found.run
    stored = run.result if run is not None else {}
    starts = list(found.actual_starts)
    for start in stored.get("starts", []):
        if start not in found.actual_starts:
            starts.append(start)
    starts.sort()
    actual = dict(zip(found.actual_starts, found.actual, strict=True))
    predicted = dict(zip(stored.get("starts", []), stored.get("forecast", []), strict=True))
    chart = {"lang": f.lang, "starts": starts, "labels": [f.moment(s) for s in starts],
             "actual": [actual.get(s) for s in starts], "forecast": [predicted.get(s) for s in starts],
             "text": {"actual": f.t(N_("Offered (actual)")), "forecast": f.t(N_("Forecast"))}}
    backtest = [{"model": b["model"], "name": f.t(MODEL_NAMES.get(b["model"], b["model"])),
                 "wape": b["wape"], "wape_text": f.percent(b["wape"]), "mae_text": f.number(b["mae"], 2),
                 "vs_text": f.percent(b["vs_baseline"]) if b["vs_baseline"] is not None else "—",
                 "chosen": b["model"] == stored.get("model")} for b in stored.get("backtest", [])]
    days: dict[str, float] = {}
    for start, value in predicted.items():
        day = f.moment(start, "day")
        days[day] = days.get(day, 0.0) + (value or 0.0)
    return {"forecast": run, "chart": chart if starts else None, "backtest": backtest,
            "model_name": f.t(MODEL_NAMES.get(stored.get("model", ""), stored.get("model", ""))),
            "days": [(d, f.number(v, 0)) for d, v in days.items()],
            "created": run.created_at if run is not None else None,
            "seconds": f.number(stored.get("seconds"), 1)}


@router.get("/planning/forecast")
def forecast_page(request: Request, uow: UoW, user: Reader, container: AppContainer) -> Response:
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices)
    return get_pages(request).render(request, "planning/forecast.html", values={"horizon": "7"}, errors={},
                                     **_common(request, "forecast", choices, chosen, user),
                                     **_forecast_context(request, uow, user, container, chosen))


@router.post("/planning/forecast")  # plain defs: FastAPI runs them in its thread pool, off the event loop
def run_forecast(request: Request, uow: UoW, user: Planner, container: AppContainer,
                 posted: Posted) -> Response:
    values = form_values(posted)
    choices = _choices(uow, user, container)
    form, errors = parse_form(ForecastForm, values)
    chosen = _chosen(request, choices, values.get("queue"))
    if form is not None and form.horizon not in planning.HORIZONS:
        errors["horizon"] = N_("Choose one of the options.")
    if form is not None and not errors:
        try:
            planning.run_forecast(uow, user.actor, form.queue, container.settings.time_zone,
                                  horizon_days=form.horizon)
            return RedirectResponse(f"/planning/forecast?{urlencode({'queue': form.queue})}", status_code=303)
        except InvalidInput:
            errors = {FORM_LEVEL: NO_HISTORY}
    return get_pages(request).render(request, "planning/forecast.html", status_code=422, values=values,
                                     errors=errors, **_common(request, "forecast", choices, chosen, user),
                                     **_forecast_context(request, uow, user, container, chosen))


# --- required against scheduled ------------------------------------------------------------------------

def _staffing_context(request: Request, uow: UoW, user: WebUser, chosen: QueueChoice | None) -> dict[str, Any]:
    if chosen is None:
        return {"staffing": None}
    run = planning.latest_run(uow, user.actor, "schedule", chosen.code)
    if run is None:
        return {"staffing": None}
    r = run.result
    f = Formats(get_pages(request), request, r["time_zone"])
    rows = []
    for i, start in enumerate(r["starts"]):
        required, scheduled = r["required"][i], r["scheduled"][i]
        if not (required or scheduled or r["calls"][i] > 0):
            continue
        gap = scheduled - required
        rows.append({"index": i, "start": start, "label": f.moment(start), "calls": r["calls"][i],
                     "calls_text": f.number(r["calls"][i], 1), "agents": r["agents"][i], "required": required,
                     "scheduled": scheduled, "gap": gap, "state": "under" if gap < 0 else "over" if gap > 0 else ""})
    chart = {"lang": f.lang, "labels": [row["label"] for row in rows], "starts": [row["start"] for row in rows],
             "required": [row["required"] for row in rows], "scheduled": [row["scheduled"] for row in rows],
             "text": {"required": f.t(N_("Required agents")), "scheduled": f.t(N_("Scheduled agents"))}}
    return {"staffing": run, "rows": rows, "chart": chart,
            "summary": {"under": sum(1 for row in rows if row["gap"] < 0),
                        "over": sum(1 for row in rows if row["gap"] > 0),
                        "paid_hours": f.number(r["paid_hours"], 1), "shifts": len(r["shifts"]),
                        "aht": f.number(r["aht_s"], 0), "aht_source": f.t(AHT_SOURCES[r["aht_source"]]),
                        "shrinkage": f.percent(r["shrinkage"]), "target": f.percent(r["service_level"]),
                        "within": r["answer_within_s"], "status": r["status"],
                        "seconds": f.number(r["seconds"], 1)},
            "created": run.created_at}


@router.get("/planning/staffing")
def staffing_page(request: Request, uow: UoW, user: Reader, container: AppContainer) -> Response:
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices)
    return get_pages(request).render(request, "planning/staffing.html", values={"shrinkage": "30"}, errors={},
                                     **_common(request, "staffing", choices, chosen, user),
                                     **_staffing_context(request, uow, user, chosen))


@router.post("/planning/staffing")
def run_staffing(request: Request, uow: UoW, user: Planner, container: AppContainer,
                 posted: Posted) -> Response:
    values = form_values(posted)
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices, values.get("queue"))
    form, errors = parse_form(StaffingForm, values)
    if form is not None:
        try:
            planning.run_schedule(uow, user.actor, form.queue, container.settings.time_zone, aht_s=form.aht_s,
                                  shrinkage=form.shrinkage / 100)
            return RedirectResponse(f"/planning/staffing?{urlencode({'queue': form.queue})}", status_code=303)
        except InvalidInput:
            errors = {FORM_LEVEL: NO_FORECAST}
    return get_pages(request).render(request, "planning/staffing.html", status_code=422, values=values,
                                     errors=errors, **_common(request, "staffing", choices, chosen, user),
                                     **_staffing_context(request, uow, user, chosen))


# --- schedule by agent ---------------------------------------------------------------------------------

def _timeline(run: Any, f: Formats, day: date) -> list[dict[str, Any]]:
    """One row per shift touching `day`: a state per half-hour column (work, break-paid, break-unpaid, off)."""
    zone = f.zone
    per_day = 24 * 60 // planning.INTERVAL_MIN
    day_start = datetime.combine(day, datetime.min.time(), zone)
    rows = []
    for shift in run.result["shifts"]:
        start, end = (datetime.fromisoformat(shift[k]).astimezone(zone) for k in ("start", "end"))
        first = (start - day_start).total_seconds() // 60 // planning.INTERVAL_MIN
        last = (end - day_start).total_seconds() // 60 // planning.INTERVAL_MIN
        if last <= 0 or first >= per_day:
            continue
        cells = ["off"] * per_day
        for i in range(max(0, int(first)), min(per_day, int(last))):
            cells[i] = "work"
        for b in shift["breaks"]:
            b0 = (datetime.fromisoformat(b["start"]).astimezone(zone) - day_start).total_seconds() // 60
            b1 = (datetime.fromisoformat(b["end"]).astimezone(zone) - day_start).total_seconds() // 60
            for i in range(max(0, int(b0 // planning.INTERVAL_MIN)), min(per_day, int(b1 // planning.INTERVAL_MIN))):
                cells[i] = "break-paid" if b["paid"] else "break-unpaid"
        rows.append({"name": shift["agent"] or f.t(N_("Shift %(number)s"), number=shift["name"]),
                     "template": shift["template"], "start": shift["start"], "end": shift["end"],
                     "from": f.moment(shift["start"], "clock"), "to": f.moment(shift["end"], "clock"),
                     "breaks": [(f.moment(b["start"], "clock"), f.moment(b["end"], "clock"), b["paid"])
                                for b in shift["breaks"]],
                     "cells": cells})
    return rows


@router.get("/planning/schedule")
def schedule_page(request: Request, uow: UoW, user: Reader, container: AppContainer) -> Response:
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices)
    context: dict[str, Any] = {"schedule": None}
    if chosen is not None and (run := planning.latest_run(uow, user.actor, "schedule", chosen.code)) is not None:
        f = Formats(get_pages(request), request, run.result["time_zone"])
        days = sorted({datetime.fromisoformat(s).astimezone(f.zone).date() for s in run.result["starts"]})
        asked = request.query_params.get("day")
        try:
            day = date.fromisoformat(asked) if asked else days[0]
        except ValueError:
            raise NotFound("day", asked) from None
        if day not in days:
            raise NotFound("day", asked)
        context = {"schedule": run, "day": day, "day_text": f.moment(datetime.combine(day, datetime.min.time(),
                                                                                      f.zone).isoformat(), "day"),
                   "days": [(d.isoformat(), f.moment(datetime.combine(d, datetime.min.time(), f.zone).isoformat(),
                                                     "day")) for d in days],
                   "hours": [f"{h:02d}" for h in range(24)], "rows": _timeline(run, f, day),
                   "created": run.created_at}
    return get_pages(request).render(request, "planning/schedule.html",
                                     **_common(request, "schedule", choices, chosen, user), **context)


# --- what-if -------------------------------------------------------------------------------------------

def _what_if_context(request: Request, run: Any) -> dict[str, Any]:
    if run is None:
        return {"simulation": None}
    f = Formats(get_pages(request), request, "UTC")
    figures = run.result["figures"]
    rows = []
    for name in ("service_level", "asa_s", "p_abandon", "occupancy", "offered"):
        rate = name in ("service_level", "p_abandon", "occupancy")
        cells = {}
        for side in ("baseline", "changed"):
            e = figures[side][name]
            lo, hi = e["lo"], e["hi"]
            if rate and lo is not None and hi is not None:  # a share's interval is shown inside [0, 1]
                lo, hi = max(lo, 0.0), min(hi, 1.0)
            elif lo is not None:
                lo = max(lo, 0.0)
            show = f.percent if rate else (lambda v: f.number(v, 1))
            cells[side] = {"mean": e["mean"], "lo": lo, "hi": hi, "mean_text": show(e["mean"]),
                           "ci_text": f"{show(lo)} – {show(hi)}" if lo is not None and hi is not None else "—"}
        rows.append({"key": name, "name": f.t(FIGURE_NAMES[name]) + ("" if rate or name == "offered"
                                                                     else ", " + f.t(SECONDS)), **cells})
    return {"simulation": run, "rows": rows, "agents": run.result["agents"], "target": f.percent(
        run.result["sl_target"]), "within": run.result["sl_threshold_s"], "sim_day": run.result["day"],
        "seconds": f.number(run.result["seconds"], 1), "replications": run.parameters["replications"],
        "change": run.parameters["change"]}


@router.get("/planning/what-if")
def what_if_page(request: Request, uow: UoW, user: Reader, container: AppContainer) -> Response:
    choices = _choices(uow, user, container)
    chosen = _chosen(request, choices)
    run = planning.latest_run(uow, user.actor, "simulation", chosen.code) if chosen is not None else None
    values = {"queue": chosen.code if chosen else "", "change": "1", "replications": "5"}
    return get_pages(request).render(request, "planning/what_if.html", values=values, errors={},
                                     **_common(request, "what-if", choices, chosen, user),
                                     **_what_if_context(request, run))


@router.post("/planning/what-if")
def run_what_if(request: Request, uow: UoW, user: Planner, container: AppContainer,
                posted: Posted) -> Response:
    values = form_values(posted)
    choices = _choices(uow, user, container)
    form, errors = parse_form(WhatIfForm, values)
    codes = [c.code for c in choices]
    if values.get("queue") not in codes:
        errors["queue"] = N_("Choose one of the options.")
    chosen = next((c for c in choices if c.code == values.get("queue")), choices[0] if choices else None)
    if form is not None and form.change == 0:
        errors["change"] = CHANGE_ZERO
    run = None
    if form is not None and not errors:
        try:
            run = planning.run_what_if(uow, user.actor, planning.WhatIf(form.queue, form.change, form.day,
                                                                        form.replications),
                                       container.settings.time_zone)
        except InvalidInput as error:
            errors = {"change": TOO_FEW} if form.change < 0 and "only" in str(error) else {FORM_LEVEL:
                                                                                          SIMULATION_FAILED}
    return get_pages(request).render(request, "planning/what_if.html", status_code=422 if errors else 200,
                                     values=values, errors=errors,
                                     **_common(request, "what-if", choices, chosen, user),
                                     **_what_if_context(request, run))
