"""The case and what hangs off it, as the logic layer sees them (the store maps them to items)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import PlannedTask
from throughgate.domain.escalation import (
    RELEASE_ESSENTIALS,
    URGENT_REASONS,
    ChaseLevel,
    NotMetReason,
    cause_of,
    escalation_words,
)
from throughgate.domain.lifecycle import Stage, reached
from throughgate.domain.matching import MentorProfile
from throughgate.domain.mentors import Availability, Clearances, DueItem, Vetting, due_items
from throughgate.domain.needs import NEED_AREA_NAMES, AreaStatus, Level, NeedArea, TaskStatus, needs_support
from throughgate.domain.outcomes import CohortFacts
from throughgate.domain.pathway import GiveBack
from throughgate.domain.reminders import TextReminders
from throughgate.domain.schedule import london_date


class CheckInStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class ReferralState(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DONE = "done"


@dataclass(frozen=True)
class ClientDetails:
    """Personal data: held on the case only, never logged, never in a workflow payload."""

    given_name: str
    family_name: str
    date_of_birth: date
    prison_number: str
    gender: str
    borough: str
    gender_preference: str | None = None
    gang_risk: bool = False
    excluded_areas: frozenset[str] = frozenset()

    @classmethod
    def anonymised(cls) -> ClientDetails:
        """What a case keeps about its client once the retention period has passed: nothing."""
        return cls("", "", date.min, "", "", "")

    @property
    def is_anonymised(self) -> bool:
        return self.prison_number == ""

    @property
    def full_name(self) -> str:
        """What staff call the client on a page ("Anonymised client" once the retention has run)."""
        return f"{self.given_name} {self.family_name}".strip() or "Anonymised client"

    def age_on(self, day: date) -> int:
        """Whole years, as a person would say their age that day."""
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - before_birthday


@dataclass(frozen=True)
class Consent:
    lawful_basis: str
    data_sharing: bool
    recorded_at: datetime


@dataclass(frozen=True)
class Readiness:
    """The readiness review a few days before release: the checklist and what the reviewer noted."""

    accommodation_confirmed: bool
    id_ready: bool
    medication_ready: bool
    probation_appointment_booked: bool
    notes: str
    reviewed_at: datetime


@dataclass(frozen=True)
class ReleaseDay:
    """The release-day checklist as the mentor recorded it at the gate. `checks` holds each question
    answered (met_at_gate, address_confirmed, ...) as yes or no; the details and the notes are free
    text about the person, kept here only."""

    checks: Mapping[str, bool]
    not_met_reason: NotMetReason | None
    not_met_details: str
    notes: str
    recorded_at: datetime

    @property
    def met_at_gate(self) -> bool:
        return self.checks.get("met_at_gate", True)

    @property
    def left_without(self) -> tuple[str, ...]:
        """The essentials (domain.escalation.RELEASE_ESSENTIALS) the mentor found missing at the gate."""
        return tuple(key for key in RELEASE_ESSENTIALS if self.checks.get(key) is False)

    def without_free_text(self) -> ReleaseDay:
        return replace(self, not_met_details="", notes="")


@dataclass(frozen=True)
class MentorHandover:
    """Why the case moved to its mentor now, and the note the previous mentor's work is handed over
    with: personal (about the client), kept on the case only, never in a notification or a log."""

    previous_mentor_id: str
    reason: str
    note: str
    at: datetime


@dataclass
class Case:
    case_id: str
    stage: Stage
    release_on: date
    prison: str
    client: ClientDetails
    created_at: datetime
    payload_hash: str
    version: int | None = None
    revision: int = 0
    first_released_on: date | None = None
    mentor_id: str | None = None
    consent: Consent | None = None
    waiting_for: Gate | None = None
    task_token: str | None = None
    check_in_number: int | None = None
    execution_arn: str | None = None
    workflow_error: str | None = None
    exit_reason: str | None = None
    # Erasure has begun (the mentor's place freed, the workflow's stop owed): a repeat finishes it.
    erasing: bool = False
    housed_on_release_night: bool | None = None
    in_work_at_handover: bool | None = None
    gives_back: GiveBack | None = None  # asked at closure: a wish to give back, e.g. as a peer mentor
    readiness: Readiness | None = None
    release_day: ReleaseDay | None = None
    texts: TextReminders | None = None  # the client agreed to text reminders (personal: the number)
    # What the case counts for in the cohort figures as saved (the store adds the difference).
    counted: CohortFacts | None = None
    # The London date of the latest contact made with the client (a contact logged, a check-in with
    # contact), and of the day the mentor now was given the case: the no-contact flag reads both.
    last_contact_on: date | None = None
    paired_on: date | None = None
    mentor_handover: MentorHandover | None = None  # the latest reassignment's (personal)

    def route_safety_check(self, needs: Iterable[Need]) -> str | None:
        """Why this client needs the route from the gate safety-checked, in words, or None if they
        do not: a gang or peer safety risk at referral, or any gangs-and-peers need assessed (which
        also plans the "safe route to the release address" task)."""
        if self.client.gang_risk:
            return "a gang or peer safety risk was recorded at referral"
        gangs = next((n for n in needs if n.area is NeedArea.GANGS_PEERS), None)
        if gangs is not None and needs_support(gangs.current_level):
            area = NEED_AREA_NAMES[NeedArea.GANGS_PEERS].lower()
            return f"the assessment found a {gangs.current_level.value} need in {area}"
        return None

    # When the latest change of circumstances applied happened (and the feed's sequence number, if
    # it sent one): an older one arriving late must not undo it.
    circumstances_as_of: datetime | None = None
    circumstances_sequence: int | None = None

    def holds_newer_news_than(self, occurred_at: datetime, sequence: int | None = None) -> bool:
        """A change that happened before the latest one applied (by time, then the feed's sequence)."""
        if self.circumstances_as_of is None:
            return False
        latest = (
            self.circumstances_as_of,
            -1 if self.circumstances_sequence is None else self.circumstances_sequence,
        )
        return (occurred_at, -1 if sequence is None else sequence) < latest

    def note_circumstances_as_of(self, occurred_at: datetime, sequence: int | None = None) -> None:
        self.circumstances_as_of, self.circumstances_sequence = occurred_at, sequence

    def readiness_review_late(self, today: date) -> bool:
        """The workflow still waits for the readiness review the day before release or later (the
        London date): release day cannot open until a coordinator has done it."""
        return self.waiting_for is Gate.READINESS_REVIEW and today >= self.release_on - timedelta(days=1)

    def pathway_refused(self) -> str | None:
        """Why a peer-mentor pathway cannot be opened from this case, in words (None: it can). It
        opens from a case that closed after its support (the outcome may have been recorded since),
        never from one that ended another way, nor once the client's details are gone."""
        if self.client.is_anonymised:
            return "The case has been anonymised: a pathway can no longer be opened from it."
        closed = self.stage is Stage.CLOSED or (
            self.stage is Stage.OUTCOME_RECORDED and self.exit_reason == Stage.CLOSED.value
        )
        if not closed:
            return "A peer-mentor pathway opens once the case has closed after its support."
        return None

    def note_contact(self, on: date) -> None:
        """A contact was made with the client on this London date (a late-logged one never moves
        the latest back)."""
        self.last_contact_on = max(on, self.last_contact_on or on)

    def pair_with(self, mentor_id: str, today: date) -> None:
        """The case's mentor is now `mentor_id`, from this London date: a new pair starts counting."""
        self.mentor_id, self.paired_on = mentor_id, today

    def why_not_reassignable(self) -> str | None:
        """Why the case cannot move to another mentor, in words (None: it can): it must have a mentor
        and be on their caseload (matched, not ended, not recalled)."""
        if self.stage.is_terminal or self.stage.is_off_caseload:
            return f"The case is not on a mentor's caseload now ({self.stage.words}): there is no mentor to change."
        if self.mentor_id is None or not reached(self.stage, Stage.MATCHED):
            return "The case has no mentor yet: match one first."
        return None

    def days_without_contact(self, today: date, flag_after_days: int) -> int | None:
        """How many days the mentor and client have gone without contact, once that is more than
        `flag_after_days` (the London date); None when it is not, or when no contact is expected (no
        mentor, not out yet, off the caseload). It counts from the latest of the last contact, the
        release and the day the pair began, so a new mentor is not flagged for the old one's gap."""
        if self.mentor_id is None or not self.stage.expects_regular_contact or self.first_released_on is None:
            return None
        since = max(d for d in (self.last_contact_on, self.first_released_on, self.paired_on) if d)
        days = (today - since).days
        return days if days > flag_after_days else None

    @property
    def is_released(self) -> bool:
        """The client came through the gate (the release-day form was saved), whatever happened
        since: a recall or disengagement after release still counts for the outcome figures."""
        return self.first_released_on is not None


@dataclass
class Need:
    area: NeedArea
    entry_level: Level
    current_level: Level
    status: AreaStatus
    notes: str = ""
    exit_level: Level | None = None
    referral_service: str | None = None
    referral_state: ReferralState | None = None

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True)
class TaskUpdate:
    at: datetime
    actor: str
    status: TaskStatus
    note: str = ""


