"""A site's own calendar: its business hours and the days off / working days added to its country's holidays,
through the API (who may change them, what is refused), the site's admin page (each form valid, invalid and
refused to the wrong role) and the business-time KPIs that count them. The browser test adds a day off."""

from contextlib import ExitStack
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from helpline.adapters.db import models as m
from tests.contact_centre import build_centre
from tests.test_admin_pages import count, error_of, post, row, signed_in

V1 = "/api/v1"
OFFICE = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def days_of(make, site_id: int) -> list[tuple[date, str, str]]:
    with make.uow() as uow:
        return [(d.date, d.kind, d.name) for d in uow.session.scalars(
            select(m.SiteCalendarDay).where(m.SiteCalendarDay.site_id == site_id).order_by(m.SiteCalendarDay.date))]


def audited(make, action: str) -> list[dict]:
    with make.uow() as uow:
        return [e.detail for e in uow.session.scalars(select(m.AuditEntry).where(m.AuditEntry.action == action))]


# --- API ----------------------------------------------------------------------------------------------------


def test_a_new_site_works_office_hours_and_the_api_replaces_them(cc, client, make):
    site = cc.http(client, cc.admin, "GET", f"/sites/{cc.moscow.id}")
    assert site["business_hours"] == OFFICE  # what business time counted before sites had hours
    hours = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "16:00"]]}
    changed = client.put(f"{V1}/sites/{cc.moscow.id}/business-hours", json={"business_hours": hours},
                         headers=cc.admin.auth)
    assert changed.status_code == 200 and changed.json()["business_hours"] == hours
    assert cc.http(client, cc.agent, "GET", f"/sites/{cc.moscow.id}")["business_hours"] == hours
    assert audited(make, "set_business_hours") == [{"before": OFFICE, "after": hours}]
    always = client.put(f"{V1}/sites/{cc.moscow.id}/business-hours", json={"business_hours": {}},
                        headers=cc.admin.auth)
    assert always.status_code == 200 and row(make, m.Site, id=cc.moscow.id).business_hours == {}


