"""After a restore (docs/restore.md): what lives outside the case table, made again from the cases.

A restored table holds the cases, but not the one-time EventBridge Scheduler schedules (the
18-month outcome follow-up of each released client, the workflow start at the pre-release window
of each case waiting for it) nor, after `make destroy` and a new deploy, the release workflow's
executions. Each case says what it needs:

- released (`Case.is_released`), its outcome not yet recorded, and neither consent withdrawn nor
  died: an outcome follow-up at its due time (a due time already past is reported, not scheduled:
  the coordinator records the outcome from the case page);
- being worked before its window opens (a stage the workflow can enter): a start schedule at the
  window, for its revision;
- being worked with the window open: its execution started at the stage's entry point. The
  execution's name is the case's and revision's, so one that still runs is left as it is.

Each is saved as an effect with the case (the outbox), then carried out; a failure stays pending
for the reconciler. Running it twice makes nothing twice: schedules are made or moved by name,
executions by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from throughgate.domain import effects
from throughgate.domain.case import Case
from throughgate.domain.catalogue import load_programme
from throughgate.domain.effects import Effect
from throughgate.domain.errors import NotWaiting
from throughgate.domain.lifecycle import Stage, workflow_entry_point
from throughgate.domain.schedule import outcome_follow_up_at, pre_release_window_opens
from throughgate.logic.effects import save
from throughgate.logic.ports import Deps
from throughgate.store.changes import Changes

NO_OUTCOME_WANTED = frozenset({Stage.OUTCOME_RECORDED, Stage.CONSENT_WITHDRAWN, Stage.DIED})


@dataclass
class RestoreReport:
    """Case ids, by what was made again for them (ids only: it is printed)."""

    outcome_follow_ups: list[str] = field(default_factory=list)
    outcome_overdue: list[str] = field(default_factory=list)
    start_schedules: list[str] = field(default_factory=list)
    executions: list[str] = field(default_factory=list)


def recreate_from_cases(deps: Deps) -> RestoreReport:
    report = RestoreReport()
    for stage in Stage:
        for case in deps.store.cases_in_stage(stage):
            wanted = _wanted(deps, case, report)
            if wanted:
                save(deps, Changes(case=case, effects=wanted))
    return report


def _wanted(deps: Deps, case: Case, report: RestoreReport) -> list[Effect]:
    now, programme = deps.now(), load_programme()
    wanted: list[Effect] = []
    if case.is_released and case.stage not in NO_OUTCOME_WANTED:
        due_at = outcome_follow_up_at(case.first_released_on or case.release_on, programme)
        if due_at > now:
            wanted.append(effects.schedule_outcome(case.case_id, now, due_at))
            report.outcome_follow_ups.append(case.case_id)
        else:
            report.outcome_overdue.append(case.case_id)
    try:
        entry = workflow_entry_point(case.stage)
    except NotWaiting:  # a stage the workflow does not run in
        return wanted
    opens = pre_release_window_opens(case.release_on, programme)
    if opens > now:
        wanted.append(effects.schedule_start(case.case_id, now, opens, case.revision, entry))
        report.start_schedules.append(case.case_id)
    else:
        wanted.append(effects.start(case.case_id, now, case.revision, entry))
        report.executions.append(case.case_id)
    return wanted
