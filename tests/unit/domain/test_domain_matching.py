from dataclasses import replace
from datetime import date, timedelta
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
from throughgate.domain.mentors import (
    Availability,
    AvailabilityStatus,
    Check,
    CheckOutcome,
    Clearance,
    Clearances,
    Vetting,
)
from throughgate.domain.needs import Level, NeedArea

TODAY = date(2026, 11, 3)
REQUIRED = ("criminal_records", "references", "code_of_conduct", "safeguarding", "mentor_training")
# Every required check in date on TODAY; cleared for the client's prison.
VETTED = Vetting(
    tuple(
        Check(
            kind,
            date(2025, 1, 6),
            date(2027, 1, 6),
            level="enhanced_barred" if kind == "criminal_records" else None,
        )
        for kind in REQUIRED
    )
)
CLEARED = Clearances((Clearance("BXI", date(2027, 6, 1)),))

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
    prison="BXI",
    in_prison=True,
    on=TODAY,
)


BASE_MENTOR = MentorProfile(
    mentor_id="m0",
    gender="female",
    boroughs=frozenset({"Borough B"}),
    capacity=5,
    active_cases=2,
    lived_experience=frozenset(),
    linked_areas=frozenset(),
    vetting=VETTED,
    clearances=CLEARED,
)
PAUSED = Availability(AvailabilityStatus.PAUSED)


def _mentor(mentor_id: str, **overrides: Any) -> MentorProfile:
    return replace(BASE_MENTOR, mentor_id=mentor_id, **overrides)


def test_hard_rules_exclude_with_reasons() -> None:
    client = replace(CLIENT, gender_preference="male", gang_risk=True, excluded_areas=frozenset({"Estate X"}))
    mentors = [
        _mentor("m-ok", gender="male"),
        _mentor("m-full", gender="male", active_cases=5),
        _mentor("m-away", gender="male", availability=PAUSED),
        _mentor("m-gender", gender="female"),
        _mentor("m-rival", gender="Male ", linked_areas=frozenset({"estate x", "Estate Y"})),
        _mentor(
            "m-all",
            gender="female",
            active_cases=6,
            availability=PAUSED,
            linked_areas=frozenset({"Estate X"}),
        ),
    ]
    result = suggest_mentors(client, mentors)
    assert [s.mentor_id for s in result.suggestions] == ["m-ok"]
    reasons = {e.mentor_id: e.reasons for e in result.excluded}
    assert reasons == {
        "m-all": (
            "Paused",
            "Linked to an area this client must avoid",
            "At capacity (6 of 5 cases)",
            "The client's gender preference is not met",
        ),
        "m-away": ("Paused",),
        "m-full": ("At capacity (5 of 5 cases)",),
        "m-gender": ("The client's gender preference is not met",),
        "m-rival": ("Linked to an area this client must avoid",),
    }
    assert [e.mentor_id for e in result.excluded] == sorted(reasons)


def test_excluded_areas_only_matter_with_gang_risk() -> None:
    client = replace(CLIENT, excluded_areas=frozenset({"Estate X"}))
    result = suggest_mentors(client, [_mentor("m1", linked_areas=frozenset({"Estate X"}))])
    assert [s.mentor_id for s in result.suggestions] == ["m1"]


