"""The timeline in sentences: what happened to the case, by whom, in the programme's words.

Timeline events are stored as ids and enum values (they may be logged and exported); the page turns
them into sentences here, with staff by name where the programme has one and tasks by their title.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from throughgate.domain.case import CHANGE_WORDS, CONTACT_METHOD_WORDS, ContactMethod, Mentor, TimelineEvent
from throughgate.domain.case_steps import BY_GATE, Gate
from throughgate.domain.catalogue import prison_name
from throughgate.domain.escalation import CHASE_WORDS, REASON_WORDS, escalation_words, workflow_stopped_words
from throughgate.domain.lifecycle import STAGE_VALUES, Stage
from throughgate.domain.needs import NEED_AREA_NAMES, NeedArea
from throughgate.domain.reminders import APPOINTMENT_WORDS, AppointmentKind
from throughgate.domain.schedule import long_date, long_date_and_time
from throughgate.domain.staff import STAFF_ROLES, StaffRecord

_GATES = frozenset(g.value for g in Gate)
_KINDS = frozenset(k.value for k in AppointmentKind)
_METHODS = frozenset(m.value for m in ContactMethod)
NEED_AREA_KEYS = frozenset(a.value for a in NeedArea)
_SYSTEM_NAMES = {"system:throughgate": "Throughgate", "system:prison-events-feed": "The prison's feed"}
RELEASE_CHECK_WORDS = {  # the release-day checklist, as its record and the timeline say it
    "met_at_gate": "met at the gate",
    "address_confirmed": "address confirmed",
    "id_and_bank_card": "ID and bank card",
    "phone": "phone",
    "medication": "medication",
    "probation_attended": "probation appointment attended",
    "universal_credit_booked": "Universal Credit appointment",
    "weekend_food_and_money": "food and money until services reopen",
    "route_safety_checked": "route safety check",
}


def staff_names(mentors: Iterable[Mentor], staff: Iterable[StaffRecord] = ()) -> dict[str, str]:
    """Actor labels by the name a person reads: staff by their display name (under any role's
    label, as an event keeps the role its actor had then), a mentor by their profile's."""
    names = {f"{role.value}:{r.username}": r.display_name for r in staff for role in STAFF_ROLES}
    return names | {f"mentor:{m.mentor_id}": m.display_name for m in mentors}


def who(label: str, names: Mapping[str, str]) -> str:
    """An actor label as a person reads it: staff by name, anyone without a staff record (an account
    made outside the app) by role and staff id."""
    if label in names:
        return names[label]
    if label in _SYSTEM_NAMES:
        return _SYSTEM_NAMES[label]
    role, _, staff_id = label.partition(":")
    return f"A {role} ({staff_id})" if staff_id else label


def _areas(joined: str) -> str:
    keys = [a for a in joined.split(",") if a in NEED_AREA_KEYS]
    return ", ".join(NEED_AREA_NAMES[NeedArea(a)] for a in keys)


def _change(change: str) -> str:
    return CHANGE_WORDS.get(change, change.replace("_", " ")).lower()


def _day(moment: str) -> str:
    try:
        return long_date(datetime.fromisoformat(moment))
    except ValueError:
        return "an unknown date"


def _moment(moment: str) -> str:
    try:
        return long_date_and_time(datetime.fromisoformat(moment))
    except ValueError:
        return "an unknown date"


def _appointment(kind: str) -> str:
    words = APPOINTMENT_WORDS.get(AppointmentKind(kind)) if kind in _KINDS else None
    return words or kind.replace("_", " ")  # as the form's options say it: "Universal Credit appointment"


def _reason(reason: str) -> str:
    """An escalation's reason, or a side exit's (a stage: "recalled to prison")."""
    if reason in REASON_WORDS:
        return REASON_WORDS[reason]
    if reason in CHASE_WORDS:
        return CHASE_WORDS[reason]
    if reason in STAGE_VALUES:
        return Stage(reason).words.capitalize()
    return reason.replace("_", " ").capitalize()


def reason_words(reason: str, subject: str, task_titles: Mapping[str, str]) -> str:
    """What an escalation or a reminder is about: "Task overdue: Open a bank account"."""
    if reason == "workflow_failed":
        return workflow_stopped_words(subject)
    if reason == "task_overdue":
        return f"{_reason(reason)}: {task_titles.get(subject, 'a task')}"
    if reason == "prison_update_refused" and subject:
        return f"{_reason(reason)}: {_change(subject)}"
    return escalation_words(reason, subject) if reason in REASON_WORDS else _reason(reason)


def _prison(code: str) -> str:
    """ "HMP Brixton"; a code the catalogue lacks reads "prison XYZ"."""
    name = prison_name(code)
    return name if name != code else f"prison {code}"


