"""The case page's next steps on the local stack (issue 14, item 4): from referral to handover the
page says what comes next, who does it and when, and never "nothing is waiting" while something is."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.journey import Journey
from throughgate_local.api_client import proxy_event

pytestmark = pytest.mark.e2e


def _steps(journey: Journey, client: Any = None) -> list[tuple[str, str, str, bool]]:
    view = journey.ok((client or journey.coordinator).get(f"/cases/{journey.case_id}")).body
    return [(s["title"], s["who"], s["when"], s["href"] is not None) for s in view["next_steps"]]


def _case_page(journey: Journey, user: str, role: str) -> str:
    event = proxy_event("GET", f"/cases/{journey.case_id}", None, (user, role), headers={})
    response = journey.stack.invoke("Web", event)
    assert response["statusCode"] == 200, response
    panel = response["body"].split('data-testid="next-steps"', 1)[1].split("</dl>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel))


def _day(day: Any) -> str:
    return f"{day:%-d %B %Y}"


def test_the_next_steps_follow_the_case_from_referral_to_check_ins(journey: Journey) -> None:
    j = journey
    response = j.ok(j.coordinator.post("/referrals", _referral(days=100)))
    j.case_id = response.body["case_id"]
    release = j.release_on()
    assert _steps(j) == [
        ("Consent", "a coordinator", "Open now", True),
        ("Pre-release assessment", "a coordinator", f"Opens on {_day(release - timedelta(days=84))}", False),
        ("Mentor match", "a coordinator", "After the pre-release assessment", False),
    ]

    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", consent))
    assert _steps(j)[0] == (
        "Pre-release assessment",
        "a coordinator",
        f"Opens on {_day(release - timedelta(days=84))}",
        False,
    )
    j.advance(days=20)
    assert _steps(j)[0] == ("Pre-release assessment", "a coordinator", "Open now", True)

    j.assess_and_match(accommodation="high")
    assert _steps(j)[:2] == [
        ("Readiness review", "a coordinator", f"Opens on {_day(release - timedelta(days=3))}", False),
        ("Release day", "Mentor One", f"Opens on {_day(release)}", False),
    ]
    page = _case_page(j, "mentor-0001", "mentor")
    assert (
        "Readiness review A coordinator" in page
        and f"Release day Mentor One Opens on {_day(release)}" in page
    )

    j.to_readiness()
    j.readiness()
    j.release_day()
    first = _steps(j, j.mentor)[0]
    assert first[:2] == ("Check-in 1", "Mentor One")

    for _day_after in range(12):  # no check-in recorded: each day's sweep closes the missed ones
        j.advance(days=1)
        j.stack.run_daily_sweep()
    view = j.view()
    assert any(e["reason"] == "check_in_missed" for e in view["escalations"])
    title, who, when, _link = _steps(j)[0]
    assert title.startswith("Check-in ") and who == "Mentor One"
    assert when.startswith(("Opens on ", "Open now")), when
    assert view["tasks_due"] is None or "due this week" in view["tasks_due"]


def test_a_disengaged_case_has_nothing_next(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    change = {"change": {"type": "disengaged", "event_id": "evt-next-0001"}}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/circumstances", change))
    assert _steps(j) == []


def _referral(days: int) -> dict[str, Any]:
    from tests.journey import referral

    return referral(days=days)
