"""What a simulated cohort did, counted: a tally that adds up across regions, and its summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from throughgate.domain.catalogue import programme_baseline
from throughgate.domain.outcomes import CohortFigures
from throughgate_local.simulation.people import Simulation


@dataclass
class CohortTally:
    """What one region's run counted, in a form that adds up across regions (and crosses processes)."""

    cases: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    tasks_created: int = 0
    tasks_done: int = 0
    escalations: int = 0
    executions: int = 0
    executions_failed: int = 0
    executions_stuck: int = 0
    state_transitions: int = 0
    dynamodb_requests: int = 0
    lambda_invocations: int = 0
    lambda_errors: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    # The cohort counters the store keeps (domain.outcomes), over every release month.
    cohort: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: CohortTally) -> CohortTally:
        added = CohortTally()
        for name, value in vars(self).items():
            setattr(added, name, value + getattr(other, name))
        return added


def tally(sim: Simulation) -> CohortTally:
    from throughgate.store.repository import CaseStore

    stack, store = sim.stack, CaseStore()
    executions = stack.executions()
    counted = CohortTally(
        cases=len(sim.cases),
        executions=len(executions),
        executions_failed=len(stack.executions("FAILED")) + len(stack.executions("TIMED_OUT")),
        executions_stuck=len(stack.executions("RUNNING")),
        state_transitions=sum(stack.state_transitions(e["executionArn"]) for e in executions),
        dynamodb_requests=sum(
            n for action, n in stack.dynamodb_calls.calls.items() if action != "CreateTable"
        ),
        lambda_invocations=sum(stack.bridge.invocations.values()),
        lambda_errors=sum(stack.bridge.errors.values()),
        actions=Counter(sim.actions),
        refused=Counter(sim.refused),
        cohort=sum((Counter(month) for month in store.cohort_counters().values()), Counter()),
    )
    for case_id in sim.cases:
        case = store.get_case(case_id)
        counted.by_stage[case.stage.value] += 1
        tasks = store.tasks(case_id)
        counted.tasks_created += len(tasks)
        counted.tasks_done += sum(1 for t in tasks if t.status.value == "done")
        counted.escalations += len(store.escalations(case_id))
    return counted


def summarise(counted: CohortTally, wall_seconds: float) -> dict[str, Any]:
    figures = CohortFigures(dict(counted.cohort))  # the same figures as the outcomes page
    reoffending, baseline = figures.reoffending, programme_baseline()
    n = max(1, counted.cases)
    return {
        "cases": counted.cases,
        "by_stage": dict(sorted(counted.by_stage.items())),
        "tasks_created": counted.tasks_created,
        "tasks_done": counted.tasks_done,
        "escalations": counted.escalations,
        "executions": counted.executions,
        "executions_failed": counted.executions_failed,
        "executions_stuck": counted.executions_stuck,
        "state_transitions": counted.state_transitions,
        "transitions_per_case": round(counted.state_transitions / n, 1),
        "dynamodb_requests": counted.dynamodb_requests,
        "dynamodb_requests_per_case": round(counted.dynamodb_requests / n, 1),
        "lambda_invocations": counted.lambda_invocations,
        "lambda_errors": counted.lambda_errors,
        "actions": dict(sorted(counted.actions.items())),
        "actions_refused": dict(sorted(counted.refused.items())),
        "outcomes_recorded": reoffending.n,
        "reoffending_rate": reoffending.rate,
        "reoffending_interval": list(reoffending.interval) if reoffending.interval else None,
        "reoffending_baseline": baseline.rate,
        "reoffending_baseline_group": baseline.group,
        "housed_on_release_night_rate": figures.rate("housed", "housed_known").rate,
        "in_work_or_training_at_handover_rate": figures.rate("work", "work_known").rate,
        "wall_seconds": round(wall_seconds, 2),
        "cases_per_second": round(counted.cases / wall_seconds, 2) if wall_seconds else None,
    }