class _Words:
    def __init__(self, names: Mapping[str, str], titles: Mapping[str, str]) -> None:
        self.names, self.titles = names, titles

    def about(self, reason: str, subject: str) -> str:
        words = reason_words(reason, subject, self.titles)
        return f"{words} (check-in {subject})" if reason == "check_in_missed" and subject else words

    def sentence(self, e: TimelineEvent) -> str:
        d, by = e.detail, who(e.actor, self.names)
        said: dict[str, Callable[[], str]] = {
            "referred": lambda: f"{by} referred the client from {_prison(d.get('prison', ''))}",
            "consent_recorded": lambda: (
                f"{by} recorded the client's consent"
                + (", with text reminders" if d.get("text_reminders") == "true" else "")
            ),
            "consent_refused": lambda: f"{by} recorded that the client did not consent",
            "assessed": lambda: (
                f"{by} completed the pre-release assessment: "
                + (
                    f"support needed with {_areas(d['areas_needing_support'])}"
                    if d.get("areas_needing_support")
                    else "no support needed"
                )
            ),
            "mentor_matched": lambda: (
                f"{by} matched {who('mentor:' + d.get('mentor_id', ''), self.names)} as mentor"
                + (
                    f" in place of {who('mentor:' + d['previous_mentor_id'], self.names)}"
                    if d.get("previous_mentor_id")
                    else ""
                )
                + (", not the first suggestion" if d.get("overridden") == "true" else "")
                + (f". Reason: {d['reason']}" if d.get("reason") else "")
            ),
            "mentor_reassigned": lambda: (
                f"{by} moved the case to {who('mentor:' + d.get('mentor_id', ''), self.names)}"
                f" from {who('mentor:' + d.get('previous_mentor_id', ''), self.names)}"
            ),
            "task_updated": lambda: (
                f"{by} marked '{self.titles.get(d.get('task', ''), 'a task')}' as "
                + d.get("status", "").replace("_", " ")
            ),
            "readiness_reviewed": lambda: (
                f"{by} completed the readiness review"
                + ("; accommodation not confirmed" if d.get("accommodation_confirmed") == "false" else "")
            ),
            "released": lambda: (
                f"{by} recorded release day"
                + (
                    f"; not done: {', '.join(RELEASE_CHECK_WORDS.get(k, k) for k in d['not_done'].split(','))}"
                    if d.get("not_done")
                    else ""
                )
            ),
            "workflow_restarted": lambda: f"{by} restarted the workflow from the step the case is at",
            "not_released": lambda: f"{by} recorded that the client did not come out on release day",
            "checked_in": lambda: (
                f"{by} recorded check-in {d.get('number', '')}"
                + ("" if d.get("contact_made") == "true" else ", without contact")
            ),
            "handover_recorded": lambda: (
                f"{by} recorded the handover; still open: {_areas(d.get('still_open', ''))}"
            ),
            "closed": lambda: (
                f"{by} closed the case"
                + (
                    "; the client wants to give back, for example as a peer mentor"
                    if d.get("gives_back") == "yes"
                    else ""
                )
            ),
            "pathway_opened": lambda: f"{by} opened a peer-mentor pathway, with the person's own consent",
            "outcome_recorded": lambda: f"{by} recorded the 12-month outcome",
            "waiting_for": lambda: self._waiting(d),
            "stage": lambda: (
                f"The case moved to {Stage(d['stage']).words if d.get('stage') in STAGE_VALUES else d.get('stage', '')}"
            ),
            "escalated": lambda: (
                f"Escalated to the coordinators: {self.about(d.get('reason', ''), d.get('subject', ''))}"
            ),
            "escalation_resolved": lambda: (
                f"{by} resolved: {self.about(d.get('reason', ''), d.get('subject', ''))}"
            ),
            "mentor_chased": lambda: (
                f"The mentor was reminded: {self.about(d.get('reason', ''), d.get('subject', ''))}"
            ),
            "coordinators_reminded": lambda: (
                f"The coordinators were reminded: {self.about(d.get('reason', ''), d.get('subject', ''))}"
            ),
            "plan_stopped": lambda: f"The plan stopped ({d.get('reason', '').replace('_', ' ')})",
            "release_date_changed": lambda: f"{by} moved the release date by {d.get('shift_days', '?')} days",
            "transferred": lambda: f"{by} recorded a transfer to {_prison(d.get('prison', ''))}",
            "update_out_of_date": lambda: (
                f"{by} sent an update ({_change(d.get('change', ''))}) that happened on "
                f"{_day(d.get('occurred_at', ''))}, before one already applied: it was not applied"
            ),
            "update_refused": lambda: (
                f"{by} sent an update ({_change(d.get('change', ''))}) that could not be applied: "
                f"{d.get('why', '')}"
            ),
            "returned_to_custody": lambda: (
                f"{by} recorded a return to custody ({d.get('reason', '').replace('_', ' ')})"
            ),
            "exited": lambda: f"{by} recorded that the case ended: {d.get('reason', '').replace('_', ' ')}",
            "appointment_recorded": lambda: (
                f"{by} recorded an appointment: {_appointment(d.get('appointment', ''))} on {_moment(d.get('at', ''))}"
            ),
            "texts_stopped": lambda: "The client replied STOP: no more text reminders",
            "contact_logged": lambda: (
                f"{by} logged a contact by {self._method(d.get('method', ''))}"
                + ("" if d.get("made") == "true" else ", without reaching the client")
            ),
        }
        make = said.get(e.kind)
        return make() if make else e.kind.replace("_", " ").capitalize()

    def _waiting(self, d: Mapping[str, str]) -> str:
        gate = d.get("gate", "")
        step = BY_GATE.get(Gate(gate)) if gate in _GATES else None
        what = step.title.lower() if step else gate.replace("_", " ")
        # "Waiting for check-in 2", "Waiting for the release day"
        text = f"Waiting for {what} {d['number']}" if d.get("number") else f"Waiting for the {what}"
        if d.get("friday_release") == "true":
            text += " (a Friday release: plan for the weekend)"
        elif d.get("service_gap") == "true":
            text += " (services are closed after the release: plan for the days without them)"
        return text

    @staticmethod
    def _method(method: str) -> str:
        return CONTACT_METHOD_WORDS[ContactMethod(method)].lower() if method in _METHODS else method


def sentences(events: list[TimelineEvent], names: Mapping[str, str], titles: Mapping[str, str]) -> list[str]:
    words = _Words(names, titles)
    return [words.sentence(e) for e in events]
