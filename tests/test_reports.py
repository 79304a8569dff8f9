"""KPI reports end to end: events written by the real use cases, read back through the API and the CLI."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from helpline.entrypoints.cli import app as cli
from tests.contact_centre import build_centre

DAY = "from=2026-02-02&to=2026-02-03"  # the test clock starts on 2026-02-02 09:00 UTC


@pytest.fixture
def centre(make, client, clock):
    cc = build_centre(make)
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    answered = call(cc, client, 1)
    clock.advance(10)
    cc.http(client, cc.agent, "POST", f"/queues/{cc.osago_queue.id}/take")
    cc.http(client, cc.agent, "POST", f"/interactions/{answered}/accept", json={})
    clock.advance(90)
    cc.http(client, cc.agent, "POST", f"/interactions/{answered}/end", json={})
    clock.advance(30)
    cc.http(client, cc.agent, "POST", f"/interactions/{answered}/complete", json={})
    short = call(cc, client, 2)
    clock.advance(3)
    cc.http(client, cc.pbx, "POST", f"/interactions/{short}/abandon", json={})
    spb = call(cc, client, 3, cc.spb_queue)
    clock.advance(30)
    cc.http(client, cc.pbx, "POST", f"/interactions/{spb}/abandon", json={})
    return cc


def call(cc, client, n, queue=None):
    body = {"channel": "voice", "queue_id": (queue or cc.osago_queue).id, "idempotency_key": f"report-{n}"}
    return cc.http(client, cc.pbx, "POST", "/interactions", json=body)["id"]


METRICS = "offered,answered,abandoned,short_abandoned,service_level,asa_s,aht_s,abandon_rate"


def test_the_kpi_report_by_queue(centre, client):
    rows = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=queue&metrics={METRICS}")
    assert rows == [
        {"queue": "osago_msk", "offered": 2, "answered": 1, "abandoned": 1, "short_abandoned": 1,
         "service_level": 1.0, "asa_s": 10.0, "aht_s": 120.0, "abandon_rate": 0.5},
        {"queue": "osago_spb", "offered": 1, "answered": 0, "abandoned": 1, "short_abandoned": 0,
         "service_level": 0.0, "asa_s": None, "aht_s": None, "abandon_rate": 1.0}]
    (whole,) = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&metrics=offered,service_level"
                                                         "&sl_formula=answered-only")
    assert whole == {"offered": 3, "service_level": 1.0}


def test_csv_and_xlsx_carry_the_same_rows(centre, client):
    response = client.get(f"/api/v1/reports/kpi?{DAY}&by=queue&metrics=offered,abandoned&format=csv",
                          headers=centre.qa.auth)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(response.text))) == [
        {"queue": "osago_msk", "offered": "2", "abandoned": "1"}, {"queue": "osago_spb", "offered": "1",
                                                                    "abandoned": "1"}]
    book = client.get(f"/api/v1/reports/kpi?{DAY}&by=queue&metrics=offered&format=xlsx", headers=centre.qa.auth)
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [["queue", "offered"], ["osago_msk", 2],
                                                                     ["osago_spb", 1]]


def test_a_supervisor_sees_the_queues_of_their_sites_and_agents_and_integrations_are_refused(centre, client):
    rows = centre.http(client, centre.spb_supervisor, "GET", f"/reports/kpi?{DAY}&by=queue&metrics=offered")
    assert rows == [{"queue": "osago_spb", "offered": 1}]
    for who in (centre.agent, centre.pbx):
        assert client.get(f"/api/v1/reports/kpi?{DAY}", headers=who.auth).status_code == 403


@pytest.mark.parametrize(("query", "message"), [
    ("&metrics=happiness", "unknown metric"), ("&by=colour", "unknown dimension"),
    ("&by=interval=7m", "unknown interval"), ("&sl_formula=generous", "formula")])
def test_unknown_names_get_422_with_the_known_ones(centre, client, query, message):
    response = client.get(f"/api/v1/reports/kpi?{DAY}{query}", headers=centre.admin.auth)
    assert response.status_code == 422 and message in response.text


def test_an_inverted_period_is_refused(centre, client):
    response = client.get("/api/v1/reports/kpi?from=2026-02-03&to=2026-02-02", headers=centre.admin.auth)
    assert response.status_code == 422


def test_the_cli_prints_one_json_array_and_a_table(centre, database_url, monkeypatch):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--from", "2026-02-02", "--to", "2026-02-03", "--by",
                                 "queue,interval=1h", "--metrics", "offered,service_level", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"queue": "osago_msk", "interval": "2026-02-02T12:00:00+03:00", "offered": 2, "service_level": 1.0},
        {"queue": "osago_spb", "interval": "2026-02-02T12:00:00+03:00", "offered": 1, "service_level": 0.0}]
    table = runner.invoke(cli, ["report", "--from", "2026-02-02", "--to", "2026-02-03", "--by", "queue"])
    assert table.exit_code == 0 and "osago_msk" in table.output and "100.0%" in table.output
    wrong = runner.invoke(cli, ["report", "--from", "2026-02-02", "--to", "2026-02-03", "--metrics", "x"])
    assert wrong.exit_code == 2 and "unknown metric" in wrong.output


def test_grouped_by_direction_case_type_and_agent(centre, client):
    rows = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=direction,case_type&metrics=offered")
    assert rows == [{"direction": "in", "case_type": "enquiry", "offered": 3}]
    by_agent = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=agent&metrics=answered,aht_s")
    assert {"agent": centre.agent.agent.display_name, "answered": 1, "aht_s": 120.0} in by_agent


def test_a_report_from_the_parquet_export_equals_the_report_from_the_database(centre, database_url, monkeypatch,
                                                                              tmp_path):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")
    runner = CliRunner()
    exported = runner.invoke(cli, ["export", "events", str(tmp_path / "log"), "--from", "2026-01", "--to", "2026-02"])
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in (tmp_path / "log").iterdir()) == ["month=2026-01", "month=2026-02"]
    assert (tmp_path / "log" / "month=2026-02" / "type=entered_queue").is_dir()
    again = runner.invoke(cli, ["export", "events", str(tmp_path / "log"), "--from", "2026-02", "--to", "2026-02"])
    assert again.exit_code == 0 and sorted(p.name for p in (tmp_path / "log").iterdir()) == [
        "month=2026-01", "month=2026-02"]  # replaced in place, nothing left aside
    for by in ("queue,interval=1h", "direction,case_type", "agent"):
        args = ["report", "--from", "2026-02-02", "--to", "2026-02-03", "--by", by, "--metrics",
                "offered,answered,short_abandoned,service_level,asa_s,aht_s,max_wait_s", "--format", "json"]
        from_db = runner.invoke(cli, args)
        from_export = runner.invoke(cli, [*args, "--events", str(tmp_path / "log")])
        assert from_export.exit_code == 0, from_export.output
        assert json.loads(from_export.output) == json.loads(from_db.output) != []
    missing = runner.invoke(cli, ["report", "--from", "2025-01-01", "--to", "2025-01-02", "--events",
                                  str(tmp_path / "log")])
    assert missing.exit_code == 2 and "no exported events" in missing.output
    wrong = runner.invoke(cli, ["export", "events", str(tmp_path / "x"), "--from", "2026-1", "--to", "2026-02"])
    assert wrong.exit_code == 2 and "YYYY-MM" in wrong.output


def test_occupancy_and_shrinkage_per_agent_from_presence_and_work(centre, client, clock):
    # the agent went ready at 09:00 UTC and handled one call 09:00:10-09:02:10 (answer to wrap-up end)
    (row,) = [r for r in centre.http(client, centre.admin, "GET",
                                     f"/reports/kpi?{DAY}&by=agent&metrics=occupancy,shrinkage")
              if r["agent"] == centre.agent.agent.display_name]
    ready_s = 12 * 3600  # to the period's end, midnight in Moscow (21:00 UTC)
    assert row["occupancy"] == pytest.approx(120 / ready_s) and row["shrinkage"] == 0.0
    by_queue = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=queue&metrics=offered,occupancy")
    assert all(r["occupancy"] is None for r in by_queue)  # agent time belongs to no queue


CASE_METRICS = ("cases_opened,avg_first_response_s,avg_first_response_business_s,avg_resolution_s,"
                "avg_resolution_business_s,fcr")


def test_case_clocks_in_calendar_and_business_time_and_fcr(centre, client, clock):
    # Monday 2026-02-02: each call opened a case at 09:00 UTC (12:00 in Moscow); one was answered 10 s later
    answered_case = next(i for i in centre.http(client, centre.admin, "GET", "/interactions?limit=10")
                         if i["answered_at"])["case_id"]
    clock.now = clock.now.replace(hour=16, minute=0, second=0)  # 19:00 in Moscow
    centre.http(client, centre.admin, "POST", f"/cases/{answered_case}/status", json={"status": "resolved"})
    (row,) = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=case_type&metrics={CASE_METRICS}")
    assert row == {"case_type": "enquiry", "cases_opened": 3, "avg_first_response_s": 10.0,
                   "avg_first_response_business_s": 10.0, "avg_resolution_s": 7 * 3600.0,
                   "avg_resolution_business_s": 6 * 3600.0,  # the working day ends at 18:00 in Moscow
                   "fcr": 1.0}
    # the customer comes back on the case an hour later: it reopens, is resolved again, and is no FCR
    clock.advance(3600)
    centre.http(client, centre.pbx, "POST", "/interactions", json={
        "channel": "voice", "queue_id": centre.osago_queue.id, "case_id": answered_case,
        "idempotency_key": "report-repeat"})
    clock.advance(3600)
    centre.http(client, centre.admin, "POST", f"/cases/{answered_case}/status", json={"status": "resolved"})
    (row,) = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=case_type&metrics={CASE_METRICS}")
    assert row["fcr"] == 0.0 and row["avg_resolution_s"] == 9 * 3600.0
    assert row["avg_resolution_business_s"] == 6 * 3600.0
    by_queue = centre.http(client, centre.admin, "GET", f"/reports/kpi?{DAY}&by=queue&metrics=offered,fcr")
    assert all(r["fcr"] is None for r in by_queue)  # cases are not counted per queue


def test_volume_and_response_times_per_channel(centre, client, clock):
    """Each channel's volume and waits (by the queue's channel) and its cases' first response (by the channel
    the case began on)."""
    chat = centre.http(client, centre.pbx, "POST", "/interactions", json={
        "channel": "chat", "queue_id": centre.chat_queue.id, "idempotency_key": "report-chat"})
    clock.advance(40)
    centre.http(client, centre.pbx, "POST", f"/interactions/{chat['id']}/answer",
                json={"agent_id": centre.colleague.agent.id})
    rows = centre.http(client, centre.admin, "GET",
                       f"/reports/kpi?{DAY}&by=channel&metrics=offered,answered,asa_s,avg_first_response_s")
    assert rows == [
        {"channel": "chat", "offered": 1, "answered": 1, "asa_s": 40.0, "avg_first_response_s": 40.0},
        {"channel": "voice", "offered": 3, "answered": 1, "asa_s": 10.0, "avg_first_response_s": 10.0}]
