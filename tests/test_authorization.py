"""Every endpoint has an authorization rule, and each role is refused what it may not do."""

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select, text

from helpline.adapters.db.models import AuditEntry
from helpline.domain.permissions import QUALITY_WORK, ROLE_PERMISSIONS, Permission
from helpline.domain.vocabulary import Role


def _dependency_calls(dependant):
    for dep in dependant.dependencies:
        yield dep.call
        yield from _dependency_calls(dep)


def test_every_api_route_declares_who_may_call_it(app):
    unguarded = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1"):
            continue
        calls = list(_dependency_calls(route.dependant))
        if not any(hasattr(c, "required_permissions") or hasattr(c, "public_reason") for c in calls):
            unguarded.append(f"{sorted(route.methods)} {route.path}")
    assert unguarded == []


def test_only_admin_holds_audit_and_user_management():
    for role in Role:
        assert (Permission.READ_AUDIT in ROLE_PERMISSIONS[role]) == (role == Role.ADMIN)
        assert (Permission.MANAGE_USERS in ROLE_PERMISSIONS[role]) == (role == Role.ADMIN)


def test_qa_reads_everything_but_changes_only_quality_records():
    qa = ROLE_PERMISSIONS[Role.QA]
    assert {p for p in qa if not p.startswith("read_")} == QUALITY_WORK
    assert Permission.WRITE_QUALITY in QUALITY_WORK and not any(p.startswith(("manage_users", "write_cases"))
                                                                for p in QUALITY_WORK)
    assert {p for p in Permission if p.startswith("read_") and p != Permission.READ_AUDIT} <= qa


def test_integration_may_only_create_interactions_report_their_events_and_notify():
    assert ROLE_PERMISSIONS[Role.INTEGRATION] == {Permission.CREATE_INTERACTIONS,
                                                  Permission.REPORT_INTERACTION_EVENTS,
                                                  Permission.SEND_NOTIFICATIONS}


@pytest.fixture
def queued(cc, client):
    return cc.http(client, cc.pbx, "POST", "/interactions", json={"channel": "voice", "queue_id": cc.osago_queue.id})


def status(client, who, method, path, **kw):
    return client.request(method, f"/api/v1{path}", headers=who.auth, **kw).status_code


def test_qa_cannot_change_operational_records(cc, client, queued):
    assert status(client, cc.qa, "GET", f"/interactions/{queued['id']}") == 200
    assert status(client, cc.qa, "GET", f"/cases/{queued['case_id']}") == 200
    assert status(client, cc.qa, "POST", "/interactions", json={"channel": "voice",
                                                                 "queue_id": cc.osago_queue.id}) == 403
    assert status(client, cc.qa, "POST", f"/interactions/{queued['id']}/abandon", json={}) == 403
    assert status(client, cc.qa, "POST", f"/cases/{queued['case_id']}/status", json={"status": "open"}) == 403
    assert status(client, cc.qa, "PATCH", f"/cases/{queued['case_id']}", json={"subject": "x"}) == 403
    assert status(client, cc.qa, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"}) == 403


def test_integration_creates_and_reports_but_reads_nothing_else(cc, client, queued, make):
    assert status(client, cc.pbx, "GET", f"/interactions/{queued['id']}") == 200  # status read-back
    assert status(client, cc.pbx, "GET", "/interactions") == 403
    assert status(client, cc.pbx, "GET", f"/cases/{queued['case_id']}") == 403
    assert status(client, cc.pbx, "GET", "/events") == 403
    assert status(client, cc.pbx, "GET", f"/queues/{cc.osago_queue.id}/waiting") == 403
    assert status(client, cc.pbx, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"}) == 403
    other_pbx = make.user("integration")
    other_token = {"Authorization": f"Bearer {make.token(other_pbx)}"}
    assert client.get(f"/api/v1/interactions/{queued['id']}", headers=other_token).status_code == 404
    assert client.post(f"/api/v1/interactions/{queued['id']}/abandon", json={},
                       headers=other_token).status_code == 404


def test_an_agent_sees_only_their_own_work_and_their_queues(cc, client, queued):
    assert status(client, cc.agent, "GET", f"/interactions/{queued['id']}") == 200  # waiting in their queue
    assert status(client, cc.agent, "GET", f"/cases/{queued['case_id']}") == 404  # not theirs yet
    assert status(client, cc.agent, "GET", "/events") == 403
    assert status(client, cc.agent, "GET", f"/queues/{cc.spb_queue.id}/waiting") == 200  # skilled for it
    assert status(client, cc.novice, "GET", f"/interactions/{queued['id']}") == 404  # uncertified
    cc.http(client, cc.colleague, "POST", f"/agents/{cc.colleague.agent.id}/presence", json={"state": "ready"})
    cc.http(client, cc.colleague, "POST", f"/interactions/{queued['id']}/offer", json={})
    cc.http(client, cc.colleague, "POST", f"/interactions/{queued['id']}/accept", json={})
    assert status(client, cc.agent, "GET", f"/interactions/{queued['id']}") == 404  # now a colleague's
    assert status(client, cc.agent, "POST", f"/interactions/{queued['id']}/complete", json={}) == 404
    assert status(client, cc.colleague, "GET", f"/cases/{queued['case_id']}") == 200
    mine = [i["id"] for i in cc.http(client, cc.agent, "GET", "/interactions")]
    assert queued["id"] not in mine


def test_an_agent_cannot_assign_work_to_someone_else(cc, client, queued):
    cc.http(client, cc.colleague, "POST", f"/agents/{cc.colleague.agent.id}/presence", json={"state": "ready"})
    assert status(client, cc.agent, "POST", f"/interactions/{queued['id']}/offer",
                  json={"agent_id": cc.colleague.agent.id}) == 403


def test_a_supervisor_sees_only_their_sites(cc, client, queued):
    spb_call = cc.http(client, cc.pbx, "POST", "/interactions", json={"channel": "voice", "queue_id": cc.spb_queue.id})
    assert status(client, cc.supervisor, "GET", f"/interactions/{queued['id']}") == 200
    assert status(client, cc.supervisor, "GET", f"/interactions/{spb_call['id']}") == 404
    assert status(client, cc.spb_supervisor, "GET", f"/interactions/{queued['id']}") == 404
    assert status(client, cc.supervisor, "GET", f"/queues/{cc.spb_queue.id}/waiting") == 404
    assert status(client, cc.supervisor, "GET", f"/cases/{spb_call['case_id']}") == 404
    assert status(client, cc.spb_supervisor, "POST", f"/agents/{cc.agent.agent.id}/presence",
                  json={"state": "ready"}) == 404
    cc.http(client, cc.agent, "POST", f"/agents/{cc.agent.agent.id}/presence", json={"state": "ready"})
    assert status(client, cc.spb_supervisor, "POST", f"/interactions/{spb_call['id']}/offer",
                  json={"agent_id": cc.agent.agent.id}) == 404  # a Moscow agent is not theirs to assign
    feed = cc.http(client, cc.spb_supervisor, "GET", "/events")
    assert {e["queue_id"] for e in feed if e["queue_id"]} == {cc.spb_queue.id}


def test_health_case_reads_are_audited_and_others_are_not(cc, client, queued, uow):
    cc.http(client, cc.admin, "PATCH", f"/cases/{queued['case_id']}", json={"type": "enquiry"})
    cc.http(client, cc.supervisor, "GET", f"/cases/{queued['case_id']}")
    assert uow.session.scalars(select(AuditEntry)).all() == []
    cc.http(client, cc.admin, "PATCH", f"/cases/{queued['case_id']}", json={"type": "dms_guarantee_letter"})
    cc.http(client, cc.qa, "GET", f"/cases/{queued['case_id']}")
    cc.http(client, cc.supervisor, "GET", "/cases")
    entries = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.user_id, e.action, e.entity, e.entity_id) for e in entries] == [
        (cc.admin.user.id, "update", "case", str(queued["case_id"])),
        (cc.qa.user.id, "read", "case", str(queued["case_id"])),
        (cc.supervisor.user.id, "list", "case", str(queued["case_id"])),
    ]


