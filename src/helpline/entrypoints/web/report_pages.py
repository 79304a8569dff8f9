"""The reports page (issue 6): a GET form (so a report is a shareable URL), the KPI table, the charts drawn
by static/reports.js from the figures embedded as JSON, a weekday × hour heat map, and the CSV and XLSX
exports of the same report. The figures come from `services.report_views`, which calls `run_report` as the
API does, in the same scope (a supervisor sees the queues of their sites)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, get_day_names
from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from helpline.bootstrap import Container
from helpline.domain.errors import NotFound
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import Channel, ProductLine
from helpline.entrypoints.api.deps import UoW, get_container
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.forms import FormErrors, parse_form
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.rendering import DEFAULT_LANGUAGE, N_, Pages, get_pages
from helpline.kpi.metrics import DEFAULT_SL_FORMULA, SL_FORMULAS
from helpline.services import report_views
from helpline.services.report_views import FilterOptions, Filters, ReportView

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReportReader = Annotated[WebUser, Depends(page_user(P.READ_REPORTS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

INTERVALS = (("15m", N_("15 minutes")), ("30m", N_("30 minutes")), ("1h", N_("Hour")), ("1d", N_("Day")),
             ("1w", N_("Week")), ("1mo", N_("Month")))
# the longest period each interval may cover: a chart of more points than this says nothing
MAX_DAYS = {"15m": 31, "30m": 31, "1h": 92, "1d": 366, "1w": 366, "1mo": 366}
TOO_LONG = {31: N_("At 15- or 30-minute intervals a report covers at most 31 days."),
            92: N_("At hourly intervals a report covers at most 92 days."),
            366: N_("A report covers at most 366 days.")}
GROUPINGS = (("site", N_("Site")), ("queue", N_("Queue")), ("channel", N_("Channel")),
             ("product_line", N_("Product line")), ("agent", N_("Agent")), ("client", N_("Client")),
             ("direction", N_("Direction")), ("case_type", N_("Case type")), ("interval", N_("Interval")))
FORMULAS = (("exclude-short-abandons", N_("Answered within T ÷ (offered − short abandons)")),
            ("answered-only", N_("Answered within T ÷ answered")),
            ("abandon-negative", N_("Answered within T ÷ (answered + abandoned)")),
            ("abandon-ignored-within-t", N_("Answered within T ÷ (answered + abandoned after T)")),
            ("abandon-positive", N_("(Answered within T + abandoned within T) ÷ (answered + abandoned)")))
METRIC_NAMES = {
    "offered": N_("Offered interactions"), "answered": N_("Answered interactions"),
    "abandoned": N_("Abandoned interactions"),
    "short_abandoned": N_("Short abandons"), "other_exits": N_("Other queue exits"),
    "answered_within_t": N_("Answered within T"), "service_level": N_("Service level"),
    "asa_s": N_("Average speed of answer"), "avg_abandon_wait_s": N_("Average wait of abandoned"),
    "max_wait_s": N_("Longest wait"), "abandon_rate": N_("Abandonment rate"), "answer_rate": N_("Answer rate"),
    "aht_s": N_("Average handle time"), "transfers": N_("Transfers"),
    "complaints": N_("Complaints registered"), "complaint_rate_per_1000": N_("Complaints per 1,000 handled"),
    "csat": N_("CSI (mean score)"), "csat_share_4_5": N_("CSAT (share of 4 and 5)"), "nps": N_("NPS")}
SECONDS = N_("s")
PERCENT = "%"
CHOOSE = N_("Choose one of the options.")
TO_BEFORE_FROM = N_("The end must come after the start.")
NUMBER_PATTERN = {"count": "#,##0", "seconds": "#,##0.0",
                  "per_1000": "#,##0.0000",  # 0.002 % = 0.0200 per 1,000
                  "score": "#,##0.00"}  # CSI, a mean score 1-5; NPS from -1 to 1
INTERVAL_PATTERNS = {  # how an interval's start is shown, by interval length and language
    "ru": {"time": "dd.MM.yyyy HH:mm", "day": "EEE dd.MM.yyyy", "month": "LLLL yyyy"},
    "en": {"time": "EEE d MMM yyyy, HH:mm", "day": "EEE d MMM yyyy", "month": "LLLL yyyy"},
}
FORM_FIELDS = ("from", "to", "interval", "sl_formula", "answer_within", "queue", "site", "channel", "product_line",
               "agent")


class ReportForm(BaseModel):
    """The filter form as the query string carries it; names and values are checked against the options."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    from_date: date = Field(alias="from")
    to_date: date = Field(alias="to")
    interval: str = "1h"
    by: list[str] = Field(default_factory=lambda: ["interval"])
    sl_formula: str = DEFAULT_SL_FORMULA
    answer_within: float | None = Field(None, gt=0, le=86400)
    queue: int | None = Field(None, ge=1, le=2**31 - 1)
    site: int | None = Field(None, ge=1, le=2**31 - 1)
    channel: Channel | None = None
    product_line: ProductLine | None = None
    agent: int | None = Field(None, ge=1, le=2**31 - 1)

    @property
    def filters(self) -> Filters:
        return Filters(queue_id=self.queue, site_id=self.site, agent_id=self.agent,
                       channel=self.channel.value if self.channel else None,
                       product_line=self.product_line.value if self.product_line else None)

    @property
    def dimensions(self) -> list[str]:
        """The groupings in the page's order (site before queue, interval last), each once."""
        return [name for name, _label in GROUPINGS if name in self.by]


