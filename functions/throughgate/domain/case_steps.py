"""Every step a person takes on a case, in one table: the staff roles, the workflow's gates, the
acts staff may do and who may do them.

Each case step says its address, who may take it, the input model it validates, the logic action it
calls, the workflow gate it resumes (if any) and who that gate's notification goes to, and the
words a person reads for it. The API's and the web's case routes, the access table, the audit's
route words, the case page's "next step" link and the simulation's reactions are all read from here
(CONTRIBUTING.md has the recipe for adding one).

Cheap to import: models and actions are named as "module:attribute" and imported on first use, so
a handler's cold start does not pay for the logic behind routes its first request does not take.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from throughgate.domain.needs import Level, NeedArea
from throughgate.domain.schedule import ServiceGap


class Role(StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    MANAGER = "manager"
    SYSTEM = "system"


class Gate(StrEnum):
    """Human steps the release workflow waits for (each a `.waitForTaskToken`)."""

    ASSESSMENT = "assessment"
    MENTOR_MATCH = "mentor_match"
    READINESS_REVIEW = "readiness_review"
    RELEASE_DAY = "release_day"
    CHECK_IN = "check_in"
    HANDOVER = "handover"


class Act(StrEnum):
    READ = "read"
    REFER = "refer"
    RECORD_CONSENT = "record_consent"
    ASSESS = "assess"
    SUGGEST_MENTORS = "suggest_mentors"
    ASSIGN_MENTOR = "assign_mentor"
    UPDATE_TASK = "update_task"
    REVIEW_READINESS = "review_readiness"
    RECORD_RELEASE_DAY = "record_release_day"
    CHECK_IN = "check_in"
    CLOSE = "close"
    RECORD_OUTCOME = "record_outcome"
    CHANGE_CIRCUMSTANCES = "change_circumstances"
    READ_AUDIT = "read_audit"
    EXPORT_SUBJECT_DATA = "export_subject_data"
    ERASE = "erase"
    EXPORT_OUTCOMES = "export_outcomes"
    READ_OUTCOMES = "read_outcomes"
    EXPORT_JUSTICE_DATA_LAB = "export_justice_data_lab"
    RESOLVE_ESCALATION = "resolve_escalation"
    LOG_CONTACT = "log_contact"
    FIND_CASES = "find_cases"
    READ_RELEASE_PACK = "read_release_pack"
    RESTART_WORKFLOW = "restart_workflow"
    READ_UNAPPLIED_UPDATES = "read_unapplied_updates"
    DEAL_WITH_UNAPPLIED_UPDATE = "deal_with_unapplied_update"
    RECORD_APPOINTMENT = "record_appointment"
    MANAGE_STAFF = "manage_staff"
    # Volunteer hours and expenses (domain.volunteering): a mentor's own, or any for coordinators.
    RECORD_TIME = "record_time"
    READ_TIME = "read_time"
    APPROVE_TIME = "approve_time"
    READ_VOLUNTEERING = "read_volunteering"
    # The peer-mentor pathway (domain.pathway): opened on a closed case, then a record of its own.
    OPEN_PATHWAY = "open_pathway"
    MANAGE_PATHWAYS = "manage_pathways"  # read one with its personal values, move it, withdraw it
    COUNT_PATHWAYS = "count_pathways"  # how many are at each stage: nobody's name
    REASSIGN = "reassign"
    RECORD_SUPERVISION = "record_supervision"
    READ_SUPERVISION = "read_supervision"  # a mentor reads their own record only (logic.supervision)
    MANAGE_MENTORS = "manage_mentors"  # a mentor's profile, checks and training
    READ_MENTORS = "read_mentors"  # the list of mentors and the checks due
    READ_MENTOR_RECORD = "read_mentor_record"  # one mentor's record: a mentor their own only


EVERYONE = frozenset({Role.COORDINATOR, Role.MENTOR, Role.MANAGER})
COORDINATORS = frozenset({Role.COORDINATOR})
CASEWORKERS = frozenset({Role.COORDINATOR, Role.MENTOR})  # who works a case: never a manager


@dataclass(frozen=True)
class MentorChoice:
    mentor_id: str
    display_name: str
    reasons: tuple[str, ...]  # why the matching ranks them here, in words


@dataclass(frozen=True)
class StepOptions:
    """What a step's form offers that depends on the case (logic.views.step_options fills it)."""

    mentors: tuple[MentorChoice, ...] = ()  # best match first
    excluded: tuple[MentorChoice, ...] = ()  # mentors the hard rules leave out, with why in words
    open_areas: tuple[NeedArea, ...] = ()  # needs still open, for the handover
    escalations: tuple[tuple[str, str], ...] = ()  # (cause, in words) of those still open
    service_gap: ServiceGap | None = None  # days without services after the release
    route_check: str | None = None  # why the client needs a route safety check, None if not
    current_mentor: MentorChoice | None = None  # a case matched before (a re-match after a recall)
    entry_levels: tuple[tuple[NeedArea, Level], ...] = ()  # each area's level at the assessment
    before_release: bool = False  # a new sentence then moves the release date


