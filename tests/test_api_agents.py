"""Agents (skills, certifications, capacity) and queues through the REST API, with site scoping."""

from datetime import timedelta

from tests.contact_centre import fields_named

V1 = "/api/v1"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


# --- agents -------------------------------------------------------------------------------------


def test_agent_lists_follow_scope(cc, client, make):
    spb_agent = make.agent(site=cc.spb)
    moscow = {cc.agent.agent.id, cc.colleague.agent.id, cc.novice.agent.id}
    assert ids(client.get(V1 + "/agents", headers=cc.admin.auth)) == moscow | {spb_agent.id}
    assert ids(client.get(V1 + "/agents", headers=cc.supervisor.auth)) == moscow
    assert ids(client.get(V1 + "/agents", headers=cc.spb_supervisor.auth)) == {spb_agent.id}
    assert ids(client.get(f"{V1}/agents?site_id={cc.spb.id}", headers=cc.qa.auth)) == {spb_agent.id}
    assert client.get(V1 + "/agents", headers=cc.agent.auth).status_code == 403
    assert client.get(V1 + "/agents", headers=cc.pbx.auth).status_code == 403


def test_agent_view_shows_skills_certifications_capacity_and_presence(cc, client, clock):
    view = client.get(f"{V1}/agents/{cc.agent.agent.id}", headers=cc.supervisor.auth)
    assert view.status_code == 200
    agent = view.json()
    assert [(s["code"], s["proficiency"]) for s in agent["skills"]] == [("chat", 1), ("osago", 5)]
    assert {c["skill_code"] for c in agent["certifications"]} == {"chat", "osago"}
    assert all(c["valid_now"] for c in agent["certifications"])
    assert agent["presence"] == "logged_out" and agent["presence_reason"] is None
    assert agent["presence_since"] is not None and agent["capacities"] == {}
    clock.advance(timedelta(days=400).total_seconds())
    later = client.get(f"{V1}/agents/{cc.agent.agent.id}", headers=cc.supervisor.auth).json()
    assert not any(c["valid_now"] for c in later["certifications"])


def test_supervisor_cannot_see_or_edit_agents_of_another_site(cc, client):
    path = f"{V1}/agents/{cc.agent.agent.id}"
    assert client.get(path, headers=cc.spb_supervisor.auth).status_code == 404
    assert client.patch(path, json={"display_name": "X"}, headers=cc.spb_supervisor.auth).status_code == 404
    assert client.put(path + "/skills", json=[], headers=cc.spb_supervisor.auth).status_code == 404
    assert client.put(path + "/capacities", json={}, headers=cc.spb_supervisor.auth).status_code == 404
    moved = client.patch(path, json={"site_id": cc.spb.id}, headers=cc.supervisor.auth)
    assert moved.status_code == 403
    assert client.get(V1 + "/agents/999999", headers=cc.admin.auth).status_code == 404