def test_cookie_sessions_need_the_csrf_token_for_changes(cc, app, queued):
    import re

    from fastapi.testclient import TestClient

    with TestClient(app) as browser:
        assert browser.get("/api/v1/auth/me").status_code == 401
        login_page = browser.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', login_page).group(1)
        logged_in = browser.post("/login", data={"username": cc.supervisor.user.username, "password": "password123",
                                                 "csrf": csrf}, follow_redirects=False)
        assert logged_in.status_code == 303
        assert browser.get("/api/v1/auth/me").json()["username"] == cc.supervisor.user.username
        session_csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/").text).group(1)
        assert session_csrf != csrf  # rotated at log-in
        path = f"/api/v1/cases/{queued['case_id']}/status"
        assert browser.post(path, json={"status": "open"}).status_code == 403
        assert browser.post(path, json={"status": "open"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert browser.post(path, json={"status": "open"}, headers={"X-CSRF-Token": session_csrf}).status_code == 200


def test_passwords_are_stored_as_argon2_hashes(cc, uow):
    from helpline.adapters.db.models import User
    from helpline.services import auth

    stored = uow.session.get(User, cc.admin.user.id).password_hash
    assert stored.startswith("$argon2id$") and "password123" not in stored
    assert auth.authenticate(uow, cc.admin.user.username, "password123") is not None
    assert auth.authenticate(uow, cc.admin.user.username, "password124") is None
    assert auth.authenticate(uow, "nobody", "password123") is None


def test_a_token_logs_in_and_answers_who_am_i(cc, client):
    response = client.post("/api/v1/auth/token", json={"username": cc.supervisor.user.username,
                                                       "password": "password123"})
    assert response.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}).json()
    assert me["role"] == "supervisor" and me["site_ids"] == [cc.moscow.id]


def test_the_token_cache_serves_within_its_ttl_and_forgets_after(cc, container):
    from helpline.services.auth import ActorCache, actor_for_token

    now = [0.0]
    cache = ActorCache(30, clock=lambda: now[0])
    with container.uow() as uow:
        first = actor_for_token(uow, cc.agent.token, cache)
    with container.uow() as uow:
        uow.session.execute(text("UPDATE users SET is_active = false"))
        uow.commit()
    with container.uow() as uow:
        assert actor_for_token(uow, cc.agent.token, cache) == first  # cached: no query
        now[0] = 30.0
        assert actor_for_token(uow, cc.agent.token, cache) is None  # expired: the deactivation shows
