"""The reports page (issue 6) through the web session: scope, the filter form and its messages, the table
and the charts' embedded figures against a small history with hand-computed figures, and the exports."""

import csv
import io
import json
import re
from contextlib import ExitStack
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.contact_centre import Centre, build_centre

PASSWORD = "password123"
DAY = "from=2026-02-02&to=2026-02-03"  # Monday; the test clock starts at 09:00 UTC, 12:00 in Moscow
HOURLY = f"/reports?{DAY}&interval=1h&by=interval"


def build_history(cc: Centre, client, clock) -> Centre:
    """Five calls with known waits. Both sites are in Moscow time (UTC+3); the queues' T is 20 s.

    With the test clock (2026-02-02 09:00 UTC) the calls enter in these hours; beside a live server, whose
    clock is real time, in the current hour and the next.

    12:00 hour: osago_msk answered after 10 s, osago_msk abandoned after 3 s (a short abandon),
                osago_spb abandoned after 30 s
    13:00 hour: osago_msk answered after 40 s, osago_msk abandoned after 60 s
    """
    def call(n: int, queue=None) -> int:
        body = {"channel": "voice", "queue_id": (queue or cc.osago_queue).id, "idempotency_key": f"rp-{n}"}
        return cc.http(client, cc.pbx, "POST", "/interactions", json=body)["id"]

    def answer(interaction: int, person) -> None:
        cc.http(client, cc.pbx, "POST", f"/interactions/{interaction}/answer", json={"agent_id": person.agent.id})

    def abandon(interaction: int) -> None:
        cc.http(client, cc.pbx, "POST", f"/interactions/{interaction}/abandon", json={})

    if clock().minute == 59 and clock().second >= 50:  # beside a live server the clock is real time: keep
        clock.advance(15)                               # each batch of calls inside one hour
    first, short, spb = call(1), call(2), call(3, cc.spb_queue)
    clock.advance(3)
    abandon(short)
    clock.advance(7)
    answer(first, cc.agent)
    clock.advance(20)
    abandon(spb)
    clock.advance(3600 - 30)  # an hour after the first calls (10:00 UTC on the test clock)
    late, gave_up = call(4), call(5)
    clock.advance(40)
    answer(late, cc.colleague)
    clock.advance(20)
    abandon(gave_up)
    return cc


@pytest.fixture
def history(make, client, clock) -> Centre:
    return build_history(build_centre(make), client, clock)


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def signed_in(browsers, person, language: str = "en"):
    browser = browsers()
    page = browser.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = browser.post("/login", data={"username": person.user.username, "password": PASSWORD, "csrf": token},
                            follow_redirects=False)
    assert response.status_code == 303
    browser.get(f"/?lang={language}")
    return browser


def table(html: str, table_id: str = "report-table") -> list[dict[str, tuple[str, str]]]:
    """The rows of a table on the page: data-key → (raw value, text shown)."""
    body = html[html.index(f'id="{table_id}"'):]
    body = body[:body.index("</table>")]
    body = body[body.index("<tbody>"):]
    rows = []
    for row in body.split("<tr>")[1:]:
        cells = re.findall(r'<t[hd][^>]*data-key="([^"]+)" data-value="([^"]*)"[^>]*>(.*?)</t[hd]>', row, re.S)
        rows.append({key: (unescape(value), unescape(re.sub(r"<[^>]+>", "", text)).strip())
                     for key, value, text in cells})
    return rows


def values(rows, key: str) -> list:
    return [row[key][0] for row in rows]


def chart_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert found, "no embedded report data"
    return json.loads(found.group(1))


