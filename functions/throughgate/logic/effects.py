"""Carrying out what must follow a saved change (the outbox, throughgate.domain.effects).

`save` is the one way a change with effects is written: the effects ride in the change's own
transaction and are carried out right after it. One that fails stays pending and is carried out
again by `reconcile`: on AWS from the table's stream and a periodic sweep, locally whenever the
local stack's clock moves. Every effect is idempotent (an already-answered token, an existing
execution, a stopped one count as done), so carrying one out twice does no harm.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from throughgate.domain.effects import Effect, EffectKind
from throughgate.logic import notifications
from throughgate.logic.ports import Deps, Notification
from throughgate.store.changes import Changes

logger = Logger(child=True)


def notify(case_id: str, at: datetime, notification: Notification) -> Effect:
    """A notification as an effect: ids and enum values only, as the notification itself. Who
    receives it is worked out when it is delivered."""
    fields = {
        "kind": notification.kind,
        "recipient_role": notification.recipient_role,
        "detail": dict(notification.detail),
    }
    return Effect(case_id, EffectKind.NOTIFY, at, {"notification": json.dumps(fields, sort_keys=True)})


def save(deps: Deps, changes: Changes) -> None:
    """Commit the change with its effects, then carry them out. A failed effect does not fail the
    request: the change is saved, and the effect stays pending until the reconciler succeeds."""
    deps.store.commit(changes, deps.now())
    carry_out(deps, changes.effects)


def carry_out(deps: Deps, effects: Iterable[Effect]) -> list[Effect]:
    """Each effect in turn; those that failed (still pending) are returned. A notification is left
    pending, untouched, by a function that cannot deliver it: the outbox's carriers deliver it
    (from the table's stream, within seconds), so only they read the staff directory and send e-mail."""
    failed: list[Effect] = []
    for effect in effects:
        if effect.kind is EffectKind.NOTIFY and deps.delivery is None:
            continue
        try:
            _run(deps, effect)
        except Exception as error:
            failed.append(effect)
            logger.warning(
                "effect failed; it stays pending",
                extra={
                    "case_id": effect.case_id,
                    "effect": effect.kind.value,
                    "attempt": effect.attempts + 1,
                    "error_type": type(error).__name__,  # never the message: it may quote input
                },
            )
            _count_failure(deps, effect.failed(type(error).__name__))
            continue
        deps.store.effect_done(effect)
    return failed


def _count_failure(deps: Deps, effect: Effect) -> None:
    try:
        deps.store.effect_failed(effect)
    except Exception:
        logger.exception("could not record an effect's failed attempt", extra={"case_id": effect.case_id})


def _run(deps: Deps, effect: Effect) -> None:
    detail = effect.detail
    match effect.kind:
        case EffectKind.RESUME:
            deps.workflow.resume(detail["token"], effect.output)
        case EffectKind.START:
            deps.workflow.start(effect.case_id, int(detail["revision"]), detail["entry"])
        case EffectKind.STOP:
            deps.workflow.stop(detail["execution_arn"], detail["reason"])
        case EffectKind.NOTIFY:
            fields = json.loads(detail["notification"])
            notification = Notification(case_id=effect.case_id, **fields)
            notifications.deliver(deps, notification, effect.created_at, effect.effect_id)
        case EffectKind.SCHEDULE_OUTCOME:
            deps.scheduler.schedule_outcome_follow_up(
                effect.case_id, datetime.fromisoformat(detail["due_at"])
            )
        case EffectKind.CANCEL_OUTCOME:
            deps.scheduler.cancel_outcome_follow_up(effect.case_id)
        case EffectKind.SCHEDULE_START:
            deps.scheduler.schedule_start(
                effect.case_id,
                datetime.fromisoformat(detail["due_at"]),
                int(detail["revision"]),
                detail["entry"],
            )
        case EffectKind.CANCEL_START:
            deps.scheduler.cancel_start(effect.case_id)


def finish_pending(deps: Deps, case_id: str) -> list[Effect]:
    """A replayed request (the same submission again) finishes what its first attempt left pending."""
    return carry_out(deps, deps.store.pending_effects(case_id))


@dataclass
class ReconcileReport:
    carried_out: int = 0
    failed: int = 0
    overdue: int = 0  # still pending after a failed attempt and older than OVERDUE_AFTER
    failed_cases: list[str] = field(default_factory=list)


def reconcile(deps: Deps, settle_for: timedelta = timedelta(0)) -> ReconcileReport:
    """Carry out every effect pending for at least `settle_for` (the request that made it has had
    its chance), oldest first. What still fails is reported, and counted as overdue once it is."""
    now = deps.now()
    pending = deps.store.effects_pending_since(now - settle_for)
    failed = carry_out(deps, pending)
    return ReconcileReport(
        carried_out=len(pending) - len(failed),
        failed=len(failed),
        overdue=sum(1 for e in failed if e.is_overdue(now)),
        failed_cases=sorted({e.case_id for e in failed}),
    )
