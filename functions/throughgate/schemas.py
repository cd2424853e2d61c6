"""Typed input at every boundary: forms and API bodies, prison events, workflow payloads.

Allow-lists and bounds everywhere; a rejected value is reported by field name, and the value itself
never appears in the message (it may be personal). Input models are strict: JSON types are not
coerced (`"yes"` or `1` is not a boolean, a number is not a date), and free text is printable:
control characters (a line break only where the text is multi-line) and the bidirectional
override and isolate controls that can make text display as something else are refused.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from throughgate.domain.case import ContactMethod, ReferralState
from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import InvalidInput
from throughgate.domain.escalation import NotMetReason
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import NEED_AREA_NAMES, Level, NeedArea, TaskStatus
from throughgate.domain.pathway import ConsentHow, GiveBack, PathwayStage
from throughgate.domain.reminders import AppointmentKind, uk_mobile
from throughgate.domain.staff import USERNAME

_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
# Controls (C0, DEL, C1), lone surrogates, and the bidi embedding, override and isolate controls;
# multi-line text may also hold tabs and line breaks.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_NOT_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _one_line(value: str) -> str:
    if _NOT_ONE_LINE.search(value):
        raise ValueError("must only include letters, numbers, spaces and punctuation, on one line")
    return value


def _multi_line(value: str) -> str:
    if _NOT_MULTI_LINE.search(value):
        raise ValueError("must only include letters, numbers, spaces, punctuation and line breaks")
    return value


# Ids we are sent (submission ids, idempotency keys, event ids): short, plain, safe in a key.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{7,63}")
Id = Annotated[str, StringConstraints(pattern=f"^{_ID.pattern}$")]


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(_one_line)
]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_multi_line)]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=load_programme().override_reason_max_chars),
    AfterValidator(_multi_line),
]
TaskNote = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(_multi_line)
]


def _upper_case(value: Any) -> Any:
    """ "a1234bc" typed on a phone is the same prison number (anything else is left to the type)."""
    return value.strip().upper() if isinstance(value, str) else value


def _lower_case(value: object) -> object:
    """A username typed with capitals (MENTOR-0012) is the same username."""
    return value.lower() if isinstance(value, str) else value


PrisonCode = Annotated[str, BeforeValidator(_upper_case), StringConstraints(pattern=r"^[A-Z]{3}$")]
PrisonNumber = Annotated[
    str, BeforeValidator(_upper_case), StringConstraints(pattern=r"^[A-Z][0-9]{4}[A-Z]{2}$")
]
Gender = Literal["female", "male", "non_binary", "other"]


class Strict(BaseModel):
    """Input from outside: validated from JSON (`model_validate_json`), as the strict mode expects.

    Every model in this module defers building its validator to first use (`defer_build`): a handler
    validates only a few of them, and building them all at import was most of a cold start."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, strict=True, defer_build=True
    )


