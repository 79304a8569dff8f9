"""The planning pages (issue 7) through the web session: who may read and who may run, the what-if form's
messages next to their fields, and the stored runs (a forecast, staffing with a schedule) against what the
pages show. The history is a small demo (3 weeks, scale 0.05: about 6 s to load)."""

import json
import re
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from helpline.adapters.db.models import PlanningRun, Site
from tests.contact_centre import Person
from tests.test_report_pages import browsers, signed_in  # noqa: F401 (the fixture)

PAGES = ("/planning", "/planning/forecast", "/planning/staffing", "/planning/schedule", "/planning/what-if")
RUNS = {"/planning/forecast": {"queue": "osago_msk", "horizon": "7"},
        "/planning/staffing": {"queue": "osago_msk", "shrinkage": "30"},
        "/planning/what-if": {"queue": "osago_msk", "change": "1", "replications": "2"}}


def csrf(browser) -> str:
    return re.search(r'data-csrf="([^"]+)"', browser.get("/").text).group(1)


def embedded(html: str, element_id: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return json.loads(unescape(found.group(1)))


def runs(uow, kind: str) -> list[PlanningRun]:
    return list(uow.session.scalars(select(PlanningRun).where(PlanningRun.kind == kind).order_by(PlanningRun.id)))


def test_an_agent_may_neither_read_nor_run_and_qa_may_read_but_not_run(cc, browsers):  # noqa: F811
    agent = signed_in(browsers, cc.agent)
    token = csrf(agent)
    for path in PAGES:
        assert agent.get(path).status_code == 403, path
    for path, fields in RUNS.items():
        assert agent.post(path, data={**fields, "csrf": token}).status_code == 403, path
    qa = signed_in(browsers, cc.qa)
    token = csrf(qa)
    for path in PAGES:
        assert qa.get(path).status_code == 200, path
    for path, fields in RUNS.items():
        assert qa.post(path, data={**fields, "csrf": token}).status_code == 403, path
    assert 'href="/planning"' in qa.get("/planning").text  # QA reads the plans (the nav leads there) …
    assert 'href="/planning"' not in agent.get("/desk").text  # … an agent does not
    supervisor = signed_in(browsers, cc.supervisor)
    page = supervisor.get("/planning")
    assert page.status_code == 200 and 'href="/planning"' in page.text
    for path, fields in RUNS.items():  # without the CSRF token a run is refused
        assert supervisor.post(path, data=fields).status_code == 403, path


def test_a_supervisor_sees_only_the_queues_of_their_sites(cc, browsers):  # noqa: F811
    supervisor = signed_in(browsers, cc.supervisor)  # Moscow
    page = supervisor.get("/planning/forecast").text
    assert 'value="osago_msk"' in page and 'value="osago_spb"' not in page
    assert supervisor.get("/planning/forecast?queue=osago_spb").status_code == 404
    assert supervisor.post("/planning/forecast", data={"queue": "osago_spb", "csrf": csrf(supervisor)}
                           ).status_code == 404


def test_invalid_what_if_input_is_shown_next_to_the_field(cc, browsers):  # noqa: F811
    supervisor = signed_in(browsers, cc.supervisor)
    token = csrf(supervisor)

    def post(**fields):
        return supervisor.post("/planning/what-if", data={"queue": "osago_msk", "replications": "5", "csrf": token,
                                                          **fields})

    for fields, field, message in (
            ({"change": "two"}, "change", "Enter a whole number."),
            ({"change": "0"}, "change", "Enter a number of agents other than 0."),
            ({"change": "500"}, "change", "This number is too large."),
            ({"change": "1", "replications": "100"}, "replications", "This number is too large."),
            ({"change": "1", "day": "tomorrow"}, "day", "Enter a date."),
            ({"change": "1", "queue": "nope"}, "queue", "Choose one of the options.")):
        answer = post(**fields)
        assert answer.status_code == 422, fields
        error = re.search(rf'<span class="field-error" id="{field}-error">([^<]*)</span>', answer.text)
        assert error and unescape(error.group(1)) == message, (fields, answer.text[-3000:])
        assert f'aria-describedby="{field}-error"' in answer.text
    assert 'value="two"' in post(change="two").text  # what was typed is kept


def test_a_forecast_without_history_says_so_above_the_form(cc, browsers):  # noqa: F811
    supervisor = signed_in(browsers, cc.supervisor)
    answer = supervisor.post("/planning/forecast", data={"queue": "osago_msk", "horizon": "7",
                                                          "csrf": csrf(supervisor)})
    assert answer.status_code == 422
    assert "There is not enough history for a forecast" in unescape(answer.text)
    answer = supervisor.post("/planning/staffing", data={"queue": "osago_msk", "shrinkage": "30",
                                                          "csrf": csrf(supervisor)})
    assert answer.status_code == 422 and "Run a forecast of this queue first." in answer.text


@pytest.fixture
def demo(container, make):
    """The small demo's history, and a supervisor of its Moscow site."""
    from helpline.demo import load_demo

    load_demo(container.uow, weeks=3, scale=0.05)
    with container.uow() as uow:
        moscow = SimpleNamespace(id=uow.session.scalars(select(Site.id).order_by(Site.id)).first())
    user = make.user("supervisor", sites=[moscow])
    return Person(user, make.token(user))


def test_a_forecast_run_is_stored_and_shown_against_the_actuals(demo, browsers, uow):  # noqa: F811
    supervisor = signed_in(browsers, demo)
    assert "No forecast has been run for this queue yet." in supervisor.get("/planning/forecast?queue=msk_osago").text
    answer = supervisor.post("/planning/forecast", data={"queue": "msk_osago", "horizon": "7",
                                                          "csrf": csrf(supervisor)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/planning/forecast?queue=msk_osago"
    [run] = runs(uow, "forecast")
    assert run.scope == "msk_osago" and run.created_by_user_id == demo.user.id
    assert run.parameters["horizon_days"] == 7 and len(run.result["forecast"]) == 7 * 48
    assert {b["model"] for b in run.result["backtest"]} == {"mstl", "seasonal_es", "seasonal_naive"}
    page = supervisor.get("/planning/forecast?queue=msk_osago").text
    data = embedded(page, "forecast-data")
    shown = dict(zip(data["starts"], data["forecast"], strict=True))
    assert [shown[s] for s in run.result["starts"]] == run.result["forecast"]
    actual = [v for v in data["actual"] if v is not None]
    assert len(actual) == 14 * 48 and sum(actual) > 0  # the last two weeks of offered contacts
    assert data["starts"] == sorted(data["starts"]) and data["starts"][-1] == run.result["starts"][-1]
    wapes = re.findall(r'data-key="wape" data-value="([^"]+)"', page)
    assert sorted(float(w) for w in wapes) == sorted(b["wape"] for b in run.result["backtest"])
    assert "chosen" in page and "baseline" in page


def test_required_and_scheduled_on_the_page_are_the_stored_runs(demo, browsers, uow, container):  # noqa: F811
    from helpline.services import planning

    supervisor = signed_in(browsers, demo)
    token = csrf(supervisor)
    assert supervisor.post("/planning/forecast", data={"queue": "msk_osago", "horizon": "7", "csrf": token},
                           follow_redirects=False).status_code == 303
    answer = supervisor.post("/planning/staffing", data={"queue": "msk_osago", "shrinkage": "25", "aht_s": "",
                                                          "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303
    [run] = runs(uow, "schedule")
    result = run.result
    assert result["shrinkage"] == 0.25 and result["aht_source"] == "history" and result["aht_s"] > 0
    assert result["service_level"] == 0.8 and result["answer_within_s"] == 20
    assert result["status"] in ("OPTIMAL", "FEASIBLE") and result["shifts"]
    page = supervisor.get("/planning/staffing?queue=msk_osago").text
    rows = re.findall(r'<tr class="(under|over|)" data-start="([^"]+)">(.*?)</tr>', page, re.S)
    assert rows
    index = {s: i for i, s in enumerate(result["starts"])}
    for state, start, cells in rows:
        i = index[start]
        figures = dict(re.findall(r'data-key="(\w+)" data-value="([^"]*)"', cells))
        assert int(figures["required"]) == result["required"][i] and int(figures["scheduled"]) == result["scheduled"][i]
        assert int(figures["agents"]) == result["agents"][i] and float(figures["calls"]) == result["calls"][i]
        gap = result["scheduled"][i] - result["required"][i]
        assert state == ("under" if gap < 0 else "over" if gap > 0 else "")
    shown = {start for _, start, _ in rows}
    assert all(result["required"][i] == 0 and result["scheduled"][i] == 0 for s, i in index.items()
               if s not in shown)  # every interval with agents is on the page
    data = embedded(page, "staffing-data")
    assert data["starts"] == [start for _, start, _ in rows]
    assert data["required"] == [result["required"][index[s]] for s in data["starts"]]
    assert data["scheduled"] == [result["scheduled"][index[s]] for s in data["starts"]]
    timeline = supervisor.get("/planning/schedule?queue=msk_osago").text
    first_day = result["starts"][0][:10]
    on_first_day = [s for s in result["shifts"] if s["start"][:10] == first_day]
    assert timeline.count('<tr class="shift"') == len(on_first_day)
    assert supervisor.get("/planning/schedule?queue=msk_osago&day=1999-01-01").status_code == 404
    assert planning.TEMPLATES  # the built-in templates the docs describe
