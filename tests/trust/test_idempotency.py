"""Idempotency and concurrency: a retried submission creates nothing new, an id reused with other
content is refused clearly, and two people working on one case never overwrite each other silently
(scripted interleavings: moto is not for threads, and a script makes the order the point)."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from tests.journey import Journey, needs
from tests.trust.conftest import StaffSession
from throughgate.domain.errors import AlreadyApplied, Conflict
from throughgate_local.api_client import ApiClient

pytestmark = pytest.mark.trust

CONSENT = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}


def _timeline_kinds(journey: Journey) -> list[str]:
    return [e["kind"] for e in journey.view()["timeline"]]


def _referred(journey: Journey) -> str:
    from tests.journey import referral

    response = journey.coordinator.post("/referrals", referral())
    assert response.status == 201
    journey.case_id = response.body["case_id"]
    return journey.case_id


def _matched(journey: Journey) -> tuple[str, str]:
    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high")
    return journey.case_id, journey.view()["tasks"][0]["task_key"]


def test_an_api_retry_with_the_same_key_creates_nothing_new(journey: Journey) -> None:
    journey.refer_and_consent(days=30)
    case_id, body = journey.case_id, needs(accommodation="high")
    first = journey.coordinator.post(f"/cases/{case_id}/assessment", body, idempotency_key="key-assess-1")
    again = journey.coordinator.post(f"/cases/{case_id}/assessment", body, idempotency_key="key-assess-1")
    assert first.status == 200 and first.body["stage"] == "assessed"
    assert again.status == 200 and again.body == {"case_id": case_id, "replayed": True}
    assert _timeline_kinds(journey).count("assessed") == 1


def test_the_same_key_with_a_different_body_is_refused(journey: Journey) -> None:
    journey.refer_and_consent(days=30)
    case_id = journey.case_id
    sent = journey.coordinator.post(
        f"/cases/{case_id}/assessment", needs(accommodation="high"), idempotency_key="key-12345678"
    )
    assert sent.status == 200
    reused = journey.coordinator.post(
        f"/cases/{case_id}/assessment", needs(health="urgent"), idempotency_key="key-12345678"
    )
    assert reused.status == 409
    assert reused.body["error"] == "id_reused"
    assert "different" in reused.body["message"]
    assert _timeline_kinds(journey).count("assessed") == 1
    levels = {n["area"]: n["entry_level"] for n in journey.view()["needs"]}
    assert (levels["accommodation"], levels["health"]) == ("high", "none"), "the first answers stand"


def test_consent_sent_twice_starts_one_workflow(journey: Journey) -> None:
    """Consent is idempotent by the case's state, so a retry also restarts a workflow that failed
    to start; the same consent again is a retry, a different one is refused."""
    case_id = _referred(journey)
    assert journey.coordinator.post(f"/cases/{case_id}/consent", CONSENT).status == 200
    assert journey.coordinator.post(f"/cases/{case_id}/consent", CONSENT).status == 200
    other = journey.coordinator.post(f"/cases/{case_id}/consent", {**CONSENT, "data_sharing": False})
    assert other.status == 409 and other.body["error"] == "illegal_transition"
    assert _timeline_kinds(journey).count("consent_recorded") == 1
    assert len(journey.executions()) == 1


def test_an_api_form_without_a_key_is_refused_and_changes_nothing(journey: Journey) -> None:
    case_id = _referred(journey)
    from throughgate_local.api_client import proxy_event

    event = proxy_event("POST", f"/cases/{case_id}/consent", CONSENT, ("coordinator-0001", "coordinator"))
    response = journey.stack.invoke("Api", event)
    assert response["statusCode"] == 400
    assert "Idempotency-Key" in response["body"]
    assert journey.view()["stage"] == "referred"


def test_a_referral_honours_its_idempotency_key(journey: Journey) -> None:
    """The key is the referral's submission id: required, the same key again is the same referral,
    the same key with another client is refused, and a body may not name another id."""
    from tests.journey import referral
    from throughgate_local.api_client import proxy_event

    body = referral()
    del body["submission_id"]
    event = proxy_event("POST", "/referrals", body, ("coordinator-0001", "coordinator"))
    assert journey.stack.invoke("Api", event)["statusCode"] == 400, "no key, no referral"

    first = journey.coordinator.post("/referrals", body, idempotency_key="referral-0001")
    again = journey.coordinator.post("/referrals", body, idempotency_key="referral-0001")
    assert (first.status, again.status) == (201, 200)
    assert again.body == {"case_id": first.body["case_id"], "created": False}

    other_client = {**body, "client": {**body["client"], "prison_number": "A0009ZZ"}}
    reused = journey.coordinator.post("/referrals", other_client, idempotency_key="referral-0001")
    assert reused.status == 409

    contradicting = {**other_client, "submission_id": "referral-0002"}
    refused = journey.coordinator.post("/referrals", contradicting, idempotency_key="referral-0003")
    assert refused.status == 422
    assert refused.body["fields"] == [
        {"field": "submission_id", "message": "must be the same as the Idempotency-Key header, or left out"}
    ]

    separate = journey.coordinator.post("/referrals", other_client, idempotency_key="referral-0004")
    assert separate.status == 201 and separate.body["case_id"] != first.body["case_id"]


def _task_form(session: StaffSession, case_id: str, task_key: str) -> dict[str, str]:
    """What the task page's form would send back: its hidden fields."""
    page = session.web("GET", f"/cases/{case_id}/tasks/{task_key}")
    assert page.status == 200
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.body))
    hidden.pop("csrf_token")
    return hidden


