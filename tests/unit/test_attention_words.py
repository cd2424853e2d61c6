"""Cases needing attention say each reason once: the walkthrough found "Task overdue (since 28 May
2027)" five times on one line, one for each overdue task's escalation."""

from __future__ import annotations

from datetime import date

from throughgate.logic.dashboards import Reason, _counted


def test_the_same_reason_is_counted_once_since_its_first() -> None:
    reasons = [
        Reason("Task overdue", date(2027, 5, 30)),
        Reason("Workflow stopped"),
        Reason("Task overdue", date(2027, 5, 28)),
        Reason("Task overdue", date(2027, 6, 1)),
    ]
    assert _counted(reasons) == [
        Reason("Task overdue (3 times)", date(2027, 5, 28)),
        Reason("Workflow stopped"),
    ]
    assert _counted([Reason("Check-ins missed", date(2027, 5, 1))]) == [
        Reason("Check-ins missed", date(2027, 5, 1))
    ]
