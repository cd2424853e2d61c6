"""A step's form is offered only when it can be sent; otherwise the page says why and when."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.journey import Journey
from tests.trust.conftest import StaffSession
from throughgate.domain.case_steps import BY_KEY, Role
from throughgate.logic.ports import Actor

pytestmark = pytest.mark.e2e
COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
MENTOR = Actor("mentor-0001", Role.MENTOR)


def _why(journey: Journey, key: str, actor: Actor = COORDINATOR) -> str | None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.views import not_open_yet

    deps = aws_deps()
    return not_open_yet(deps, actor, deps.store.get_case(journey.case_id), BY_KEY[key])


def test_each_step_is_offered_when_due_and_explained_otherwise(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    release = j.release_on()
    assert _why(j, "assessment") is None, "the case waits for its assessment"
    assert _why(j, "consent") == "Consent has already been recorded for this case."
    review = release - timedelta(days=3)
    assert _why(j, "readiness") == f"The readiness review opens on {review:%-d %B %Y}."
    assert _why(j, "release_day") == f"The release day opens on {release:%-d %B %Y}."
    assert _why(j, "check_in", MENTOR) == (
        "The pre-release assessment has not been done yet. Ask a coordinator to complete it: "
        "check-in opens once it and the steps after it are done."
    )

    j.assess_and_match(accommodation="high")
    assert (
        _why(j, "assessment")
        == "The pre-release assessment has been done. The case page shows what was recorded."
    )
    assert _why(j, "mentor_match") is not None and "has been done" in (_why(j, "mentor_match") or "")

    change = {"change": {"type": "disengaged", "event_id": "evt-offer-0001"}}
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    assert _why(j, "readiness") == "The case has ended (disengaged): there is no readiness review to do."


def test_on_release_day_an_open_readiness_review_is_named_with_who_does_it(journey: Journey) -> None:
    """The workflow waits for the readiness review on the day itself: the mentor is told what holds
    release day up and whom to ask; the coordinator, to do it first."""
    j = journey
    j.refer_and_consent(days=30)
    j.assess_and_match(accommodation="high")
    j.advance_to(datetime.combine(j.release_on(), time(9), UTC))
    assert j.view()["waiting_for"] == "readiness_review"

    said = (
        "The readiness review has not been done yet. Ask a coordinator to complete it: "
        "release day opens when they have."
    )
    assert _why(j, "release_day", MENTOR) == said
    page = StaffSession(j.stack, "mentor-0001", "mentor").web("GET", f"/cases/{j.case_id}/release-day")
    assert page.status == 200 and said in page.body
    assert _why(j, "release_day", COORDINATOR) == (
        "The readiness review has not been done yet. Complete it first: release day opens when you have."
    )

    j.readiness()
    j.advance(minutes=5)
    assert _why(j, "release_day", MENTOR) is None, "done, release day opens"