@pytest.mark.parametrize("hours", [
    {"mon": [["18:00", "09:00"]]}, {"mon": [["9:00", "18:00"]]}, {"monday": [["09:00", "18:00"]]},
    {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, {"mon": [["09:00"]]}, {"mon": "09:00-18:00"},
])
def test_invalid_business_hours_are_refused_and_nothing_changes(cc, client, make, hours):
    response = client.put(f"{V1}/sites/{cc.moscow.id}/business-hours", json={"business_hours": hours},
                          headers=cc.admin.auth)
    assert response.status_code == 422, response.text
    assert row(make, m.Site, id=cc.moscow.id).business_hours == OFFICE


def test_calendar_days_are_added_listed_and_removed(cc, client, make):
    path = f"{V1}/sites/{cc.moscow.id}/calendar-days"
    off = {"date": "2026-08-30", "kind": "day_off", "name": "Tatarstan Republic Day"}
    worked = {"date": "2026-02-28", "kind": "working_day", "name": ""}
    for body in (off, worked):
        added = client.post(path, json=body, headers=cc.admin.auth)
        assert added.status_code == 201 and added.json() == body
    assert client.get(path, headers=cc.qa.auth).json() == [worked, off]  # in date order
    assert client.get(f"{V1}/sites/{cc.spb.id}/calendar-days", headers=cc.agent.auth).json() == []
    again = client.post(path, json={**off, "kind": "working_day"}, headers=cc.admin.auth)
    assert again.status_code == 409
    removed = client.delete(f"{path}/2026-08-30", headers=cc.admin.auth)
    assert removed.status_code == 204 and removed.content == b""
    assert client.get(path, headers=cc.admin.auth).json() == [worked]
    assert client.delete(f"{path}/2026-08-30", headers=cc.admin.auth).status_code == 404
    assert [d["kind"] for d in audited(make, "add_calendar_day")] == ["day_off", "working_day"]
    assert audited(make, "remove_calendar_day") == [{"date": "2026-08-30", "kind": "day_off",
                                                     "name": "Tatarstan Republic Day"}]


@pytest.mark.parametrize(("body", "field"), [
    ({"date": "2026-02-30", "kind": "day_off"}, "date"),
    ({"date": "1800-01-01", "kind": "day_off"}, "date"),
    ({"date": "2026-03-09", "kind": "holiday"}, "kind"),
    ({"date": "2026-03-09"}, "kind"),
    ({"date": "2026-03-09", "kind": "day_off", "name": "x" * 201}, "name"),
    ({"date": "2026-03-09", "kind": "day_off", "colour": "red"}, "colour"),
])
def test_malformed_calendar_days_name_the_field(cc, client, make, body, field):
    response = client.post(f"{V1}/sites/{cc.moscow.id}/calendar-days", json=body, headers=cc.admin.auth)
    assert response.status_code == 422
    assert field in {str(part) for error in response.json()["detail"] for part in error["loc"]}
    assert days_of(make, cc.moscow.id) == []


def test_unknown_sites_and_dates(cc, client):
    day = {"date": "2026-03-09", "kind": "day_off"}
    assert client.post(f"{V1}/sites/999999/calendar-days", json=day, headers=cc.admin.auth).status_code == 404
    assert client.get(f"{V1}/sites/999999/calendar-days", headers=cc.admin.auth).status_code == 404
    assert client.put(f"{V1}/sites/999999/business-hours", json={"business_hours": {}},
                      headers=cc.admin.auth).status_code == 404
    assert client.delete(f"{V1}/sites/{cc.moscow.id}/calendar-days/yesterday",
                         headers=cc.admin.auth).status_code == 422


def test_roles_without_the_permission_are_refused(cc, client, make):
    site = cc.moscow.id
    day = {"date": "2026-03-09", "kind": "day_off"}
    for who in (cc.supervisor, cc.agent, cc.qa):
        assert client.post(f"{V1}/sites/{site}/calendar-days", json=day, headers=who.auth).status_code == 403
        assert client.put(f"{V1}/sites/{site}/business-hours", json={"business_hours": {}},
                          headers=who.auth).status_code == 403
    assert client.post(f"{V1}/sites/{site}/calendar-days", json=day, headers=cc.admin.auth).status_code == 201
    assert client.delete(f"{V1}/sites/{site}/calendar-days/2026-03-09", headers=cc.agent.auth).status_code == 403
    assert client.get(f"{V1}/sites/{site}/calendar-days", headers=cc.pbx.auth).status_code == 403  # no reading
    assert client.get(f"{V1}/sites/{site}/calendar-days").status_code == 401
    assert len(days_of(make, site)) == 1 and row(make, m.Site, id=site).business_hours == OFFICE


# --- business time in the KPIs ----------------------------------------------------------------------------


DAY = "from=2026-02-02&to=2026-02-03"  # the test clock starts on Monday 2026-02-02 09:00 UTC (12:00 in Moscow)
CASE_METRICS = "cases_opened,avg_first_response_business_s,avg_resolution_business_s"


def test_business_time_kpis_count_the_sites_hours_and_days(cc, client, clock):
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    call = cc.http(client, cc.pbx, "POST", "/interactions", json={"channel": "voice", "queue_id": cc.osago_queue.id})
    clock.advance(10)
    cc.http(client, cc.agent, "POST", f"/queues/{cc.osago_queue.id}/take")
    cc.http(client, cc.agent, "POST", f"/interactions/{call['id']}/accept", json={})
    clock.now = clock.now.replace(hour=16, minute=0, second=0)  # 19:00 in Moscow
    cc.http(client, cc.admin, "POST", f"/cases/{call['case_id']}/status", json={"status": "resolved"})

    def figures() -> dict:
        (found,) = cc.http(client, cc.admin, "GET", f"/reports/kpi?{DAY}&metrics={CASE_METRICS}")
        return found

    assert figures() == {"cases_opened": 1, "avg_first_response_business_s": 10.0,
                         "avg_resolution_business_s": 6 * 3600.0}  # 12:00-18:00 of a 09:00-18:00 day
    cc.http(client, cc.admin, "POST", f"/sites/{cc.moscow.id}/calendar-days",
            json={"date": "2026-02-02", "kind": "day_off", "name": "Closed"})
    assert figures() == {"cases_opened": 1, "avg_first_response_business_s": 0.0, "avg_resolution_business_s": 0.0}
    client.delete(f"{V1}/sites/{cc.moscow.id}/calendar-days/2026-02-02", headers=cc.admin.auth)
    cc.http(client, cc.admin, "PUT", f"/sites/{cc.moscow.id}/business-hours",
            json={"business_hours": {"mon": [["12:00", "15:00"]]}})
    assert figures()["avg_resolution_business_s"] == 3 * 3600.0
    cc.http(client, cc.admin, "PUT", f"/sites/{cc.moscow.id}/business-hours", json={"business_hours": {}})
    assert figures()["avg_resolution_business_s"] == 7 * 3600.0  # 24/7


# --- the site's admin page ------------------------------------------------------------------------------------


def hours_form(**changes: str) -> dict:
    form = {f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return form | {f"hours_{day}": value for day, value in changes.items()}


def test_the_site_page_shows_and_saves_the_business_hours(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    page_path = f"/admin/sites/{cc.moscow.id}"
    page = admin.get(page_path).text
    assert "Business hours" in page and 'id="hours_mon" name="hours_mon" type="text" value="09:00-18:00"' in page
    saved = post(admin, f"{page_path}/business-hours", hours_form(mon="09:00-13:00, 14:00–18:00", sat="10:00-16:00"),
                 page=page_path)
    assert saved.status_code == 303 and saved.headers["location"] == page_path
    assert row(make, m.Site, id=cc.moscow.id).business_hours == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]],
                                                                 "sat": [["10:00", "16:00"]]}
    shown = admin.get(page_path).text
    assert "The business hours have been saved." in shown and 'value="09:00-13:00, 14:00-18:00"' in shown
    always = post(admin, f"{page_path}/business-hours", hours_form(), page=page_path)
    assert always.status_code == 303 and row(make, m.Site, id=cc.moscow.id).business_hours == {}


