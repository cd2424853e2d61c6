"""What must follow a saved change: resume a workflow gate, start or stop an execution, tell
someone, schedule or cancel the outcome follow-up or the workflow's start at the pre-release window. An effect is saved in the same transaction as
the change it follows (the outbox), carried out right after, and again until it succeeds, so no
case waits at a gate because one call after a save failed once.

An effect carries ids, enum values and flags only, never a personal value: it is read by the
reconciler, shown in counts on the "cases needing attention" list and may end up in a log line.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class EffectKind(StrEnum):
    RESUME = "resume"  # SendTaskSuccess to the gate the workflow waits at
    START = "start"  # StartExecution of a plan revision
    STOP = "stop"  # StopExecution of a superseded revision
    NOTIFY = "notify"  # tell a person
    SCHEDULE_OUTCOME = "schedule_outcome"  # the one-time outcome follow-up
    CANCEL_OUTCOME = "cancel_outcome"
    SCHEDULE_START = "schedule_start"  # the one-time start of the release workflow at the window
    CANCEL_START = "cancel_start"


EFFECT_WORDS: dict[EffectKind, str] = {
    EffectKind.RESUME: "moving the workflow on from a form that was saved",
    EffectKind.START: "starting the release workflow",
    EffectKind.STOP: "stopping a release workflow that was replaced",
    EffectKind.NOTIFY: "sending a notification",
    EffectKind.SCHEDULE_OUTCOME: "scheduling the 12-month outcome follow-up",
    EffectKind.CANCEL_OUTCOME: "cancelling the 12-month outcome follow-up",
    EffectKind.SCHEDULE_START: "scheduling the start of pre-release work",
    EffectKind.CANCEL_START: "cancelling the scheduled start of pre-release work",
}

# An effect still pending this long after its change was saved is reported: on the coordinators'
# "cases needing attention" list and by the operators' alarm.
OVERDUE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Effect:
    """One call to make after a change is saved. `detail` holds strings only (the resume output
    as JSON), so the item maps one to one onto DynamoDB."""

    case_id: str
    kind: EffectKind
    created_at: datetime
    detail: Mapping[str, str] = field(default_factory=dict)
    # Orders a case's effects as they were made (created_at, then this), and keeps keys unique.
    effect_id: str = field(default_factory=lambda: secrets.token_hex(6))
    attempts: int = 0
    last_error: str = ""  # the error type of the last failed attempt, never its message

    @property
    def words(self) -> str:
        return EFFECT_WORDS[self.kind]

    def is_overdue(self, now: datetime) -> bool:
        return now - self.created_at >= OVERDUE_AFTER

    def failed(self, error_type: str) -> Effect:
        return replace(self, attempts=self.attempts + 1, last_error=error_type)

    @property
    def output(self) -> dict[str, Any]:
        """A resume's output for the workflow."""
        loaded: dict[str, Any] = json.loads(self.detail.get("output", "{}"))
        return loaded


def resume(case_id: str, at: datetime, token: str, output: Mapping[str, Any]) -> Effect:
    return Effect(
        case_id, EffectKind.RESUME, at, {"token": token, "output": json.dumps(dict(output), sort_keys=True)}
    )


def start(case_id: str, at: datetime, revision: int, entry: str) -> Effect:
    return Effect(case_id, EffectKind.START, at, {"revision": str(revision), "entry": entry})


def stop(case_id: str, at: datetime, execution_arn: str, reason: str) -> Effect:
    return Effect(case_id, EffectKind.STOP, at, {"execution_arn": execution_arn, "reason": reason})


def schedule_outcome(case_id: str, at: datetime, due_at: datetime) -> Effect:
    return Effect(case_id, EffectKind.SCHEDULE_OUTCOME, at, {"due_at": due_at.isoformat()})


def cancel_outcome(case_id: str, at: datetime) -> Effect:
    return Effect(case_id, EffectKind.CANCEL_OUTCOME, at)


def schedule_start(case_id: str, at: datetime, due_at: datetime, revision: int, entry: str) -> Effect:
    """Start the revision's execution when the pre-release window opens (docs/adr/0007)."""
    return Effect(
        case_id,
        EffectKind.SCHEDULE_START,
        at,
        {"due_at": due_at.isoformat(), "revision": str(revision), "entry": entry},
    )


def cancel_start(case_id: str, at: datetime) -> Effect:
    return Effect(case_id, EffectKind.CANCEL_START, at)