def test_ranking_and_reasons() -> None:
    mentors = [
        _mentor("m-local", boroughs=frozenset({"borough a"}), active_cases=1),
        _mentor("m-housing", lived_experience=frozenset({NeedArea.ACCOMMODATION, NeedArea.HEALTH})),
        _mentor(
            "m-both",
            boroughs=frozenset({"Borough A"}),
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
        "Lived experience: Accommodation, Drugs and alcohol",
        "Same borough",
        "Caseload 4 of 5",
    )
    assert by_id["m-housing"] == ("Lived experience: Accommodation", "Caseload 2 of 5")
    assert result.excluded == ()


def test_borough_bonus_comes_from_settings() -> None:
    settings = replace(load_programme(), same_borough_bonus=5)
    result = suggest_mentors(
        CLIENT, [_mentor("m1", boroughs=frozenset({"Borough C", "Borough A"}))], settings=settings
    )
    assert result.suggestions[0].score == 5.0


PERSONAL = ("Borough", "Estate", "male", "female", "Keep away")
LAPSED_VETTING = VETTED.with_check(Check("criminal_records", date(2025, 2, 1), TODAY, level="enhanced"))
CONDITIONAL_VETTING = VETTED.with_check(
    Check(
        "criminal_records",
        date(2025, 2, 1),
        date(2028, 2, 1),
        CheckOutcome.CLEARED_WITH_CONDITIONS,
        "enhanced",
        "Keep away from Borough A",
        frozenset({"Borough A"}),
    )
)

mentors_strategy = st.lists(
    st.builds(
        MentorProfile,
        mentor_id=st.text("abc123", min_size=1, max_size=4),
        gender=st.sampled_from(["male", "female"]),
        boroughs=st.frozensets(st.sampled_from(["Borough A", "Borough B"]), min_size=1),
        capacity=st.integers(0, 6),
        active_cases=st.integers(0, 7),
        lived_experience=st.frozensets(st.sampled_from(NeedArea)),
        linked_areas=st.frozensets(st.sampled_from(["Estate X", "Estate Y", "Estate Z"])),
        availability=st.sampled_from(
            [
                Availability(),
                PAUSED,
                Availability(AvailabilityStatus.ON_LEAVE, TODAY - timedelta(days=1)),
                Availability(AvailabilityStatus.ON_LEAVE, TODAY),
            ]
        ),
        vetting=st.sampled_from([VETTED, Vetting(VETTED.checks[1:]), LAPSED_VETTING, CONDITIONAL_VETTING]),
        clearances=st.sampled_from([CLEARED, Clearances(), Clearances((Clearance("BXI", TODAY),))]),
        avoid_areas=st.frozensets(st.sampled_from(["Borough A", "Estate Z"])),
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
    prison=st.sampled_from(["BXI", "WWI"]),
    in_prison=st.booleans(),
    on=st.just(TODAY),
)


@given(clients_strategy, mentors_strategy)
def test_never_suggests_an_unsafe_or_full_mentor(client: ClientNeeds, mentors: list[MentorProfile]) -> None:
    result = suggest_mentors(client, mentors)
    ids = sorted([s.mentor_id for s in result.suggestions] + [e.mentor_id for e in result.excluded])
    assert ids == sorted(mentor.mentor_id for mentor in mentors)
    suggested = {s.mentor_id for s in result.suggestions}
    for mentor in (mentor for mentor in mentors if mentor.mentor_id in suggested):
        assert mentor.availability.available_on(client.on)
        assert not mentor.vetting.gaps_on(client.on)
        assert not client.in_prison or mentor.clearances.cleared_for(client.prison, client.on)
        assert client.borough not in mentor.kept_from_areas
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


# -- the mentor's record: availability, checks, prison clearance, conditions ---------------------------
def _reasons(client: ClientNeeds, mentor: MentorProfile) -> tuple[str, ...]:
    result = suggest_mentors(client, [mentor])
    return result.excluded[0].reasons if result.excluded else ()


@pytest.mark.parametrize(
    ("last_day_on_leave", "reasons"),
    [
        (TODAY, ("On leave until 3 November 2026",)),  # the last day of leave: still away
        (TODAY - timedelta(days=1), ()),  # leave ended by itself yesterday
        (TODAY + timedelta(days=70), ("On leave until 12 January 2027",)),
    ],
)
def test_leave_excludes_until_its_last_day(last_day_on_leave: date, reasons: tuple[str, ...]) -> None:
    mentor = _mentor("m1", availability=Availability(AvailabilityStatus.ON_LEAVE, last_day_on_leave))
    assert _reasons(CLIENT, mentor) == reasons


def test_a_paused_mentor_is_excluded() -> None:
    assert _reasons(CLIENT, _mentor("m1", availability=PAUSED)) == ("Paused",)


@pytest.mark.parametrize(
    ("expires_on", "reasons"),
    [
        (TODAY, ("Criminal records check lapsed on 3 November 2026",)),  # its first day out of date
        (TODAY + timedelta(days=1), ()),  # the day before it expires: still in date
        (TODAY - timedelta(days=30), ("Criminal records check lapsed on 4 October 2026",)),
    ],
)
def test_a_lapsed_required_check_excludes_from_its_expiry_day(
    expires_on: date, reasons: tuple[str, ...]
) -> None:
    vetting = VETTED.with_check(Check("criminal_records", date(2025, 2, 1), expires_on, level="enhanced"))
    assert _reasons(CLIENT, _mentor("m1", vetting=vetting)) == reasons


def test_missing_and_not_cleared_checks_are_named() -> None:
    vetting = Vetting(tuple(c for c in VETTED.checks if c.kind != "references")).with_check(
        Check("safeguarding", date(2026, 1, 1), None, CheckOutcome.NOT_CLEARED)
    )
    assert _reasons(CLIENT, _mentor("m1", vetting=vetting)) == (
        "References: not recorded",
        "Safeguarding training: not cleared",
    )


def test_a_renewed_check_brings_the_mentor_back() -> None:
    lapsed = _mentor("m1", vetting=LAPSED_VETTING)
    assert _reasons(CLIENT, lapsed)
    renewed = replace(
        lapsed,
        vetting=lapsed.vetting.with_check(
            Check("criminal_records", TODAY, date(2029, 11, 3), level="enhanced")
        ),
    )
    assert [s.mentor_id for s in suggest_mentors(CLIENT, [renewed]).suggestions] == ["m1"]


@pytest.mark.parametrize(
    ("clearances", "in_prison", "reasons"),
    [
        (Clearances(), True, ("Not cleared for HMP Brixton before release",)),
        (
            Clearances((Clearance("WWI", date(2027, 1, 1)),)),
            True,
            ("Not cleared for HMP Brixton before release",),
        ),
        (Clearances((Clearance("BXI", TODAY),)), True, ("Not cleared for HMP Brixton before release",)),
        (Clearances((Clearance("BXI", TODAY + timedelta(days=1)),)), True, ()),
        (Clearances(), False, ()),  # released: the prison no longer matters
    ],
)
def test_prison_clearance_matters_while_the_client_is_inside(
    clearances: Clearances, in_prison: bool, reasons: tuple[str, ...]
) -> None:
    client = replace(CLIENT, in_prison=in_prison)
    assert _reasons(client, _mentor("m1", clearances=clearances)) == reasons


def test_an_unknown_prison_is_named_by_its_code() -> None:
    client = replace(CLIENT, prison="ZZI")
    assert _reasons(client, _mentor("m1")) == ("Not cleared for ZZI before release",)


def test_conditions_keep_the_mentor_from_a_client_of_that_area() -> None:
    """Both ways: a mentor's conditions (or profile) keep them from a client living in the area, as
    a client with gang risk is kept from a mentor linked to an area they must avoid."""
    client = replace(CLIENT, borough="borough a ")
    reason = "Must not be linked to a client from this client's area"
    assert _reasons(client, _mentor("m-cond", vetting=CONDITIONAL_VETTING)) == (reason,)
    assert _reasons(client, _mentor("m-prof", avoid_areas=frozenset({"Borough A"}))) == (reason,)
    assert (
        _reasons(replace(client, borough="Borough C"), _mentor("m-cond", vetting=CONDITIONAL_VETTING)) == ()
    )


def test_a_later_unconditional_check_lifts_the_conditions() -> None:
    lifted = CONDITIONAL_VETTING.with_check(
        Check("criminal_records", TODAY, date(2029, 1, 1), level="enhanced")
    )
    assert lifted.avoid_areas == frozenset()


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"vetting": LAPSED_VETTING}, "Criminal records check lapsed on 3 November 2026"),
        ({"clearances": Clearances()}, "Not cleared for HMP Brixton before release"),
        ({"availability": PAUSED}, "Paused"),
        ({"vetting": CONDITIONAL_VETTING}, "Must not be linked to a client from this client's area"),
    ],
)
def test_override_cannot_break_the_record_rules(overrides: dict[str, Any], words: str) -> None:
    client = replace(CLIENT, borough="Borough A")
    with pytest.raises(InvalidInput) as raised:
        check_override(_mentor("m1", **overrides), client, "good reason")
    assert raised.value.field == "mentor_id"
    assert words in raised.value.message
    assert "Keep away" not in raised.value.message


def test_a_mentor_who_has_left_is_never_offered_nor_chosen_by_override() -> None:
    left = _mentor("mentor-0009", left=True)
    result = suggest_mentors(CLIENT, [left, _mentor("mentor-0001")])
    assert [s.mentor_id for s in result.suggestions] == ["mentor-0001"]
    assert [(e.mentor_id, e.reasons) for e in result.excluded] == [
        ("mentor-0009", ("Has left the programme: their sign-in account is deactivated",))
    ]
    with pytest.raises(InvalidInput, match="Has left the programme"):
        check_override(left, CLIENT, "They know the family")