@pytest.mark.parametrize(("day", "typed", "message"), [
    ("mon", "nine to six", "Запишите рабочие часы как 09:00-18:00, несколько интервалов через запятую."),
    ("tue", "9-18", "Неверный формат."),
    ("wed", "18:00-09:00", "Недопустимое значение."),
    ("thu", "09:00-13:00, 12:00-18:00", "Недопустимое значение."),
])
def test_invalid_business_hours_are_shown_next_to_the_day(cc, browsers, make, day, typed, message):
    admin = signed_in(browsers, cc.admin)
    page_path = f"/admin/sites/{cc.moscow.id}"
    response = post(admin, f"{page_path}/business-hours", hours_form(fri="10:00-17:00", **{day: typed}),
                    page=page_path)
    assert response.status_code == 422 and error_of(response.text, f"hours_{day}") == message
    assert 'value="10:00-17:00"' in response.text  # what was typed is kept
    assert error_of(response.text, "name") is None and error_of(response.text, "date") is None  # other forms
    assert row(make, m.Site, id=cc.moscow.id).business_hours == OFFICE


def test_the_site_page_adds_and_removes_calendar_days(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    page_path = f"/admin/sites/{cc.moscow.id}"
    assert "None yet" in admin.get(page_path).text
    added = post(admin, f"{page_path}/calendar-days",
                 {"date": "2026-08-30", "kind": "day_off", "day_name": "Tatarstan Republic Day"}, page=page_path)
    assert added.status_code == 303 and added.headers["location"] == page_path
    worked = post(admin, f"{page_path}/calendar-days", {"date": "2026-02-28", "kind": "working_day", "day_name": ""},
                  page=page_path)
    assert worked.status_code == 303
    assert days_of(make, cc.moscow.id) == [(date(2026, 2, 28), "working_day", ""),
                                           (date(2026, 8, 30), "day_off", "Tatarstan Republic Day")]
    page = admin.get(page_path).text
    assert "The day has been added to the calendar." in page
    assert "Tatarstan Republic Day" in page and "Working day" in page
    assert f'action="{page_path}/calendar-days/2026-08-30/remove"' in page
    removed = post(admin, f"{page_path}/calendar-days/2026-08-30/remove", {}, page=page_path)
    assert removed.status_code == 303 and [d[0] for d in days_of(make, cc.moscow.id)] == [date(2026, 2, 28)]
    assert "The day has been removed from the calendar." in admin.get(page_path).text
    russian = signed_in(browsers, cc.admin, "ru").get(page_path).text
    assert "Рабочий день" in russian and "Рабочие часы" in russian


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"date": "2026-02-28"}, "date", "Эта дата уже есть в календаре площадки."),
    ({"date": "2026-02-30"}, "date", "Введите дату."),
    ({"date": ""}, "date", "Введите дату."),
    ({"kind": "holiday"}, "kind", "Выберите один из вариантов."),
    ({"day_name": "x" * 201}, "day_name", "Слишком длинно."),
])
def test_invalid_calendar_days_are_shown_next_to_the_field(cc, browsers, make, data, field, message):
    admin = signed_in(browsers, cc.admin)
    page_path = f"/admin/sites/{cc.moscow.id}"
    assert post(admin, f"{page_path}/calendar-days", {"date": "2026-02-28", "kind": "working_day"},
                page=page_path).status_code == 303
    before = count(make, m.SiteCalendarDay)
    form = {"date": "2026-03-09", "kind": "day_off", "day_name": "Typed name"} | data
    response = post(admin, f"{page_path}/calendar-days", form, page=page_path)
    assert response.status_code == 422 and error_of(response.text, field) == message, response.text[-3000:]
    if field != "day_name":
        assert 'value="Typed name"' in response.text  # what was typed is kept
    assert error_of(response.text, "hours_mon") is None and error_of(response.text, "name") is None
    assert count(make, m.SiteCalendarDay) == before


