"""When an overdue task or a missed check-in is chased, and when it goes to the coordinator."""

from datetime import date, datetime, timedelta
from enum import StrEnum

from throughgate.domain._strict import require_aware
from throughgate.domain.case_steps import BY_GATE, Gate
from throughgate.domain.catalogue import ProgrammeSettings


class ChaseLevel(StrEnum):
    NONE = "none"
    MENTOR_CHASED = "mentor_chased"
    COORDINATOR_ESCALATED = "coordinator_escalated"


_ORDER = tuple(ChaseLevel)


def task_chase_level(due_on: date, today: date, critical: bool, settings: ProgrammeSettings) -> ChaseLevel:
    """Overdue days count from the day after the due date: a task due today is not overdue."""
    overdue_days = (today - due_on).days
    escalate_after = (
        settings.critical_task_escalate_after_days if critical else settings.task_escalate_after_days
    )
    if overdue_days >= escalate_after:
        return ChaseLevel.COORDINATOR_ESCALATED
    if overdue_days > settings.task_chase_after_days:
        return ChaseLevel.MENTOR_CHASED
    return ChaseLevel.NONE


def check_in_missed(due_at: datetime, now: datetime, settings: ProgrammeSettings) -> bool:
    require_aware(due_at, "due_at")
    require_aware(now, "now")
    return now >= due_at + timedelta(hours=settings.check_in_missed_after_hours)


def check_in_chase_level(due_at: datetime, now: datetime, settings: ProgrammeSettings) -> ChaseLevel:
    if check_in_missed(due_at, now, settings):
        return ChaseLevel.COORDINATOR_ESCALATED
    if now >= due_at + timedelta(hours=settings.check_in_chase_after_hours):
        return ChaseLevel.MENTOR_CHASED
    return ChaseLevel.NONE


def next_action(current: ChaseLevel, wanted: ChaseLevel) -> ChaseLevel | None:
    """Escalations only go up, and each level fires once, so a re-run sends no duplicate chase."""
    return wanted if _ORDER.index(wanted) > _ORDER.index(current) else None


# Most reasons are one cause per case, and the subject is its latest detail (which check-in was
# missed, which error stopped the workflow); an overdue task is a cause of its own per task.
_ONE_PER_SUBJECT = frozenset({"task_overdue"})

# What a coordinator reads for each reason.
REASON_WORDS = {
    "task_overdue": "Task overdue",
    "check_in_missed": "Check-ins missed",
    "workflow_failed": "The workflow stopped",
    "outcome_due": "12-month outcome due",
    "no_accommodation": "No accommodation confirmed before release",
    "not_met_at_gate": "Not met at the gate",
    "no_address_on_release": "No address on release",
    "prison_update_refused": "A prison update could not be applied",
    "released_without": "Released without",
}

# What a client must not leave the gate without: a "no" to any of these, at a gate where they were
# met, tells the coordinators at once (the address has its own escalation, from the workflow).
RELEASE_ESSENTIALS: dict[str, str] = {
    "id_and_bank_card": "ID and a bank card",
    "medication": "their prescription and medication",
}


# What a mentor reads for a reminder whose reason is not an escalation's (the sweep's first chase).
CHASE_WORDS = {"check_in_late": "Check-in late"}


class NotMetReason(StrEnum):
    """What happened when the mentor did not meet the client at the gate."""

    RELEASED_AT_ANOTHER_TIME = "released_at_another_time"
    WENT_WITH_FAMILY = "went_with_family"
    NOT_RELEASED = "not_released"
    NOT_FOUND = "not_found"
    OTHER = "other"

    @property
    def client_released(self) -> bool:
        """Not met, but out: everything except "did not come out" (what else happened is not known
        until someone reaches them, so it counts as a release, as the gate's date says)."""
        return self is not NotMetReason.NOT_RELEASED


NOT_MET_WORDS: dict[NotMetReason, str] = {
    NotMetReason.RELEASED_AT_ANOTHER_TIME: "Released earlier or later than planned",
    NotMetReason.WENT_WITH_FAMILY: "Went with family or friends",
    NotMetReason.NOT_RELEASED: "Did not come out (not released that day)",
    NotMetReason.NOT_FOUND: "Could not find them at the gate",
    NotMetReason.OTHER: "Something else",
}
_NOT_MET_VALUES = frozenset(r.value for r in NotMetReason)


def escalation_words(reason: str, subject: str) -> str:
    """What a coordinator reads for an escalation, without task titles: "Not met at the gate: went
    with family or friends"."""
    words = REASON_WORDS.get(reason, reason.replace("_", " ").capitalize())
    if reason == "not_met_at_gate" and subject in _NOT_MET_VALUES:
        what = NOT_MET_WORDS[NotMetReason(subject)]
        words += f": {what[0].lower()}{what[1:]}"
    if reason == "released_without" and subject:
        words += ": " + ", ".join(RELEASE_ESSENTIALS.get(key, key) for key in subject.split(","))
    return words


# Causes a coordinator must see at once, not after `escalation_attention_after_days`: a client nobody
# met at the gate, with nowhere to sleep or without ID or medication, a workflow that stopped.
URGENT_REASONS = frozenset(
    {"not_met_at_gate", "no_address_on_release", "released_without", "workflow_failed"}
)


def cause_of(reason: str, subject: str) -> str:
    """What makes two escalations the same one: raised again, it is the same item, updated."""
    return f"{reason}#{subject}" if reason in _ONE_PER_SUBJECT else reason


# Step Functions' error when a gate's TimeoutSeconds passes with no answer (RecordFailure receives it).
GATE_TIMEOUT = "States.Timeout"


def workflow_failure(error: str, waiting_for: Gate | None) -> str:
    """What the case records when its workflow stops: the error type, and for a gate nobody
    answered in time, which gate ("States.Timeout:assessment")."""
    return f"{GATE_TIMEOUT}:{waiting_for.value}" if error == GATE_TIMEOUT and waiting_for else error


def timed_out_gate(failure: str | None) -> Gate | None:
    kind, _, gate = (failure or "").partition(":")
    return Gate(gate) if kind == GATE_TIMEOUT and gate in Gate.__members__.values() else None


def workflow_stopped_words(failure: str | None) -> str:
    """ "The workflow stopped: nobody answered the check-in step in time", or just that it stopped."""
    gate = timed_out_gate(failure)
    if gate is None:
        return REASON_WORDS["workflow_failed"]
    return (
        f"{REASON_WORDS['workflow_failed']}: nobody answered the {BY_GATE[gate].title.lower()} step in time"
    )
