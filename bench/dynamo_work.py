"""DynamoDB work per action: every form submission through the API handler and every workflow step.

Two synthetic cases go through the local stack with the e2e suite's `Journey` (the API handler,
the real ASL, the real step handlers): one happy path from referral to the 12-month outcome, one
with the plan changes (a moved release date from the coordinator, no accommodation at the
readiness review, a recall from the prison-events feed). `AwsMeter` attributes each request to the
Lambda invocation that made it: the API handler by route, the others by function.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from tests.journey import START, Journey, referral

from bench.aws_meter import OUTSIDE, AwsMeter, Invocation
from throughgate_local.api_client import ApiClient
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack

MENTOR = {
    "mentor_id": "mentor-0001",
    "display_name": "Mentor One",
    "gender": "male",
    "boroughs": ["Southwark"],
    "capacity": 5,
    "lived_experience": ["accommodation"],
    "linked_areas": [],
}
_IDS = re.compile(r"/(cases|tasks)/[^/]+")


def route_label(function: str, event: dict[str, Any]) -> str:
    """`Api POST /cases/{case_id}/consent`: ids become placeholders so invocations group by route."""
    if "httpMethod" not in event:
        return function
    path = _IDS.sub(lambda m: f"/{m.group(1)}/{{{m.group(1)[:-1]}_id}}", event["path"])
    return f"{function} {event['httpMethod']} {path.replace('{task_id}', '{task_key}')}"


def _happy_path(stack: LocalStack, coordinator: ApiClient) -> str:
    j = Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))
    j.refer_and_consent(days=30)
    coordinator.get(f"/cases/{j.case_id}/mentor-suggestions")
    j.assess_and_match(accommodation="high", health="medium", work="low")
    task = j.view()["tasks"][0]["task_key"]
    j.ok(j.mentor.post(f"/cases/{j.case_id}/tasks/{task}", {"status": "done", "note": "Done"}))
    j.advance(days=10)
    stack.run_daily_sweep()
    j.to_readiness()
    j.readiness()
    j.release_day()
    j.check_ins()
    j.handover()
    j.advance_to(START + timedelta(days=30 + 549))
    stack.fire_due_schedules()
    outcome = {"proven_reoffending": False, "housed": True, "in_work_or_training": True}
    j.ok(coordinator.post(f"/cases/{j.case_id}/outcome", outcome))
    return j.case_id


def _plan_changes(stack: LocalStack, coordinator: ApiClient) -> None:
    j = Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))
    client = referral(prison_number="A0002AA")["client"]
    release_on = (stack.clock.now() + timedelta(days=40)).date().isoformat()
    j.refer_and_consent(submission_id="sub-00000002", client=client, release_on=release_on)
    j.assess_and_match(accommodation="urgent")
    moved = {
        "type": "release_date_changed",
        "event_id": "evt-date-0002",
        "new_release_on": str(j.release_on() + timedelta(days=7)),
    }
    j.ok(coordinator.post(f"/cases/{j.case_id}/circumstances", {"change": moved}))
    j.to_readiness()
    j.readiness(accommodation=False)
    j.release_day(address=False)
    j.advance(days=5)
    stack.send_prison_event(
        {"prison_number": "A0002AA", "change": {"type": "recalled", "event_id": "evt-recall-0002"}}
    )
    stack.deliver_prison_events()


def _row(label: str, invocations: list[Invocation]) -> dict[str, Any]:
    calls: Counter[str] = Counter()
    for invocation in invocations:
        calls.update(
            {k.removeprefix("dynamodb."): v for k, v in invocation.calls.items() if k.startswith("dynamodb.")}
        )
    n = len(invocations)
    return {
        "action": label,
        "invocations": n,
        "requests_mean": round(sum(i.dynamodb_requests for i in invocations) / n, 2),
        "requests_max": max(i.dynamodb_requests for i in invocations),
        "writes_max": max(i.dynamodb_writes for i in invocations),
        "items_written_max": max(i.items_written for i in invocations),
        "read_units_mean": round(statistics.mean(i.read_units for i in invocations), 2),
        "write_units_mean": round(statistics.mean(i.write_units for i in invocations), 2),
        "index_write_units_mean": round(statistics.mean(i.index_write_units for i in invocations), 2),
        "operations": dict(sorted(calls.items())),
        "partial_reads": sum(i.partial_reads for i in invocations),
    }


SEARCHES: dict[str, dict[str, Any]] = {
    "surname (one case)": {"text": "needleman"},
    "prison number": {"text": "N0000NN"},
    "case reference": {},  # filled in with the first case's reference
    "two letters every case shares": {"text": "te"},
    "no text: the cases being worked": {},
    "stage": {"stage": "referred"},
    "needs attention": {"needs_attention": True},
}


def search_page_requests(cases: int) -> dict[str, dict[str, int]]:
    """The DynamoDB requests of one `POST /case-search` page with `cases` referrals held."""
    with LocalStack(START) as stack:
        coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        ids = []
        for n in range(cases):
            body = referral(
                f"sub-bench-{n:06d}", "N0000NN" if n == 0 else f"B{n % 10000:04d}{'ABCDEFGHIJ'[n // 10000]}C"
            )
            if n == 0:
                body["client"] |= {"given_name": "Nell", "family_name": "Needleman"}
            else:
                body["client"]["family_name"] = f"Example{'abcdefghijklmnopqrstuvwxyz'[n % 26]}"
            response = coordinator.post("/referrals", body)
            assert response.status == 201, response
            ids.append(response.body["case_id"])
        found: dict[str, dict[str, int]] = {}
        for label, query in SEARCHES.items():
            body = {"text": ids[0][:8]} if label == "case reference" else query
            before = Counter(stack.dynamodb_calls.calls)
            # Past the programme's search_match_limit a text is answered "enter more of the name".
            assert coordinator.post("/case-search", body).status in (200, 422)
            found[label] = dict(sorted((Counter(stack.dynamodb_calls.calls) - before).items()))
        return found


def _write_closed_cases(count: int, series: str, **fields: Any) -> None:
    """`count` closed cases released over the last five years, written straight to the store."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case import Case, ClientDetails, TimelineEvent
    from throughgate.domain.lifecycle import Stage

    store = aws_deps().store
    for n in range(count):
        released = START.date() - timedelta(days=30 + n % 1800)
        client = ClientDetails(
            "Closed", f"Client{n}", released.replace(year=1980), f"H{n:04d}HC", "male", "Lambeth"
        )
        case = Case(
            case_id=f"00000000-0000-4000-{series}-{n:012d}",
            stage=Stage.CLOSED,
            release_on=released,
            prison="BXI",
            client=client,
            created_at=START,
            payload_hash=f"bench-{series}-{n}",
            first_released_on=released,
            housed_on_release_night=n % 3 != 0,
            **fields,
        )
        store.create_case(case, TimelineEvent(START, "referred", "coordinator:coordinator-0001"))


