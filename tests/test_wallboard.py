"""The supervisor wallboard (issue 6): its read model against hand-computed figures and the KPI engine, the
alert rule, the agents by state, scope, and the page through the TestClient (roles, languages, CSP)."""

import re
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services import wallboard
from helpline.services.reports import ReportRequest, run_report
from helpline.services.wallboard import Figures, queue_alerts

PASSWORD = "password123"
ZONE = "Europe/Moscow"  # the settings' default time zone; UTC+3 all year
# 12:02:30 in Moscow: "today" began at 2026-02-01 21:00 UTC, the current interval at 09:00 UTC (12:00 local)
NOW = datetime(2026, 2, 2, 9, 2, 30, tzinfo=UTC)


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def signed_in(browsers, person):
    browser = browsers()
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/login").text).group(1)
    response = browser.post("/login", data={"username": person.user.username, "password": PASSWORD, "csrf": token},
                            follow_redirects=False)
    assert response.status_code == 303
    return browser


def actor_of(person, role=None, sites=()):
    return Actor(user_id=person.user.id, username=person.user.username, role=role or Role(person.user.role),
                 site_ids=frozenset(sites))


class Day:
    """Drives calls through the REST API at chosen moments (the test clock)."""

    def __init__(self, cc, client, clock) -> None:
        self.cc, self.client, self.clock = cc, client, clock

    def at(self, moment: datetime) -> None:
        self.clock.now = moment

    def call(self, queue=None) -> int:
        body = {"channel": "voice", "queue_id": (queue or self.cc.osago_queue).id, "from_address": "+74950000001"}
        return self.cc.http(self.client, self.cc.pbx, "POST", "/interactions", json=body)["id"]

    def answer(self, interaction_id: int, after_s: float, agent=None) -> None:
        self.clock.advance(after_s)
        agent = agent or self.cc.agent
        self.cc.http(self.client, self.cc.pbx, "POST", f"/interactions/{interaction_id}/answer",
                     json={"agent_id": agent.agent.id})

    def finish(self, interaction_id: int, agent=None) -> None:
        agent = agent or self.cc.agent
        self.clock.advance(30)
        self.cc.http(self.client, agent, "POST", f"/interactions/{interaction_id}/complete",
                     json={"wrap_up_code": "claim_registered"})

    def abandon(self, interaction_id: int, after_s: float) -> None:
        self.clock.advance(after_s)
        self.cc.http(self.client, self.cc.pbx, "POST", f"/interactions/{interaction_id}/abandon", json={})

    def presence(self, person, state: str, reason: str | None = None) -> None:
        body = {"state": state, **({"reason": reason} if reason else {})}
        self.cc.http(self.client, person, "POST", f"/agents/{person.agent.id}/presence", json=body)


def a_day(cc, client, clock) -> None:
    """Calls around "today" (Moscow) and the current interval 12:00-12:30 Moscow; T = 20 s, target 80 %."""
    day = Day(cc, client, clock)
    day.at(datetime(2026, 2, 1, 20, 59, 50, tzinfo=UTC))  # 23:59:50 yesterday in Moscow
    day.presence(cc.agent, "ready")
    a = day.call()
    day.answer(a, 30)  # answered today, but entered the queue yesterday: yesterday's figure
    day.finish(a)
    day.at(datetime(2026, 2, 2, 8, 10, tzinfo=UTC))  # 11:10 today, an earlier interval
    b = day.call()
    day.answer(b, 10)  # within T
    day.finish(b)
    day.at(datetime(2026, 2, 2, 8, 20, tzinfo=UTC))
    day.abandon(day.call(), 3)  # a short abandon (≤ 5 s)
    day.at(datetime(2026, 2, 2, 8, 25, tzinfo=UTC))
    d = day.call()
    day.answer(d, 40)  # later than T
    day.finish(d)
    day.at(datetime(2026, 2, 2, 9, 0, tzinfo=UTC))  # 12:00, the current interval begins
    e = day.call()
    day.answer(e, 15)  # within T
    day.finish(e)
    day.at(datetime(2026, 2, 2, 9, 1, tzinfo=UTC))
    day.abandon(day.call(), 50)  # abandoned after S: counts against the service level
    day.at(datetime(2026, 2, 2, 9, 2, tzinfo=UTC))
    day.call()  # still waiting at NOW (30 s)
    day.at(NOW)


