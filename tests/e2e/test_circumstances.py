"""Changes of circumstance and the awkward paths of a case, through the real ASL on the local stack:
side exits, prison events good and bad, overdue tasks, stale forms and a full mentor."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.journey import Journey, needs, referral
from throughgate.domain.catalogue import load_programme
from throughgate_local.mentors import enrolled
from throughgate_local.stack import SCHEDULE_GROUP, LocalStack

pytestmark = pytest.mark.e2e


def _schedules(stack: LocalStack) -> list[str]:
    found = stack.client("scheduler").list_schedules(GroupName=SCHEDULE_GROUP)["Schedules"]
    return sorted(s["Name"] for s in found)


def _change(kind: str, event_id: str, **fields: Any) -> dict[str, Any]:
    return {"change": {"type": kind, "event_id": event_id, **fields}}


def _deliver_until_empty(stack: LocalStack) -> list[str]:
    """Lambda's SQS trigger keeps retrying a failing message; returns each failed delivery's answer."""
    stack.delivery_errors.clear()
    stack.deliver_prison_events()
    return [json.dumps(error) for error in stack.delivery_errors]


# -- consent -----------------------------------------------------------------------------------------
def test_consent_refused_at_the_form_ends_the_case_and_frees_the_prison_number(journey: Journey) -> None:
    j = journey
    response = j.ok(j.coordinator.post("/referrals", referral()))
    j.case_id = response.body["case_id"]
    refused = {"consent_given": False, "lawful_basis": "consent", "data_sharing": False}
    answer = j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", refused))
    assert answer.body["stage"] == "consent_withdrawn"

    state = j.view()
    assert state["stage"] == "consent_withdrawn"
    assert state["waiting_for"] is None
    assert j.stack.executions() == [], "no workflow for a client who said no"

    again = j.coordinator.post("/referrals", referral(submission_id="sub-00000002"))
    assert again.status == 201, again
    assert again.body["case_id"] != j.case_id
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    assert j.coordinator.post(f"/cases/{again.body['case_id']}/consent", consent).status == 200
    assert j.coordinator.get(f"/cases/{again.body['case_id']}").body["stage"] == "consented"
    assert j.view()["stage"] == "consent_withdrawn", "the refused case stays as it was"


# -- transfer --------------------------------------------------------------------------------------
def test_a_transfer_changes_the_prison_and_nothing_else(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    before = j.view()
    assert before["prison"] == "BXI"
    assert before["waiting_for"] == "assessment"
    executions = j.executions()
    assert executions == {f"{j.case_id}-r1": "RUNNING"}

    j.stack.send_prison_event(
        {"prison_number": "A0001AA", **_change("transferred", "evt-transfer-0001", prison="WWI")}
    )
    assert j.stack.deliver_prison_events() == 1
    after = j.view()
    assert after["prison"] == "WWI"
    assert after["stage"] == before["stage"]
    assert after["waiting_for"] == before["waiting_for"]
    assert after["release_on"] == before["release_on"]
    assert j.executions() == executions, "the same execution carries on"
    assert j.stack.dead_letters() == []

    # The workflow still takes the form it was waiting for.
    j.assess_and_match(accommodation="medium")
    assert j.view()["stage"] == "pre_release"


# -- side exits ------------------------------------------------------------------------------------
def test_disengaged_after_release_stops_the_plan_but_the_client_is_still_measured(journey: Journey) -> None:
    j = journey
    j.released(accommodation="high", health="low")
    j.check_ins(count=2)
    open_before = [t["task_key"] for t in j.view()["tasks"] if t["status"] in ("open", "in_progress")]
    assert open_before, "post-release tasks are still open"
    assert _schedules(j.stack) == [f"outcome-{j.case_id}"]

    response = j.coordinator.post(f"/cases/{j.case_id}/circumstances", _change("disengaged", "evt-dis-0001"))
    assert response.status == 200, response
    state = j.view()
    assert state["stage"] == "disengaged"
    assert state["waiting_for"] is None
    assert j.executions() == {f"{j.case_id}-r1": "ABORTED"}
    assert j.stack.executions("RUNNING") == []
    tasks = {t["task_key"]: t["status"] for t in state["tasks"]}
    assert all(tasks[key] == "not_needed" for key in open_before), tasks
    assert _schedules(j.stack) == [f"outcome-{j.case_id}"], "a disengaged client is still measured"

    released_on = date.fromisoformat(state["first_released_on"])
    j.advance_to(datetime.combine(released_on + timedelta(days=550), datetime.min.time(), UTC))
    assert j.stack.fire_due_schedules() == 1
    assert "outcome_due" in j.view()["open_escalations"]
    outcome = {"proven_reoffending": True, "housed": False, "in_work_or_training": False}
    assert j.coordinator.post(f"/cases/{j.case_id}/outcome", outcome).status == 200
    state = j.view()
    assert state["stage"] == "outcome_recorded"
    assert "outcome_due" not in state["open_escalations"]


@pytest.mark.parametrize(
    ("kind", "via_feed", "released"),
    [("consent_withdrawn", False, True), ("died", True, True), ("died", True, False)],
)
def test_consent_withdrawn_or_died_stops_everything_and_cancels_the_outcome(
    journey: Journey, kind: str, via_feed: bool, released: bool
) -> None:
    j = journey
    if released:
        j.released(accommodation="medium")
        assert _schedules(j.stack) == [f"outcome-{j.case_id}"]
    else:
        j.refer_and_consent(days=30)
        j.assess_and_match(accommodation="medium")
        assert _schedules(j.stack) == []
    assert j.executions() == {f"{j.case_id}-r1": "RUNNING"}

    change = _change(kind, f"evt-{kind.replace('_', '-')}-0001")
    if via_feed:
        j.stack.send_prison_event({"prison_number": "A0001AA", **change})
        assert j.stack.deliver_prison_events() == 1
    else:
        assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200

    state = j.view()
    assert state["stage"] == kind
    assert state["waiting_for"] is None
    assert j.executions() == {f"{j.case_id}-r1": "ABORTED"}
    assert j.stack.executions("RUNNING") == []
    assert all(t["status"] in ("done", "not_needed") for t in state["tasks"])
    assert _schedules(j.stack) == [], "no outcome follow-up for this client"
    assert j.stack.dead_letters() == []


# -- new sentence and recall before release ---------------------------------------------------------
def test_a_new_sentence_before_release_moves_the_release_date(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=40)
    j.assess_and_match(accommodation="medium", licence="low")
    before = j.view()
    due_before = {t["task_key"]: t["due_on"] for t in before["tasks"]}

    no_date = j.coordinator.post(
        f"/cases/{j.case_id}/circumstances", _change("new_sentence", "evt-sent-0001")
    )
    assert no_date.status == 422, no_date
    assert [f["field"] for f in no_date.body["fields"]] == ["new_release_on"]
    unchanged = j.view()
    assert unchanged["release_on"] == before["release_on"]
    assert j.executions() == {f"{j.case_id}-r1": "RUNNING"}

    new_release = j.release_on() + timedelta(days=30)
    with_date = _change("new_sentence", "evt-sent-0002", new_release_on=new_release.isoformat())
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", with_date).status == 200
    state = j.view()
    assert state["release_on"] == new_release.isoformat()
    assert state["stage"] == "pre_release"
    for task in state["tasks"]:
        moved = date.fromisoformat(task["due_on"]) - date.fromisoformat(due_before[task["task_key"]])
        assert moved.days == 30, task["task_key"]
    assert j.executions() == {f"{j.case_id}-r1": "ABORTED", f"{j.case_id}-r2": "RUNNING"}

    old_review = datetime.combine(
        date.fromisoformat(before["release_on"]) - timedelta(days=3), datetime.min.time(), UTC
    )
    j.advance_to(old_review + timedelta(hours=12))
    assert j.view()["waiting_for"] is None, "the old readiness review no longer applies"


def test_a_recall_before_release_is_refused_and_changes_nothing(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=40)
    j.assess_and_match(accommodation="high")
    before = j.view()
    assert before["stage"] == "pre_release"

    response = j.coordinator.post(f"/cases/{j.case_id}/circumstances", _change("recalled", "evt-recall-0001"))
    assert response.status == 409, response
    assert response.body["error"] == "illegal_transition"

    after = j.view()
    for key in ("stage", "waiting_for", "release_on", "mentor_id", "tasks", "open_escalations"):
        assert after[key] == before[key], key
    assert j.executions() == {f"{j.case_id}-r1": "RUNNING"}


# -- the prison-events feed ------------------------------------------------------------------------
def test_malformed_and_unknown_prison_events_end_in_the_dead_letter_queue(journey: Journey) -> None:
    from throughgate.handlers.prison_events import logger as feed_log

    j = journey
    j.refer_and_consent(days=30)
    before = j.view()
    malformed = {
        "prison_number": "bad-number-XYZ",
        "change": {"type": "teleported", "event_id": "evt-bad-0001"},
    }
    unknown = {"prison_number": "Z9999ZZ", **_change("transferred", "evt-unknown-0001", prison="WWI")}

    for message, secrets in ((malformed, ("bad-number-XYZ", "teleported")), (unknown, ("Z9999ZZ",))):
        j.stack.send_prison_event(message)
        lines = io.StringIO()
        stream = feed_log.registered_handler.setStream(lines)
        try:
            failures = _deliver_until_empty(j.stack)
        finally:
            feed_log.registered_handler.setStream(stream)
        assert len(failures) == 3, "tried maxReceiveCount times, then moved aside"
        refusals = [line for line in lines.getvalue().splitlines() if "prison event refused" in line]
        assert len(refusals) == 3, "each refusal is logged, by error type and field names"
        for text in failures + refusals:
            for value in secrets:
                assert value not in text, f"the rejected value {value} is in the error text"
        [dead] = j.stack.dead_letters()
        assert {k: v for k, v in dead.items() if k != "occurred_at"} == message

    after = j.view()
    assert (after["stage"], after["prison"], after["waiting_for"]) == (
        before["stage"],
        before["prison"],
        before["waiting_for"],
    )


# -- overdue tasks ---------------------------------------------------------------------------------
def test_an_overdue_critical_task_is_chased_then_escalated_once(journey: Journey) -> None:
    j = journey
    settings = load_programme()
    j.refer_and_consent(days=40)
    j.assess_and_match(gangs_peers="low")
    tasks = {t["task_key"]: t for t in j.view()["tasks"]}
    critical = next(t for t in tasks.values() if t["critical"])
    early = next(t for t in tasks.values() if not t["critical"])
    critical_due = date.fromisoformat(critical["due_on"])
    early_due = date.fromisoformat(early["due_on"])
    assert critical_due > j.stack.clock.now().date(), "nothing is overdue yet"
    body = {"status": "done", "note": "Done ahead of time"}
    assert j.mentor.post(f"/cases/{j.case_id}/tasks/{early['task_key']}", body).status == 200
    j.stack.read_outbox()

    chases: list[tuple[date, str, str, str]] = []
    last_day = max(critical_due, early_due) + timedelta(days=settings.task_escalate_after_days + 1)
    day = j.stack.clock.now().date()
    while day < last_day:
        day += timedelta(days=1)
        j.advance_to(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=6))
        for sweep in range(2):  # the second run of the day must add nothing
            j.stack.run_daily_sweep()
            found = [
                (day, n["recipient_role"], n["detail"]["reason"], n["detail"]["subject"])
                for n in j.stack.read_outbox()
                if n["kind"] == "chase"
            ]
            assert sweep == 0 or found == [], f"a duplicate chase on {day}"
            chases.extend(found)

    escalate_day = critical_due + timedelta(days=settings.critical_task_escalate_after_days)
    expected = [(escalate_day, "coordinator", "task_overdue", critical["task_key"])]
    chase_day = critical_due + timedelta(days=settings.task_chase_after_days + 1)
    if chase_day < escalate_day:
        expected.insert(0, (chase_day, "mentor", "task_overdue", critical["task_key"]))
    assert chases == expected
    assert all(subject != early["task_key"] for *_, subject in chases), "a task done early is never chased"
    state = j.view()
    assert state["open_escalations"].count("task_overdue") == 1
    assert {t["task_key"]: t["status"] for t in state["tasks"]}[early["task_key"]] == "done"


# -- stale forms and a full mentor -----------------------------------------------------------------
def test_a_second_assessment_is_refused_and_the_first_stands(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    first = j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(accommodation="high", health="low"))
    assert first.status == 200, first
    second = j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(drugs_alcohol="urgent"))
    assert second.status == 409, second
    assert second.body["error"] == "not_waiting"

    state = j.view()
    levels = {n["area"]: n["entry_level"] for n in state["needs"]}
    assert levels["accommodation"] == "high"
    assert levels["health"] == "low"
    assert levels["drugs_alcohol"] == "none"
    assert state["waiting_for"] == "mentor_match"


def test_a_mentor_at_capacity_cannot_be_matched_even_with_an_override(journey: Journey) -> None:
    j = journey
    small = {
        "mentor_id": "mentor-0002",
        "display_name": "Mentor Two",
        "gender": "male",
        "boroughs": ["Southwark"],
        "capacity": 1,
        "lived_experience": ["accommodation", "health", "finance_id"],
        "linked_areas": [],
    }
    assert enrolled(j.coordinator, small)

    j.refer_and_consent(days=30)
    # Lived experience of health and finance makes mentor-0002 the top suggestion: no override.
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(accommodation="high", health="low")))
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/mentor", {"mentor_id": "mentor-0002"}))
    assert j.view()["mentor_id"] == "mentor-0002"

    second = j.ok(
        j.coordinator.post("/referrals", referral(submission_id="sub-00000002", prison_number="A0002AA"))
    ).body["case_id"]
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    j.ok(j.coordinator.post(f"/cases/{second}/consent", consent))
    j.ok(j.coordinator.post(f"/cases/{second}/assessment", needs(accommodation="high")))
    suggestions = j.ok(j.coordinator.get(f"/cases/{second}/mentor-suggestions")).body
    assert "mentor-0002" not in [s["mentor_id"] for s in suggestions["suggestions"]]
    assert "mentor-0002" in [e["mentor_id"] for e in suggestions["excluded"]]

    body = {"mentor_id": "mentor-0002", "override_reason": "Knows the client from the community"}
    refused = j.coordinator.post(f"/cases/{second}/mentor", body)
    assert refused.status == 409, refused
    assert refused.body["error"] == "capacity_exceeded"
    state = j.ok(j.coordinator.get(f"/cases/{second}")).body
    assert state["waiting_for"] == "mentor_match"
    assert state["stage"] == "assessed"
    assert state["mentor_id"] is None


# -- the caseload and the cohort after a side exit --------------------------------------------------
def _mentor_cases(mentor_id: str = "mentor-0001") -> int:
    from throughgate.adapters.aws import aws_deps

    return aws_deps().store.get_mentor(mentor_id).active_cases


def test_a_recalled_client_who_then_dies_frees_the_mentors_place_once(journey: Journey) -> None:
    j = journey
    other = Journey(j.stack, j.coordinator, j.mentor)  # a second client of the same mentor
    other.ok(j.coordinator.post("/referrals", referral("sub-00000102", "A0102AA", days=40)))
    other.case_id = other.history[-1].body["case_id"]
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    other.ok(j.coordinator.post(f"/cases/{other.case_id}/consent", consent))
    other.assess_and_match(accommodation="high")
    j.released(days=10, accommodation="high")
    assert _mentor_cases() == 2
    recall = j.coordinator.post(f"/cases/{j.case_id}/circumstances", _change("recalled", "evt-recall-0101"))
    assert recall.status == 200, recall
    assert _mentor_cases() == 1
    died = j.coordinator.post(f"/cases/{j.case_id}/circumstances", _change("died", "evt-died-0101"))
    assert died.status == 200, died
    assert j.view()["stage"] == "died"
    assert _mentor_cases() == 1, "the recall had already freed the place; the other client keeps theirs"


def test_the_cohort_counts_everyone_who_consented_and_as_released_only_who_came_through_the_gate(
    journey: Journey,
) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case_steps import Role
    from throughgate.logic.outcomes import outcomes
    from throughgate.logic.ports import Actor

    j = journey
    j.released(days=10, accommodation="high")
    after_release = j.coordinator.post(
        f"/cases/{j.case_id}/circumstances", _change("disengaged", "evt-diseng-0201")
    )
    assert after_release.status == 200, after_release
    before = j.ok(j.coordinator.post("/referrals", referral("sub-00000202", "A0202AA", days=60)))
    early = before.body["case_id"]
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    j.ok(j.coordinator.post(f"/cases/{early}/consent", consent))
    disengaged = j.coordinator.post(f"/cases/{early}/circumstances", _change("disengaged", "evt-diseng-0202"))
    assert disengaged.status == 200, disengaged
    assert j.coordinator.get(f"/cases/{early}").body["stage"] == "disengaged"

    figures = outcomes(aws_deps(), Actor("manager-0001", Role.MANAGER), name="2027").figures
    assert figures.counts["consented"] == 2, "intention to treat: everyone who consented is counted"
    assert figures.counts["released"] == 1, "only the client who came through the gate was released"
    assert figures.rate("housed", "housed_known").rate == 1.0


def test_an_older_update_arriving_late_is_recorded_not_applied(journey: Journey) -> None:
    """The feed redelivers an older release date after a newer one: the newer stands."""
    j = journey
    j.refer_and_consent(days=60)
    now = j.stack.clock.now()
    newer = (now.date() + timedelta(days=70)).isoformat()
    older = (now.date() + timedelta(days=50)).isoformat()
    j.stack.send_prison_event(
        {
            "prison_number": "A0001AA",
            **_change("release_date_changed", "evt-newer-0001", new_release_on=newer),
            "occurred_at": (now - timedelta(hours=1)).isoformat(),
        }
    )
    j.stack.send_prison_event(
        {
            "prison_number": "A0001AA",
            **_change("release_date_changed", "evt-older-0001", new_release_on=older),
            "occurred_at": (now - timedelta(days=2)).isoformat(),
        }
    )
    assert j.stack.deliver_prison_events() == 2, "both taken off the queue: neither is an error"
    state = j.view()
    assert state["release_on"] == newer
    texts = [e["text"] for e in state["timeline"]]
    assert any("before one already applied: it was not applied" in t for t in texts), texts


def test_an_update_the_case_cannot_take_becomes_an_escalation_in_words(journey: Journey) -> None:
    """A recall for a client not yet released: the coordinator is told on the case, not via a
    dead-letter queue nobody reads."""
    j = journey
    j.refer_and_consent(days=30)
    j.stack.read_outbox()
    j.stack.send_prison_event({"prison_number": "A0001AA", **_change("recalled", "evt-recall-0009")})
    assert j.stack.deliver_prison_events() == 1
    assert j.stack.dead_letters() == []
    state = j.view()
    assert state["stage"] == "consented", "nothing applied"
    assert "prison_update_refused" in state["open_escalations"]
    texts = [e["text"] for e in state["timeline"]]
    assert any(
        t.startswith(
            "The prison's feed sent an update (recalled to prison) that could not be applied: the case is"
        )
        for t in texts
    ), texts
    told = [n for n in j.stack.read_outbox() if n["kind"] == "escalation"]
    assert [n["detail"]["reason"] for n in told] == ["prison_update_refused"]
    words = [e["text"] for e in state["escalations"] if e["reason"] == "prison_update_refused"]
    assert words == ["A prison update could not be applied: recalled to prison"]
