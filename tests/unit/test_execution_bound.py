"""The longest a release workflow execution can run, from the ASL and the catalogues, stays well under
Step Functions' one-year limit (a Standard execution that reaches it ends TIMED_OUT, which no Catch
sees: docs/adr/0007-start-the-workflow-at-the-pre-release-window.md).

The ASL is walked as the interpreter would walk it, with the worst answers: every gate answered at
the last moment its TimeoutSeconds allows, every Lambda task using all its retries at Lambda's
15-minute maximum, and the Wait states waiting for the milestones the PlanMilestones and PlanCheckIn
steps compute from the release date (the domain's own functions). Check-in due times are absolute,
so a late gate delays the next one only when it outlasts the gap to the next due time. Every
execution starts at the pre-release window at the earliest (`start_workflow`), for every entry point
and every release date the referral form accepts (today to MAX_YEARS_TO_RELEASE years ahead).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from throughgate.domain.catalogue import load_cadence, load_programme
from throughgate.domain.schedule import (
    MAX_YEARS_TO_RELEASE,
    check_in_due_times,
    pre_release_window_opens,
    readiness_review_at,
    release_at,
    years_after,
)
from throughgate.manifest import RELEASE_WORKFLOW

ASL = json.loads(
    (Path(__file__).resolve().parents[2] / "workflows" / f"{RELEASE_WORKFLOW}.asl.json").read_text()
)
BOUND = timedelta(days=330)  # a month's margin under the one-year limit
LAMBDA_MAX = timedelta(minutes=15)  # Lambda's own ceiling, above every function's configured timeout
WORST_GATE_ANSWERS = {  # the answers that go furthest (an escalation costs no time)
    "$.readiness": {"accommodation_confirmed": True},
    "$.release": {"met_at_gate": True, "address_confirmed": True},
}


def _read(data: dict[str, Any], path: str) -> Any:
    for part in path.removeprefix("$.").split("."):
        data = data[part]
    return data


def _write(data: dict[str, Any], path: str | None, value: Any) -> None:
    if path is None:
        return
    *parents, last = path.removeprefix("$.").split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _choose(state: dict[str, Any], data: dict[str, Any]) -> str:
    for rule in state["Choices"]:
        value = _read(data, rule["Variable"])
        for test in ("StringEquals", "BooleanEquals"):
            if test in rule and value == rule[test]:
                return str(rule["Next"])
    return str(state["Default"])


def _task_allowance(state: dict[str, Any]) -> timedelta:
    """Every attempt the Retry allows, each running as long as Lambda lets it, and every delay."""
    attempts = max((r.get("MaxAttempts", 3) for r in state.get("Retry", [])), default=0)
    delay = max((r.get("MaxDelaySeconds", 0) for r in state.get("Retry", [])), default=0)
    return (attempts + 1) * LAMBDA_MAX + attempts * timedelta(seconds=delay)


def longest_run(entry: str, start: datetime, release_on: date, released_on: date | None = None) -> timedelta:
    """The execution's length when every gate is answered just before its timeout."""
    settings = load_programme()
    milestones = {
        "window_opens_at": pre_release_window_opens(release_on, settings),
        "readiness_at": readiness_review_at(release_on, settings),
        "release_at": release_at(release_on, settings),
    }
    check_ins = check_in_due_times(release_at(released_on or release_on, settings), load_cadence())
    # What the Lambda steps return, by the placeholder of the function the Task calls.
    number = 0

    def plan_check_in() -> dict[str, Any]:
        nonlocal number
        number += 1
        if number > len(check_ins):
            return {"done": True, "number": 0, "due_at": now}
        return {"done": False, "number": number, "due_at": check_ins[number - 1]}

    outputs = {"${PlanMilestonesFunctionArn}": lambda: milestones, "${PlanCheckInFunctionArn}": plan_check_in}
    data: dict[str, Any] = {"case_id": "c", "revision": 1, "entry": entry}
    now, name, visits = start, ASL["StartAt"], 0
    while True:
        visits += 1
        assert visits < 1000, "the walk loops"
        state = ASL["States"][name]
        match state["Type"]:
            case "Succeed":
                return now - start
            case "Fail":
                assert name != "UnknownEntry", f"no entry point {entry}"
                return now - start
            case "Choice":
                name = _choose(state, data)
                continue
            case "Wait":
                now = max(now, _read(data, state["TimestampPath"]))
            case "Map":
                iterations = 10  # at most one per need area
                inner = state["ItemProcessor"]["States"]
                now += iterations * sum((_task_allowance(s) for s in inner.values()), timedelta())
            case "Task":
                now += _task_allowance(state)
                if state["Resource"].endswith(".waitForTaskToken"):
                    now += timedelta(seconds=state["TimeoutSeconds"])
                    _write(data, state.get("ResultPath"), WORST_GATE_ANSWERS.get(state.get("ResultPath", "")))
                else:
                    produce = outputs.get(state["Parameters"].get("FunctionName", ""))
                    if produce is not None:
                        _write(data, state.get("ResultPath"), produce())
        name = state["Next"]