def test_create_and_patch_agents(cc, client, make):
    user = make.user("agent")
    body = {"employee_no": "M-100", "display_name": "Maria", "site_id": cc.moscow.id, "user_id": user.id}
    created = client.post(V1 + "/agents", json=body, headers=cc.supervisor.auth)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["presence"] == "logged_out" and agent["skills"] == [] and agent["user_id"] == user.id
    assert client.post(V1 + "/agents", json=body, headers=cc.admin.auth).status_code == 409
    elsewhere = client.post(V1 + "/agents", json={**body, "employee_no": "S-1", "site_id": cc.spb.id, "user_id": None},
                            headers=cc.supervisor.auth)
    assert elsewhere.status_code == 403
    assert client.post(V1 + "/agents", json={**body, "employee_no": "Q"}, headers=cc.qa.auth).status_code == 403
    assert client.post(V1 + "/agents", json={**body, "employee_no": "A"}, headers=cc.agent.auth).status_code == 403
    no_site = client.post(V1 + "/agents", json={**body, "employee_no": "N", "site_id": 999_999, "user_id": None},
                          headers=cc.admin.auth)
    assert no_site.status_code == 404
    team = client.post(V1 + "/teams", json={"name": "Night", "site_id": cc.spb.id}, headers=cc.admin.auth).json()
    path = f"{V1}/agents/{agent['id']}"
    assert client.patch(path, json={"team_id": team["id"]}, headers=cc.admin.auth).status_code == 422
    moved = client.patch(path, json={"site_id": cc.spb.id, "team_id": team["id"], "display_name": "Maria S"},
                         headers=cc.admin.auth)
    assert moved.status_code == 200
    assert (moved.json()["site_id"], moved.json()["team_id"]) == (cc.spb.id, team["id"])
    unlinked = client.patch(path, json={"team_id": None, "user_id": None}, headers=cc.spb_supervisor.auth)
    assert unlinked.status_code == 200 and unlinked.json()["user_id"] is None
    nulled = client.patch(path, json={"site_id": None}, headers=cc.admin.auth)
    assert nulled.status_code == 422 and "site_id" in fields_named(nulled)


def test_replace_skills(cc, client, make):
    kasko = make.skill("kasko")
    path = f"{V1}/agents/{cc.agent.agent.id}/skills"
    body = [{"skill_id": cc.osago.id, "proficiency": 8}, {"skill_id": kasko.id, "proficiency": 2}]
    replaced = client.put(path, json=body, headers=cc.supervisor.auth)
    assert replaced.status_code == 200, replaced.text
    assert [(s["code"], s["proficiency"]) for s in replaced.json()["skills"]] == [("kasko", 2), ("osago", 8)]
    assert len(replaced.json()["certifications"]) == 2  # certifications are kept as history
    too_high = client.put(path, json=[{"skill_id": kasko.id, "proficiency": 11}], headers=cc.supervisor.auth)
    assert too_high.status_code == 422 and "proficiency" in fields_named(too_high)
    twice = client.put(path, json=[{"skill_id": kasko.id, "proficiency": 1}] * 2, headers=cc.supervisor.auth)
    assert twice.status_code == 422
    unknown = client.put(path, json=[{"skill_id": 999_999, "proficiency": 1}], headers=cc.supervisor.auth)
    assert unknown.status_code == 404
    assert client.put(path, json=body, headers=cc.agent.auth).status_code == 403
    assert client.put(path, json=[], headers=cc.admin.auth).json()["skills"] == []


def test_certifications_are_added_and_removed(cc, client, make, clock):
    kasko = make.skill("kasko")
    path = f"{V1}/agents/{cc.agent.agent.id}/certifications"
    now = clock()
    body = {"skill_id": kasko.id, "passed_at": (now - timedelta(days=1)).isoformat(),
            "expires_at": (now + timedelta(days=364)).isoformat()}
    created = client.post(path, json=body, headers=cc.supervisor.auth)
    assert created.status_code == 201, created.text
    cert = created.json()
    assert cert["skill_code"] == "kasko" and cert["valid_now"] is True
    expired = client.post(path, json={"skill_id": kasko.id, "passed_at": "2020-01-01T00:00:00+03:00",
                                      "expires_at": "2021-01-01T00:00:00Z"}, headers=cc.admin.auth)
    assert expired.status_code == 201 and expired.json()["valid_now"] is False
    backwards = client.post(path, json={**body, "expires_at": body["passed_at"]}, headers=cc.admin.auth)
    assert backwards.status_code == 422
    naive = client.post(path, json={**body, "passed_at": "2026-01-01T00:00:00"}, headers=cc.admin.auth)
    assert naive.status_code == 422 and "passed_at" in fields_named(naive)
    assert client.post(path, json=body, headers=cc.qa.auth).status_code == 403
    assert client.post(path, json={**body, "skill_id": 999_999}, headers=cc.admin.auth).status_code == 404
    assert client.delete(f"{path}/{cert['id']}", headers=cc.spb_supervisor.auth).status_code == 404
    assert client.delete(f"{path}/{cert['id']}", headers=cc.agent.auth).status_code == 403
    assert client.delete(f"{path}/{cert['id']}", headers=cc.supervisor.auth).status_code == 204
    assert client.delete(f"{path}/{cert['id']}", headers=cc.supervisor.auth).status_code == 404
    other = f"{V1}/agents/{cc.colleague.agent.id}/certifications/{expired.json()['id']}"
    assert client.delete(other, headers=cc.admin.auth).status_code == 404
    left = client.get(f"{V1}/agents/{cc.agent.agent.id}", headers=cc.admin.auth).json()["certifications"]
    assert cert["id"] not in {c["id"] for c in left}


