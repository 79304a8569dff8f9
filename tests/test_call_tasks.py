"""Outbound call tasks: supervisors create them, agents take the next one and record attempts."""

import threading
from datetime import timedelta

from sqlalchemy import select

from helpline.adapters.db.models import CallTask, Event, Interaction
from helpline.services import call_tasks
from helpline.services.call_task_schemas import CreateCallTask, TaskKind


def create(cc, client, who=None, **body):
    body = {"kind": "survey_callback", "phone": "+74951234567", "client_id": cc.client.id, **body}
    return client.post("/api/v1/call-tasks", json=body, headers=(who or cc.supervisor).auth)


def created(cc, client, **body):
    response = create(cc, client, **body)
    assert response.status_code == 201, response.text
    return response.json()


def take(cc, client, who):
    return client.post("/api/v1/call-tasks/next", headers=who.auth)


def attempt(cc, client, who, task_id, **body):
    return client.post(f"/api/v1/call-tasks/{task_id}/attempts", json=body, headers=who.auth)


def test_a_reached_call_back_is_an_outbound_call_with_its_events(cc, client, uow, clock, make):
    customer = make.customer(phones=["+74951234567"])
    task = created(cc, client, kind="complaint_callback", customer_id=customer.id, reason="complaint 17: call back")
    assert task["status"] == "open" and task["site_id"] == cc.moscow.id  # a site supervisor's task stays on site
    taken = take(cc, client, cc.agent)
    assert taken.status_code == 200 and taken.json()["status"] == "in_progress"
    assert taken.json()["taken_by_agent_id"] == cc.agent.agent.id
    clock.advance(300)
    done = attempt(cc, client, cc.agent, task["id"], result="reached", talk_s=120, notes="apologised; refund agreed")
    assert done.status_code == 200, done.text
    done = done.json()
    assert (done["status"], done["attempts"], done["last_result"]) == ("done", 1, "reached")
    assert done["completed_at"] is not None and "refund" in done["notes"]
    call = uow.session.get(Interaction, done["interaction_id"])
    assert (call.channel, call.direction, call.state, call.agent_id) == ("voice", "out", "completed", cc.agent.agent.id)
    assert call.customer_id == customer.id and call.from_address == "+74951234567"
    events = uow.session.scalars(select(Event).where(Event.interaction_id == call.id).order_by(Event.seq)).all()
    assert [e.type for e in events] == ["received", "answered", "completed", "wrap_up_ended"]
    assert events[-1].data["talk_s"] == 120.0
    assert {e.actor_user_id for e in events} == {cc.agent.user.id}


def test_no_answer_schedules_the_next_attempt_until_the_maximum(cc, client, clock):
    task = created(cc, client, max_attempts=2)
    take(cc, client, cc.agent)
    again = attempt(cc, client, cc.agent, task["id"], result="no_answer", retry_after_s=600).json()
    assert again["status"] == "open" and again["attempts"] == 1
    assert again["next_attempt_at"].startswith((clock.now + timedelta(seconds=600)).isoformat()[:19])
    assert again["interaction_id"] is None
    assert take(cc, client, cc.agent).status_code == 204  # not due again yet
    clock.advance(601)
    assert take(cc, client, cc.colleague).json()["id"] == task["id"]  # anyone on the site may try next
    failed = attempt(cc, client, cc.colleague, task["id"], result="busy").json()
    assert (failed["status"], failed["attempts"], failed["last_result"]) == ("failed", 2, "busy")


def test_call_back_later_and_the_closing_results(cc, client, clock):
    later = created(cc, client)
    take(cc, client, cc.agent)
    when = (clock.now + timedelta(hours=3)).isoformat()
    back = attempt(cc, client, cc.agent, later["id"], result="call_back_later", call_back_at=when, talk_s=20).json()
    assert back["status"] == "open" and back["next_attempt_at"].startswith(when[:19])
    assert back["interaction_id"] is not None  # someone answered: it was a conversation
    refused = created(cc, client)
    wrong = created(cc, client)
    for task, result in ((refused, "refused"), (wrong, "wrong_number")):
        assert take(cc, client, cc.agent).json()["id"] == task["id"]
        assert attempt(cc, client, cc.agent, task["id"], result=result).json()["status"] == "failed"


def test_bad_attempts_are_refused(cc, client, clock):
    task = created(cc, client)
    assert attempt(cc, client, cc.agent, task["id"], result="reached").status_code == 404  # not taken by them
    take(cc, client, cc.agent)
    assert attempt(cc, client, cc.colleague, task["id"], result="reached").status_code == 404
    no_time = attempt(cc, client, cc.agent, task["id"], result="call_back_later")
    assert no_time.status_code == 422 and "call_back_at" in no_time.text
    past = attempt(cc, client, cc.agent, task["id"], result="call_back_later",
                   call_back_at=(clock.now - timedelta(hours=1)).isoformat())
    assert past.status_code == 422 and "future" in past.text
    assert attempt(cc, client, cc.agent, task["id"], result="teleported").status_code == 422
    assert attempt(cc, client, cc.agent, task["id"], result="reached").status_code == 200
    assert attempt(cc, client, cc.agent, task["id"], result="reached").status_code == 409  # closed


