"""The administration pages (/admin): who may use them, and that each form stores what it should and sends back
invalid input with the message next to the field and nothing stored. Also the use case they added
(deactivating wrap-up codes and not-ready reasons)."""

import html
import re
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpline.adapters.db import models as m
from helpline.domain.errors import InvalidInput
from helpline.services import audit, reference
from tests.test_web import csrf_of, log_in

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/queues", "/admin/queues/new", "/admin/sites",
               "/admin/teams", "/admin/clients", "/admin/skills", "/admin/wrap-up-codes", "/admin/not-ready-reasons"]


@pytest.fixture
def browsers(app):
    with ExitStack() as stack:
        yield lambda: stack.enter_context(TestClient(app))


def signed_in(browsers, person, language: str | None = None):
    browser = browsers()
    assert log_in(browser, person.user.username).status_code == 303
    if language:
        browser.get(f"/admin?lang={language}")
    return browser


def error_of(page: str, field: str) -> str | None:
    """The message shown next to a field, if any."""
    found = re.search(rf'<span class="field-error" id="{re.escape(field)}-error">([^<]*)</span>', page)
    return html.unescape(found.group(1)) if found else None


def post(browser, path: str, data: dict, page: str | None = None):
    token = csrf_of(browser.get(page or path).text)
    return browser.post(path, data={**data, "csrf": token}, follow_redirects=False)


def count(make, model) -> int:
    with make.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def row(make, model, **where):
    with make.uow() as uow:
        found = uow.session.scalars(select(model).filter_by(**where)).one()
        uow.session.expunge_all()
        return found


# --- who may use them -------------------------------------------------------------------------------


def admin_forms(cc) -> list[str]:
    """Every form of the users, queues and reference sections (the agents' are listed apart)."""
    return ["/admin/users/new", f"/admin/users/{cc.qa.user.id}", f"/admin/users/{cc.qa.user.id}/password",
            "/admin/queues/new", f"/admin/queues/{cc.osago_queue.id}", "/admin/sites", f"/admin/sites/{cc.moscow.id}",
            "/admin/teams", "/admin/clients", "/admin/skills", f"/admin/skills/{cc.osago.id}", "/admin/wrap-up-codes",
            "/admin/wrap-up-codes/1", "/admin/wrap-up-codes/1/active", "/admin/not-ready-reasons",
            "/admin/not-ready-reasons/1/active"]


def agent_forms(agent_id: int) -> list[str]:
    path = f"/admin/agents/{agent_id}"
    return ["/admin/agents", path, f"{path}/skills", f"{path}/certifications", f"{path}/capacities",
            f"{path}/certifications/1/revoke"]


def test_agents_and_quality_reviewers_are_refused_every_admin_page_and_form(cc, browsers, make):
    before = [count(make, t) for t in (m.User, m.Queue, m.Site, m.WrapUpCode, m.AgentSkill, m.Certification)]
    for person in (cc.agent, cc.qa):
        browser = signed_in(browsers, person)
        token = csrf_of(browser.get("/").text)
        for path in ["/admin", "/admin/agents", f"/admin/agents/{cc.agent.agent.id}", *ADMIN_PAGES]:
            assert browser.get(path).status_code == 403, path
        for path in admin_forms(cc) + agent_forms(cc.agent.agent.id):
            data = {"csrf": token, "code": "x1", "name": "x", "active": "0", f"skill_{cc.osago.id}": "9"}
            assert browser.post(path, data=data).status_code == 403, path
    assert [count(make, t) for t in (m.User, m.Queue, m.Site, m.WrapUpCode, m.AgentSkill, m.Certification)] == before


