from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import CapacityExceeded, InvalidInput
from throughgate.domain.matching import (
    ClientNeeds,
    MentorProfile,
    check_override,
    suggest_mentors,
)
from throughgate.domain.needs import Level, NeedArea

# Synthetic values only.
CLIENT = ClientNeeds(
    needs={
        NeedArea.ACCOMMODATION: Level.HIGH,
        NeedArea.DRUGS_ALCOHOL: Level.MEDIUM,
        NeedArea.HEALTH: Level.NONE,
    },
    borough="Borough A",
    gender_preference=None,
    gang_risk=False,
    excluded_areas=frozenset(),
)


BASE_MENTOR = MentorProfile(
    mentor_id="m0",
    gender="female",
    borough="Borough B",
    capacity=5,
    active_cases=2,
    lived_experience=frozenset(),
    linked_areas=frozenset(),
)


def _mentor(mentor_id: str, **overrides: Any) -> MentorProfile:
    return replace(BASE_MENTOR, mentor_id=mentor_id, **overrides)


def test_hard_rules_exclude_with_reasons() -> None:
    client = replace(CLIENT, gender_preference="male", gang_risk=True, excluded_areas=frozenset({"Estate X"}))
    mentors = [
        _mentor("m-ok", gender="male"),
        _mentor("m-full", gender="male", active_cases=5),
        _mentor("m-away", gender="male", available=False),
        _mentor("m-gender", gender="female"),
        _mentor("m-rival", gender="Male ", linked_areas=frozenset({"estate x", "Estate Y"})),
        _mentor(
            "m-all", gender="female", active_cases=6, available=False, linked_areas=frozenset({"Estate X"})
        ),
    ]
    result = suggest_mentors(client, mentors)
    assert [s.mentor_id for s in result.suggestions] == ["m-ok"]
    reasons = {e.mentor_id: e.reasons for e in result.excluded}
    assert reasons == {
        "m-all": (
            "not available",
            "at capacity (6 of 5)",
            "gender preference not met",
            "linked to an area excluded for this client",
        ),
        "m-away": ("not available",),
        "m-full": ("at capacity (5 of 5)",),
        "m-gender": ("gender preference not met",),
        "m-rival": ("linked to an area excluded for this client",),
    }
    assert [e.mentor_id for e in result.excluded] == sorted(reasons)


def test_excluded_areas_only_matter_with_gang_risk() -> None:
    client = replace(CLIENT, excluded_areas=frozenset({"Estate X"}))
    result = suggest_mentors(client, [_mentor("m1", linked_areas=frozenset({"Estate X"}))])
    assert [s.mentor_id for s in result.suggestions] == ["m1"]


def test_ranking_and_reasons() -> None:
    mentors = [
        _mentor("m-local", borough="borough a", active_cases=1),
        _mentor("m-housing", lived_experience=frozenset({NeedArea.ACCOMMODATION, NeedArea.HEALTH})),
        _mentor(
            "m-both",
            borough="Borough A",
            lived_experience=frozenset({NeedArea.DRUGS_ALCOHOL, NeedArea.ACCOMMODATION}),
            active_cases=4,
        ),
        _mentor("m-none-b", active_cases=0),
        _mentor("m-none-a", active_cases=0),
        _mentor("m-busy", active_cases=3),
    ]
    result = suggest_mentors(CLIENT, mentors)
    ranked = [(s.mentor_id, s.score) for s in result.suggestions]
    assert ranked == [
        ("m-both", 7.0),
        ("m-housing", 3.0),
        ("m-local", 2.0),
        ("m-none-a", 0.0),
        ("m-none-b", 0.0),
        ("m-busy", 0.0),
    ]
    by_id = {s.mentor_id: s.reasons for s in result.suggestions}
    assert by_id["m-both"] == (
        "lived experience: accommodation, drugs_alcohol",
        "same borough",
        "caseload 4 of 5",
    )
    assert by_id["m-housing"] == ("lived experience: accommodation", "caseload 2 of 5")
    assert result.excluded == ()


def test_borough_bonus_comes_from_settings() -> None:
    settings = replace(load_programme(), same_borough_bonus=5)
    result = suggest_mentors(CLIENT, [_mentor("m1", borough="Borough A")], settings=settings)
    assert result.suggestions[0].score == 5.0


PERSONAL = ("Borough", "Estate", "male", "female")

mentors_strategy = st.lists(
    st.builds(
        MentorProfile,
        mentor_id=st.text("abc123", min_size=1, max_size=4),
        gender=st.sampled_from(["male", "female"]),
        borough=st.sampled_from(["Borough A", "Borough B"]),
        capacity=st.integers(0, 6),
        active_cases=st.integers(0, 7),
        lived_experience=st.frozensets(st.sampled_from(NeedArea)),
        linked_areas=st.frozensets(st.sampled_from(["Estate X", "Estate Y", "Estate Z"])),
        available=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda mentor: mentor.mentor_id,
)
clients_strategy = st.builds(
    ClientNeeds,
    needs=st.dictionaries(st.sampled_from(NeedArea), st.sampled_from(Level)),
    borough=st.sampled_from(["Borough A", "Borough B"]),
    gender_preference=st.none() | st.sampled_from(["male", "female"]),
    gang_risk=st.booleans(),
    excluded_areas=st.frozensets(st.sampled_from(["Estate X", "Estate Y"])),
)


@given(clients_strategy, mentors_strategy)
def test_never_suggests_an_unsafe_or_full_mentor(client: ClientNeeds, mentors: list[MentorProfile]) -> None:
    result = suggest_mentors(client, mentors)
    ids = sorted([s.mentor_id for s in result.suggestions] + [e.mentor_id for e in result.excluded])
    assert ids == sorted(mentor.mentor_id for mentor in mentors)
    suggested = {s.mentor_id for s in result.suggestions}
    for mentor in (mentor for mentor in mentors if mentor.mentor_id in suggested):
        assert mentor.available
        assert mentor.active_cases < mentor.capacity
        assert client.gender_preference in (None, mentor.gender)
        assert not (client.gang_risk and mentor.linked_areas & client.excluded_areas)
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True)
    for reason in [r for s in result.suggestions for r in s.reasons] + [
        r for e in result.excluded for r in e.reasons
    ]:
        assert not any(value in reason for value in PERSONAL)


def test_override_may_overrule_ranking() -> None:
    check_override(_mentor("m1"), CLIENT, "Client asked for this mentor at the assessment")


def test_override_cannot_exceed_capacity() -> None:
    with pytest.raises(CapacityExceeded, match="m-full"):
        check_override(_mentor("m-full", active_cases=5), CLIENT, "good reason")


def test_override_cannot_break_gang_safety() -> None:
    client = replace(CLIENT, gang_risk=True, excluded_areas=frozenset({"Estate X"}))
    with pytest.raises(InvalidInput) as raised:
        check_override(_mentor("m1", linked_areas=frozenset({"Estate X"})), client, "good reason")
    assert raised.value.field == "mentor_id"
    assert "Estate" not in raised.value.message


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_override_needs_a_reason_of_bounded_length(reason: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_override(_mentor("m1"), CLIENT, reason)
    assert raised.value.field == "override_reason"


def test_override_reason_at_the_limit_is_accepted() -> None:
    check_override(_mentor("m1"), CLIENT, "x" * 500)


@pytest.mark.parametrize("field", ["capacity", "active_cases"])
def test_negative_counts_are_refused(field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        _mentor("m1", **{field: -1})
    assert raised.value.field == field