def _shape_stage(result: Any) -> dict[str, Any]:
    return {"stage": result.stage.value}


@dataclass(frozen=True)
class CaseStep:
    """One form on a case. `path` follows /cases/{case_id}/ in the web app (and in the API unless
    `api_path` differs); a `per_task` step's address goes on with /{task_key}."""

    key: str  # the web form's key, and `?saved=` after it
    path: str
    act: Act
    roles: frozenset[Role]
    model: str  # "module:Class", the input model both the API and the web form validate
    action: str  # "module:function", called (deps, actor, case_id, form, submission_id=...)
    title: str  # what a person reads for it, e.g. in the audit trail: "Pre-release assessment"
    gate: Gate | None = None  # the workflow gate this step resumes
    gate_owner: Role | None = None  # who is told the gate is open
    api_path: str | None = None
    per_task: bool = False
    # The API answers retries by the Idempotency-Key header; steps that are idempotent by their own
    # content (an event id, an erasure's confirmation) do not ask for one.
    idempotency_key: bool = True
    api_result: Callable[[Any], dict[str, Any]] = _shape_stage  # the API's answer, beside case_id
    web_done: str = "/cases/{case_id}?saved={key}"  # where the web form goes once saved
    saved: str = ""  # the banner there, when "<title> saved" does not read well

    @property
    def saved_words(self) -> str:
        return self.saved or f"{self.title} saved"

    @property
    def acted_on_by(self) -> frozenset[Role]:
        """Who does the step while the workflow waits at its gate: its owner when the owner may
        submit it, else whoever may (the mentor prepares a handover; a coordinator submits it)."""
        if self.gate_owner is not None and self.gate_owner in self.roles:
            return frozenset({self.gate_owner})
        return self.roles

    @property
    def api_address(self) -> str:
        return self.api_path or self.path

    def input_model(self) -> Any:
        return _attribute(self.model)

    def run(self) -> Callable[..., Any]:
        run: Callable[..., Any] = _attribute(self.action)
        return run


def _attribute(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)


_ACTIONS = "throughgate.logic.actions"
_SCHEMAS = "throughgate.schemas"