def test_supervisors_manage_agents_only_and_admins_everything(cc, browsers):
    supervisor = signed_in(browsers, cc.supervisor)
    token = csrf_of(supervisor.get("/").text)
    index = supervisor.get("/admin")
    assert index.status_code == 200 and 'href="/admin/agents"' in index.text and "/admin/users" not in index.text
    assert supervisor.get("/admin/agents").status_code == 200
    for path in ADMIN_PAGES:
        assert supervisor.get(path).status_code == 403, path
    for path in admin_forms(cc):
        assert supervisor.post(path, data={"csrf": token, "code": "x", "name": "x"}).status_code == 403, path
    admin = signed_in(browsers, cc.admin)
    for path in ["/admin", "/admin/agents", *ADMIN_PAGES]:
        assert admin.get(path).status_code == 200, path
    assert browsers().get("/admin/users", follow_redirects=False).headers["location"].startswith("/login")


def test_admin_forms_without_the_csrf_token_are_refused(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    before = count(make, m.WrapUpCode)
    refused = admin.post("/admin/wrap-up-codes", data={"code": "callback", "name": "Call back"})
    assert refused.status_code == 403
    forged = admin.post("/admin/wrap-up-codes", data={"code": "callback", "name": "Call back", "csrf": "forged"})
    assert forged.status_code == 403 and count(make, m.WrapUpCode) == before


# --- users and roles --------------------------------------------------------------------------------


def test_an_admin_creates_a_supervisor_who_can_then_log_in(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    created = post(admin, "/admin/users/new", {"username": "olga.s", "full_name": "Olga S.", "role": "supervisor",
                                               "language": "en", "password": "s3cret-pass",
                                               "site_ids": [str(cc.spb.id)]})
    assert created.status_code == 303
    user = row(make, m.User, username="olga.s")
    assert created.headers["location"] == f"/admin/users/{user.id}"
    assert (user.role, user.language, [s.id for s in user.sites]) == ("supervisor", "en", [cc.spb.id])
    shown = admin.get(created.headers["location"]).text
    assert "Пользователь создан." in shown and 'id="notice"' in shown
    assert "Пользователь создан." not in admin.get(created.headers["location"]).text  # said once
    assert log_in(browsers(), "olga.s", "s3cret-pass").status_code == 303


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"username": "has space"}, "username", "Неверный формат."),
    ({"password": "short"}, "password", "Пароль должен быть не короче 8 символов."),
    ({"password": ""}, "password", "Задайте новому пользователю первый пароль."),
    ({"role": "agent", "site_ids": ["SITE"]}, "site_ids", "Площадки курируют только супервизоры"),
    ({"role": "wizard"}, "role", "Выберите один из вариантов."),
    ({"username": "USER"}, "username", "Такая запись уже существует."),
])
def test_the_new_user_form_refuses_invalid_input_next_to_the_field(cc, browsers, make, data, field, message):
    admin = signed_in(browsers, cc.admin)
    values = {"username": "new.user", "full_name": "Typed Name", "role": "supervisor", "language": "ru",
              "password": "long-enough-1", **data}
    values = {k: (cc.admin.user.username if v == "USER" else [str(cc.moscow.id)] if v == ["SITE"] else v)
              for k, v in values.items()}
    before = count(make, m.User)
    response = post(admin, "/admin/users/new", values)
    assert response.status_code == 422
    assert message in (error_of(response.text, field) or "")
    assert 'value="Typed Name"' in response.text  # what was typed is kept
    assert count(make, m.User) == before