def form_values(request: Request, today: date) -> dict[str, Any]:
    """What the person asked for (the query string, as typed), or last week by the hour on a first visit."""
    query = request.query_params
    if "from" not in query and "to" not in query:
        return {"from": (today - timedelta(days=6)).isoformat(), "to": (today + timedelta(days=1)).isoformat(),
                "interval": "1h", "by": ["interval"], "sl_formula": DEFAULT_SL_FORMULA}
    values: dict[str, Any] = {key: query[key].strip() for key in FORM_FIELDS if query.get(key, "").strip()}
    values["by"] = [v for v in query.getlist("by") if v.strip()]
    return values


def check(values: dict[str, Any], options: FilterOptions) -> tuple[ReportForm | None, FormErrors]:
    """The form, or the problems next to their fields: Pydantic's, then the choices and the period."""
    form, errors = parse_form(ReportForm, values)
    choices = {"interval": [v for v, _ in INTERVALS], "sl_formula": list(SL_FORMULAS),
               "queue": [c.value for c in options.queues], "site": [c.value for c in options.sites],
               "agent": [c.value for c in options.agents]}
    for name, allowed in choices.items():
        if name in values and str(values[name]) not in allowed:
            errors.setdefault(name, CHOOSE)
    if any(name not in dict(GROUPINGS) for name in values.get("by", [])):
        errors.setdefault("by", CHOOSE)
    if form is not None and "to" not in errors:
        if form.to_date <= form.from_date:
            errors["to"] = TO_BEFORE_FROM
        elif form.interval in MAX_DAYS and (form.to_date - form.from_date).days > MAX_DAYS[form.interval]:
            errors["to"] = TOO_LONG[MAX_DAYS[form.interval]]
    return (form if not errors else None), errors


def _today(container: Container, uow: UoW) -> date:
    return uow.now().astimezone(ZoneInfo(container.settings.time_zone)).date()


def _build(uow: UoW, user: WebUser, form: ReportForm, container: Container) -> ReportView:
    return report_views.build(uow, user.actor, from_date=form.from_date, to_date=form.to_date,
                              interval=form.interval, by=form.dimensions, sl_formula=form.sl_formula,
                              answer_within=form.answer_within, filters=form.filters,
                              time_zone=container.settings.time_zone)


@router.get("/reports")
def reports_page(request: Request, uow: UoW, user: ReportReader,
                 container: Annotated[Container, Depends(get_container)]) -> Response:
    pages = get_pages(request)
    options = report_views.filter_options(uow, user.actor)
    values = form_values(request, _today(container, uow))
    form, errors = check(values, options)
    view = _build(uow, user, form, container) if form is not None else None
    shaped = Shaper(pages, request).shape(view, form) if view is not None and form is not None else None
    query = urlencode([(k, v) for k, vs in values.items() for v in (vs if isinstance(vs, list) else [vs])])
    return pages.render(
        request, "reports/page.html", status_code=200 if not errors else 422, values=values, errors=errors,
        options=options, report=shaped, query=query,
        intervals=[(v, pages.translate(request, t)) for v, t in INTERVALS],
        formulas=[(v, pages.translate(request, t)) for v, t in FORMULAS],
        groupings=[(v, pages.translate(request, t)) for v, t in GROUPINGS],
        channels=[c.value for c in Channel], product_lines=[p.value for p in ProductLine])