def board_for(container, person, **actor):
    with container.uow() as uow:
        return wallboard.board(uow, actor_of(person, **actor), ZONE)


def test_today_and_interval_figures_match_a_hand_computed_day(cc, client, clock, container):
    a_day(cc, client, clock)
    board = board_for(container, cc.supervisor, sites=[cc.moscow.id])
    assert board.day_start == datetime(2026, 2, 1, 21, 0, tzinfo=UTC)
    assert (board.interval_start, board.interval_end) == (datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
                                                          datetime(2026, 2, 2, 9, 30, tzinfo=UTC))
    osago = next(q for q in board.queues if q.id == cc.osago_queue.id)
    # today: b, c, d, e, f, g offered (a entered yesterday); answered b, d, e; within T b, e; abandoned c (short), f
    assert osago.today == Figures(offered=6, answered=3, answered_within_t=2, abandoned=2, short_abandoned=1,
                                  wait_answered_s=65.0)
    assert osago.today.service_level == pytest.approx(2 / 5)
    assert osago.today.asa_s == pytest.approx(65 / 3)
    # the interval 12:00-12:30: e answered within T, f abandoned after S, g waiting
    assert osago.interval == Figures(offered=3, answered=1, answered_within_t=1, abandoned=1, short_abandoned=0,
                                     wait_answered_s=15.0)
    assert osago.interval.service_level == pytest.approx(1 / 3)
    assert (osago.waiting, osago.longest_wait_s(board.now)) == (1, 30.0)
    assert (osago.ready, osago.busy) == (1, 0)  # the agent is ready again; routing is off in these tests
    assert osago.alerts == (wallboard.WAIT_NEAR_THRESHOLD, wallboard.INTERVAL_SL_BELOW_TARGET)
    assert osago.wait_alert_at == datetime(2026, 2, 2, 9, 2, 16, tzinfo=UTC)  # 80 % of T = 16 s after it queued
    chat = next(q for q in board.queues if q.id == cc.chat_queue.id)
    assert chat.today == Figures() and chat.alerts == () and chat.today.service_level is None


def test_the_today_figures_agree_with_the_kpi_engine(cc, client, clock, container):
    a_day(cc, client, clock)
    board = board_for(container, cc.admin)
    metrics = "offered,answered,abandoned,short_abandoned,service_level,asa_s"
    with container.uow() as uow:
        today = run_report(uow, actor_of(cc.admin), ReportRequest(
            from_date=date(2026, 2, 2), to_date=date(2026, 2, 3), by="queue", metrics=metrics), ZONE)
        halves = run_report(uow, actor_of(cc.admin), ReportRequest(
            from_date=date(2026, 2, 2), to_date=date(2026, 2, 3), by="queue,interval=30m", metrics=metrics), ZONE)
    rows = {row["queue"]: row for row in today.rows}
    interval = {row["queue"]: row for row in halves.rows if row["interval"] == "2026-02-02T12:00:00+03:00"}
    compared = 0
    for queue in board.queues:
        for figures, report in ((queue.today, rows.get(queue.code)), (queue.interval, interval.get(queue.code))):
            if report is None:
                assert figures == Figures()
                continue
            assert (figures.offered, figures.answered, figures.abandoned, figures.short_abandoned) == (
                report["offered"], report["answered"], report["abandoned"], report["short_abandoned"])
            assert figures.service_level == pytest.approx(report["service_level"])
            assert figures.asa_s == pytest.approx(report["asa_s"])
            compared += 1
    assert compared == 2  # osago today and in the interval: the figures were really there to compare