def test_the_calendar_forms_are_refused_to_other_roles_and_without_the_csrf_token(cc, browsers, make):
    page_path = f"/admin/sites/{cc.moscow.id}"
    forms = [(f"{page_path}/business-hours", hours_form()),
             (f"{page_path}/calendar-days", {"date": "2026-03-09", "kind": "day_off"})]
    with make.uow() as uow:
        uow.session.add(m.SiteCalendarDay(site_id=cc.moscow.id, date=date(2026, 2, 28), kind="working_day", name=""))
        uow.commit()
    forms.append((f"{page_path}/calendar-days/2026-02-28/remove", {}))
    for person in (cc.supervisor, cc.agent, cc.qa):
        browser = signed_in(browsers, person)  # the role is refused before the form (and its token) is read
        assert browser.get(page_path).status_code == 403
        for path, data in forms:
            assert browser.post(path, data=data, follow_redirects=False).status_code == 403
    admin = signed_in(browsers, cc.admin)
    admin.get(page_path)
    for path, data in forms:
        assert admin.post(path, data={**data, "csrf": "forged"}, follow_redirects=False).status_code == 403
    assert row(make, m.Site, id=cc.moscow.id).business_hours == OFFICE
    assert days_of(make, cc.moscow.id) == [(date(2026, 2, 28), "working_day", "")]


# --- in the browser -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_administrator_adds_a_day_off_in_the_browser(web, make):
    cc = build_centre(make)
    page = web.page_for(cc.admin.user.username, start=f"/admin/sites/{cc.moscow.id}")
    page.fill("#date", "2026-08-30")
    page.select_option("#kind", "day_off")
    page.fill("#day_name", "Tatarstan Republic Day")
    page.click("form[action$='/calendar-days'] button[type=submit]")
    page.locator("#notice", has_text="The day has been added to the calendar.").wait_for()
    listed = page.locator("#site-days tbody tr", has_text="2026-08-30")
    assert "Tatarstan Republic Day" in listed.inner_text() and "Day off" in listed.inner_text()
    web.shot(page, "admin-site-calendar")
    assert days_of(make, cc.moscow.id) == [(date(2026, 8, 30), "day_off", "Tatarstan Republic Day")]