CASE_STEPS: tuple[CaseStep, ...] = (
    CaseStep(
        "consent",
        "consent",
        Act.RECORD_CONSENT,
        COORDINATORS,
        f"{_SCHEMAS}:ConsentIn",
        f"{_ACTIONS}:record_consent",
        "Consent",
    ),
    CaseStep(
        "assessment",
        "assessment",
        Act.ASSESS,
        COORDINATORS,
        f"{_SCHEMAS}:AssessmentIn",
        f"{_ACTIONS}:submit_assessment",
        "Pre-release assessment",
        gate=Gate.ASSESSMENT,
        gate_owner=Role.COORDINATOR,
    ),
    CaseStep(
        "mentor_match",
        "mentor",
        Act.ASSIGN_MENTOR,
        COORDINATORS,
        f"{_SCHEMAS}:MentorMatchIn",
        f"{_ACTIONS}:confirm_mentor",
        "Mentor match",
        gate=Gate.MENTOR_MATCH,
        gate_owner=Role.COORDINATOR,
        api_result=lambda case: {"stage": case.stage.value, "mentor_id": case.mentor_id},
    ),
    CaseStep(
        "task",
        "tasks",
        Act.UPDATE_TASK,
        CASEWORKERS,
        f"{_SCHEMAS}:TaskUpdateIn",
        f"{_ACTIONS}:update_task",
        "Task update",
        per_task=True,
        api_result=lambda task: {"task_key": task.task_key, "status": task.status.value},
    ),
    CaseStep(
        "readiness",
        "readiness",
        Act.REVIEW_READINESS,
        COORDINATORS,
        f"{_SCHEMAS}:ReadinessIn",
        f"{_ACTIONS}:submit_readiness",
        "Readiness review",
        gate=Gate.READINESS_REVIEW,
        gate_owner=Role.COORDINATOR,
    ),
    CaseStep(
        "release_day",
        "release-day",
        Act.RECORD_RELEASE_DAY,
        CASEWORKERS,
        f"{_SCHEMAS}:ReleaseDayIn",
        f"{_ACTIONS}:submit_release_day",
        "Release day",
        gate=Gate.RELEASE_DAY,
        gate_owner=Role.MENTOR,
    ),
    CaseStep(
        "check_in",
        "check-in",
        Act.CHECK_IN,
        CASEWORKERS,
        f"{_SCHEMAS}:CheckInIn",
        f"{_ACTIONS}:submit_check_in",
        "Check-in",
        gate=Gate.CHECK_IN,
        gate_owner=Role.MENTOR,
        api_path="check-ins",
    ),
    CaseStep(
        "handover",
        "handover",
        Act.CLOSE,
        COORDINATORS,
        f"{_SCHEMAS}:HandoverIn",
        f"{_ACTIONS}:submit_handover",
        "Handover",
        gate=Gate.HANDOVER,
        gate_owner=Role.MENTOR,  # the mentor prepares the handover; a coordinator submits it
        api_result=lambda result: {
            "stage": result.case.stage.value,
            "still_open": list(result.still_open),
        },
    ),
    CaseStep(
        "outcome",
        "outcome",
        Act.RECORD_OUTCOME,
        COORDINATORS,
        f"{_SCHEMAS}:OutcomeIn",
        f"{_ACTIONS}:record_outcome",
        "12-month outcome",
    ),
    CaseStep(
        "contact",
        "contacts",
        Act.LOG_CONTACT,
        CASEWORKERS,
        f"{_SCHEMAS}:ContactIn",
        f"{_ACTIONS}:log_contact",
        "Contact with the client",
        api_result=lambda contact: {"contact_id": contact.contact_id},
    ),
    CaseStep(
        "appointment",
        "appointments",
        Act.RECORD_APPOINTMENT,
        CASEWORKERS,
        f"{_SCHEMAS}:AppointmentIn",
        "throughgate.logic.reminders:record_appointment",
        "Record an appointment",
        saved="Appointment saved",
        api_result=lambda appointment: {"appointment_id": appointment.appointment_id},
    ),
    CaseStep(
        "reassign",
        "reassign",
        Act.REASSIGN,
        COORDINATORS,
        f"{_SCHEMAS}:ReassignIn",
        f"{_ACTIONS}:reassign",
        "Reassign the case",
        saved="The case has a new mentor",
        api_result=lambda case: {"stage": case.stage.value, "mentor_id": case.mentor_id},
    ),
    CaseStep(
        "resolve",
        "escalations",
        Act.RESOLVE_ESCALATION,
        COORDINATORS,
        f"{_SCHEMAS}:ResolveEscalationIn",
        f"{_ACTIONS}:resolve_escalation",
        "Resolve an escalation",
        saved="Escalation resolved",
    ),
    CaseStep(
        "circumstances",
        "circumstances",
        Act.CHANGE_CIRCUMSTANCES,
        COORDINATORS,
        f"{_SCHEMAS}:CircumstanceIn",
        "throughgate.logic.circumstances:submit_change",
        "Change of circumstances",
        idempotency_key=False,  # the change's own event id makes it apply once
    ),
    CaseStep(
        "restart",
        "restart",
        Act.RESTART_WORKFLOW,
        COORDINATORS,
        f"{_SCHEMAS}:RestartIn",
        "throughgate.logic.circumstances:restart_workflow",
        "Restart the workflow",
        saved="The workflow has restarted",
    ),
    CaseStep(
        "pathway",
        "pathway/new",
        Act.OPEN_PATHWAY,
        COORDINATORS,
        f"{_SCHEMAS}:PathwayOpenIn",
        "throughgate.logic.pathways:open_pathway",
        "Peer-mentor pathway",
        api_path="pathway",
        saved="Peer-mentor pathway opened",
        api_result=lambda pathway: {"pathway_id": pathway.pathway_id, "stage": pathway.stage.value},
    ),
    CaseStep(
        "erasure",
        "erasure",
        Act.ERASE,
        COORDINATORS,
        f"{_SCHEMAS}:ErasureIn",
        "throughgate.logic.records:erase",
        "Erasure",
        idempotency_key=False,  # a second erasure finds no case
        api_result=lambda _none: {"erased": True},
        web_done="/cases/{case_id}/audit?saved={key}",  # the case page is gone; its trail is not
    ),
)