def comparable(value):
    """A cell as a number when it is one (an XLSX cell 10 and a page's 10.0 are the same figure)."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def options(html: str, name: str) -> list[str]:
    """The values a select offers (besides the blank "all")."""
    select = html[html.index(f'<select id="{name}"'):]
    return [v for v in re.findall(r'<option value="([^"]*)"', select[:select.index("</select>")]) if v]


def field_error(html: str, name: str) -> str | None:
    found = re.search(rf'<span class="field-error" id="{name}-error">(.*?)</span>', html, re.S)
    return unescape(found.group(1)).strip() if found else None


# --- who may see what --------------------------------------------------------------------------------


def test_agents_get_403_and_anonymous_visitors_are_sent_to_log_in(history, browsers):
    assert signed_in(browsers, history.agent).get(HOURLY).status_code == 403
    assert signed_in(browsers, history.agent).get(f"/reports/export.csv?{DAY}").status_code == 403
    anonymous = browsers().get(HOURLY, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


def test_the_table_and_the_chart_data_carry_the_hand_computed_figures(history, browsers):
    page = signed_in(browsers, history.qa).get(HOURLY)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    rows = table(page.text)
    assert values(rows, "interval") == ["2026-02-02T12:00:00+03:00", "2026-02-02T13:00:00+03:00"]
    assert [row["interval"][1] for row in rows] == ["Mon 2 Feb 2026, 12:00", "Mon 2 Feb 2026, 13:00"]
    assert values(rows, "offered") == ["3", "2"]
    assert values(rows, "answered") == ["1", "1"]
    assert values(rows, "abandoned") == ["2", "1"]
    assert values(rows, "short_abandoned") == ["1", "0"]
    assert values(rows, "answered_within_t") == ["1", "0"]
    # exclude-short-abandons: 1 ÷ (3 − 1) and 0 ÷ (2 − 0)
    assert [row["service_level"] for row in rows] == [("0.5", "50.0%"), ("0.0", "0.0%")]
    assert [row["asa_s"] for row in rows] == [("10.0", "10.0"), ("40.0", "40.0")]
    assert [row["abandon_rate"][1] for row in rows] == ["66.7%", "50.0%"]
    assert "Service level<span class=\"unit\">, %</span>" in page.text
    assert "Average speed of answer<span class=\"unit\">, s</span>" in page.text
    data = chart_data(page.text)
    assert data["offered"] == [3, 2] and data["answered"] == [1, 1] and data["abandoned"] == [2, 1]
    assert data["service_level"] == [0.5, 0.0] and data["asa_s"] == [10.0, 40.0]
    assert data["abandon_rate"] == pytest.approx([2 / 3, 0.5])
    assert data["target"] == 0.8 and data["labels"] == [row["interval"][1] for row in rows]
    # no executable inline script, no inline style: the CSP would block them
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page.text) == []
    assert " style=" not in page.text


def test_the_heat_map_counts_offered_by_weekday_and_hour(history, browsers):
    page = signed_in(browsers, history.admin).get(HOURLY).text
    heat = page[page.index('id="heat-map"'):page.index("</table>", page.index('id="heat-map"'))]
    days = heat.split("<tbody>")[1].split("</tr>")[:7]
    counts = [[int(c) for c in re.findall(r'data-count="(\d+)"', day)] for day in days]
    assert counts[0][12] == 3 and counts[0][13] == 2  # Monday, 12:00 and 13:00 in Moscow
    assert sum(map(sum, counts)) == 5
    monday = re.findall(r'<td class="(heat-\d)" data-count="(\d+)"', days[0])
    assert monday[12] == ("heat-9", "3") and monday[13] == ("heat-6", "2") and monday[0] == ("heat-0", "0")


def test_a_supervisor_sees_only_the_queues_of_their_sites(history, browsers):
    moscow = signed_in(browsers, history.supervisor).get(HOURLY).text
    # 12:00: osago_msk only, 1 answered within T of 2 offered with 1 short abandon: 1 ÷ (2 − 1)
    assert values(table(moscow), "offered") == ["2", "2"]
    assert values(table(moscow), "service_level") == ["1.0", "0.0"]
    assert history.spb_queue.code not in moscow and history.osago_queue.code in moscow
    spb = signed_in(browsers, history.spb_supervisor).get(f"/reports?{DAY}&by=queue").text
    assert [(r["queue"][0], r["offered"][0]) for r in table(spb)] == [("osago_spb", "1")]
    assert options(spb, "queue") == [str(history.spb_queue.id)] and options(spb, "site") == [str(history.spb.id)]
    # a queue outside their sites, typed into the address, is refused next to the field
    refused = signed_in(browsers, history.spb_supervisor).get(f"/reports?{DAY}&queue={history.osago_queue.id}")
    assert refused.status_code == 422 and field_error(refused.text, "queue") == "Choose one of the options."


def test_filters_group_by_and_the_formula_change_the_figures(history, browsers):
    browser = signed_in(browsers, history.admin)
    by_queue = table(browser.get(f"/reports?{DAY}&by=site&by=queue").text)
    assert [(r["site"][0], r["queue"][0], r["offered"][0]) for r in by_queue] == [
        ("Moscow", "osago_msk", "4"), ("St Petersburg", "osago_spb", "1")]
    only_spb = table(browser.get(f"/reports?{DAY}&by=queue&site={history.spb.id}").text)
    assert [(r["queue"][0], r["abandoned"][0]) for r in only_spb] == [("osago_spb", "1")]
    chats = browser.get(f"/reports?{DAY}&by=queue&channel=chat").text
    assert "No interactions in this period." in chats
    # answered-only: answered within T ÷ answered = 1 ÷ 2 over the day
    (whole,) = table(browser.get(f"/reports?{DAY}&sl_formula=answered-only").text)
    assert whole["service_level"][0] == "0.5"
    (default,) = table(browser.get(f"/reports?{DAY}").text)  # 1 ÷ (5 − 1)
    assert default["service_level"][0] == "0.25"
    # T of 45 s: both answers are within it; abandon-positive adds the abandons within T (3 s and 30 s)
    (generous,) = table(browser.get(f"/reports?{DAY}&sl_formula=abandon-positive&answer_within=45").text)
    assert generous["service_level"][0] == str(4 / 5)
    mine = table(browser.get(f"/reports?{DAY}&agent={history.colleague.agent.id}").text)
    assert [(r["answered"][0], r["asa_s"][0]) for r in mine] == [("1", "40.0")]
    # grouped by queue, the charts still draw the totals by interval, shown in their own table
    grouped = browser.get(f"/reports?{DAY}&by=queue&interval=1h").text
    assert values(table(grouped, "trend-table"), "offered") == ["3", "2"]
    assert chart_data(grouped)["offered"] == [3, 2]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=2026-02-03&to=2026-02-02", "to", "The end must come after the start."),
    ("from=2026-02-02&to=2026-02-02", "to", "The end must come after the start."),
    ("from=2026-01-01&to=2026-03-01&interval=15m", "to",
     "At 15- or 30-minute intervals a report covers at most 31 days."),
    ("from=2026-02-02&to=2026-02-03&sl_formula=generous", "sl_formula", "Choose one of the options."),
    ("from=2026-02-02&to=2026-02-03&interval=7m", "interval", "Choose one of the options."),
    ("from=2026-02-31&to=2026-03-03", "from", "Enter a date."),
    ("from=2026-02-02&to=2026-02-03&answer_within=-5", "answer_within", "This number is too small."),
    ("from=2026-02-02&to=2026-02-03&by=colour", "by", "Choose one of the options."),
])
def test_invalid_filters_are_shown_next_to_their_field_with_what_was_typed(history, browsers, query, field, message):
    response = signed_in(browsers, history.admin).get(f"/reports?{query}")
    assert response.status_code == 422
    assert field_error(response.text, field) == message
    assert 'id="report-data"' not in response.text and 'id="report-table"' not in response.text
    typed = dict(part.split("=") for part in query.split("&"))
    if field in ("from", "to", "answer_within"):
        assert f'name="{field}" type="{"number" if field == "answer_within" else "date"}" value="{typed[field]}"' \
               in response.text
        assert f'aria-describedby="{field}-error"' in response.text


def test_messages_and_figures_in_russian(history, browsers):
    browser = signed_in(browsers, history.admin, "ru")
    page = browser.get(HOURLY).text
    assert "Уровень обслуживания" in page and "Среднее время ответа (ASA)<span class=\"unit\">, с</span>" in page
    rows = table(page)
    assert rows[0]["interval"][1] == "02.02.2026 12:00"
    assert rows[0]["abandon_rate"][1] == "66,7\xa0%"
    assert chart_data(page)["text"]["offered"] == "Поступило" and chart_data(page)["lang"] == "ru"
    assert "Пн" in page  # the heat map's weekdays
    wrong = browser.get("/reports?from=2026-02-03&to=2026-02-02&interval=1h")
    assert field_error(wrong.text, "to") == "Дата окончания должна быть позже даты начала."


def test_the_first_visit_shows_the_last_seven_days_by_the_hour(history, browsers, clock):
    clock.now = datetime(2026, 2, 4, 9, 0, tzinfo=UTC)
    page = signed_in(browsers, history.admin).get("/reports").text
    assert 'name="from" type="date" value="2026-01-29"' in page and 'name="to" type="date" value="2026-02-05"' in page
    assert values(table(page), "offered") == ["3", "2"]


# --- exports -----------------------------------------------------------------------------------------


def test_csv_and_xlsx_exports_carry_the_rows_of_the_table(history, browsers):
    browser = signed_in(browsers, history.admin)
    query = f"{DAY}&by=queue&by=interval&interval=1h&sl_formula=answered-only"
    page = browser.get(f"/reports?{query}").text
    shown = table(page)
    assert f'href="/reports/export.csv?{DAY.replace("&", "&amp;")}' in page
    link = unescape(re.search(r'href="(/reports/export\.csv\?[^"]+)"', page).group(1))
    assert link == f"/reports/export.csv?{query}" or sorted(link.split("?")[1].split("&")) == sorted(query.split("&"))
    response = browser.get(f"/reports/export.csv?{query}")
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="helpline-kpi-2026-02-02-2026-02-03.csv"'
    exported = list(csv.DictReader(io.StringIO(response.text)))
    assert len(exported) == len(shown) == 3
    for row, cells in zip(exported, shown, strict=True):
        assert {key: value for key, value in row.items()} == {key: value for key, (value, _text) in cells.items()}
    book = browser.get(f"/reports/export.xlsx?{query}")
    assert book.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert book.headers["content-disposition"].endswith('filename="helpline-kpi-2026-02-02-2026-02-03.xlsx"')
    sheet = load_workbook(io.BytesIO(book.content)).active
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == list(shown[0])
    assert [[comparable(v) for v in r] for r in cells] == [[comparable(v) for v, _t in row.values()]
                                                             for row in shown]


def test_an_invalid_export_goes_back_to_the_form(history, browsers):
    response = signed_in(browsers, history.admin).get("/reports/export.csv?from=2026-02-03&to=2026-02-02",
                                                      follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/reports?from=2026-02-03&to=2026-02-02"


def test_an_unknown_export_format_is_the_404_page(history, browsers):
    response = signed_in(browsers, history.admin).get(f"/reports/export.pdf?{DAY}")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