def test_the_alert_rule():
    settled_badly = Figures(offered=4, answered=2, answered_within_t=1, abandoned=1)
    fine = Figures(offered=2, answered=2, answered_within_t=2)
    common = {"threshold_s": 20, "sl_target": 0.8}
    assert queue_alerts(waiting=0, longest_wait_s=None, ready=0, interval=fine, **common) == ()
    assert queue_alerts(waiting=2, longest_wait_s=3, ready=0, interval=fine, **common) == (wallboard.NO_AGENT_READY,)
    assert queue_alerts(waiting=1, longest_wait_s=15.9, ready=1, interval=fine, **common) == ()
    assert queue_alerts(waiting=1, longest_wait_s=16, ready=1, interval=fine, **common) == (
        wallboard.WAIT_NEAR_THRESHOLD,)
    assert queue_alerts(waiting=0, longest_wait_s=None, ready=3, interval=settled_badly, **common) == (
        wallboard.INTERVAL_SL_BELOW_TARGET,)
    # one call waiting 2 s at the start of an interval: nothing settled yet, no alarm about the service level
    assert queue_alerts(waiting=1, longest_wait_s=2, ready=1, interval=Figures(offered=1), **common) == ()


def test_periods_follow_the_time_zone():
    now = datetime(2026, 2, 2, 9, 50, tzinfo=UTC)  # 15:20 in Kolkata (UTC+5:30)
    day_start, day_end, start, end = wallboard.periods(now, "Asia/Kolkata")
    assert day_start == datetime(2026, 2, 1, 18, 30, tzinfo=UTC) and day_end - day_start == timedelta(days=1)
    assert (start, end) == (datetime(2026, 2, 2, 9, 30, tzinfo=UTC), datetime(2026, 2, 2, 10, 0, tzinfo=UTC))


def test_agents_by_state_with_time_in_state_and_scope(cc, client, clock, container, make):
    day = Day(cc, client, clock)
    spb_agent = make.agent(site=cc.spb, skills={cc.osago: 5})
    day.presence(cc.colleague, "not_ready", "break")
    day.presence(cc.agent, "ready")
    ringing = day.call()
    cc.http(client, cc.agent, "POST", f"/interactions/{ringing}/offer", json={})
    clock.advance(40)
    board = board_for(container, cc.supervisor, sites=[cc.moscow.id])
    states = {a.id: (a.state, a.reason, (board.now - a.since).total_seconds() if a.since else None)
              for a in board.agents}
    assert states == {cc.agent.agent.id: ("offered", None, 40.0),
                      cc.colleague.agent.id: ("not_ready", "Break", 40.0),
                      cc.novice.agent.id: ("logged_out", None, 40.0)}  # since the factory made them
    assert spb_agent.id not in states  # another site's agent
    osago = next(q for q in board.queues if q.id == cc.osago_queue.id)
    assert (osago.waiting, osago.ready, osago.busy) == (0, 0, 1)
    cc.http(client, cc.agent, "POST", f"/interactions/{ringing}/accept", json={})
    clock.advance(5)
    cc.http(client, cc.agent, "POST", f"/interactions/{ringing}/end", json={})
    clock.advance(7)
    board = board_for(container, cc.supervisor, sites=[cc.moscow.id])
    me = next(a for a in board.agents if a.id == cc.agent.agent.id)
    assert (me.state, (board.now - me.since).total_seconds()) == ("wrap_up", 7.0)
    assert [a.id for a in board.agents_by_state["wrap_up"]] == [cc.agent.agent.id]


