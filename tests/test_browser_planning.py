"""The planning pages in real Chromium (issue 7): the forecast chart draws the stored forecast, the required and
scheduled chart agrees with its table, the timeline shows the schedule's shifts, and the what-if form runs a
simulation and shows a service level with its confidence interval. History: the small demo (3 weeks, scale
0.05, ~6 s), written beside the live server in real time."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from helpline.adapters.db.models import PlanningRun, Site

pytestmark = pytest.mark.slow


@pytest.fixture
def planner(web, container, make):
    """The demo's history and a supervisor of its Moscow site, logged in."""
    from helpline.demo import load_demo

    load_demo(container.uow, weeks=3, scale=0.05)
    with container.uow() as uow:
        moscow = SimpleNamespace(id=uow.session.scalars(select(Site.id).order_by(Site.id)).first())
    user = make.user("supervisor", sites=[moscow])
    return SimpleNamespace(user=user, actor=make.actor(user))


def latest(container, kind: str) -> PlanningRun:
    with container.uow() as uow:
        run = uow.session.scalars(select(PlanningRun).where(PlanningRun.kind == kind)
                                  .order_by(PlanningRun.id.desc())).first()
        assert run is not None
        uow.session.expunge(run)
        return run


def plan(container, planner) -> PlanningRun:
    from helpline.services import planning

    with container.uow() as uow:
        planning.run_forecast(uow, planner.actor, "msk_osago", "Europe/Moscow")
    with container.uow() as uow:
        planning.run_schedule(uow, planner.actor, "msk_osago", "Europe/Moscow")
    return latest(container, "schedule")


def datasets(page, canvas: str) -> list:
    return page.evaluate(f"Chart.getChart(document.querySelector('#{canvas}')).data.datasets.map(d => d.data)")


def test_the_forecast_chart_draws_the_stored_forecast_beside_the_actuals(web, planner, container):
    page = web.page_for(planner.user.username, start="/planning/forecast?queue=msk_osago")
    assert page.locator("#no-forecast").is_visible()
    assert page.locator("nav[aria-label=Main] a[href='/planning']").is_visible()
    page.click("#run-forecast")
    web.wait_until(page, "!!document.querySelector('#backtest-table') && !!document.querySelector('#chart-forecast')"
                         " && !!Chart.getChart(document.querySelector('#chart-forecast'))", timeout_s=40)
    run = latest(container, "forecast")
    actual, predicted = datasets(page, "chart-forecast")
    starts = page.evaluate("JSON.parse(document.getElementById('forecast-data').textContent).starts")
    by_start = dict(zip(starts, predicted, strict=True))
    assert [by_start[s] for s in run.result["starts"]] == run.result["forecast"]
    assert sum(v for v in actual if v is not None) > 0 and len([v for v in actual if v is not None]) == 14 * 48
    rows = page.locator("#backtest-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.model)")
    assert sorted(rows) == ["mstl", "seasonal_es", "seasonal_naive"]
    assert page.locator(f"#backtest-table tr[data-model={run.result['model']}] .badge").first.inner_text() == "chosen"
    assert not page.locator("#forecast-busy").is_visible()  # the indicator is gone once the run is shown
    web.shot(page, "planning-forecast")


def test_the_required_and_scheduled_chart_agrees_with_its_table(web, planner, container):
    run = plan(container, planner)
    page = web.page_for(planner.user.username, start="/planning/staffing?queue=msk_osago")
    web.wait_until(page, "document.body.dataset.planningDrawn === '1'")
    scheduled, required = datasets(page, "chart-staffing")

    def column(key: str) -> list[int]:
        return [int(v) for v in page.locator(f"#staffing-table tbody td[data-key={key}]").evaluate_all(
            "cells => cells.map(c => c.dataset.value)")]

    assert required == column("required") and scheduled == column("scheduled")
    starts = page.locator("#staffing-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.start)")
    index = {s: i for i, s in enumerate(run.result["starts"])}
    assert required == [run.result["required"][index[s]] for s in starts]
    assert scheduled == [run.result["scheduled"][index[s]] for s in starts]
    under = page.locator("#staffing-table tbody tr.under").count()
    assert under == sum(1 for r, s in zip(required, scheduled, strict=True) if s < r)
    assert page.locator("#fact-under").inner_text() == str(under)
    labels = page.evaluate("Chart.getChart(document.querySelector('#chart-staffing')).data.labels")
    assert labels == page.locator("#staffing-table tbody th").all_inner_texts()
    web.shot(page, "planning-staffing")


def test_the_timeline_shows_the_shifts_with_their_breaks(web, planner, container):
    run = plan(container, planner)
    first_day = run.result["starts"][0][:10]
    shifts = [s for s in run.result["shifts"] if s["start"][:10] == first_day]
    page = web.page_for(planner.user.username, start="/planning/schedule?queue=msk_osago")
    rows = page.locator("#timeline tbody tr.shift")
    assert rows.count() == len(shifts) > 0
    for n, shift in enumerate(shifts):
        row = rows.nth(n)
        assert row.get_attribute("data-start") == shift["start"]
        slots = row.locator("td.slot")
        assert slots.count() == 48
        breaks = row.locator("td.slot.break-unpaid, td.slot.break-paid").count()
        working = row.locator("td.slot.work").count()
        start, end = datetime.fromisoformat(shift["start"]), datetime.fromisoformat(shift["end"])
        first_slot = start.hour * 2 + start.minute // 30
        assert working + breaks == min((end - start) // timedelta(minutes=30), 48 - first_slot)  # to midnight
        assert breaks == sum((datetime.fromisoformat(b["end"]) - datetime.fromisoformat(b["start"]))
                             // timedelta(minutes=30) for b in shift["breaks"])
        assert slots.nth(first_slot).get_attribute("class") == "slot work"  # a shift starts at work
    page.locator(".planning-days a").nth(1).click()  # another day of the schedule
    assert page.locator(".planning-days a[aria-current=page]").inner_text() == \
        page.locator(".planning-days a").nth(1).inner_text()
    page.locator(".planning-days a").first.click()
    web.shot(page, "planning-schedule")


def test_the_what_if_form_runs_a_simulation_and_shows_the_service_level_with_its_interval(web, planner):
    page = web.page_for(planner.user.username, start="/planning/what-if?queue=msk_osago")
    page.select_option("#queue", "msk_osago")
    page.fill("#change", "0")
    page.click("#run-what-if")
    web.wait_until(page, "!!document.querySelector('#change-error')", timeout_s=10)
    assert page.locator("#change-error").inner_text() == "Enter a number of agents other than 0."
    page.fill("#change", "-3")
    page.fill("#replications", "3")
    page.click("#run-what-if")
    web.wait_until(page, "!!document.querySelector('#what-if-table')", timeout_s=40)
    assert page.locator("#change-error").count() == 0
    for side in ("baseline", "changed"):
        mean = float(page.locator(f"#what-if-table tr[data-key=service_level] td[data-side={side}][data-part=mean]")
                     .get_attribute("data-value"))
        ci = page.locator(f"#what-if-table tr[data-key=service_level] td[data-side={side}][data-part=ci]")
        lo, hi = float(ci.get_attribute("data-lo")), float(ci.get_attribute("data-hi"))
        assert 0 <= lo <= mean <= hi <= 1
        assert "–" in ci.inner_text() and "%" in ci.inner_text()
    web.shot(page, "planning-what-if")
