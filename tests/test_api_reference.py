"""Reference data, users and the audit log through the REST API."""

import pytest

from helpline.entrypoints.api.routers import agents, audit, customers, quality, queues, reference, users

V1 = "/api/v1"
NEW_ROUTERS = [reference.router, users.router, agents.router, queues.router, customers.router, quality.router,
               audit.router]


def fields_named(response) -> set[str]:
    """The field names a 422 answer points at."""
    return {str(part) for error in response.json()["detail"] for part in error["loc"]}


def test_every_administration_route_names_a_permission():
    for router in NEW_ROUTERS:
        for route in router.routes:
            rules = [d.call for d in route.dependant.dependencies if hasattr(d.call, "required_permissions")]
            assert rules, f"{route.methods} {route.path} has no permission rule"


KINDS = [
    ("/sites", {"name": "Yaroslavl", "time_zone": "Europe/Moscow"}, {"holiday_country": "KZ"}),
    ("/clients", {"code": "balt", "name": "Balt Assistance"}, {"name": "Balt Assistance LLC"}),
    ("/skills", {"code": "dms_doctor", "name": "Doctor-curator"}, {"requires_certification": False}),
    ("/wrap-up-codes", {"code": "callback", "name": "Call back"}, {"name": "Call-back promised"}),
    ("/not-ready-reasons", {"code": "lunch", "name": "Lunch", "paid": False}, {"paid": True}),
]


@pytest.mark.parametrize(("path", "body", "change"), KINDS, ids=[k[0] for k in KINDS])
def test_reference_kind_create_list_get_patch(cc, client, path, body, change):
    created = client.post(V1 + path, json=body, headers=cc.admin.auth)
    assert created.status_code == 201, created.text
    item = created.json()
    assert {k: item[k] for k in body} == body
    listed = client.get(V1 + path, headers=cc.agent.auth)
    assert listed.status_code == 200 and item in listed.json()
    assert client.get(f"{V1}{path}/{item['id']}", headers=cc.qa.auth).json() == item
    patched = client.patch(f"{V1}{path}/{item['id']}", json=change, headers=cc.admin.auth)
    assert patched.status_code == 200 and patched.json() == {**item, **change}
    assert client.get(f"{V1}{path}/{item['id']}", headers=cc.admin.auth).json() == {**item, **change}


@pytest.mark.parametrize(("path", "body", "change"), KINDS, ids=[k[0] for k in KINDS])
def test_reference_kind_refuses_roles_without_permission(cc, client, path, body, change):
    assert client.post(V1 + path, json=body, headers=cc.supervisor.auth).status_code == 403
    assert client.post(V1 + path, json=body, headers=cc.agent.auth).status_code == 403
    assert client.patch(f"{V1}{path}/1", json=change, headers=cc.qa.auth).status_code == 403
    assert client.get(V1 + path, headers=cc.pbx.auth).status_code == 403
    assert client.get(V1 + path).status_code == 401


def test_teams_belong_to_a_site_and_are_unique_per_site(cc, client):
    body = {"name": "Motor", "site_id": cc.moscow.id}
    team = client.post(V1 + "/teams", json=body, headers=cc.admin.auth)
    assert team.status_code == 201 and team.json()["site_id"] == cc.moscow.id
    assert client.post(V1 + "/teams", json=body, headers=cc.admin.auth).status_code == 409
    assert client.post(V1 + "/teams", json={**body, "site_id": cc.spb.id}, headers=cc.admin.auth).status_code == 201
    missing = client.post(V1 + "/teams", json={**body, "site_id": 999_999}, headers=cc.admin.auth)
    assert missing.status_code == 404 and "site" in missing.json()["detail"]
    path = f"{V1}/teams/{team.json()['id']}"
    assert client.patch(path, json={"site_id": 999_999}, headers=cc.admin.auth).status_code == 404
    renamed = client.patch(path, json={"name": "Motor claims"}, headers=cc.admin.auth)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Motor claims"
    assert client.get(path, headers=cc.agent.auth).json() == renamed.json()
    assert renamed.json() in client.get(V1 + "/teams", headers=cc.supervisor.auth).json()


def test_duplicate_codes_and_names_conflict(cc, client):
    skill = client.post(V1 + "/skills", json={"code": "osago", "name": "Again"}, headers=cc.admin.auth)
    assert skill.status_code == 409
    assert client.post(V1 + "/sites", json={"name": "Moscow"}, headers=cc.admin.auth).status_code == 409
    assert client.post(V1 + "/clients", json={"code": "reso", "name": "R"}, headers=cc.admin.auth).status_code == 409
    renamed = client.patch(f"{V1}/sites/{cc.spb.id}", json={"name": "Moscow"}, headers=cc.admin.auth)
    assert renamed.status_code == 409


