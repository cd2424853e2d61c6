"""A step's form is offered only when it can be sent; otherwise the page says why and when."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.journey import Journey
from throughgate.domain.case_steps import BY_KEY

pytestmark = pytest.mark.e2e


def _why(journey: Journey, key: str) -> str | None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.views import not_open_yet

    deps = aws_deps()
    return not_open_yet(deps, deps.store.get_case(journey.case_id), BY_KEY[key])


def test_each_step_is_offered_when_due_and_explained_otherwise(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    release = j.release_on()
    assert _why(j, "assessment") is None, "the case waits for its assessment"
    assert _why(j, "consent") == "Consent has already been recorded for this case."
    review = release - timedelta(days=3)
    assert _why(j, "readiness") == f"The readiness review opens on {review:%-d %B %Y}."
    assert _why(j, "release_day") == f"The release day opens on {release:%-d %B %Y}."
    assert "not due yet" in (_why(j, "check_in") or "")

    j.assess_and_match(accommodation="high")
    assert (
        _why(j, "assessment")
        == "The pre-release assessment has been done. The case page shows what was recorded."
    )
    assert _why(j, "mentor_match") is not None and "has been done" in (_why(j, "mentor_match") or "")

    change = {"change": {"type": "disengaged", "event_id": "evt-offer-0001"}}
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    assert _why(j, "readiness") == "The case has ended (disengaged): there is no readiness review to do."
