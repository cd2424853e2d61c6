"""Changes of circumstance from the prison-events feed or a coordinator: they move dates, stop or
restart the release workflow. Each event id is applied once (a marker in the same transaction)."""

from __future__ import annotations

from datetime import date, datetime

from throughgate.domain import effects
from throughgate.domain.case import Case
from throughgate.domain.catalogue import redate
from throughgate.domain.errors import Conflict, DomainError, IllegalTransition, InvalidInput, NotFound
from throughgate.domain.lifecycle import Stage, check_transition, workflow_entry_point
from throughgate.domain.schedule import check_release_date, london_date
from throughgate.logic.access import Act, authorised_case
from throughgate.logic.actions import start_workflow
from throughgate.logic.common import (
    escalate,
    event,
    fingerprint,
    move,
    notify_escalation,
    release_mentor,
    remember_submission,
    resolve_cause,
    wind_down,
)
from throughgate.logic.effects import finish_pending, save
from throughgate.logic.ports import Actor, Deps
from throughgate.schemas import (
    Circumstance,
    CircumstanceIn,
    ConsentWithdrawn,
    Died,
    Disengaged,
    NewSentence,
    PrisonEvent,
    Recalled,
    ReleaseDateChanged,
    RestartIn,
    Transferred,
)
from throughgate.store.changes import Changes, Once


def apply_change(
    deps: Deps,
    actor: Actor,
    case_id: str,
    change: Circumstance,
    *,
    occurred_at: datetime | None = None,
    sequence: int | None = None,
) -> Case:
    """`occurred_at` (and the feed's `sequence`) say when the change happened; a coordinator's
    happens now. One older than the latest applied is recorded on the timeline, not applied."""
    case = authorised_case(deps, actor, case_id, Act.CHANGE_CIRCUMSTANCES)
    once = Once(change.event_id, fingerprint(change))
    if deps.store.already_processed(case_id, once.key, once.payload_hash):
        finish_pending(deps, case_id)  # a redelivered event finishes what its first delivery left
        return case
    changes = Changes(case=case, once=[once])
    happened = occurred_at or deps.now()
    if case.holds_newer_news_than(happened, sequence):
        changes.add(
            event(deps, "update_out_of_date", actor, change=change.type, occurred_at=happened.isoformat())
        )
        deps.store.commit(changes, deps.now())
        return case
    case.note_circumstances_as_of(happened, sequence)
    match change:
        case ReleaseDateChanged(new_release_on=new_date):
            _change_release_date(deps, actor, case, changes, new_date)
        case NewSentence(new_release_on=new_date) if case.stage.is_pre_release:
            if new_date is None:
                raise InvalidInput(
                    "Enter the new release date: a new sentence before release moves it", "new_release_on"
                )
            _change_release_date(deps, actor, case, changes, new_date)
        case Recalled() | NewSentence():
            _return_to_custody(deps, actor, case, changes, change.type)
        case Transferred(prison=prison):
            case.prison = prison
            changes.add(event(deps, "transferred", actor, prison=prison))
            deps.store.commit(changes, deps.now())
        case Disengaged() | ConsentWithdrawn() | Died():
            _exit(deps, actor, case, changes, change.type)
    return case


def apply_prison_event(deps: Deps, feed: Actor, message: PrisonEvent) -> Case:
    """A change from the prison-events feed, for the open case of the prison number it names. One
    the case cannot take (a move its stage does not allow, a date out of range) becomes an
    escalation on that case, with the reason in words, instead of a message nobody reads."""
    case = deps.store.find_case_by_prison_number(message.prison_number)
    if case is None:
        raise NotFound("no open case for this prison number")
    try:
        return apply_change(
            deps,
            feed,
            case.case_id,
            message.change,
            occurred_at=message.occurred_at,
            sequence=message.sequence,
        )
    except (IllegalTransition, InvalidInput) as error:
        return _refused(deps, feed, case.case_id, message, error)


def _refused(deps: Deps, feed: Actor, case_id: str, message: PrisonEvent, error: DomainError) -> Case:
    case = deps.store.get_case(case_id)
    change = message.change
    changes = Changes(case=case, once=[Once(change.event_id, fingerprint(change))])
    why = refusal_words(error)
    changes.add(event(deps, "update_refused", feed, change=change.type, why=why))
    escalate(deps, case, changes, "prison_update_refused", change.type)
    save(deps, changes)
    return case


def refusal_words(error: DomainError) -> str:
    """Why a prison update could not be applied, for the coordinator (no values: ids and words)."""
    if isinstance(error, IllegalTransition):
        return f"the case is {error.current.words.lower()}, which this update cannot change"
    return str(error)


def submit_change(
    deps: Deps, actor: Actor, case_id: str, form: CircumstanceIn, submission_id: str | None = None
) -> Case:
    """A coordinator's change of circumstances (applied once by the change's own event id, so
    `submission_id` is taken for the case steps' uniform signature only)."""
    return apply_change(deps, actor, case_id, form.change)


