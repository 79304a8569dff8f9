"""Customers, policies and quality evaluations through the REST API."""

from datetime import timedelta

from helpline.adapters.db import models as m
from tests.contact_centre import fields_named

V1 = "/api/v1"


def new_customer(cc, client, **kw):
    body = {"full_name": "Ivan Petrov", "client_id": cc.client.id, "phones": ["8 (495) 123-45-67"],
            "emails": [" Ivan.Petrov@Example.RU "], **kw}
    response = client.post(V1 + "/customers", json=body, headers=cc.agent.auth)
    assert response.status_code == 201, response.text
    return response.json()


# --- customers ----------------------------------------------------------------------------------


def test_create_normalises_phones_and_emails(cc, client):
    customer = new_customer(cc, client, phones=["8 (495) 123-45-67", "+7 495 123 45 67", "+49 30 1234567"])
    assert customer["phones"] == ["+74951234567", "+49301234567"]
    assert customer["emails"] == ["ivan.petrov@example.ru"] and customer["policies"] == []


def test_search_by_phone_written_differently(cc, client, make):
    make.customer("Stored Elsewhere", phones=["+74951234567"])
    make.customer("Someone Else", phones=["+74959999999"])
    found = client.get(V1 + "/customers", params={"phone": "8 (495) 123-45-67"}, headers=cc.agent.auth)
    assert found.status_code == 200
    assert [c["full_name"] for c in found.json()] == ["Stored Elsewhere"]
    assert client.get(V1 + "/customers", params={"phone": "---"}, headers=cc.agent.auth).status_code == 422


def test_search_by_email_name_and_policy(cc, client, make):
    customer = new_customer(cc, client)
    make.customer("Anna Ivanova", emails=["anna@example.ru"])
    policy = make.policy(make.customer("Policy Holder"), cc.client, number="XXX0123456789")

    def names(**params):
        response = client.get(V1 + "/customers", params=params, headers=cc.supervisor.auth)
        assert response.status_code == 200, response.text
        return [c["full_name"] for c in response.json()]

    assert names(email="IVAN.PETROV@example.ru") == ["Ivan Petrov"]
    assert names(name="ivanov") == ["Anna Ivanova"]
    assert names(name="iv") == ["Ivan Petrov", "Anna Ivanova"]
    assert names(name="%") == []
    assert names(policy_number=policy.number) == ["Policy Holder"]
    assert names(name="Petrov", email="anna@example.ru") == []
    assert customer["id"] in {c["id"] for c in client.get(V1 + "/customers?limit=5", headers=cc.qa.auth).json()}


def test_get_and_patch_customer(cc, client):
    customer = new_customer(cc, client)
    path = f"{V1}/customers/{customer['id']}"
    assert client.get(path, headers=cc.qa.auth).json() == customer
    patched = client.patch(path, json={"phones": ["+7 812 000-00-01"], "vip_tier": 2, "external_ref": "CRM-1"},
                           headers=cc.supervisor.auth)
    assert patched.status_code == 200, patched.text
    assert patched.json()["phones"] == ["+78120000001"] and patched.json()["emails"] == customer["emails"]
    assert patched.json()["vip_tier"] == 2 and patched.json()["external_ref"] == "CRM-1"
    cleared = client.patch(path, json={"external_ref": None}, headers=cc.agent.auth)
    assert cleared.json()["external_ref"] is None
    assert client.patch(path, json={"full_name": None}, headers=cc.agent.auth).status_code == 422


def test_customer_rules(cc, client):
    body = {"full_name": "Olga", "phones": ["+74950000000"]}
    assert client.post(V1 + "/customers", json=body, headers=cc.qa.auth).status_code == 403
    assert client.get(V1 + "/customers", headers=cc.pbx.auth).status_code == 403
    assert client.get(V1 + "/customers/1", headers=cc.pbx.auth).status_code == 403
    assert client.patch(V1 + "/customers/1", json={"vip_tier": 1}, headers=cc.qa.auth).status_code == 403
    for field, value in (("phones", ["not a phone"]), ("phones", ["12"]), ("emails", ["nobody"]),
                         ("vip_tier", 11), ("language", "Russian"), ("full_name", "")):
        response = client.post(V1 + "/customers", json={**body, field: value}, headers=cc.agent.auth)
        assert response.status_code == 422 and field in fields_named(response), (field, value, response.text)
    assert client.post(V1 + "/customers", json={**body, "client_id": 999_999}, headers=cc.agent.auth).status_code == 404
    new_customer(cc, client, external_ref="CRM-7")
    assert client.post(V1 + "/customers", json={**body, "external_ref": "CRM-7"},
                       headers=cc.agent.auth).status_code == 409
    assert client.get(V1 + "/customers/999999", headers=cc.agent.auth).status_code == 404
    assert client.patch(V1 + "/customers/999999", json={"vip_tier": 1}, headers=cc.agent.auth).status_code == 404


# --- policies -----------------------------------------------------------------------------------


