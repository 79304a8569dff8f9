"""The reports page in real Chromium: the charts are drawn from the report's own figures, the heat map
matches the history, and changing a filter changes what is drawn."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.contact_centre import build_centre
from tests.test_report_pages import build_history

pytestmark = pytest.mark.slow
MOSCOW = ZoneInfo("Europe/Moscow")  # both sites' (and the centre's) time zone


def history(make, client, clock):
    """The calls of build_history, recorded in real time beside the server: the first batch in this hour, the
    second an hour later. Returns the centre, the report's URL (the days they fall on) and the two local hours."""
    cc = build_centre(make)
    cc = build_history(cc, client, clock)
    second = clock().astimezone(MOSCOW) - timedelta(seconds=60)  # when the second batch entered the queue
    first = second - timedelta(hours=1)
    url = (f"/reports?from={first.date().isoformat()}&to={(second.date() + timedelta(days=1)).isoformat()}"
           "&interval=1h&by=interval")
    return cc, url, (first, second)


def column(page, key: str, table: str = "#report-table") -> list[str]:
    return page.locator(f"{table} tbody [data-key={key}]").evaluate_all("cells => cells.map(c => c.dataset.value)")


def chart(page, canvas: str) -> list:
    return page.evaluate(f"Chart.getChart(document.querySelector('#{canvas}')).data.datasets.map(d => d.data)")


def test_the_charts_and_the_heat_map_are_drawn_from_the_report(web, make, client, clock):
    cc, url, (first, second) = history(make, client, clock)
    page = web.page_for(cc.admin.user.username, start="/reports")
    page.goto(url)
    web.wait_until(page, "document.body.dataset.chartsDrawn === 'true'")

    offered, answered, abandoned = (column(page, key) for key in ("offered", "answered", "abandoned"))
    assert (offered, answered, abandoned) == (["3", "2"], ["1", "1"], ["2", "1"])  # by hand: see build_history
    assert chart(page, "chart-volume") == [[int(v) for v in series] for series in (offered, answered, abandoned)]
    service_level, target = chart(page, "chart-sl")
    assert service_level == [float(v) for v in column(page, "service_level")] == [0.5, 0.0]
    assert target == [0.8, 0.8]
    asa = [float(v) for v in column(page, "asa_s")]
    assert chart(page, "chart-asa") == [asa] and asa == pytest.approx([10.0, 40.0], abs=1)  # real-time waits
    assert chart(page, "chart-abandon")[0] == pytest.approx([float(v) for v in column(page, "abandon_rate")])
    labels = page.evaluate("Chart.getChart(document.querySelector('#chart-volume')).data.labels")
    assert labels == page.locator("#report-table tbody th[data-key=interval]").all_inner_texts()
    legend = page.evaluate("Chart.getChart(document.querySelector('#chart-volume')).data.datasets.map(d => d.label)")
    assert legend == ["Offered interactions", "Answered interactions", "Abandoned interactions"]
    for canvas in ("chart-sl", "chart-volume", "chart-asa", "chart-abandon"):  # each chart is named by its caption
        caption = page.locator(f"#{canvas}").get_attribute("aria-labelledby")
        assert page.locator(f"#{caption}").inner_text().strip()

    def heat_cell(moment):  # the heat map's cell of this local weekday and hour
        return page.locator("#heat-map tbody tr").nth(moment.weekday()).locator("td").nth(moment.hour)

    assert heat_cell(first).inner_text() == "3" and heat_cell(first).get_attribute("class") == "heat-9"
    assert heat_cell(second).inner_text() == "2" and heat_cell(second).get_attribute("class") == "heat-6"
    assert heat_cell(first - timedelta(hours=1)).get_attribute("class") == "heat-0"
    assert page.locator("#heat-map td[class^=heat-]").evaluate_all(
        "cells => cells.reduce((sum, c) => sum + Number(c.dataset.count), 0)") == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling at 1366×768
    web.shot(page, "reports")

    # only St Petersburg: one call, abandoned after 30 s, in the first hour
    page.select_option("#site", label="St Petersburg")
    page.focus("#from")
    page.keyboard.press("Enter")  # the form submits from the keyboard
    page.wait_for_url("**site=*")
    web.wait_until(page, "document.body.dataset.chartsDrawn === 'true'")
    assert column(page, "offered") == ["1"] and column(page, "service_level") == ["0.0"]
    assert chart(page, "chart-volume") == [[1], [0], [1]]
    assert heat_cell(first).inner_text() == "1" and heat_cell(second).inner_text() == ""
    assert "site=" in page.locator("#export-csv").get_attribute("href")


def test_the_page_in_russian_and_its_form_errors(web, make, client, clock):
    cc, url, (first, _second) = history(make, client, clock)
    page = web.page_for(cc.supervisor.user.username, language="ru", start="/reports")
    page.goto(url)
    web.wait_until(page, "document.body.dataset.chartsDrawn === 'true'")
    assert page.locator("h1").inner_text() == "Отчёты"
    legend = page.evaluate("Chart.getChart(document.querySelector('#chart-sl')).data.datasets.map(d => d.label)")
    assert legend == ["Уровень обслуживания", "Цель"]
    assert chart(page, "chart-volume")[0] == [2, 2]  # the Moscow supervisor: osago_msk only
    before = (first.date() - timedelta(days=1)).isoformat()
    page.fill("#to", before)
    page.click(".report-filters button[type=submit]")
    assert page.locator("#to-error").inner_text() == "Дата окончания должна быть позже даты начала."
    assert page.locator("#to").input_value() == before
    assert page.locator("#report-data").count() == 0
    web.shot(page, "reports-error-ru")