@dataclass
class Task:
    case_id: str
    task_key: str
    area: NeedArea
    title: str
    due_on: date
    due_offset_days: int
    owner_role: str
    critical: bool
    status: TaskStatus = TaskStatus.OPEN
    chase_level: ChaseLevel = ChaseLevel.NONE
    updates: list[TaskUpdate] = field(default_factory=list)

    @classmethod
    def from_plan(cls, case: Case, planned: PlannedTask, earliest: date | None = None) -> Task:
        """The case's task for a catalogue template, due as planned (or not before `earliest`); its
        offset from the release date is kept so that a moved release date moves it too."""
        due_on = max(planned.due_on, earliest) if earliest else planned.due_on
        return cls(
            case_id=case.case_id,
            task_key=planned.template_key,
            area=planned.area,
            title=planned.title,
            due_on=due_on,
            due_offset_days=(due_on - case.release_on).days,
            owner_role=planned.owner_role.value,
            critical=planned.critical,
        )

    def is_due_by(self, day: date) -> bool:
        """Still to do and due on or before `day` (overdue ones too): "due this week"."""
        return not self.status.is_closed and self.due_on <= day

    def is_overdue(self, today: date) -> bool:
        """Still to do after its due date (`today` is the London date): due today is not overdue."""
        return not self.status.is_closed and self.due_on < today


