"""Numbers that code outside the domain checks come from programme.json, not from copies of it: the
override reason's length (the input model and the matching rule) and the referral's age limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import InvalidInput
from throughgate.domain.matching import ClientNeeds, MentorProfile, check_override
from throughgate.domain.schedule import years_after
from throughgate.logic import actions
from throughgate.logic.ports import Actor, Deps, Role
from throughgate.schemas import MentorMatchIn, ReferralIn

PROGRAMME = load_programme()
NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)
TODAY = NOW.date()
COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)


# --- the override reason -----------------------------------------------------------------------


def test_the_input_model_takes_an_override_reason_up_to_the_configured_length() -> None:
    longest = "x" * PROGRAMME.override_reason_max_chars
    assert MentorMatchIn.model_validate({"mentor_id": "mentor-0001", "override_reason": longest})
    with pytest.raises(ValidationError, match="override_reason"):
        MentorMatchIn.model_validate({"mentor_id": "mentor-0001", "override_reason": longest + "x"})


def test_the_matching_rule_takes_an_override_reason_up_to_the_configured_length() -> None:
    from throughgate.domain.catalogue import load_mentor_checks
    from throughgate.domain.mentors import Check, Vetting

    vetted = Vetting(tuple(Check(kind.key, date(2027, 1, 1), None) for kind in load_mentor_checks().required))
    mentor = MentorProfile(
        "mentor-0001", "female", frozenset({"Southwark"}), 6, 0, frozenset(), frozenset(), vetting=vetted
    )
    client = ClientNeeds(
        {}, "Southwark", None, False, frozenset(), "BXI", in_prison=False, on=date(2027, 3, 1)
    )
    longest = "x" * PROGRAMME.override_reason_max_chars
    check_override(mentor, client, longest, settings=PROGRAMME)
    with pytest.raises(InvalidInput, match=f"{PROGRAMME.override_reason_max_chars:,} characters or fewer"):
        check_override(mentor, client, longest + "x", settings=PROGRAMME)


# --- the referral's age limits -----------------------------------------------------------------


class _Store:
    def __init__(self) -> None:
        self.created: list[Any] = []

    def create_case(self, case: Any, event: Any) -> None:
        self.created.append(case)


def _refer(date_of_birth: date) -> _Store:
    store = _Store()
    deps = Deps(store=store, workflow=None, scheduler=None, now=lambda: NOW)  # type: ignore[arg-type]
    referral = ReferralIn.model_validate(
        {
            "submission_id": "sub-00000001",
            "client": {
                "given_name": "Testy",
                "family_name": "Example",
                "date_of_birth": date_of_birth,
                "prison_number": "A0001AA",
                "gender": "male",
                "borough": "Southwark",
            },
            "release_on": TODAY + timedelta(days=60),
            "prison": "BXI",
        }
    )
    actions.refer(deps, COORDINATOR, referral)
    return store


def test_a_referral_is_for_a_client_aged_between_the_configured_limits() -> None:
    youngest = years_after(TODAY, -PROGRAMME.client_min_age_years)
    oldest = years_after(TODAY, -PROGRAMME.client_max_age_years)
    assert len(_refer(youngest).created) == 1
    assert len(_refer(oldest).created) == 1
    for outside in (youngest + timedelta(days=1), oldest - timedelta(days=1)):
        with pytest.raises(InvalidInput, match="must be aged from"):
            _refer(outside)


def test_the_referral_age_limits_are_read_from_the_programme(monkeypatch: pytest.MonkeyPatch) -> None:
    stricter = replace(PROGRAMME, client_min_age_years=21, client_max_age_years=70)
    monkeypatch.setattr(actions, "load_programme", lambda: stricter)
    with pytest.raises(InvalidInput, match="must be aged from"):
        _refer(years_after(TODAY, -20))
    with pytest.raises(InvalidInput, match="must be aged from"):
        _refer(years_after(TODAY, -71))
    assert len(_refer(years_after(TODAY, -21)).created) == 1