def test_a_double_click_saves_once(journey: Journey) -> None:
    case_id, task_key = _matched(journey)
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    form = {**_task_form(mentor, case_id, task_key), "status": "in_progress", "note": "Called the council"}
    first = mentor.web("POST", f"/cases/{case_id}/tasks/{task_key}", form)
    second = mentor.web("POST", f"/cases/{case_id}/tasks/{task_key}", form)
    assert first.status == second.status == 303
    assert first.headers["location"] == second.headers["location"]
    assert _timeline_kinds(journey).count("task_updated") == 1


def test_the_same_form_sent_again_with_other_answers_is_shown_back_not_lost(journey: Journey) -> None:
    case_id, task_key = _matched(journey)
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    form = _task_form(mentor, case_id, task_key)
    saved = mentor.web("POST", f"/cases/{case_id}/tasks/{task_key}", {**form, "status": "in_progress"})
    assert saved.status == 303
    changed = {**form, "status": "done", "note": "Tenancy signed at 10 Example Road"}
    refused = mentor.web("POST", f"/cases/{case_id}/tasks/{task_key}", changed)
    assert refused.status == 409
    assert "this form had already been sent with different answers" in refused.body
    assert html.escape("Tenancy signed at 10 Example Road") in refused.body, "nothing typed is lost"
    assert f'value="{form["submission_id"]}"' not in refused.body, "a fresh id, so sending again saves"
    assert _timeline_kinds(journey).count("task_updated") == 1


def test_two_people_on_one_task_the_second_is_told_and_keeps_their_note(journey: Journey) -> None:
    """Mentor and coordinator open the same task; the coordinator saves first."""
    case_id, task_key = _matched(journey)
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    coordinator = StaffSession(journey.stack, "coordinator-0001", "coordinator")
    mentor_form = _task_form(mentor, case_id, task_key)
    coordinator_form = _task_form(coordinator, case_id, task_key)
    assert mentor_form["seen_updates"] == coordinator_form["seen_updates"] == "0"

    first = {**coordinator_form, "status": "in_progress", "note": "Waiting for the housing panel"}
    assert coordinator.web("POST", f"/cases/{case_id}/tasks/{task_key}", first).status == 303
    second = {**mentor_form, "status": "done", "note": "Keys collected with the client"}
    response = mentor.web("POST", f"/cases/{case_id}/tasks/{task_key}", second)

    assert response.status == 409
    assert "someone else changed this case while you were working on it" in response.body
    assert "Keys collected with the client" in response.body
    task = next(t for t in journey.view()["tasks"] if t["task_key"] == task_key)
    assert task["status"] == "in_progress", "the first save stands; the second overwrote nothing"
    assert _form_count(response.body, "seen_updates") == "1", "resubmitting now applies on top"