def test_an_admin_changes_a_role_deactivates_and_resets_a_password(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    target = cc.qa.user
    path = f"/admin/users/{target.id}"
    changed = post(admin, path, {"role": "supervisor", "full_name": "Q. A.", "language": "en",
                                 "site_ids": [str(cc.moscow.id), str(cc.spb.id)], "is_active": "1"})
    assert changed.status_code == 303
    user = row(make, m.User, id=target.id)
    assert (user.role, user.full_name, sorted(s.id for s in user.sites)) == ("supervisor", "Q. A.",
                                                                            sorted([cc.moscow.id, cc.spb.id]))
    short = post(admin, f"{path}/password", {"new_password": "abc"}, page=path)
    assert short.status_code == 422
    assert error_of(short.text, "new_password") == "Пароль должен быть не короче 8 символов."
    assert post(admin, f"{path}/password", {"new_password": "brand-new-pass"}, page=path).status_code == 303
    assert log_in(browsers(), target.username, "brand-new-pass").status_code == 303
    assert post(admin, path, {"role": "supervisor", "language": "en"}).status_code == 303  # no is_active: off
    assert not row(make, m.User, id=target.id).is_active
    assert log_in(browsers(), target.username, "brand-new-pass").status_code == 401


def test_an_admin_may_not_demote_themself(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    response = post(admin, f"/admin/users/{cc.admin.user.id}", {"role": "agent", "language": "ru", "is_active": "1"})
    assert response.status_code == 422
    assert error_of(response.text, "role") == "You may not change your own role or deactivate yourself."
    assert row(make, m.User, id=cc.admin.user.id).role == "admin"


def test_an_admin_sets_and_clears_a_users_e_mail_address_and_time_zone(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    created = post(admin, "/admin/users/new", {"username": "vera.k", "role": "agent", "language": "ru",
                                               "password": "long-enough-1", "email": " Vera.K@Insurer.RU ",
                                               "time_zone": "Asia/Vladivostok"})
    assert created.status_code == 303
    user = row(make, m.User, username="vera.k")
    assert (user.email, user.time_zone) == ("vera.k@insurer.ru", "Asia/Vladivostok")
    listing = admin.get("/admin/users").text
    assert "<td>vera.k@insurer.ru</td>" in listing and "Эл. почта" in listing
    path = f"/admin/users/{user.id}"
    shown = admin.get(path).text
    assert 'value="vera.k@insurer.ru"' in shown and 'value="Asia/Vladivostok"' in shown
    base = {"role": "agent", "full_name": "Vera K", "language": "ru", "is_active": "1"}
    assert post(admin, path, {**base, "email": "vera@insurer.ru", "time_zone": "Europe/Kaliningrad"}).status_code == 303
    user = row(make, m.User, id=user.id)
    assert (user.email, user.time_zone, user.full_name) == ("vera@insurer.ru", "Europe/Kaliningrad", "Vera K")
    assert post(admin, path, {**base, "email": "", "time_zone": " "}).status_code == 303  # empty clears
    user = row(make, m.User, id=user.id)
    assert (user.email, user.time_zone) == (None, None)
    assert "vera@insurer.ru" not in admin.get("/admin/users").text
    assert 'value="None"' not in admin.get(path).text


@pytest.mark.parametrize(("language", "field", "value", "message"), [
    ("ru", "email", "vera at insurer.ru",
     "Введите адрес эл. почты, например name@insurer.ru, или оставьте поле пустым."),
    ("en", "email", "vera@insurer", "Enter an e-mail address such as name@insurer.ru, or leave the field empty."),
    ("ru", "time_zone", "Europe/Atlantis",
     "Такого часового пояса нет: укажите название IANA, например Europe/Moscow, или оставьте поле пустым."),
    ("en", "time_zone", "UTC+3",
     "There is no such time zone: write an IANA name such as Europe/Moscow, or leave the field empty."),
])
def test_the_user_forms_refuse_a_bad_address_or_time_zone_next_to_the_field(cc, browsers, make, language, field,
                                                                            value, message):
    with make.uow() as uow:
        target = uow.session.get(m.User, cc.qa.user.id)
        target.email, target.time_zone = "qa@reso.test", "Europe/Moscow"
        uow.commit()
    admin = signed_in(browsers, cc.admin, language)
    before = count(make, m.User)
    created = post(admin, "/admin/users/new", {"username": "vera.k", "full_name": "Typed Name", "role": "agent",
                                               "language": "ru", "password": "long-enough-1", field: value})
    assert created.status_code == 422
    assert error_of(created.text, field) == message
    assert f'value="{value}"' in created.text and 'value="Typed Name"' in created.text  # what was typed is kept
    assert count(make, m.User) == before
    path = f"/admin/users/{cc.qa.user.id}"
    changed = post(admin, path, {"role": "qa", "language": "ru", "is_active": "1", "email": "qa@reso.test",
                                 "time_zone": "Europe/Moscow", field: value})
    assert changed.status_code == 422
    assert error_of(changed.text, field) == message and f'value="{value}"' in changed.text
    stored = row(make, m.User, id=cc.qa.user.id)
    assert (stored.email, stored.time_zone) == ("qa@reso.test", "Europe/Moscow")


def test_only_admins_set_a_users_e_mail_address_on_the_form(cc, browsers, make):
    path = f"/admin/users/{cc.agent.user.id}"
    for person in (cc.supervisor, cc.qa, cc.agent):
        browser = signed_in(browsers, person)
        token = csrf_of(browser.get("/").text)
        assert browser.get(path).status_code == 403
        refused = browser.post(path, data={"csrf": token, "role": "agent", "language": "ru", "is_active": "1",
                                           "email": "taken@insurer.ru", "time_zone": "Asia/Tokyo"})
        assert refused.status_code == 403
    stored = row(make, m.User, id=cc.agent.user.id)
    assert (stored.email, stored.time_zone) == (None, None)


# --- agents -----------------------------------------------------------------------------------------


def test_an_admin_grants_skills_a_certification_and_capacity(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    novice = cc.novice.agent
    path = f"/admin/agents/{novice.id}"
    chat = row(make, m.Skill, code="chat")
    skills = post(admin, f"{path}/skills", {f"skill_{cc.osago.id}": "4", f"skill_{chat.id}": "2"}, page=path)
    assert skills.status_code == 303 and skills.headers["location"] == path
    granted = post(admin, f"{path}/certifications", {"cert_skill_id": str(cc.osago.id), "passed_at": "2026-01-20",
                                                     "expires_at": "2027-01-20"}, page=path)
    assert granted.status_code == 303
    capacity = post(admin, f"{path}/capacities", {"capacity_chat": "3", "capacity_voice": "1"}, page=path)
    assert capacity.status_code == 303
    agent = row(make, m.Agent, id=novice.id)
    assert {s.skill_id: s.proficiency for s in agent.skills} == {cc.osago.id: 4, chat.id: 2}
    assert [(c.skill_id, c.passed_at.date().isoformat()) for c in agent.certifications] == [(cc.osago.id, "2026-01-19")]
    assert {c.channel: c.capacity for c in agent.capacities} == {"chat": 3, "voice": 1}
    page = admin.get(path).text
    assert "Сертификация выдана." not in page and "Ёмкость сохранена." in page
    revoke = post(admin, f"{path}/certifications/{agent.certifications[0].id}/revoke", {}, page=path)
    assert revoke.status_code == 303 and row(make, m.Agent, id=novice.id).certifications == []


@pytest.mark.parametrize(("action", "data", "field", "message"), [
    ("skills", {"skill_OSAGO": "11"}, "skill_OSAGO", "Слишком большое число."),
    ("skills", {"skill_OSAGO": "lots"}, "skill_OSAGO", "Введите целое число."),
    ("certifications", {"cert_skill_id": "OSAGO", "passed_at": "20.01.2026"}, "passed_at", "Введите дату."),
    ("certifications", {"cert_skill_id": "OSAGO", "passed_at": "2026-01-20", "expires_at": "2025-01-20"},
     "expires_at", "Срок действия должен закончиться после сдачи экзамена."),
    ("certifications", {"passed_at": "2026-01-20"}, "cert_skill_id", "Обязательное поле."),
    ("capacities", {"capacity_chat": "99"}, "capacity_chat", "Слишком большое число."),
    ("", {"employee_no": "", "display_name": "X", "site_id": "MOSCOW"}, "employee_no", "Обязательное поле."),
    ("", {"employee_no": "E1", "display_name": "X", "site_id": "MOSCOW", "team_id": "SPB_TEAM"}, "team_id",
     "Эта команда относится к другой площадке."),
])
def test_the_agent_forms_refuse_invalid_input_next_to_the_field(cc, browsers, make, action, data, field, message):
    with make.uow() as uow:
        team = m.Team(name="Night", site_id=cc.spb.id)
        uow.session.add(team)
        uow.commit()
        team_id = team.id
    swap = {"OSAGO": str(cc.osago.id), "MOSCOW": str(cc.moscow.id), "SPB_TEAM": str(team_id)}
    data = {k.replace("OSAGO", str(cc.osago.id)): swap.get(v, v) for k, v in data.items()}
    field = field.replace("OSAGO", str(cc.osago.id))
    admin = signed_in(browsers, cc.admin)
    agent = cc.novice.agent
    path = f"/admin/agents/{agent.id}"
    before = row(make, m.Agent, id=agent.id)
    response = post(admin, f"{path}/{action}".rstrip("/"), data, page=path)
    assert response.status_code == 422
    assert error_of(response.text, field) == message
    after = row(make, m.Agent, id=agent.id)
    assert (after.employee_no, after.team_id, {s.skill_id: s.proficiency for s in after.skills},
            len(after.certifications), len(after.capacities)) == \
           (before.employee_no, before.team_id, {s.skill_id: s.proficiency for s in before.skills},
            len(before.certifications), len(before.capacities))


def test_a_supervisor_manages_agents_of_their_sites_only(cc, browsers, make):
    spb_agent = make.agent(site=cc.spb, skills={cc.osago: 2})
    supervisor = signed_in(browsers, cc.supervisor)
    listing = supervisor.get("/admin/agents").text
    assert f"/admin/agents/{cc.agent.agent.id}" in listing and f"/admin/agents/{spb_agent.id}" not in listing
    own = f"/admin/agents/{cc.agent.agent.id}"
    assert post(supervisor, f"{own}/skills", {f"skill_{cc.osago.id}": "6"}, page=own).status_code == 303
    assert {s.skill_id: s.proficiency for s in row(make, m.Agent, id=cc.agent.agent.id).skills} == {cc.osago.id: 6}
    token = csrf_of(supervisor.get(own).text)
    other = f"/admin/agents/{spb_agent.id}"
    assert supervisor.get(other).status_code == 404
    refused = supervisor.post(f"{other}/skills", data={"csrf": token, f"skill_{cc.osago.id}": "9"})
    assert refused.status_code == 404
    assert supervisor.post(f"{other}/certifications", data={"csrf": token, "cert_skill_id": str(cc.osago.id),
                                                            "passed_at": "2026-01-01"}).status_code == 404
    assert {s.skill_id: s.proficiency for s in row(make, m.Agent, id=spb_agent.id).skills} == {cc.osago.id: 2}
    moved = post(supervisor, own, {"employee_no": cc.agent.agent.employee_no, "display_name": "Moved",
                                   "site_id": str(cc.spb.id)})
    assert moved.status_code == 422
    assert error_of(moved.text, "site_id") == "Вы управляете операторами только своих площадок."
    assert row(make, m.Agent, id=cc.agent.agent.id).site_id == cc.moscow.id


def test_an_admin_creates_an_agent(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    created = post(admin, "/admin/agents", {"employee_no": "E-777", "display_name": "Irina", "site_id": str(cc.spb.id)})
    assert created.status_code == 303
    agent = row(make, m.Agent, employee_no="E-777")
    assert (agent.display_name, agent.site_id, agent.team_id) == ("Irina", cc.spb.id, None)


# --- queues -----------------------------------------------------------------------------------------


def queue_form(cc, **changes) -> dict:
    return {"code": "kasko_msk", "name": "KASKO Moscow", "client_id": str(cc.client.id), "channel": "voice",
            "site_id": str(cc.moscow.id), "product_line": "kasko", "priority": "5", "sl_target": "90",
            "sl_threshold_s": "30", "agent_choice": "longest_idle", f"req_{cc.osago.id}": "4",
            "expansion": "30 osago=2\n60 any_site\n300 move osago_spb", "hours_mon": "09:00-13:00, 14:00-18:00",
            "hours_sat": "10:00-16:00", "is_active": "1", **changes}


def test_an_admin_creates_and_edits_a_queue_with_its_routing_rules(cc, browsers, client):
    admin = signed_in(browsers, cc.admin)
    created = post(admin, "/admin/queues/new", queue_form(cc))
    assert created.status_code == 303
    queue_id = int(created.headers["location"].rsplit("/", 1)[1])
    queue = cc.http(client, cc.admin, "GET", f"/queues/{queue_id}")
    assert (queue["code"], queue["priority"], queue["sl_target"], queue["sl_threshold_s"], queue["agent_choice"],
            queue["is_active"]) == ("kasko_msk", 5, 0.9, 30, "longest_idle", True)
    assert [(r["code"], r["min_proficiency"]) for r in queue["required_skills"]] == [("osago", 4)]
    assert queue["expansion"] == [{"after_s": 30.0, "min_proficiency": {"osago": 2}, "any_site": False,
                                   "move_to_queue": None},
                                  {"after_s": 60.0, "min_proficiency": None, "any_site": True, "move_to_queue": None},
                                  {"after_s": 300.0, "min_proficiency": None, "any_site": False,
                                   "move_to_queue": "osago_spb"}]
    assert queue["business_hours"] == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "16:00"]]}
    page = admin.get(created.headers["location"]).text
    assert "300 move osago_spb" in page and 'value="09:00-13:00, 14:00-18:00"' in page and 'value="90"' in page
    data = queue_form(cc, sl_target="75", expansion="", hours_mon="", hours_sat="", **{f"req_{cc.osago.id}": ""})
    del data["is_active"]  # its box unticked
    edited = post(admin, f"/admin/queues/{queue_id}", data)
    assert edited.status_code == 303
    queue = cc.http(client, cc.admin, "GET", f"/queues/{queue_id}")
    assert (queue["sl_target"], queue["expansion"], queue["business_hours"], queue["required_skills"],
            queue["is_active"]) == (0.75, [], {}, [], False)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"sl_target": "150"}, "sl_target", "Слишком большое число."),
    ({"sl_target": "most"}, "sl_target", "Введите число."),
    ({"sl_threshold_s": "0"}, "sl_threshold_s", "Слишком маленькое число."),
    ({"hours_mon": "9 to 18"}, "hours_mon", "Запишите часы работы как 09:00-18:00"),
    ({"hours_tue": "18:00-09:00"}, "hours_tue", "Недопустимое значение."),
    ({"expansion": "soon widen"}, "expansion", "Запишите по шагу в строке: секунды, затем навык=минимум, any_site "
                                               "или move КОД_ОЧЕРЕДИ."),
    ({"expansion": "30 dms=1"}, "expansion", "Эти шаги недопустимы"),
    ({"expansion": "30 move nowhere"}, "expansion", "Эти шаги недопустимы"),
    ({"code": "osago_msk"}, "code", "Такая запись уже существует."),
    ({"name": ""}, "name", "Обязательное поле."),
    ({"req_SKILL": "0"}, "req_SKILL", "Слишком маленькое число."),
])
def test_the_queue_form_refuses_invalid_input_next_to_the_field(cc, browsers, client, changes, field, message):
    changes = {k.replace("SKILL", str(cc.osago.id)): v for k, v in changes.items()}
    field = field.replace("SKILL", str(cc.osago.id))
    admin = signed_in(browsers, cc.admin)
    before = cc.http(client, cc.admin, "GET", "/queues")
    response = post(admin, "/admin/queues/new", queue_form(cc, **changes))
    assert response.status_code == 422
    assert message in (error_of(response.text, field) or "")
    assert 'value="KASKO Moscow"' in response.text or field == "name"
    assert cc.http(client, cc.admin, "GET", "/queues") == before