class ClientIn(Strict):
    given_name: ShortText
    family_name: ShortText
    date_of_birth: date
    prison_number: PrisonNumber
    gender: Gender
    borough: ShortText
    gender_preference: Gender | None = None
    gang_risk: bool = False
    excluded_areas: list[ShortText] = Field(default_factory=list, max_length=10)

    @field_validator("given_name", "family_name")
    @classmethod
    def _letters(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must only include letters, spaces, hyphens and apostrophes")
        return value


class ReferralIn(Strict):
    submission_id: Id
    client: ClientIn
    release_on: date
    prison: PrisonCode


class ReferralBody(ReferralIn):
    """The API's referral body: its submission id is the request's Idempotency-Key, which the body
    may repeat but never contradict."""

    submission_id: Id | None = None  # type: ignore[assignment]

    def with_key(self, key: str) -> ReferralIn:
        if self.submission_id not in {None, key}:
            raise InvalidInput(
                "must be the same as the Idempotency-Key header, or left out", field="submission_id"
            )
        return ReferralIn.model_validate_json(
            self.model_copy(update={"submission_id": key}).model_dump_json()
        )


class ConsentIn(Strict):
    consent_given: bool
    lawful_basis: Literal["consent", "public_task", "legitimate_interests"]
    data_sharing: bool
    # Text reminders of appointments: only with the client's agreement, to the number they gave.
    text_reminders: bool = False
    mobile: Annotated[str, StringConstraints(max_length=20)] | None = None

    @field_validator("mobile")
    @classmethod
    def _uk_mobile(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        e164 = uk_mobile(value)
        if e164 is None:
            raise ValueError("must be a UK mobile number")
        return e164


class AppointmentIn(Strict):
    """An appointment the client has (or a meeting arranged with the mentor): when, not where."""

    kind: AppointmentKind
    on: date
    at: Annotated[str, StringConstraints(pattern=r"^([01]?[0-9]|2[0-3])[:.][0-5][0-9]$")]

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = re.split(r"[:.]", self.at)
        return int(hour), int(minute)


class NeedIn(Strict):
    level: Level
    notes: Notes = ""


class AssessmentIn(Strict):
    needs: dict[NeedArea, NeedIn]

    @model_validator(mode="after")
    def _every_area(self) -> AssessmentIn:
        missing = [NEED_AREA_NAMES[a] for a in NeedArea if a not in self.needs]
        if missing:
            raise ValueError(f"Select the level of need for every need area (not yet: {'; '.join(missing)})")
        return self


class MentorMatchIn(Strict):
    mentor_id: Id
    override_reason: Reason | None = None


class TaskUpdateIn(Strict):
    status: TaskStatus
    note: TaskNote = ""
    # How many updates the task had when the form was opened: a later one by someone else is a
    # conflict to show, not to overwrite.
    seen_updates: int | None = Field(default=None, ge=0, le=100_000)


class ReadinessIn(Strict):
    accommodation_confirmed: bool
    id_ready: bool
    medication_ready: bool
    probation_appointment_booked: bool
    notes: Notes = ""


RELEASE_CHECKS = (
    "address_confirmed",
    "id_and_bank_card",
    "phone",
    "medication",
    "probation_attended",
    "universal_credit_booked",
    "weekend_food_and_money",
)  # the checklist at the gate, in the form's order


class ReleaseDayIn(Strict):
    """The checklist at the gate. Not met: what happened is required (and, for "other", the
    details); met, whatever was sent about it is not kept. The route safety check is required for a
    client who needs one (a rule of the case: logic.actions checks it)."""

    met_at_gate: bool
    not_met_reason: NotMetReason | None = Field(default=None, validate_default=True)
    not_met_details: Notes = Field(default="", validate_default=True)
    # Asked only of a client who was met: a mentor left waiting cannot know what they came out with.
    address_confirmed: bool | None = Field(default=None, validate_default=True)
    id_and_bank_card: bool | None = Field(default=None, validate_default=True)
    phone: bool | None = Field(default=None, validate_default=True)
    medication: bool | None = Field(default=None, validate_default=True)
    probation_attended: bool | None = Field(default=None, validate_default=True)
    universal_credit_booked: bool | None = Field(default=None, validate_default=True)
    weekend_food_and_money: bool | None = Field(default=None, validate_default=True)
    route_safety_checked: bool | None = None
    notes: Notes = ""

    @property
    def checks(self) -> dict[str, bool | None]:
        """The checklist's yes-or-no answers, in the form's order (None: not asked)."""
        yes_or_no = (bool, bool | None)
        return {n: getattr(self, n) for n, f in type(self).model_fields.items() if f.annotation in yes_or_no}

    @field_validator("not_met_reason")
    @classmethod
    def _say_what_happened(cls, value: NotMetReason | None, info: ValidationInfo) -> NotMetReason | None:
        if value is None and info.data.get("met_at_gate") is False:
            raise ValueError("Say what happened when the client was not met at the gate")
        return value

    @field_validator(*RELEASE_CHECKS)
    @classmethod
    def _checked_when_met(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        if info.data.get("met_at_gate") is True and value is None:
            raise ValueError("Select yes or no: the client was met at the gate, so this needs an answer")
        return None if info.data.get("met_at_gate") is False else value

    @field_validator("not_met_details")
    @classmethod
    def _describe_something_else(cls, value: str, info: ValidationInfo) -> str:
        met = info.data.get("met_at_gate")
        if met is False and info.data.get("not_met_reason") is NotMetReason.OTHER and not value:
            raise ValueError("Describe what happened at the gate: you chose something else")
        return value


class CheckInIn(Strict):
    number: int = Field(ge=1, le=100)
    contact_made: bool
    new_needs: dict[NeedArea, Level] = Field(default_factory=dict)
    notes: Notes = ""


class HandoverNeedIn(Strict):
    outcome: Literal["done", "declined", "referred"]
    service: ShortText | None = None
    referral_state: ReferralState | None = None

    @model_validator(mode="after")
    def _referral_complete(self) -> HandoverNeedIn:
        if self.outcome == "referred" and (self.service is None or self.referral_state is None):
            raise ValueError(
                "Enter the community service and select the referral state for a need referred to one"
            )
        return self


class HandoverIn(Strict):
    needs: dict[NeedArea, HandoverNeedIn] = Field(default_factory=dict)
    exit_levels: dict[NeedArea, Level]
    in_work_or_training: bool
    # Does the client want to give back (e.g. as a peer mentor)? A note: it opens nothing by itself.
    gives_back: GiveBack = GiveBack.NOT_ASKED

    @model_validator(mode="after")
    def _every_area(self) -> HandoverIn:
        missing = [NEED_AREA_NAMES[a] for a in NeedArea if a not in self.exit_levels]
        if missing:
            raise ValueError(
                f"Select the level of need now for every need area (not yet: {'; '.join(missing)})"
            )
        return self


class PathwayOpenIn(Strict):
    """The person's own consent to a peer-mentor pathway, and the record it opens."""

    consent_given: bool
    consent_on: date
    consent_how: ConsentHow
    display_name: ShortText  # the name they chose to be known by on the pathway (personal)
    note: Notes = ""


# A criterion's key (catalogue/pathway.json): lower case and underscores.
_CRITERION_KEY = re.compile(r"[a-z][a-z_]{0,39}")


def _criterion_key(value: str) -> str:
    if not _CRITERION_KEY.fullmatch(value):
        raise ValueError("must be a criterion's key: lower case letters and _")
    return value


CriterionKey = Annotated[str, StringConstraints(max_length=40), AfterValidator(_criterion_key)]


class PathwayMoveIn(Strict):
    """A move along the pathway (or its withdrawal), with the coordinator's answers to the
    criteria the programme does not record itself."""

    to: PathwayStage
    on: date
    checks: dict[CriterionKey, bool] = Field(default_factory=dict, max_length=20)
    note: Notes = ""


class OutcomeIn(Strict):
    proven_reoffending: bool
    housed: bool
    in_work_or_training: bool


class ContactIn(Strict):
    """A contact with the client, or an attempt at one."""

    on: date
    method: ContactMethod
    made: bool
    minutes: int = Field(ge=1, le=600)
    areas: list[NeedArea] = Field(default_factory=list, max_length=len(NeedArea))
    note: Notes = ""


class ResolveEscalationIn(Strict):
    """A coordinator closes an open escalation of the case, saying what was done."""

    cause: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}(#[a-z0-9_.-]{1,100})?$")]
    note: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
        AfterValidator(_multi_line),
    ]


class ClearanceIn(Strict):
    prison: PrisonCode
    expires_on: date


class MentorProfileIn(Strict):
    """A mentor's profile (`PUT /mentors/{mentor_id}`, the profile form): the whole of it each time.
    The mentor id is the mentor's sign-in username, from the address."""

    display_name: ShortText
    gender: Gender
    boroughs: list[ShortText] = Field(min_length=1, max_length=10)
    capacity: int = Field(ge=1, le=30)
    lived_experience: list[NeedArea] = Field(default_factory=list, max_length=10)
    linked_areas: list[ShortText] = Field(default_factory=list, max_length=10)
    avoid_areas: list[ShortText] = Field(default_factory=list, max_length=10)
    languages: list[ShortText] = Field(default_factory=list, max_length=10)
    availability: Literal["active", "paused", "on_leave"] = "active"
    on_leave_until: date | None = None
    clearances: list[ClearanceIn] = Field(default_factory=list, max_length=20)


CheckKindKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


class MentorCheckIn(Strict):
    """One check on a mentor's record (`POST /mentors/{mentor_id}/checks`). With no expiry date the
    catalogue's validity for the kind applies."""

    kind: CheckKindKey
    checked_on: date
    expires_on: date | None = None
    outcome: Literal["cleared", "cleared_with_conditions", "not_cleared"] = "cleared"
    level: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None
    conditions: Notes = ""
    avoid_areas: list[ShortText] = Field(default_factory=list, max_length=10)


class TrainingIn(Strict):
    """A training session a mentor attended (`POST /mentors/{mentor_id}/training`)."""

    attended_on: date
    title: ShortText
    hours: float = Field(gt=0, le=40, multiple_of=0.25)


StaffRole = Literal["coordinator", "mentor", "manager"]
# The shape of an address, not a full check (the invitation proves it); 254: the longest one SMTP takes.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address, like name@example.org")
    return value


class StaffIn(Strict):
    """A new member of staff: the username is a staff id (never their name: it is in addresses)."""

    username: Annotated[
        str,
        BeforeValidator(_lower_case),
        StringConstraints(strip_whitespace=True, pattern=f"^{USERNAME.pattern}$"),
    ]
    role: StaffRole
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]
    display_name: ShortText


class StaffRoleIn(Strict):
    role: StaffRole


RequiredNote = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(_multi_line)
]