def test_agents_get_only_tasks_due_for_them(cc, client, clock, make):
    spb_agent_user = make.user("agent")
    spb_agent = make.agent(site=cc.spb, user=spb_agent_user, skills={cc.osago: 5})
    later = created(cc, client, due_at=(clock.now + timedelta(hours=1)).isoformat())
    skilled = created(cc, client, skill="osago", priority=5)
    pinned = created(cc, client, assigned_agent_id=cc.colleague.agent.id, priority=9)
    listing = client.get("/api/v1/call-tasks/mine", headers=cc.agent.auth).json()
    assert [t["id"] for t in listing] == [skilled["id"]]  # not the later one, not the colleague's
    assert take(cc, client, cc.colleague).json()["id"] == pinned["id"]  # priority first
    spb = {"Authorization": f"Bearer {make.token(spb_agent_user)}"}
    assert client.post("/api/v1/call-tasks/next", headers=spb).status_code == 204  # a Moscow task
    assert spb_agent.id
    clock.advance(3601)
    assert take(cc, client, cc.agent).json()["id"] == skilled["id"]
    assert take(cc, client, cc.agent).json()["id"] == later["id"]
    mine = client.get("/api/v1/call-tasks/mine", headers=cc.agent.auth).json()
    assert {t["id"] for t in mine} == {skilled["id"], later["id"]} and mine[0]["status"] == "in_progress"


def test_two_agents_never_get_the_same_task(cc, container, make):
    with container.uow() as uow:
        call_tasks.create(uow, make.actor(cc.admin.user), [
            CreateCallTask(kind=TaskKind.SURVEY_CALLBACK, phone=f"+7495000000{i}", client_id=cc.client.id)
            for i in range(6)])
    agents = [make.actor(p.user) for p in (cc.agent, cc.colleague)]
    got: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        start.wait()
        with container.uow() as uow:
            while (task := call_tasks.take_next(uow, agents[index])) is not None:
                got[index].append(task.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(got[0] + got[1]) == sorted(set(got[0] + got[1])) and len(got[0] + got[1]) == 6
    with container.uow() as uow:
        rows = uow.session.scalars(select(CallTask)).all()
        owners = {t.id: t.taken_by_agent_id for t in rows}
    assert all(owners[i] == agents[0].agent_id for i in got[0]) and all(owners[i] == agents[1].agent_id for i in got[1])


def test_supervisors_list_filter_and_see_completion(cc, client, clock):
    tasks = [created(cc, client, kind="survey_callback") for _ in range(3)]
    complaint = created(cc, client, kind="complaint_callback")
    for result in ("reached", "reached", "wrong_number"):
        task = take(cc, client, cc.agent).json()
        attempt(cc, client, cc.agent, task["id"], result=result)
    cancelled = client.post(f"/api/v1/call-tasks/{complaint['id']}/cancel", headers=cc.supervisor.auth).json()
    assert cancelled["status"] == "cancelled"
    done = client.get("/api/v1/call-tasks", params={"status": "done"}, headers=cc.supervisor.auth).json()
    assert {t["id"] for t in done} <= {t["id"] for t in tasks} and len(done) == 2
    by_kind = {s["kind"]: s for s in client.get("/api/v1/call-tasks/stats", headers=cc.supervisor.auth).json()}
    survey = by_kind["survey_callback"]
    assert survey["total"] == 3 and survey["by_status"]["done"] == 2 and survey["completion_rate"] == round(2 / 3, 4)
    assert survey["attempts_per_done"] == 1.0
    assert by_kind["complaint_callback"]["by_status"]["cancelled"] == 1
    assert client.get("/api/v1/call-tasks", headers=cc.spb_supervisor.auth).json() == []  # Moscow's tasks


def test_creating_many_is_all_or_none(cc, client, uow):
    good = {"kind": "survey_callback", "phone": "+74951234567", "client_id": cc.client.id}
    response = client.post("/api/v1/call-tasks/batch", json={"tasks": [good, {**good, "case_id": 999}]},
                           headers=cc.supervisor.auth)
    assert response.status_code == 404 and uow.session.scalars(select(CallTask)).all() == []
    response = client.post("/api/v1/call-tasks/batch", json={"tasks": [good, good]}, headers=cc.supervisor.auth)
    assert response.status_code == 201 and len(response.json()) == 2
    assert create(cc, client, phone="call me").status_code == 422
    assert create(cc, client, kind="sales").status_code == 422
    assert create(cc, client, client_id=None).status_code == 422


def test_wrong_roles_are_refused(cc, client):
    task = created(cc, client)
    assert create(cc, client, who=cc.agent).status_code == 403
    assert create(cc, client, who=cc.qa).status_code == 403
    assert create(cc, client, who=cc.pbx).status_code == 403
    assert client.get("/api/v1/call-tasks", headers=cc.agent.auth).status_code == 403
    assert client.get("/api/v1/call-tasks/stats", headers=cc.pbx.auth).status_code == 403
    assert client.post(f"/api/v1/call-tasks/{task['id']}/cancel", headers=cc.agent.auth).status_code == 403
    assert client.post("/api/v1/call-tasks/next", headers=cc.qa.auth).status_code == 403
    assert client.post("/api/v1/call-tasks/next", headers=cc.pbx.auth).status_code == 403
    assert client.post("/api/v1/call-tasks/next").status_code == 401
    assert client.post("/api/v1/call-tasks/next", headers=cc.supervisor.auth).status_code == 403  # no agent record
