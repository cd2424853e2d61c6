"""A client nobody met at the gate is urgent: the coordinators see it at once, and first."""

from __future__ import annotations

from datetime import UTC, date, datetime

from throughgate.domain.case import Escalation
from throughgate.web.form_engine import answered_date

RAISED = datetime(2027, 6, 11, 9, tzinfo=UTC)
TODAY = date(2027, 6, 11)


def test_an_urgent_escalation_needs_attention_the_day_it_is_raised() -> None:
    not_met = Escalation("case-1", RAISED, "not_met_at_gate", "coordinator", "went_with_family")
    overdue = Escalation("case-1", RAISED, "task_overdue", "coordinator", "health.gp")
    assert not_met.is_urgent and not_met.needs_attention(7, TODAY)
    assert not overdue.is_urgent and not overdue.needs_attention(7, TODAY)
    assert overdue.needs_attention(7, date(2027, 6, 19)), "a week and a day later it does"
    resolved = Escalation("case-1", RAISED, "not_met_at_gate", "coordinator", open=False)
    assert not resolved.needs_attention(7, TODAY)


def test_a_date_answer_reads_as_a_date_on_the_check_page() -> None:
    answered = {"on-day": "1", "on-month": "5", "on-year": "2027"}
    assert answered_date(answered, "on") == "1 May 2027"
    assert answered_date({"on-day": "31", "on-month": "2", "on-year": "2027"}, "on") == "31/2/2027"