def test_a_supervisor_sees_the_queues_and_agents_of_their_own_sites_only(cc, make, container):
    shared = make.queue(client=cc.client, code="shared_all_sites")
    spb_agent = make.agent(site=cc.spb)
    moscow = board_for(container, cc.supervisor, sites=[cc.moscow.id])
    spb = board_for(container, cc.spb_supervisor, sites=[cc.spb.id])
    everyone = board_for(container, cc.qa)
    assert {q.id for q in moscow.queues} == {cc.osago_queue.id, cc.chat_queue.id, shared.id}
    assert {q.id for q in spb.queues} == {cc.spb_queue.id, shared.id}
    assert {a.id for a in spb.agents} == {spb_agent.id}
    assert spb_agent.id not in {a.id for a in moscow.agents}
    assert {q.id for q in everyone.queues} == {cc.osago_queue.id, cc.chat_queue.id, cc.spb_queue.id, shared.id}


# --- the page -----------------------------------------------------------------------------------------------


def test_the_wallboard_page_for_each_role(cc, client, browsers):
    anonymous = browsers().get("/wallboard", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=%2Fwallboard"
    refused = signed_in(browsers, cc.agent).get("/wallboard")
    assert refused.status_code == 403
    for person in (cc.supervisor, cc.qa, cc.admin):
        assert signed_in(browsers, person).get("/wallboard?lang=en").status_code == 200, person.user.role
    spb_page = signed_in(browsers, cc.spb_supervisor).get("/wallboard?lang=en").text
    assert f'id="wb-queue-{cc.spb_queue.id}"' in spb_page and f'id="wb-queue-{cc.osago_queue.id}"' not in spb_page
    assert cc.agent.agent.display_name not in spb_page


def row_of(page: str, queue_id: int) -> str:
    return page[page.index(f'id="wb-queue-{queue_id}"'):].split("</tr>")[0]


def test_the_page_shows_the_figures_alerts_and_health_without_inline_code(cc, client, clock, browsers, container):
    from helpline.services.channels import health

    a_day(cc, client, clock)
    with container.uow() as uow:
        health.record_error(uow, "sms:gateway", "sms", "connection refused")
    page = signed_in(browsers, cc.supervisor).get("/wallboard?lang=en")
    assert page.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self'")
    html = page.text
    row = row_of(html, cc.osago_queue.id)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    text = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    # waiting, longest, SL interval, SL today, target, ASA, answered, abandoned, ready, busy
    assert text == ["1", "0:30", "33 %", "40 %", "80 % / 20 s", "0:22", "3", "2", "1", "0"]
    assert 'class="sl-bad">33 %' in row and 'class="sl-bad">40 %' in row
    assert f'data-since="{datetime(2026, 2, 2, 9, 2, tzinfo=UTC).timestamp() * 1000:.0f}"' in row
    alert = html[html.index('role="alert"'):].split("</p>")[0]
    assert cc.osago_queue.name in alert and "80 % of the answer-time threshold" in alert and "hidden" not in alert
    assert "below target" in alert
    assert "sms:gateway" in html and "status-failing" in html and "connection refused" in html
    assert 'hx-trigger="helpline:change from:body' in html and 'data-live="/live"' in html
    assert '<script src="/static/wallboard.js"' in html
    assert '<link rel="stylesheet" href="/static/wallboard.css">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert not re.search(r"\s(style|on[a-z]+)=", html), "an inline style or event handler"
    russian = signed_in(browsers, cc.supervisor).get("/wallboard?lang=ru").text
    for words in ("Табло", "Ожидают сейчас", "Операторы по состояниям", "Состояние каналов", "Готов"):
        assert words in russian, words


def test_an_alert_not_yet_due_is_sent_hidden_for_the_page_to_show(cc, client, clock, browsers):
    day = Day(cc, client, clock)
    day.presence(cc.agent, "ready")
    day.call()
    clock.advance(5)  # 5 s of T = 20 s: not yet 80 %
    html = signed_in(browsers, cc.supervisor).get("/wallboard?lang=en").text
    alert = html[html.index('role="alert"'):].split("</p>")[0]
    due = (clock.now + timedelta(seconds=11)).timestamp() * 1000
    assert f'data-show-at="{due:.0f}" hidden' in alert