def test_malformed_bodies_name_the_field(cc, client):
    cases = [
        ("/sites", {"name": "Kazan", "time_zone": "Mars/Olympus"}, "time_zone"),
        ("/sites", {"name": "Kazan", "holiday_country": "russia"}, "holiday_country"),
        ("/sites", {"name": "   "}, "name"),
        ("/skills", {"code": "has spaces", "name": "x"}, "code"),
        ("/skills", {"code": "ok", "name": "x", "colour": "red"}, "colour"),
        ("/clients", {"code": "c" * 41, "name": "x"}, "code"),
        ("/teams", {"name": "x", "site_id": 2**40}, "site_id"),
        ("/not-ready-reasons", {"code": "nul", "name": "a\x00b"}, "name"),
    ]
    for path, body, field in cases:
        response = client.post(V1 + path, json=body, headers=cc.admin.auth)
        assert response.status_code == 422, (path, body, response.text)
        assert field in fields_named(response), (path, body, response.text)


def test_patch_refuses_null_and_code_changes(cc, client):
    path = f"{V1}/skills/{cc.osago.id}"
    nulled = client.patch(path, json={"name": None}, headers=cc.admin.auth)
    assert nulled.status_code == 422 and "name" in fields_named(nulled)
    recoded = client.patch(path, json={"code": "kasko"}, headers=cc.admin.auth)
    assert recoded.status_code == 422 and "code" in fields_named(recoded)
    assert client.patch(path, json={}, headers=cc.admin.auth).json()["code"] == "osago"


def test_unknown_and_out_of_range_ids(cc, client):
    assert client.get(V1 + "/sites/999999", headers=cc.admin.auth).status_code == 404
    assert client.patch(V1 + "/clients/999999", json={"name": "x"}, headers=cc.admin.auth).status_code == 404
    assert client.get(f"{V1}/skills/{2**70}", headers=cc.admin.auth).status_code == 422
    assert client.get(V1 + "/wrap-up-codes/0", headers=cc.admin.auth).status_code == 422


def test_lists_page_with_limit_and_offset(cc, client):
    for n in range(3):
        client.post(V1 + "/wrap-up-codes", json={"code": f"c{n}", "name": f"C{n}"}, headers=cc.admin.auth)
    everything = client.get(V1 + "/wrap-up-codes", headers=cc.admin.auth).json()
    page = client.get(V1 + "/wrap-up-codes?limit=2&offset=1", headers=cc.admin.auth).json()
    assert page == everything[1:3]
    assert client.get(V1 + "/wrap-up-codes?limit=0", headers=cc.admin.auth).status_code == 422
    assert client.get(V1 + "/wrap-up-codes?limit=1001", headers=cc.admin.auth).status_code == 422


# --- users --------------------------------------------------------------------------------------