def _stop_current(deps: Deps, case: Case, changes: Changes, reason: str) -> None:
    """Stop the running execution once the change is saved (an effect of it): if the save fails,
    say on a conflict with a person's form, the execution runs on and nothing is lost. An execution
    not started yet (its start scheduled for the pre-release window) has nothing to stop."""
    if case.execution_arn:
        changes.effects.append(effects.stop(case.case_id, deps.now(), case.execution_arn, reason))


def _cancel_start(deps: Deps, case: Case, changes: Changes) -> None:
    """A case that ends before its pre-release window must not start its workflow there (the
    start function would refuse anyway: it checks the case's stage and revision)."""
    if case.stage.is_pre_release and case.stage is not Stage.REFERRED:
        changes.effects.append(effects.cancel_start(case.case_id, deps.now()))


def _change_release_date(deps: Deps, actor: Actor, case: Case, changes: Changes, new_date: date) -> None:
    """Every date that hangs off the release date moves; the running workflow is replaced by one
    that resumes at the same stage and waits for the new milestones."""
    check_release_date(new_date, london_date(deps.now()), "new_release_on")
    recalled = case.stage is Stage.RECALLED
    if not recalled and not case.stage.is_pre_release:
        raise IllegalTransition(case.stage, Stage.CONSENTED)
    old = case.release_on
    case.release_on = new_date
    changes.add(event(deps, "release_date_changed", actor, shift_days=str((new_date - old).days)))
    if recalled:
        # The plan resets after a recall: reassess, rematch, new tasks for the next release.
        wind_down(deps, case, changes, "recall_reset")
        move(case, Stage.CONSENTED)
        case.check_in_number = None
    else:
        for task in deps.store.tasks(case.case_id):
            if not task.status.is_closed:
                task.due_on = redate(task.due_offset_days, new_date)
                changes.add(task)
    if case.stage is Stage.REFERRED:
        deps.store.commit(changes, deps.now())
        return
    _stop_current(deps, case, changes, "release_date_changed")
    case.revision += 1
    case.waiting_for, case.task_token = None, None
    start_workflow(deps, case, changes, workflow_entry_point(case.stage), replaces=True)


def _return_to_custody(deps: Deps, actor: Actor, case: Case, changes: Changes, kind: str) -> None:
    check_transition(case.stage, Stage.RECALLED)
    _stop_current(deps, case, changes, kind)
    wind_down(deps, case, changes, kind)
    case.stage = Stage.RECALLED
    case.exit_reason = kind
    release_mentor(deps, case, changes)
    changes.add(event(deps, "returned_to_custody", actor, reason=kind))
    notify_escalation(deps, case, changes, kind)
    save(deps, changes)


def _exit(deps: Deps, actor: Actor, case: Case, changes: Changes, kind: str) -> None:
    target = Stage(kind)
    check_transition(case.stage, target)
    _stop_current(deps, case, changes, kind)
    _cancel_start(deps, case, changes)
    wind_down(deps, case, changes, kind)
    on_caseload = not case.stage.is_off_caseload  # a recalled client's place was freed at the recall
    case.stage = target
    case.exit_reason = kind
    if on_caseload:
        release_mentor(deps, case, changes)
    changes.add(event(deps, "exited", actor, reason=kind))
    changes.release_prison_number = True
    if target in {Stage.CONSENT_WITHDRAWN, Stage.DIED}:
        changes.effects.append(effects.cancel_outcome(case.case_id, deps.now()))
        if case.texts is not None:  # no more reminders, so the number is no longer needed
            changes.unfile_mobile, case.texts = case.texts.mobile, None
    notify_escalation(deps, case, changes, kind)
    save(deps, changes)


def restart_workflow(
    deps: Deps, actor: Actor, case_id: str, form: RestartIn, submission_id: str | None = None
) -> Case:
    """A stopped workflow (a gate nobody answered in time, a fault) starts again as a new revision,
    from the step the case is at: nothing recorded is lost, and the "workflow stopped" escalation
    has its answer."""
    case = authorised_case(deps, actor, case_id, Act.RESTART_WORKFLOW)
    if not form.restart:
        return case
    if not case.workflow_error:
        raise Conflict("The case's workflow has not stopped: there is nothing to restart")
    entry = workflow_entry_point(case.stage)
    changes = Changes(case=case).add(event(deps, "workflow_restarted", actor))
    resolve_cause(
        deps,
        case,
        changes,
        ("workflow_failed", ""),
        resolution="A coordinator restarted the workflow",
        by=actor,
    )
    remember_submission(changes, submission_id, form)
    case.workflow_error = None
    case.revision += 1
    case.waiting_for, case.task_token = None, None
    start_workflow(deps, case, changes, entry, replaces=True)
    return case
