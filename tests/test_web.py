"""The server-rendered pages: log-in, CSRF, role scope, 404/403 pages, languages, translations."""

import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from sqlalchemy import select

from helpline.adapters.db import models as m
from helpline.entrypoints.web import rendering

PASSWORD = "password123"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def browsers(app):
    """Separate cookie jars, one per person at the keyboard."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(browser, username: str, password: str = PASSWORD, **extra):
    token = csrf_of(browser.get("/login").text)
    return browser.post("/login", data={"username": username, "password": password, "csrf": token, **extra},
                        follow_redirects=False)


def signed_in(browsers, person):
    browser = browsers()
    assert log_in(browser, person.user.username).status_code == 303
    return browser


def call(cc, client, queue=None, **body):
    payload = {"channel": "voice", "queue_id": (queue or cc.osago_queue).id, "from_address": "+74951234567", **body}
    return cc.http(client, cc.pbx, "POST", "/interactions", json=payload)


def set_user(make, user, **values):
    with make.uow() as uow:
        row = uow.session.get(m.User, user.id)
        for key, value in values.items():
            setattr(row, key, value)
        uow.commit()


# --- log-in, log-out, CSRF --------------------------------------------------------------------------


def test_log_in_redirects_home_and_rotates_the_csrf_token(cc, browsers):
    browser = browsers()
    before = csrf_of(browser.get("/login").text)
    response = browser.post("/login", data={"username": cc.supervisor.user.username, "password": PASSWORD,
                                            "csrf": before}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200 and cc.supervisor.user.username in home.text
    assert "Супервизор" in home.text and 'action="/logout"' in home.text
    assert csrf_of(home.text) != before


def test_failed_log_in_is_401_and_never_tells_whether_the_user_exists(cc, browsers):
    wrong_password = log_in(browsers(), cc.agent.user.username, "not-the-password")
    no_such_user = log_in(browsers(), "nobody-here", PASSWORD)
    for response in (wrong_password, no_such_user):
        assert response.status_code == 401
        assert "Неверное имя пользователя или пароль." in response.text
        assert 'role="alert"' in response.text and '<label for="password">' in response.text
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong_password.text) == strip.sub("", no_such_user.text)


def test_forms_without_the_csrf_token_are_refused_with_403(cc, browsers):
    browser = browsers()
    browser.get("/login")
    body = {"username": cc.agent.user.username, "password": PASSWORD}
    assert browser.post("/login", data=body, follow_redirects=False).status_code == 403
    assert browser.post("/login", data={**body, "csrf": "forged"}, follow_redirects=False).status_code == 403
    assert browser.get("/", follow_redirects=False).status_code == 303  # not logged in
    assert log_in(browser, cc.agent.user.username).status_code == 303
    refused = browser.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "Доступ запрещён" in refused.text
    assert browser.get("/").status_code == 200  # still logged in


def test_log_out_clears_the_session(cc, browsers):
    browser = signed_in(browsers, cc.agent)
    home = browser.get("/")
    out = browser.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    again = browser.get("/", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login"


def test_anonymous_visitors_are_sent_to_the_log_in_form_and_back(cc, browsers):
    browser = browsers()
    page = f"/queues/{cc.osago_queue.id}"
    response = browser.get(page, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Fqueues%2F{cc.osago_queue.id}"
    back = log_in(browser, cc.supervisor.user.username, next=page)
    assert back.headers["location"] == page
    elsewhere = log_in(browsers(), cc.supervisor.user.username, next="//evil.example/")
    assert elsewhere.headers["location"] == "/"


# --- roles and scope --------------------------------------------------------------------------------


def test_the_home_page_lists_only_queues_an_agent_is_qualified_for(cc, client, browsers, make, clock):
    dms = make.skill("dms")
    make.queue(client=cc.client, site=cc.moscow, code="dms_msk", name="DMS Moscow", skills={dms: 1})
    call(cc, client)
    clock.advance(45)
    call(cc, client)
    clock.advance(20)
    home = signed_in(browsers, cc.agent).get("/").text
    listed = re.findall(r'<a href="/queues/(\d+)">', home)
    assert sorted(map(int, listed)) == sorted([cc.osago_queue.id, cc.chat_queue.id, cc.spb_queue.id])
    osago_row = home[home.index(f'href="/queues/{cc.osago_queue.id}"'):].split("</tr>")[0]
    assert re.search(r'class="num">2</td>', osago_row) and "1:05" in osago_row  # two waiting, oldest 65 s
    assert "Вам не доступна ни одна очередь." in signed_in(browsers, cc.novice).get("/").text


def test_a_supervisor_gets_404_for_a_queue_of_a_site_they_do_not_oversee(cc, browsers):
    response = signed_in(browsers, cc.spb_supervisor).get(f"/queues/{cc.osago_queue.id}")
    assert response.status_code == 404 and "Не найдено" in response.text
    assert signed_in(browsers, cc.supervisor).get(f"/queues/{cc.osago_queue.id}").status_code == 200


def test_the_queue_page_lists_waiting_interactions_in_serving_order(cc, client, browsers, make, clock):
    customer = make.customer("Anna Smirnova", phones=["+74957654321"])
    first = call(cc, client, topic="accident")
    clock.advance(30)
    urgent = call(cc, client, priority=10, from_address="+74957654321")
    clock.advance(30)
    page = signed_in(browsers, cc.supervisor).get(f"/queues/{cc.osago_queue.id}").text
    assert re.findall(r'href="/interactions/(\d+)"', page) == [str(urgent["id"]), str(first["id"])]
    assert customer.full_name in page and "accident" in page and "1:00" in page and "0:30" in page
    assert "02.02.2026 12:00:00" in page  # 09:00 UTC shown in Moscow time


def test_the_interaction_page_shows_its_event_history_in_order(cc, client, browsers, clock):
    created = call(cc, client)
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    clock.advance(10)
    cc.http(client, cc.agent, "POST", f"/queues/{cc.osago_queue.id}/take")
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/accept", json={})
    clock.advance(60)
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/end", json={})
    cc.http(client, cc.agent, "POST", f"/interactions/{created['id']}/complete",
            json={"wrap_up_code": "claim_registered"})
    page = signed_in(browsers, cc.supervisor).get(f"/interactions/{created['id']}").text
    assert re.findall(r'class="event-type" title="(\w+)"', page) == [
        "received", "entered_queue", "offered", "answered", "completed", "wrap_up_ended"]
    seqs = [int(s) for s in re.findall(r'<tr>\s*<td class="num">(\d+)</td>', page)]
    assert seqs == sorted(seqs) and len(seqs) == 6
    assert f'href="/cases/{created["case_id"]}"' in page and "wait_s" in page
    assert "Принят оператором" in page  # the answered event, in Russian


def test_the_case_page_of_a_dms_case_is_audited(cc, client, browsers, make):
    created = call(cc, client, case_type="dms_guarantee_letter", topic="clinic")
    page = signed_in(browsers, cc.supervisor).get(f"/cases/{created['case_id']}")
    assert page.status_code == 200
    assert "Гарантийное письмо ДМС" in page.text and f'href="/interactions/{created["id"]}"' in page.text
    assert re.findall(r'class="event-type" title="(\w+)"', page.text) == ["case_opened", "received", "entered_queue"]
    with make.uow() as uow:
        audits = [(a.entity_id, a.user_id, a.action)
                  for a in uow.session.scalars(select(m.AuditEntry).where(m.AuditEntry.entity == "case"))]
    assert audits == [
        (str(created["case_id"]), cc.supervisor.user.id, "read")]


def test_an_agent_cannot_open_a_case_outside_their_scope(cc, client, browsers):
    created = call(cc, client)
    assert signed_in(browsers, cc.agent).get(f"/cases/{created['case_id']}").status_code == 404


def test_integration_accounts_cannot_use_the_web_pages(cc, browsers, make):
    refused = log_in(browsers(), cc.pbx.user.username)
    assert refused.status_code == 403 and "Доступ запрещён" in refused.text
    browser = signed_in(browsers, cc.agent)
    set_user(make, cc.agent.user, role="integration")  # a role changed while logged in
    for path in ("/", f"/queues/{cc.osago_queue.id}", "/interactions/1", "/cases/1"):
        assert browser.get(path).status_code == 403, path


def test_unknown_ids_and_paths_give_the_404_page(cc, browsers):
    browser = signed_in(browsers, cc.admin)
    for path in ("/queues/999999", "/interactions/999999", "/cases/999999", "/queues/abc", "/cases/0",
                 "/cases/99999999999999999999", "/interactions/9223372036854775808", "/no/such/page"):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html") and "Не найдено" in response.text, path
    api = browser.get("/api/v1/no-such-endpoint")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


def test_pages_load_scripts_only_from_this_server_and_never_inline(cc, browsers):
    browser = signed_in(browsers, cc.admin)
    page = browser.get("/")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all(re.search(r'src="/static/', attrs) and not body.strip() for attrs, body in scripts)
    assert 'href="/static/helpline.css"' in page.text and "//cdn" not in page.text
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for asset in ("/static/helpline.css", "/static/helpline.js", "/static/vendor/htmx.min.js",
                  "/static/vendor/chart.umd.min.js", "/static/vendor/pt-sans/400.css"):
        assert browser.get(asset).status_code == 200, f"{asset}: scripts/_assets.sh installs it from npm"


# --- languages --------------------------------------------------------------------------------------


def test_pages_speak_the_users_language_and_lang_switches_it(cc, browsers, make):
    browser = signed_in(browsers, cc.supervisor)
    assert "Очереди" in browser.get("/").text and '<html lang="ru">' in browser.get("/").text
    english = browser.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Waiting now" in english.text and "Очереди" not in english.text
    assert "Waiting now" in browser.get("/").text  # the choice stays in the session
    set_user(make, cc.qa.user, language="en")
    assert "Log out" in signed_in(browsers, cc.qa).get("/").text


def test_the_log_in_page_follows_the_browser_language(browsers):
    browser = browsers()
    assert "Log in to Helpline" in browser.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert "Вход в Helpline" in browsers().get("/login").text


def template_messages() -> set[str]:
    """Every message of the templates (all areas), and every message Python code marks with N_."""
    found = set()
    for path in sorted(rendering.TEMPLATE_DIR.rglob("*.html")):
        with path.open("rb") as source:
            for _line, _function, message, _comments in babel_extract(source, ["_", "gettext", "ngettext"], [], {}):
                if message is not None:  # `_(variable)`: the variable holds N_-marked messages
                    found.update([message] if isinstance(message, str) else [m for m in message if m])
    for path in sorted(rendering.WEB_DIR.rglob("*.py")):
        with path.open("rb") as source:
            found.update(message for _line, _function, message, _comments in extract_python(source, ["N_"], [], {})
                         if isinstance(message, str))
    return found


def russian_catalogue() -> dict[str, str]:
    """msgid → Russian, over every area's catalogue (messages.po, desk.po, ...); fuzzy entries count as none."""
    merged: dict[str, str] = {}
    for domain in rendering.catalogue_domains():
        with (rendering.LOCALE_DIR / "ru" / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
            merged.update({str(msg.id): str(msg.string) for msg in read_po(source)
                           if msg.id and msg.string and not msg.fuzzy})
    return merged


def test_every_template_message_has_a_russian_translation():
    messages = template_messages()
    assert len(messages) > 50
    catalog = russian_catalogue()
    untranslated = sorted(msg for msg in messages if msg not in catalog)
    assert untranslated == []
    compiled = rendering.load_translations("ru")
    stale = sorted(msg for msg in messages if compiled.gettext(msg) != catalog[msg])
    assert stale == [], "run pybabel compile: a .mo is older than its .po (or two areas translate one message apart)"
    for domain in rendering.catalogue_domains():
        assert Path(rendering.LOCALE_DIR / "en" / "LC_MESSAGES" / f"{domain}.mo").is_file()


def test_no_message_has_two_russian_translations_across_the_areas():
    # the pages merge every area's catalogue, so a message two areas translate apart shows one area's wording on
    # the other's pages (as the quality table's "Answered" once renamed the event "answered" everywhere)
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for domain in rendering.catalogue_domains():
        with (rendering.LOCALE_DIR / "ru" / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
            for msg in read_po(source):
                if msg.id and msg.string and not msg.fuzzy:
                    first = seen.setdefault(str(msg.id), (domain, str(msg.string)))
                    if first[1] != msg.string:
                        clashes.append((str(msg.id), first, (domain, str(msg.string))))
    assert clashes == []


def test_the_home_page_shows_channel_health_to_supervisors_only(cc, browsers, container, clock):
    from helpline.services.channels import health

    with container.uow() as uow:
        health.record_activity(uow, "imap:support", "email")
        health.record_error(uow, "sms:gateway", "sms", "connection refused")
    clock.advance(90)
    page = signed_in(browsers, cc.supervisor).get("/").text
    mailbox = page[page.index("imap:support"):].split("</tr>")[0]
    gateway = page[page.index("sms:gateway"):].split("</tr>")[0]
    assert "status-ok" in mailbox and "1:30" in mailbox
    assert "status-failing" in gateway and "connection refused" in gateway
    assert "imap:support" not in signed_in(browsers, cc.agent).get("/").text


def test_the_language_switch_is_saved_in_the_profile_for_every_later_session(cc, browsers, uow):
    browser = signed_in(browsers, cc.agent)
    page = browser.get("/")
    assert '<html lang="ru">' in page.text
    refused = browser.post("/language", data={"language": "en", "next": "/", "csrf": "forged"},
                           follow_redirects=False)
    assert refused.status_code == 403
    switched = browser.post("/language", data={"language": "en", "next": "/queues/1", "csrf": csrf_of(page.text)},
                            follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/queues/1"
    uow.session.expire_all()
    assert uow.session.get(m.User, cc.agent.user.id).language == "en"
    assert "Log out" in signed_in(browsers, cc.agent).get("/").text  # a new session on another machine
    outside = browser.post("/language", data={"language": "en", "next": "https://evil.example/",
                                              "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert outside.headers["location"] == "/"
