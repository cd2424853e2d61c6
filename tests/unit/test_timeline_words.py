"""The timeline reads as sentences: every kind of event the code records has its words, staff by
name, tasks by title, and no internal key shows through."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from throughgate.domain.case import TimelineEvent
from throughgate.logic.timeline import sentences

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions" / "throughgate"
NAMES = {"mentor:mentor-0001": "Mentor One"}
TITLES = {"finance_id.bank_account": "Open a bank account"}
AT = datetime(2027, 6, 4, 7, 30, tzinfo=UTC)

EXAMPLES = {
    "referred": ("coordinator:coordinator-0001", {"prison": "BXI"}),
    "consent_recorded": ("coordinator:coordinator-0001", {"lawful_basis": "public_task"}),
    "consent_refused": ("coordinator:coordinator-0001", {}),
    "assessed": ("coordinator:coordinator-0001", {"areas_needing_support": "accommodation,finance_id"}),
    "mentor_matched": ("coordinator:coordinator-0001", {"mentor_id": "mentor-0001", "overridden": "true"}),
    "mentor_reassigned": (
        "coordinator:coordinator-0001",
        {"mentor_id": "mentor-0002", "previous_mentor_id": "mentor-0001"},
    ),
    "task_updated": ("mentor:mentor-0001", {"task": "finance_id.bank_account", "status": "done"}),
    "readiness_reviewed": ("coordinator:coordinator-0001", {"accommodation_confirmed": "false"}),
    "released": ("mentor:mentor-0001", {"not_done": "phone,weekend_food_and_money"}),
    "not_released": ("mentor:mentor-0001", {"not_met_reason": "not_released"}),
    "workflow_restarted": ("coordinator:coordinator-0001", {}),
    "checked_in": ("mentor:mentor-0001", {"number": "3", "contact_made": "false"}),
    "handover_recorded": ("coordinator:coordinator-0001", {"still_open": "health"}),
    "closed": ("coordinator:coordinator-0001", {"gives_back": "yes"}),
    "pathway_opened": ("coordinator:coordinator-0001", {"pathway_id": "0" * 32}),
    "outcome_recorded": ("coordinator:coordinator-0001", {}),
    "waiting_for": ("system:throughgate", {"gate": "release_day", "friday_release": "true"}),
    "stage": ("system:throughgate", {"stage": "pre_release"}),
    "escalated": ("system:throughgate", {"reason": "task_overdue", "subject": "finance_id.bank_account"}),
    "escalation_resolved": ("mentor:mentor-0001", {"reason": "check_in_missed", "subject": "4"}),
    "mentor_chased": ("system:throughgate", {"reason": "task_overdue", "subject": "finance_id.bank_account"}),
    "coordinators_reminded": (
        "system:throughgate",
        {"reason": "task_overdue", "subject": "family.safeguarding"},
    ),
    "plan_stopped": ("system:throughgate", {"reason": "consent_withdrawn"}),
    "release_date_changed": ("system:prison-events-feed", {"shift_days": "14"}),
    "transferred": ("coordinator:coordinator-0001", {"prison": "WWI"}),
    "update_out_of_date": (
        "system:prison-events-feed",
        {"change": "release_date_changed", "occurred_at": "2027-06-03T23:30:00+00:00"},
    ),
    "update_refused": (
        "system:prison-events-feed",
        {"change": "recalled", "why": "the case is consented, which this update cannot change"},
    ),
    "returned_to_custody": ("system:prison-events-feed", {"reason": "recalled"}),
    "exited": ("coordinator:coordinator-0001", {"reason": "disengaged"}),
    "contact_logged": ("mentor:mentor-0001", {"method": "prison_visit", "made": "false"}),
    "appointment_recorded": (
        "mentor:mentor-0001",
        {"appointment": "gp", "at": "2027-06-10T10:30:00+01:00"},
    ),
    "texts_stopped": ("system:throughgate", {"how": "reply"}),
}


def _recorded_kinds() -> set[str]:
    """Every event kind the Lambda code records: `event(deps, "<kind>", ...)`."""
    source = "\n".join(p.read_text() for p in FUNCTIONS.rglob("*.py"))
    return set(re.findall(r'event\(\s*deps,\s*"([a-z_]+)"', source))


def test_every_kind_recorded_has_an_example_here() -> None:
    assert _recorded_kinds() == set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_each_event_reads_as_a_sentence_without_keys(kind: str) -> None:
    actor, detail = EXAMPLES[kind]
    (text,) = sentences([TimelineEvent(AT, kind, actor, detail)], NAMES, TITLES)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\b(true|false)\b|mentor-0001\b", text), text
    assert text[0].isupper() and text != kind.replace("_", " ").capitalize(), text


def test_staff_tasks_and_areas_are_named() -> None:
    lines = sentences(
        [
            TimelineEvent(AT, "task_updated", "mentor:mentor-0001", EXAMPLES["task_updated"][1]),
            TimelineEvent(AT, "assessed", "coordinator:coordinator-0001", EXAMPLES["assessed"][1]),
        ],
        NAMES,
        TITLES,
    )
    assert lines == [
        "Mentor One marked 'Open a bank account' as done",
        "A coordinator (coordinator-0001) completed the pre-release assessment: "
        "support needed with Accommodation, Finance and ID (benefits tracked within it)",
    ]


def test_release_day_lines_say_the_days_without_services_and_what_happened() -> None:
    from datetime import UTC, datetime

    from throughgate.domain.case import TimelineEvent
    from throughgate.logic.timeline import sentences

    at = datetime(2027, 3, 25, 9, tzinfo=UTC)
    events = [
        TimelineEvent(
            at, "waiting_for", "system:throughgate", {"gate": "release_day", "service_gap": "true"}
        ),
        TimelineEvent(
            at, "escalated", "system:throughgate", {"reason": "not_met_at_gate", "subject": "not_found"}
        ),
    ]
    assert sentences(events, {}, {}) == [
        "Waiting for the release day (services are closed after the release: plan for the days without them)",
        "Escalated to the coordinators: Not met at the gate: could not find them at the gate",
    ]


def test_check_ins_reminders_and_appointments_read_as_the_forms_say_them() -> None:
    events = [
        TimelineEvent(AT, "waiting_for", "system:throughgate", {"gate": "check_in", "number": "1"}),
        TimelineEvent(AT, "mentor_chased", "system:throughgate", {"reason": "check_in_late", "subject": "1"}),
        TimelineEvent(
            AT,
            "appointment_recorded",
            "mentor:mentor-0001",
            {"appointment": "universal_credit", "at": "2027-06-10T10:30:00+01:00"},
        ),
    ]
    assert sentences(events, NAMES, TITLES) == [
        "Waiting for check-in 1",
        "The mentor was reminded: Check-in late",
        "Mentor One recorded an appointment: Universal Credit appointment on 10 June 2027 at 10:30am",
    ]


def test_prisons_are_named_not_coded() -> None:
    at = datetime(2027, 3, 1, 9, tzinfo=UTC)
    events = [
        TimelineEvent(at, "referred", "system:throughgate", {"prison": "BXI"}),
        TimelineEvent(at, "transferred", "system:throughgate", {"prison": "ZZZ"}),
    ]
    said = sentences(events, {}, {})
    assert "from HMP Brixton" in said[0] and "BXI" not in said[0]
    assert said[1].endswith("a transfer to prison ZZZ"), "a code the catalogue lacks is still said"