def test_replace_capacities(cc, client):
    path = f"{V1}/agents/{cc.agent.agent.id}/capacities"
    first = client.put(path, json={"voice": 1, "chat": 4}, headers=cc.supervisor.auth)
    assert first.status_code == 200 and first.json()["capacities"] == {"chat": 4, "voice": 1}
    second = client.put(path, json={"chat": 2, "email": 6}, headers=cc.supervisor.auth)
    assert second.json()["capacities"] == {"chat": 2, "email": 6}
    assert client.put(path, json={"fax": 1}, headers=cc.admin.auth).status_code == 422
    assert client.put(path, json={"chat": 51}, headers=cc.admin.auth).status_code == 422
    assert client.put(path, json={"chat": 1}, headers=cc.qa.auth).status_code == 403


# --- queues -------------------------------------------------------------------------------------


def queue_body(cc, **kw):
    return {"code": "dms_msk", "name": "DMS Moscow", "client_id": cc.client.id, "site_id": cc.moscow.id,
            "channel": "voice", "product_line": "dms", "priority": 5, "sl_threshold_s": 30, "sl_target": 0.9,
            "business_hours": {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]},
            "required_skills": [{"skill_id": cc.osago.id, "min_proficiency": 4}], **kw}


def test_queue_lists_follow_scope(cc, client):
    every = {cc.osago_queue.id, cc.chat_queue.id, cc.spb_queue.id}
    assert ids(client.get(V1 + "/queues", headers=cc.admin.auth)) == every
    assert ids(client.get(V1 + "/queues", headers=cc.spb_supervisor.auth)) == {cc.spb_queue.id}
    assert ids(client.get(V1 + "/queues?channel=chat", headers=cc.qa.auth)) == {cc.chat_queue.id}
    assert ids(client.get(V1 + "/queues", headers=cc.agent.auth)) == every  # qualified for all three
    assert ids(client.get(V1 + "/queues", headers=cc.novice.auth)) == set()  # never passed the exam
    assert client.get(V1 + "/queues", headers=cc.pbx.auth).status_code == 403
    assert client.get(f"{V1}/queues/{cc.osago_queue.id}", headers=cc.spb_supervisor.auth).status_code == 404
    assert client.get(V1 + "/queues/999999", headers=cc.admin.auth).status_code == 404


