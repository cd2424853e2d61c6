"""The synthetic cohort: the same seed gives the same run, every case ends somewhere sensible, and the
CLI prints its summary as one JSON object. Three simulate runs in all (each takes 15 to 25 s). Runs
are the same because an execution runs only while the driver settles: checked directly too."""

from __future__ import annotations

import json
import time

import pytest

from throughgate_local import cli
from throughgate_local.simulation.people import SIM_START, Simulation
from throughgate_local.simulation.regions import simulate
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.e2e

FINAL_STAGES = {"outcome_recorded", "closed", "recalled", "disengaged", "consent_withdrawn", "died"}
TIMING = {"wall_seconds", "cases_per_second"}
FIRST_STEP = "throughgate-PlanMilestones"  # the release workflow's first task
CLI_KEYS = {
    "cases",
    "by_stage",
    "tasks_created",
    "tasks_done",
    "escalations",
    "executions_failed",
    "executions_stuck",
    "state_transitions",
    "dynamodb_requests",
    "wall_seconds",
    "reoffending_rate",
}


def _without_timing(summary: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in summary.items() if k not in TIMING}


def test_a_seed_gives_the_same_cohort_and_every_case_ends_well() -> None:
    first = simulate(2, seed=11).summary
    second = simulate(2, seed=11).summary
    assert _without_timing(first) == _without_timing(second), "same seed, same run"

    s = first
    assert s["cases"] == 2
    assert s["executions_failed"] == 0
    assert s["executions_stuck"] == 0
    assert set(s["by_stage"]) <= FINAL_STAGES, s["by_stage"]
    assert sum(s["by_stage"].values()) == s["cases"]
    assert s["tasks_created"] >= s["tasks_done"] > 0
    assert s["state_transitions"] > 0
    rate = s["reoffending_rate"]
    assert rate is not None, "outcomes were recorded, so there is a rate"
    assert 0 <= rate <= 1


def test_regions_give_the_same_cohort_on_one_process_or_several() -> None:
    """A cohort larger than a region runs as regions side by side; how many processes run them
    must not change the result."""
    alone = simulate(2, seed=4, region_cases=1, workers=1)
    side_by_side = simulate(2, seed=4, region_cases=1, workers=2)
    assert _without_timing(alone.summary) == _without_timing(side_by_side.summary)
    s = side_by_side.summary
    assert (s["cases"], s["regions"]) == (2, 2)
    assert len(set(side_by_side.case_ids)) == 2
    assert sum(s["by_stage"].values()) == 2
    assert set(s["by_stage"]) <= FINAL_STAGES, s["by_stage"]
    assert (s["executions_failed"], s["executions_stuck"]) == (0, 0)
    assert s["executions"] >= 2, "each region ran its own case's workflow"


def test_the_cli_refuses_a_cohort_of_no_cases(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["simulate", "--cases", "0"])
    assert exit_.value.code == 2
    assert "--cases: must be 1 or more" in capsys.readouterr().err


def test_the_cli_prints_one_json_summary_last(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["simulate", "--cases", "1", "--seed", "3", "--json"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert lines, "the CLI printed nothing"
    summary = json.loads(lines[-1])
    assert isinstance(summary, dict)
    assert summary.keys() >= CLI_KEYS, CLI_KEYS - summary.keys()
    assert summary["cases"] == 1
    assert (summary["executions_failed"], summary["executions_stuck"]) == (0, 0)
    assert code == 0


def test_an_execution_runs_only_while_the_driver_settles(monkeypatch: pytest.MonkeyPatch) -> None:
    """A started execution waits for its turn: nothing it does can interleave with the driver's own
    requests, however the threads are scheduled."""
    with LocalStack(SIM_START) as stack:
        sim = Simulation(stack, cases=1, seed=5)
        sim.seed_mentors()
        with monkeypatch.context() as patch:
            patch.setattr(stack.clock, "settle", lambda timeout_seconds=60.0: None)
            sim.refer_clients()  # the consent starts the case's execution
        (execution,) = stack.executions()
        time.sleep(0.5)  # time enough for a free-running thread to reach its first task
        assert stack.bridge.invocations[FIRST_STEP] == 0, "the execution ran beside the driver"
        stack.clock.settle()
        assert stack.bridge.invocations[FIRST_STEP] == 1
        assert stack.executions("RUNNING") == [execution], "it runs until it blocks, then waits"