@dataclass
class CheckIn:
    case_id: str
    number: int
    due_at: datetime
    status: CheckInStatus = CheckInStatus.OPEN
    chase_level: ChaseLevel = ChaseLevel.NONE
    contact_made: bool | None = None
    notes: str = ""

    @property
    def kept(self) -> bool | None:
        """For the funders' figures: kept (done, contact made), not kept (missed, or done without
        contact), or None while it is open or once it was cancelled."""
        if self.status is CheckInStatus.MISSED:
            return False
        return bool(self.contact_made) if self.status is CheckInStatus.DONE else None


class ContactMethod(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    TEXT = "text"
    LETTER = "letter"
    PRISON_VISIT = "prison_visit"


# A change of circumstances, as a person reads it (the form's choices, the timeline, escalations).
CHANGE_WORDS = {
    "release_date_changed": "Release date changed",
    "new_sentence": "New sentence",
    "recalled": "Recalled to prison",
    "transferred": "Transferred to another prison",
    "disengaged": "Disengaged",
    "consent_withdrawn": "Consent withdrawn",
    "died": "Died",
}

CONTACT_METHOD_WORDS = {
    ContactMethod.IN_PERSON: "In person",
    ContactMethod.PHONE: "Phone",
    ContactMethod.VIDEO: "Video call",
    ContactMethod.TEXT: "Text message",
    ContactMethod.LETTER: "Letter",
    ContactMethod.PRISON_VISIT: "Prison visit",
}


@dataclass(frozen=True)
class Contact:
    """A contact with the client (or an attempt), logged by the mentor or a coordinator."""

    case_id: str
    contact_id: str
    on: datetime  # when it happened
    method: ContactMethod
    made: bool  # contact was made, or only attempted
    minutes: int
    areas: frozenset[NeedArea]
    note: str  # personal: what was said
    by: str  # an actor label
    logged_at: datetime


@dataclass(frozen=True)
class TimelineEvent:
    """What happened, by whom, when. `detail` holds ids and enum values, never personal values."""

    at: datetime
    kind: str
    actor: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Escalation:
    """Something a coordinator must look at. One per cause (`cause_of`): raised again, it counts up;
    it is resolved when its cause goes, or by a coordinator with a note."""

    case_id: str
    raised_at: datetime  # first raised
    reason: str
    target_role: str
    subject: str = ""
    open: bool = True
    times_raised: int = 1
    last_raised_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str = ""  # an actor label: role and staff id
    resolution: str = ""  # the coordinator's note, or why it resolved itself

    @property
    def cause(self) -> str:
        return cause_of(self.reason, self.subject)

    @property
    def words(self) -> str:
        return escalation_words(self.reason, self.subject)

    def open_longer_than(self, days: int, today: date) -> bool:
        """Still open more than `days` days after it was first raised (by the London date)."""
        return self.open and (today - london_date(self.raised_at)).days > days

    @property
    def is_urgent(self) -> bool:
        """To be seen at once (a client not met at the gate), not only once it has waited."""
        return self.open and self.reason in URGENT_REASONS

    def needs_attention(self, after_days: int, today: date) -> bool:
        return self.is_urgent or self.open_longer_than(after_days, today)

    def raised_again(self, now: datetime, subject: str) -> Escalation:
        return replace(
            self,
            open=True,
            subject=subject,
            times_raised=self.times_raised + 1,
            last_raised_at=now,
            resolved_at=None,
            resolved_by="",
            resolution="",
        )

    def resolved(self, now: datetime, by: str, resolution: str) -> Escalation:
        return replace(self, open=False, resolved_at=now, resolved_by=by, resolution=resolution)


@dataclass(frozen=True)
class Outcome:
    case_id: str
    proven_reoffending: bool
    housed: bool
    in_work_or_training: bool
    recorded_at: datetime


@dataclass(frozen=True)
class Mentor:
    """A mentor's record: the profile a coordinator keeps, the latest check of each kind and the
    caseload count (the checks' history is kept beside it: domain.mentors)."""

    mentor_id: str  # the mentor's sign-in username
    display_name: str
    gender: str
    boroughs: frozenset[str]
    capacity: int
    active_cases: int
    lived_experience: frozenset[NeedArea]
    linked_areas: frozenset[str]
    avoid_areas: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ()
    availability: Availability = field(default_factory=Availability)
    clearances: Clearances = field(default_factory=Clearances)
    vetting: Vetting = field(default_factory=Vetting)

    @property
    def has_room(self) -> bool:
        return self.profile().has_room

    def one_case_more(self) -> Mentor:
        return replace(self, active_cases=self.active_cases + 1)

    def one_case_fewer(self) -> Mentor:
        """A case left the caseload; never below zero (an old count cannot go negative)."""
        return replace(self, active_cases=max(0, self.active_cases - 1))

    def due_on(self, day: date) -> list[DueItem]:
        """Checks and clearances lapsed, or lapsing within the coordinators' window of `day`."""
        return due_items(self.mentor_id, self.display_name, self.vetting, self.clearances, day=day)

    def profile(self, *, left: bool = False) -> MentorProfile:
        """What matching sees: no display name, no condition's text; `left`: their account is
        deactivated (the staff record says so, not the mentor record)."""
        return MentorProfile(
            mentor_id=self.mentor_id,
            gender=self.gender,
            boroughs=self.boroughs,
            capacity=self.capacity,
            active_cases=self.active_cases,
            lived_experience=self.lived_experience,
            linked_areas=self.linked_areas,
            availability=self.availability,
            vetting=self.vetting,
            clearances=self.clearances,
            avoid_areas=self.avoid_areas,
            left=left,
        )