# --- sites and reference data -----------------------------------------------------------------------


def test_sites_with_their_time_zone_and_public_holidays(cc, browsers, make):
    admin = signed_in(browsers, cc.admin)
    added = post(admin, "/admin/sites", {"name": "Almaty", "time_zone": "Asia/Almaty", "holiday_country": "KZ"})
    assert added.status_code == 303 and added.headers["location"] == "/admin/sites"
    site = row(make, m.Site, name="Almaty")
    assert (site.time_zone, site.holiday_country) == ("Asia/Almaty", "KZ")
    page = admin.get(f"/admin/sites/{site.id}").text
    assert "2026-03-22" in page  # Nauryz, from the `holidays` package's calendar for Kazakhstan
    moscow = admin.get(f"/admin/sites/{cc.moscow.id}?lang=en").text
    assert "2026-06-12" in moscow and "Russia Day" in moscow
    changed = post(admin, f"/admin/sites/{site.id}", {"name": "Almaty", "time_zone": "Asia/Qyzylorda",
                                                      "holiday_country": "KZ"})
    assert changed.status_code == 303 and row(make, m.Site, id=site.id).time_zone == "Asia/Qyzylorda"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Недопустимое значение."),
    ({"holiday_country": "XX"}, "holiday_country", "Недопустимое значение."),
    ({"holiday_country": "russia"}, "holiday_country", "Неверный формат."),
    ({"name": "Moscow"}, "name", "Такая запись уже существует."),
    ({"name": "  "}, "name", "Обязательное поле."),
])
def test_the_site_form_refuses_invalid_input_next_to_the_field(cc, browsers, make, data, field, message):
    admin = signed_in(browsers, cc.admin)
    before = count(make, m.Site)
    response = post(admin, "/admin/sites", {"name": "Kazan", "time_zone": "Europe/Moscow", "holiday_country": "RU",
                                            **data})
    assert response.status_code == 422 and error_of(response.text, field) == message
    assert count(make, m.Site) == before