def _form_count(body: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert match
    return match.group(1)


def test_two_coordinators_at_one_gate_the_second_is_told_and_keeps_their_answers(journey: Journey) -> None:
    """Both open the consent form of a new referral; the first to submit wins."""
    case_id = _referred(journey)
    first, second = (StaffSession(journey.stack, f"coordinator-000{n}", "coordinator") for n in (1, 2))
    forms = []
    for session in (first, second):
        page = session.web("GET", f"/cases/{case_id}/consent")
        forms.append(dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.body)))
    answers = {
        "consent_given": "yes",
        "lawful_basis": "public_task",
        "data_sharing": "yes",
        "step": "confirm",
    }
    for form in forms:
        form.pop("csrf_token")
    assert first.web("POST", f"/cases/{case_id}/consent", {**forms[0], **answers}).status == 303
    late = second.web("POST", f"/cases/{case_id}/consent", {**forms[1], **answers, "data_sharing": "no"})
    assert late.status == 409
    assert "this step has already been done, or the case has moved on" in late.body
    assert re.search(r'name="data_sharing"[^>]*value="no"[^>]*checked', late.body), "their answer is kept"
    assert _timeline_kinds(journey).count("consent_recorded") == 1


def test_two_writers_from_one_version_the_second_commit_writes_nothing(journey: Journey) -> None:
    """The store's own guard, below the forms: both load version n; only one may write n+1."""
    from dataclasses import replace

    from throughgate import clock
    from throughgate.domain.case import TimelineEvent
    from throughgate.store.changes import Changes
    from throughgate.store.repository import CaseStore

    case_id = _referred(journey)
    store = CaseStore()
    mine, theirs = store.get_case(case_id), store.get_case(case_id)
    assert mine.version == theirs.version

    def note(kind: str) -> TimelineEvent:
        return TimelineEvent(at=clock.now(), kind=kind, actor="coordinator:coordinator-0001")

    store.commit(Changes(case=replace(mine, prison="BMI")).add(note("first_writer")), clock.now())
    with pytest.raises(Conflict):
        store.commit(Changes(case=replace(theirs, prison="HMI")).add(note("second_writer")), clock.now())
    kinds = _timeline_kinds(journey)
    assert "first_writer" in kinds and "second_writer" not in kinds
    assert journey.view()["prison"] == "BMI"


def test_the_same_submission_racing_itself_is_saved_once(journey: Journey) -> None:
    """Both copies pass the 'already saved?' check before either commits; the marker decides."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case_steps import Role
    from throughgate.logic import actions
    from throughgate.logic.ports import Actor
    from throughgate.schemas import TaskUpdateIn

    case_id, task_key = _matched(journey)
    deps, mentor = aws_deps(), Actor("mentor-0001", Role.MENTOR)
    form = TaskUpdateIn.model_validate_json('{"status": "in_progress", "note": "Same click, twice"}')
    submission = f"sub-{uuid.uuid4().hex[:12]}"
    assert not actions.already_saved(deps, case_id, submission, form)
    actions.update_task(deps, mentor, case_id, task_key, form, submission_id=submission)
    with pytest.raises(AlreadyApplied):
        actions.update_task(deps, mentor, case_id, task_key, form, submission_id=submission)
    assert _timeline_kinds(journey).count("task_updated") == 1
    assert ApiClient(journey.stack, "mentor-0001", "mentor").get(f"/cases/{case_id}").status == 200