ENTRIES = [rule["StringEquals"] for rule in ASL["States"]["Route"]["Choices"]]
CONSENT_DAYS = [date(2026, 1, 1), date(2027, 2, 28), date(2028, 2, 29), date(2026, 10, 25)]


def _release_dates(today: date) -> list[date]:
    window = load_programme().pre_release_window_days
    offsets = [0, 1, 3, window - 1, window, window + 1, 280, 365]
    return [today + timedelta(days=d) for d in offsets] + [years_after(today, MAX_YEARS_TO_RELEASE)]


def _earliest_start(consented: datetime, release_on: date) -> datetime:
    """`start_workflow`: at once if the window is open, else when it opens."""
    return max(consented, pre_release_window_opens(release_on, load_programme()))


def longest_over_allowed_dates() -> tuple[timedelta, str]:
    worst, where = timedelta(0), ""
    for today in CONSENT_DAYS:
        consented = datetime.combine(today, time(23, 59), tzinfo=UTC)
        for release_on in _release_dates(today):
            start = _earliest_start(consented, release_on)
            # A client recalled and released again is checked in on the first release's grid
            # (already past): every check-in gate then follows the one before at once.
            for released_on in (None, release_on - timedelta(days=365)):
                for entry in ENTRIES:
                    length = longest_run(entry, start, release_on, released_on)
                    if length > worst:
                        worst, where = length, f"{entry} from {start:%Y-%m-%d}, release {release_on}"
    return worst, where


def test_the_longest_possible_execution_stays_under_330_days() -> None:
    worst, where = longest_over_allowed_dates()

    assert worst < BOUND, f"an execution may run {worst} ({where})"
    # The walk really walked: the whole programme at least (window to the last check-in).
    assert worst > timedelta(days=load_programme().pre_release_window_days + 84)


def test_an_execution_started_at_consent_would_have_run_past_a_year() -> None:
    """Why the start waits for the window: from consent, the longest release date breaks the limit."""
    today = CONSENT_DAYS[0]
    consented = datetime.combine(today, time(9), tzinfo=UTC)

    assert longest_run("pre_release_window", consented, years_after(today, MAX_YEARS_TO_RELEASE)) > timedelta(
        days=365
    )


@pytest.mark.parametrize("state", ["AwaitCheckIn", "AwaitHandover"])
def test_the_gate_timeouts_come_from_the_asl(state: str) -> None:
    """One place for each timeout: the ASL (the walk reads it; nothing else copies it)."""
    assert ASL["States"][state]["TimeoutSeconds"] > 0


def test_a_check_in_gate_times_out_after_the_sweep_closes_a_missed_one() -> None:
    """The sweep closes a missed check-in after check_in_missed_after_hours (once a day): the gate's
    timeout is a backstop for a sweep that did not run, not the way a missed check-in ends."""
    settings = load_programme()
    timeout = timedelta(seconds=ASL["States"]["AwaitCheckIn"]["TimeoutSeconds"])

    assert timeout >= timedelta(hours=settings.check_in_missed_after_hours) + timedelta(days=2)