def test_the_site_edit_form_keeps_the_site_on_invalid_input(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    response = post(admin, f"/admin/sites/{cc.moscow.id}", {"name": "Moscow", "time_zone": "Moscow",
                                                            "holiday_country": "RU"})
    assert response.status_code == 422 and error_of(response.text, "time_zone") == "This value is not valid."
    assert 'value="Moscow"' in response.text and row(make, m.Site, id=cc.moscow.id).time_zone == "Europe/Moscow"


def test_wrap_up_codes_are_added_renamed_and_deactivated(cc, browsers, make, client):
    admin = signed_in(browsers, cc.admin)
    assert post(admin, "/admin/wrap-up-codes", {"code": "callback", "name": "Call back"}).status_code == 303
    code = row(make, m.WrapUpCode, code="callback")
    renamed = post(admin, f"/admin/wrap-up-codes/{code.id}", {"name": "Call-back promised"})
    assert renamed.status_code == 303 and row(make, m.WrapUpCode, id=code.id).name == "Call-back promised"
    off = post(admin, f"/admin/wrap-up-codes/{code.id}/active", {"active": "0"}, page="/admin/wrap-up-codes")
    assert off.status_code == 303 and not row(make, m.WrapUpCode, id=code.id).is_active
    listing = admin.get("/admin/wrap-up-codes").text
    assert "Отключено" in listing and "Включить снова" in listing
    listed = cc.http(client, cc.agent, "GET", "/wrap-up-codes")
    assert {"id": code.id, "code": "callback", "name": "Call-back promised", "is_active": False} in listed
    on = post(admin, f"/admin/wrap-up-codes/{code.id}/active", {"active": "1"}, page="/admin/wrap-up-codes")
    assert on.status_code == 303 and row(make, m.WrapUpCode, id=code.id).is_active


@pytest.mark.parametrize(("path", "data", "field", "message"), [
    ("/admin/wrap-up-codes", {"code": "call back", "name": "Call back"}, "code", "Неверный формат."),
    ("/admin/wrap-up-codes", {"code": "claim_registered", "name": "Again"}, "code", "Такая запись уже существует."),
    ("/admin/wrap-up-codes", {"code": "x", "name": ""}, "name", "Обязательное поле."),
    ("/admin/not-ready-reasons", {"code": "", "name": "Lunch"}, "code", "Обязательное поле."),
    ("/admin/skills", {"code": "dms", "name": "x" * 201}, "name", "Слишком длинно."),
    ("/admin/teams", {"name": "Night", "site_id": "999"}, "site_id", "Такой записи нет (или она удалена)."),
    ("/admin/clients", {"code": "reso", "name": "RESO again"}, "code", "Такая запись уже существует."),
])
def test_reference_forms_refuse_invalid_input_next_to_the_field(cc, browsers, make, path, data, field, message):
    admin = signed_in(browsers, cc.admin)
    tables = (m.WrapUpCode, m.NotReadyReason, m.Skill, m.Team, m.Client)
    before = [count(make, t) for t in tables]
    response = post(admin, path, data)
    assert response.status_code == 422 and error_of(response.text, field) == message
    assert [count(make, t) for t in tables] == before


def test_a_blank_name_on_the_edit_form_is_refused_rather_than_kept(cc, browsers, make):
    admin = signed_in(browsers, cc.admin, "en")
    reason = row(make, m.NotReadyReason, code="break")
    response = post(admin, f"/admin/not-ready-reasons/{reason.id}", {"name": "", "paid": "1"})
    assert response.status_code == 422 and error_of(response.text, "name") == "This field is required."
    assert row(make, m.NotReadyReason, id=reason.id).name == "Break"
    unpaid = post(admin, f"/admin/not-ready-reasons/{reason.id}", {"name": "Short break"})  # box unticked
    assert unpaid.status_code == 303 and not row(make, m.NotReadyReason, id=reason.id).paid


# --- the use case added: deactivation ---------------------------------------------------------------


def test_deactivation_is_audited_and_refuses_the_code_for_new_use(cc, client, make):
    reason = row(make, m.NotReadyReason, code="break")
    with make.uow() as uow:
        view = reference.set_active(uow, make.actor(cc.admin.user), reference.NOT_READY_REASONS, reason.id, False)
    assert view.is_active is False  # type: ignore[attr-defined]
    with make.uow() as uow:
        entries = audit.list_entries(uow, entity="not-ready reason", entity_id=str(reason.id))
    assert [(e.action, e.user_id, e.detail) for e in entries] == [("deactivate", cc.admin.user.id, {"code": "break"})]
    agent = cc.agent.agent
    refused = client.post(f"/api/v1/agents/{agent.id}/presence", json={"state": "not_ready", "reason": "break"},
                          headers=cc.agent.auth)
    assert refused.status_code == 422
    patched = client.patch(f"/api/v1/not-ready-reasons/{reason.id}", json={"is_active": True}, headers=cc.admin.auth)
    assert patched.status_code == 200 and patched.json()["is_active"] is True
    accepted = client.post(f"/api/v1/agents/{agent.id}/presence", json={"state": "not_ready", "reason": "break"},
                           headers=cc.agent.auth)
    assert accepted.status_code < 300, accepted.text


def test_a_deactivated_wrap_up_code_is_refused_when_completing(cc, client, make):
    code = row(make, m.WrapUpCode, code="claim_registered")
    with make.uow() as uow:
        reference.set_active(uow, make.actor(cc.admin.user), reference.WRAP_UP_CODES, code.id, False)
    agent = cc.agent.agent
    cc.http(client, cc.agent, "POST", f"/agents/{agent.id}/presence", json={"state": "ready"})
    interaction = cc.http(client, cc.pbx, "POST", "/interactions",
                          json={"channel": "voice", "queue_id": cc.osago_queue.id, "from_address": "+74950001122"})
    iid = interaction["id"]
    cc.http(client, cc.supervisor, "POST", f"/interactions/{iid}/offer", json={"agent_id": agent.id})
    cc.http(client, cc.agent, "POST", f"/interactions/{iid}/accept", json={})
    refused = client.post(f"/api/v1/interactions/{iid}/complete", json={"wrap_up_code": "claim_registered"},
                          headers=cc.agent.auth)
    assert refused.status_code == 422 and "inactive" in refused.text


def test_only_kinds_with_a_status_can_be_deactivated(cc, make):
    with make.uow() as uow, pytest.raises(InvalidInput):
        reference.set_active(uow, make.actor(cc.admin.user), reference.SITES, cc.moscow.id, False)