class SupervisionIn(Strict):
    """A coordinator records a supervision session with a mentor; `next_due_on` left out is the
    programme's default interval after it (domain.supervision)."""

    held_on: date
    note: RequiredNote  # personal: coordinators and the mentor only
    next_due_on: date | None = None


class ReassignIn(Strict):
    """A coordinator moves a case to another mentor: why, and a handover note for the new mentor
    (kept on the case, never in a notification or a log)."""

    mentor_id: Id
    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=load_programme().override_reason_max_chars
        ),
        AfterValidator(_multi_line),
    ]
    handover_note: Notes = ""


SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=60), AfterValidator(_one_line)
]


class CaseSearchIn(Strict):
    """Find a case: part of a name, a prison number or a case reference, and the filters; a page
    of 20 (domain.search, logic.search). Sent in a body, never in an address: it may be personal."""

    text: SearchText | None = None
    stage: Stage | None = None
    mentor_id: Id | None = None
    released_from: date | None = None
    released_to: date | None = None
    needs_attention: bool = False
    page: int = Field(default=1, ge=1, le=1000)

    @field_validator("released_to")
    @classmethod
    def _window(cls, value: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("released_from")
        if value is not None and first is not None and value < first:
            raise ValueError("must be on or after the start of the release window")
        return value


# -- changes of circumstance: coordinator actions and the prison-events feed share these ----------
class _Circumstance(Strict):
    event_id: Id


class ReleaseDateChanged(_Circumstance):
    type: Literal["release_date_changed"]
    new_release_on: date


class Recalled(_Circumstance):
    type: Literal["recalled"]


class NewSentence(_Circumstance):
    """Back in custody on a new sentence; before release it just moves the release date."""

    type: Literal["new_sentence"]
    new_release_on: date | None = None


class Transferred(_Circumstance):
    type: Literal["transferred"]
    prison: PrisonCode


class Disengaged(_Circumstance):
    type: Literal["disengaged"]


class ConsentWithdrawn(_Circumstance):
    type: Literal["consent_withdrawn"]


class Died(_Circumstance):
    type: Literal["died"]


def _change_type(value: Any) -> str | None:
    tag = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return tag if isinstance(tag, str) else None


# A callable discriminator, because only that takes a custom error: pydantic's own message for an
# unknown type quotes the value sent.
Circumstance = Annotated[
    Annotated[ReleaseDateChanged, Tag("release_date_changed")]
    | Annotated[Recalled, Tag("recalled")]
    | Annotated[NewSentence, Tag("new_sentence")]
    | Annotated[Transferred, Tag("transferred")]
    | Annotated[Disengaged, Tag("disengaged")]
    | Annotated[ConsentWithdrawn, Tag("consent_withdrawn")]
    | Annotated[Died, Tag("died")],
    Discriminator(
        _change_type, custom_error_type="change_type", custom_error_message="type is not a known change"
    ),
]


class ErasureIn(Strict):
    """Erasure is irreversible: the coordinator names the reason and types the case id to confirm."""

    reason: Literal["subject_request", "consent_withdrawn", "recorded_in_error"]
    confirm_case_id: str = Field(min_length=36, max_length=36)


class CircumstanceIn(Strict):
    change: Circumstance


class RestartIn(Strict):
    """A coordinator starts a stopped workflow again, from the step the case is at."""

    restart: bool


class InboundText(Strict):
    """A text a client sent to the programme's number, as AWS End User Messaging SMS's two-way
    messaging publishes it to its SNS topic (only the fields read here; the rest are ignored)."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, strict=True, defer_build=True, populate_by_name=True
    )

    origination_number: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")] = Field(
        alias="originationNumber"
    )
    message_body: Annotated[str, StringConstraints(max_length=1600)] = Field(alias="messageBody")


class PrisonEvent(Strict):
    """A prison-events feed message (docs/events.md): identifies the case by prison number."""

    prison_number: PrisonNumber
    change: Circumstance
    occurred_at: AwareDatetime  # when it happened in the prison, not when it reached us
    sequence: int | None = Field(default=None, ge=0)  # the feed's own order, where it has one


# -- workflow payloads ------------------------------------------------------------------------------
class StepIn(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    case_id: Id
    revision: int = Field(ge=0)


class StartIn(StepIn):
    """The workflow-start schedule's input: start this revision's execution at this entry point."""

    entry: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]


class GateIn(StepIn):
    gate: Gate
    token: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    check_in_number: int | None = None


class AreaTasksIn(StepIn):
    area: NeedArea
    level: Level


class AdvanceIn(StepIn):
    stage: Literal["pre_release"]


class EscalationIn(StepIn):
    reason: Literal["no_accommodation", "not_met_at_gate", "no_address_on_release"]


class FailureIn(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    case_id: Id
    error: Annotated[str, StringConstraints(max_length=128)]
    revision: int | None = Field(default=None, ge=0)  # the failed execution's; None from older runs


class ExecutionEndedIn(BaseModel):
    """EventBridge's "Step Functions Execution Status Change" detail, for an execution that ended
    without succeeding. Its name is `<case id>-r<revision>` (adapters.aws.execution_name)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    name: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}-r[0-9]{1,6}$")]
    status: Literal["FAILED", "TIMED_OUT", "ABORTED"]

    @property
    def case_id(self) -> str:
        return self.name.rsplit("-r", 1)[0]

    @property
    def revision(self) -> int:
        return int(self.name.rsplit("-r", 1)[1])


class CaseRef(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    case_id: Id


_KEY = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,30}$")]
_CASE_ID = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]


class TimeEntryIn(Strict):
    """A mentor's time and expenses for one piece of work (domain.volunteering checks the
    programme's limits): a case by its id only; the expense note is short and about the expense."""

    on: date
    minutes: int = Field(ge=0, le=24 * 60)
    activity: _KEY
    case_id: _CASE_ID | None = None
    travel_mode: _KEY = "none"
    miles: int = Field(default=0, ge=0, le=10_000)
    fares_pence: int = Field(default=0, ge=0, le=10_000_000)
    expense_pence: int = Field(default=0, ge=0, le=10_000_000)
    expense_note: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=60), AfterValidator(_one_line)
    ] = ""


class TimeQueryIn(Strict):
    """A coordinator's question about a time entry, in words the mentor reads."""

    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
        AfterValidator(_multi_line),
    ]