def dashboard_requests(closed: int) -> dict[str, dict[str, int]]:
    """The DynamoDB requests of a coordinator's and a mentor's dashboard, with a few cases being
    worked and `closed` cases behind them (released over the last five years), written straight
    to the store: a programme's history must cost its dashboards nothing."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case_steps import Role
    from throughgate.logic.dashboards import dashboard
    from throughgate.logic.ports import Actor

    with LocalStack(START) as stack:
        coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        assert enrolled(coordinator, MENTOR)
        journey = Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))
        journey.refer_and_consent(days=30)
        journey.assess_and_match(accommodation="high")
        _write_closed_cases(closed, "8000", mentor_id="mentor-0001")
        found: dict[str, dict[str, int]] = {}
        for label, actor in (
            ("coordinator", Actor("coordinator-0001", Role.COORDINATOR)),
            ("mentor", Actor("mentor-0001", Role.MENTOR)),
        ):
            dashboard(aws_deps(), actor)  # warm: the first call builds clients
            before = Counter(stack.dynamodb_calls.calls)
            dashboard(aws_deps(), actor)
            found[label] = dict(sorted((Counter(stack.dynamodb_calls.calls) - before).items()))
        return found


def outcomes_page_requests(cases: int) -> dict[str, Any]:
    """The DynamoDB requests (and, for information only, the time) of the outcomes figures for one
    year with `cases` consented and released clients held, released over the last five years and
    written straight to the store: the figures read the cohort counters, never the cases."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case import Consent
    from throughgate.domain.case_steps import Role
    from throughgate.logic.outcomes import outcomes
    from throughgate.logic.ports import Actor

    with LocalStack(START) as stack:
        _write_closed_cases(cases, "9000", consent=Consent("public_task", True, START))
        actor = Actor("manager-0001", Role.MANAGER)
        outcomes(aws_deps(), actor, name="2026")  # warm: the first call builds clients
        before = Counter(stack.dynamodb_calls.calls)
        started = time.perf_counter()
        report = outcomes(aws_deps(), actor, name="2026")
        seconds = time.perf_counter() - started
        assert report.figures.counts.get("consented", 0) > 0
        return {
            "requests": dict(sorted((Counter(stack.dynamodb_calls.calls) - before).items())),
            "milliseconds": round(seconds * 1000, 1),
        }


def measure() -> dict[str, Any]:
    meter = AwsMeter(labeller=route_label)
    meter.install()
    try:
        with LocalStack(START) as stack:
            coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
            assert enrolled(coordinator, MENTOR)
            case_id = _happy_path(stack, coordinator)
            happy_transitions = sum(
                stack.state_transitions(e["executionArn"])
                for e in stack.executions()
                if e["name"].startswith(case_id)
            )
            _plan_changes(stack, coordinator)
            served_by_moto = sum(n for op, n in stack.dynamodb_calls.calls.items() if op != "CreateTable")
    finally:
        meter.uninstall()
    grouped: dict[str, list[Invocation]] = defaultdict(list)
    for invocation in meter.invocations:
        if invocation.label != OUTSIDE:
            grouped[invocation.label].append(invocation)
    rows = [_row(label, group) for label, group in sorted(grouped.items())]
    metered = sum(i.dynamodb_requests for i in meter.invocations) - sum(
        i.calls["dynamodb.CreateTable"] for i in meter.invocations
    )
    if metered != served_by_moto:
        raise RuntimeError(f"the meter saw {metered} DynamoDB requests, moto served {served_by_moto}")
    submissions = [r for r in rows if r["action"].startswith("Api POST")]
    return {
        "actions": rows,
        "ddb_writes_per_submission_max": max(r["writes_max"] for r in submissions),
        "scans": sum(r["operations"].get("Scan", 0) for r in rows),
        "partial_reads": sum(r["partial_reads"] for r in rows),
        "requests_checked_against_moto": served_by_moto,
        "happy_path_transitions": happy_transitions,
        "search_page_requests": {str(n): search_page_requests(n) for n in (100, 2000)},
        "dashboard_requests": {str(n): dashboard_requests(n) for n in (100, 2000)},
        "outcomes_page_requests": {str(n): outcomes_page_requests(n) for n in (100, 2000)},
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