def test_create_and_patch_queue(cc, client, make):
    created = client.post(V1 + "/queues", json=queue_body(cc), headers=cc.admin.auth)
    assert created.status_code == 201, created.text
    queue = created.json()
    assert queue["required_skills"] == [{"skill_id": cc.osago.id, "code": "osago", "min_proficiency": 4}]
    assert queue["business_hours"]["sat"] == [["10:00", "14:00"]] and queue["is_active"] is True
    assert client.get(f"{V1}/queues/{queue['id']}", headers=cc.supervisor.auth).json() == queue
    kasko = make.skill("kasko")
    change = {"sl_target": 0.8, "site_id": None, "is_active": False,
              "required_skills": [{"skill_id": kasko.id, "min_proficiency": 2}]}
    patched = client.patch(f"{V1}/queues/{queue['id']}", json=change, headers=cc.admin.auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["site_id"] is None and patched.json()["sl_target"] == 0.8
    assert [r["code"] for r in patched.json()["required_skills"]] == ["kasko"]
    assert patched.json()["priority"] == 5 and patched.json()["is_active"] is False


def test_queue_rules(cc, client):
    body = queue_body(cc)
    assert client.post(V1 + "/queues", json=body, headers=cc.agent.auth).status_code == 403
    assert client.post(V1 + "/queues", json=body, headers=cc.supervisor.auth).status_code == 403
    assert client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"priority": 1},
                        headers=cc.supervisor.auth).status_code == 403
    assert client.post(V1 + "/queues", json={**body, "code": "osago_msk"}, headers=cc.admin.auth).status_code == 409
    for field, value in (("sl_target", 1.5), ("sl_target", 0), ("sl_threshold_s", 0), ("channel", "fax"),
                         ("product_line", "pets"), ("business_hours", {"mon": [["18:00", "09:00"]]}),
                         ("business_hours", {"holiday": []}),
                         ("business_hours", {"tue": [["09:00", "13:00"], ["12:00", "18:00"]]}), ("client_id", 2**63)):
        response = client.post(V1 + "/queues", json={**body, field: value}, headers=cc.admin.auth)
        assert response.status_code == 422 and field in fields_named(response), (field, value, response.text)
    assert client.post(V1 + "/queues", json={**body, "client_id": 999_999}, headers=cc.admin.auth).status_code == 404
    unknown_skill = {**body, "required_skills": [{"skill_id": 999_999, "min_proficiency": 1}]}
    assert client.post(V1 + "/queues", json=unknown_skill, headers=cc.admin.auth).status_code == 404
    assert client.patch(V1 + "/queues/999999", json={"priority": 1}, headers=cc.admin.auth).status_code == 404


def test_queue_routing_rules_expansion_steps_and_agent_choice(cc, client):
    steps = [{"after_s": 30, "min_proficiency": {"osago": 2}}, {"after_s": 60, "any_site": True},
             {"after_s": 300, "move_to_queue": "osago_spb"}]
    patched = client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"expansion": steps, "agent_choice": "round_robin"},
                           headers=cc.admin.auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["agent_choice"] == "round_robin"
    assert [{k: v for k, v in s.items() if v not in (None, False)} for s in patched.json()["expansion"]] == steps
    for bad in ([{"after_s": 60, "any_site": True}, {"after_s": 30, "any_site": True}],  # not in order of time
                [{"after_s": 30}],  # does nothing
                [{"after_s": 30, "any_site": True, "move_to_queue": "osago_spb"}],  # both kinds
                [{"after_s": 0, "any_site": True}]):
        response = client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"expansion": bad}, headers=cc.admin.auth)
        assert response.status_code == 422 and "expansion" in fields_named(response), (bad, response.text)
    for bad, message in (([{"after_s": 30, "min_proficiency": {"kasko": 1}}], "does not require"),
                         ([{"after_s": 30, "move_to_queue": "nowhere"}], "no queue"),
                         ([{"after_s": 30, "move_to_queue": "chat_msk"}], "another client or channel"),
                         ([{"after_s": 30, "move_to_queue": "osago_msk"}], "itself")):
        response = client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"expansion": bad}, headers=cc.admin.auth)
        assert response.status_code == 422 and message in response.text, (bad, response.text)
    wrong_choice = client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"agent_choice": "random"},
                                headers=cc.admin.auth)
    assert wrong_choice.status_code == 422
    dropping_the_relaxed_skill = client.patch(f"{V1}/queues/{cc.osago_queue.id}", json={"required_skills": []},
                                              headers=cc.admin.auth)
    assert dropping_the_relaxed_skill.status_code == 422 and "does not require" in dropping_the_relaxed_skill.text