def test_admin_creates_a_supervisor_who_can_log_in(cc, client):
    body = {"username": "olga", "role": "supervisor", "password": "s3cret-pass", "full_name": "Olga K",
            "language": "en", "site_ids": [cc.spb.id, cc.moscow.id]}
    created = client.post(V1 + "/users", json=body, headers=cc.admin.auth)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["site_ids"] == sorted([cc.spb.id, cc.moscow.id]) and user["role"] == "supervisor"
    assert "password" not in created.text and "password_hash" not in created.text
    assert client.get(f"{V1}/users/{user['id']}", headers=cc.admin.auth).json() == user
    assert user in client.get(V1 + "/users?role=supervisor", headers=cc.admin.auth).json()
    token = client.post(V1 + "/auth/token", json={"username": "olga", "password": "s3cret-pass"})
    assert token.status_code == 200
    me = client.get(V1 + "/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["role"] == "supervisor" and me["site_ids"] == user["site_ids"]


def test_admin_changes_role_password_and_deactivates(cc, client):
    path = f"{V1}/users/{cc.supervisor.user.id}"
    demoted = client.patch(path, json={"role": "agent"}, headers=cc.admin.auth)
    assert demoted.status_code == 200 and demoted.json()["site_ids"] == []
    client.patch(path, json={"password": "brand-new-pass"}, headers=cc.admin.auth)
    login = {"username": cc.supervisor.user.username, "password": "brand-new-pass"}
    assert client.post(V1 + "/auth/token", json=login).status_code == 200
    assert client.patch(path, json={"is_active": False}, headers=cc.admin.auth).json()["is_active"] is False
    assert client.get(V1 + "/auth/me", headers=cc.supervisor.auth).status_code == 401
    assert client.post(V1 + "/auth/token", json=login).status_code == 401


def test_user_rules(cc, client):
    body = {"username": "ivan", "role": "agent", "password": "password123"}
    assert client.post(V1 + "/users", json=body, headers=cc.supervisor.auth).status_code == 403
    assert client.get(V1 + "/users", headers=cc.qa.auth).status_code == 403
    assert client.patch(f"{V1}/users/{cc.agent.user.id}", json={"role": "admin"},
                        headers=cc.supervisor.auth).status_code == 403
    assert client.post(V1 + "/users", json=body, headers=cc.admin.auth).status_code == 201
    assert client.post(V1 + "/users", json=body, headers=cc.admin.auth).status_code == 409
    short = client.post(V1 + "/users", json={**body, "username": "x", "password": "short"}, headers=cc.admin.auth)
    assert short.status_code == 422 and "password" in fields_named(short)
    bad_role = client.post(V1 + "/users", json={**body, "username": "y", "role": "boss"}, headers=cc.admin.auth)
    assert bad_role.status_code == 422 and "role" in fields_named(bad_role)
    sites = client.post(V1 + "/users", json={**body, "username": "z", "site_ids": [cc.moscow.id]},
                        headers=cc.admin.auth)
    assert sites.status_code == 422
    no_site = client.post(V1 + "/users", json={**body, "username": "w", "role": "supervisor", "site_ids": [999_999]},
                          headers=cc.admin.auth)
    assert no_site.status_code == 404
    assert client.get(V1 + "/users/999999", headers=cc.admin.auth).status_code == 404
    myself = client.patch(f"{V1}/users/{cc.admin.user.id}", json={"is_active": False}, headers=cc.admin.auth)
    assert myself.status_code == 422


def test_admin_sets_and_clears_a_users_e_mail_address_and_time_zone(cc, client):
    body = {"username": "vera", "role": "supervisor", "password": "password123", "email": " Vera.K@Insurer.RU ",
            "time_zone": "Asia/Vladivostok"}
    created = client.post(V1 + "/users", json=body, headers=cc.admin.auth)
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["time_zone"]) == ("vera.k@insurer.ru", "Asia/Vladivostok")
    path = f"{V1}/users/{user['id']}"
    assert client.get(path, headers=cc.admin.auth).json() == user
    assert user in client.get(V1 + "/users", headers=cc.admin.auth).json()
    changed = client.patch(path, json={"email": "vera@insurer.ru", "time_zone": "Europe/Kaliningrad"},
                           headers=cc.admin.auth)
    assert changed.status_code == 200
    assert (changed.json()["email"], changed.json()["time_zone"]) == ("vera@insurer.ru", "Europe/Kaliningrad")
    renamed = client.patch(path, json={"full_name": "Vera K"}, headers=cc.admin.auth).json()  # left out: kept
    assert (renamed["email"], renamed["time_zone"]) == ("vera@insurer.ru", "Europe/Kaliningrad")

    refused = [("email", "vera at insurer.ru", "is not an e-mail address"),
               ("email", "vera@insurer", "is not an e-mail address"),
               ("email", "a@b.c" + "x" * 260, "at most 254 characters"),
               ("time_zone", "Europe/Atlantis", "unknown time zone 'Europe/Atlantis'"),
               ("time_zone", "UTC+3", "unknown time zone")]
    for field, value, message in refused:
        patched = client.patch(path, json={field: value}, headers=cc.admin.auth)
        assert patched.status_code == 422 and field in fields_named(patched), (field, value)
        assert message in str(patched.json()["detail"]), patched.text
        new = client.post(V1 + "/users", json={**body, "username": "vera2", field: value}, headers=cc.admin.auth)
        assert new.status_code == 422 and field in fields_named(new), (field, value)
    assert client.get(path, headers=cc.admin.auth).json()["email"] == "vera@insurer.ru"  # nothing stored
    assert client.get(V1 + "/users?limit=1000", headers=cc.admin.auth).json()[-1]["username"] == "vera"

    for who in (cc.supervisor, cc.agent, cc.qa, cc.pbx):
        assert client.patch(path, json={"email": "x@insurer.ru"}, headers=who.auth).status_code == 403
        assert client.post(V1 + "/users", json={**body, "username": "vera3"}, headers=who.auth).status_code == 403
    assert client.get(path, headers=cc.admin.auth).json()["email"] == "vera@insurer.ru"

    cleared = client.patch(path, json={"email": "", "time_zone": None}, headers=cc.admin.auth)
    assert cleared.status_code == 200
    assert (cleared.json()["email"], cleared.json()["time_zone"]) == (None, None)
    assert client.get(path, headers=cc.admin.auth).json() == cleared.json()
    assert client.patch(path, json={"full_name": None}, headers=cc.admin.auth).status_code == 422  # not nullable


# --- audit --------------------------------------------------------------------------------------


def test_audit_log_lists_user_changes_newest_first(cc, client, clock):
    created = client.post(V1 + "/users", json={"username": "anna", "role": "qa", "password": "password123"},
                          headers=cc.admin.auth).json()
    clock.advance(60)
    client.patch(f"{V1}/users/{created['id']}", json={"full_name": "Anna Q"}, headers=cc.admin.auth)
    entries = client.get(f"{V1}/audit?entity=user&entity_id={created['id']}", headers=cc.admin.auth)
    assert entries.status_code == 200
    assert [e["action"] for e in entries.json()] == ["update", "create"]
    assert all(e["user_id"] == cc.admin.user.id for e in entries.json())
    assert "password" not in str(entries.json()[1]["detail"])
    assert len(client.get(V1 + "/audit?limit=1", headers=cc.admin.auth).json()) == 1
    assert client.get(f"{V1}/audit?user_id={cc.qa.user.id}", headers=cc.admin.auth).json() == []
    for who in (cc.supervisor, cc.qa, cc.agent, cc.pbx):
        assert client.get(V1 + "/audit", headers=who.auth).status_code == 403