@router.get("/reports/export.{extension}")
def export_report(request: Request, extension: str, uow: UoW, user: ReportReader,
                  container: Annotated[Container, Depends(get_container)]) -> Response:
    """The report of the same query string as CSV or XLSX (the rows the API gives); an invalid query goes back
    to the page, which shows what is wrong."""
    if extension not in ("csv", "xlsx"):
        raise NotFound("export format", extension)
    options = report_views.filter_options(uow, user.actor)
    form, _errors = check(form_values(request, _today(container, uow)), options)
    if form is None:
        return RedirectResponse(f"/reports?{request.url.query}", status_code=303)
    result = _build(uow, user, form, container).result
    name = f"helpline-kpi-{form.from_date.isoformat()}-{form.to_date.isoformat()}.{extension}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if extension == "csv":
        return Response(result.csv(), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(result.xlsx(), media_type=XLSX, headers=headers)


class Shaper:
    """The report as the template and the charts show it: formatted in the person's language, with the raw
    figure kept beside each cell (`data-value`) so the charts, the table and the exports can be compared."""

    def __init__(self, pages: Pages, request: Request) -> None:
        self.pages = pages
        self.request = request
        self.lang = getattr(request.state, "language", None) or DEFAULT_LANGUAGE

    def t(self, message: str, **values: Any) -> str:
        return self.pages.translate(self.request, message, **values)

    def shape(self, view: ReportView, form: ReportForm) -> dict[str, Any]:
        dimension_names = dict(GROUPINGS)
        columns = [{"key": d, "label": self.t(dimension_names[d]), "unit": "", "kind": "dimension"}
                   for d in view.dimensions]
        columns += [{"key": m, "label": self.t(METRIC_NAMES[m]), "unit": self.unit(m), "kind": self.kind(m)}
                    for m in view.metrics]
        trend_columns = [c for c in columns if c["key"] == "interval" or c["key"] in report_views.TREND_METRICS]
        if not view.trend_is_table:
            trend_columns = [{"key": "interval", "label": self.t(dimension_names["interval"]), "unit": "",
                              "kind": "dimension"}] + [c for c in trend_columns if c["key"] != "interval"]
        return {
            "columns": columns, "rows": [self.row(r, columns, form.interval) for r in view.result.rows],
            "trend_columns": trend_columns,
            "trend_rows": [self.row(r, trend_columns, form.interval) for r in view.trend.rows],
            "trend_is_table": view.trend_is_table, "heat": self.heat(view), "chart": self.chart(view, form),
            "target": view.sl_target,
            "target_text": self.percent(view.sl_target) if view.sl_target is not None else None,
        }

    @staticmethod
    def kind(metric: str) -> str:
        if metric in report_views.RATES:
            return "rate"
        if metric == "complaint_rate_per_1000":
            return "per_1000"
        if metric in ("csat", "nps"):  # a mean score 1-5; NPS from -1 to 1
            return "score"
        return "seconds" if metric.endswith("_s") else "count"

    def unit(self, metric: str) -> str:
        kind = self.kind(metric)
        return PERCENT if kind == "rate" else self.t(SECONDS) if kind == "seconds" else ""

    def percent(self, value: float) -> str:
        # the language's own percent pattern ("50,0 %" in Russian, "50.0%" in English), one decimal
        pattern = Locale.parse(self.lang).percent_formats[None].pattern.replace("#,##0", "#,##0.0")
        return format_percent(value, pattern, locale=self.lang)

    def number(self, value: Any, kind: str) -> str:
        if value is None:
            return "—"
        if kind == "rate":
            return self.percent(value)
        return format_decimal(value, NUMBER_PATTERN[kind], locale=self.lang)

    def interval(self, iso: str | None, every: str) -> str:
        if iso is None:
            return "—"
        start = datetime.fromisoformat(iso).replace(tzinfo=None)
        patterns = INTERVAL_PATTERNS[self.lang]
        if every == "1mo":
            return format_datetime(start, patterns["month"], locale=self.lang).capitalize()
        if every == "1w":
            return self.t(N_("Week of %(day)s"), day=format_datetime(start, patterns["day"], locale=self.lang))
        return format_datetime(start, patterns["day" if every == "1d" else "time"], locale=self.lang)

    def row(self, row: dict[str, Any], columns: list[dict[str, Any]], every: str) -> list[dict[str, Any]]:
        cells = []
        for column in columns:
            key, kind, value = column["key"], column["kind"], row.get(column["key"])
            if key == "interval":
                cells.append({"key": key, "value": value, "text": self.interval(value, every), "kind": kind})
            elif kind == "dimension":
                cells.append({"key": key, "value": value, "text": "—" if value is None else str(value),
                              "kind": kind})
            else:
                cells.append({"key": key, "value": value, "text": self.number(value, kind), "kind": kind})
        return cells

    def heat(self, view: ReportView) -> dict[str, Any]:
        days = get_day_names("abbreviated", locale=self.lang)
        full = get_day_names("wide", locale=self.lang)
        return {"peak": view.heat.peak, "hours": list(range(24)),
                "days": [{"name": str(days[d]).capitalize(), "full": str(full[d]).capitalize(),
                          "cells": [{"hour": h, "count": view.heat.counts[d][h], "level": view.heat.level(d, h)}
                                    for h in range(24)]} for d in range(7)]}

    def chart(self, view: ReportView, form: ReportForm) -> dict[str, Any]:
        """The figures by interval for static/reports.js: raw numbers (rates 0-1, seconds), labels translated."""
        rows = view.trend.rows
        data: dict[str, Any] = {"labels": [self.interval(r.get("interval"), form.interval) for r in rows],
                                "intervals": [r.get("interval") for r in rows], "target": view.sl_target,
                                "lang": self.lang}
        for metric in report_views.TREND_METRICS:
            data[metric] = [r.get(metric) for r in rows]
        data["text"] = {m: self.t(METRIC_NAMES[m]) for m in report_views.TREND_METRICS}
        data["text"].update(target=self.t(N_("Target")), seconds=self.t(SECONDS))
        return data