def test_policies_of_a_customer(cc, client):
    customer = new_customer(cc, client)
    path = f"{V1}/customers/{customer['id']}/policies"
    body = {"number": "XXX0000000001", "product_line": "osago", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
            "insured_objects": [{"plate": "A123BC77"}]}
    created = client.post(path, json=body, headers=cc.agent.auth)
    assert created.status_code == 201, created.text
    policy = created.json()
    assert policy["client_id"] == cc.client.id and policy["status"] == "active"
    assert client.get(path, headers=cc.qa.auth).json() == [policy]
    assert client.get(f"{V1}/customers/{customer['id']}", headers=cc.agent.auth).json()["policies"] == [policy]
    assert client.get(V1 + "/policies", params={"number": "XXX0000000001"}, headers=cc.agent.auth).json() == [policy]
    assert client.get(V1 + "/policies", params={"number": "nope"}, headers=cc.agent.auth).json() == []
    assert client.post(path, json=body, headers=cc.agent.auth).status_code == 409


def test_policy_rules(cc, client, make):
    customer = new_customer(cc, client, client_id=None)
    path = f"{V1}/customers/{customer['id']}/policies"
    body = {"number": "DMS-1", "product_line": "dms"}
    assert client.post(path, json=body, headers=cc.agent.auth).status_code == 422  # no client to default to
    assert client.post(path, json={**body, "client_id": 999_999}, headers=cc.agent.auth).status_code == 404
    other = make.client("balt")
    assert client.post(path, json={**body, "client_id": other.id}, headers=cc.agent.auth).status_code == 201
    assert client.post(path, json={**body, "client_id": other.id}, headers=cc.qa.auth).status_code == 403
    backwards = client.post(path, json={**body, "client_id": other.id, "number": "DMS-2", "starts_on": "2026-02-01",
                                        "ends_on": "2026-01-01"}, headers=cc.agent.auth)
    assert backwards.status_code == 422
    bad_line = client.post(path, json={**body, "product_line": "pets"}, headers=cc.agent.auth)
    assert bad_line.status_code == 422 and "product_line" in fields_named(bad_line)
    assert client.post(V1 + "/customers/999999/policies", json=body, headers=cc.agent.auth).status_code == 404
    assert client.get(V1 + "/customers/999999/policies", headers=cc.agent.auth).status_code == 404
    assert client.get(V1 + "/policies", params={"number": "DMS-1"}, headers=cc.pbx.auth).status_code == 403
    assert client.get(V1 + "/policies", headers=cc.agent.auth).status_code == 422


# --- quality evaluations ------------------------------------------------------------------------


def handled_call(cc, make, clock, *, queue=None, agent=None, answered=True):
    now = clock()
    call = m.Interaction(client_id=cc.client.id, channel="voice", state="completed" if answered else "abandoned",
                         queue_id=(queue or cc.osago_queue).id, agent_id=(agent or cc.agent.agent).id,
                         created_at=now - timedelta(minutes=5), queued_at=now - timedelta(minutes=5),
                         answered_at=now - timedelta(minutes=4) if answered else None, ended_at=now)
    with make.uow() as uow:
        uow.session.add(call)
        uow.commit()
    return call


def test_qa_evaluates_a_handled_interaction(cc, client, make, clock):
    call = handled_call(cc, make, clock)
    body = {"interaction_id": call.id, "score": 92.5, "critical_error": False, "comment": "Polite, complete"}
    created = client.post(V1 + "/quality/evaluations", json=body, headers=cc.qa.auth)
    assert created.status_code == 201, created.text
    evaluation = created.json()
    assert evaluation["evaluator_user_id"] == cc.qa.user.id and evaluation["score"] == 92.5
    clock.advance(60)
    second = client.post(V1 + "/quality/evaluations", json={**body, "score": 40, "critical_error": True},
                         headers=cc.admin.auth).json()
    listed = client.get(V1 + "/quality/evaluations", params={"interaction_id": call.id}, headers=cc.supervisor.auth)
    assert listed.status_code == 200 and [e["id"] for e in listed.json()] == [second["id"], evaluation["id"]]
    assert client.get(V1 + "/quality/evaluations", headers=cc.spb_supervisor.auth).json() == []
    by_agent = client.get(V1 + "/quality/evaluations", params={"agent_id": cc.colleague.agent.id}, headers=cc.qa.auth)
    assert by_agent.json() == []


def test_quality_rules(cc, client, make, clock):
    call = handled_call(cc, make, clock)
    body = {"interaction_id": call.id, "score": 80}
    for who in (cc.agent, cc.supervisor, cc.pbx):
        assert client.post(V1 + "/quality/evaluations", json=body, headers=who.auth).status_code == 403
    for who in (cc.agent, cc.pbx):
        assert client.get(V1 + "/quality/evaluations", headers=who.auth).status_code == 403
    over = client.post(V1 + "/quality/evaluations", json={**body, "score": 101}, headers=cc.qa.auth)
    assert over.status_code == 422 and "score" in fields_named(over)
    unknown = client.post(V1 + "/quality/evaluations", json={**body, "interaction_id": 999_999}, headers=cc.qa.auth)
    assert unknown.status_code == 404
    abandoned = handled_call(cc, make, clock, answered=False)
    unhandled = client.post(V1 + "/quality/evaluations", json={**body, "interaction_id": abandoned.id},
                            headers=cc.qa.auth)
    assert unhandled.status_code == 422
    huge = client.post(V1 + "/quality/evaluations", json={**body, "interaction_id": 2**64}, headers=cc.qa.auth)
    assert huge.status_code == 422 and "interaction_id" in fields_named(huge)