# Acts on no particular form of a case.
_OTHER_ACTS: dict[Act, frozenset[Role]] = {
    Act.READ: EVERYONE,
    Act.FIND_CASES: EVERYONE,  # a mentor's search covers their own caseload only (logic.search)
    Act.REFER: COORDINATORS,
    Act.SUGGEST_MENTORS: COORDINATORS,
    Act.READ_AUDIT: COORDINATORS,
    Act.EXPORT_SUBJECT_DATA: COORDINATORS,
    Act.EXPORT_OUTCOMES: frozenset({Role.COORDINATOR, Role.MANAGER}),
    Act.READ_OUTCOMES: EVERYONE,  # cohort figures: counts and rates, nobody's details
    Act.EXPORT_JUSTICE_DATA_LAB: frozenset({Role.COORDINATOR, Role.MANAGER}),  # personal data, audited
    Act.READ_RELEASE_PACK: CASEWORKERS,  # printed for the gate: those who work the case
    # Prison updates that could not be applied: the programme's, not a case's (domain.unapplied).
    Act.READ_UNAPPLIED_UPDATES: frozenset({Role.COORDINATOR, Role.MANAGER}),
    Act.DEAL_WITH_UNAPPLIED_UPDATE: COORDINATORS,
    Act.MANAGE_STAFF: COORDINATORS,  # staff accounts and records (domain.staff)
    # Time and expenses: a mentor records and reads their own only (logic.volunteering).
    Act.RECORD_TIME: CASEWORKERS,
    Act.READ_TIME: EVERYONE,
    Act.APPROVE_TIME: COORDINATORS,
    Act.READ_VOLUNTEERING: frozenset({Role.COORDINATOR, Role.MANAGER}),  # every mentor's month
    Act.MANAGE_PATHWAYS: COORDINATORS,  # the name a person chose is for coordinators only
    Act.COUNT_PATHWAYS: frozenset({Role.COORDINATOR, Role.MANAGER}),
    Act.RECORD_SUPERVISION: COORDINATORS,
    Act.READ_SUPERVISION: EVERYONE,
    # Mentors' records (logic.mentors): a mentor reads their own only.
    Act.MANAGE_MENTORS: COORDINATORS,
    Act.READ_MENTORS: frozenset({Role.COORDINATOR, Role.MANAGER}),
    Act.READ_MENTOR_RECORD: EVERYONE,
}

ALLOWED: Mapping[Act, frozenset[Role]] = MappingProxyType(
    {**_OTHER_ACTS, **{step.act: step.roles for step in CASE_STEPS}}
)

# Fixed words after /cases/{case_id}/ that are not a step's address: read-only case routes.
READ_ROUTES = frozenset({"mentor-suggestions", "audit", "export", "release-pack"})

BY_PATH: Mapping[str, CaseStep] = MappingProxyType({s.path: s for s in CASE_STEPS})
BY_API_PATH: Mapping[str, CaseStep] = MappingProxyType({s.api_address: s for s in CASE_STEPS})
BY_GATE: Mapping[Gate, CaseStep] = MappingProxyType({s.gate: s for s in CASE_STEPS if s.gate})
BY_KEY: Mapping[str, CaseStep] = MappingProxyType({s.key: s for s in CASE_STEPS})


def saved_words(key: str) -> str | None:
    """The banner on the page a saved form leads to, from `?saved=<key>`: a step's, or the
    referral's (None for a key that is neither)."""
    if key == "referral":
        return "Referral saved"
    step = BY_KEY.get(key)
    return step.saved_words if step else None


def route_words() -> frozenset[str]:
    """Every fixed word a case address may have after its id, in the web app or the API."""
    addresses = {s.path for s in CASE_STEPS} | {s.api_address for s in CASE_STEPS}
    return READ_ROUTES | {word for address in addresses for word in address.split("/")}
