import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.errors import IllegalTransition, NotWaiting
from throughgate.domain.lifecycle import (
    ACTIVE_STAGES,
    OFF_CASELOAD_STAGES,
    PRE_RELEASE_STAGES,
    RELEASED_STAGES,
    TERMINAL_STAGES,
    Stage,
    allowed_targets,
    check_transition,
    workflow_entry_point,
)

S = Stage
MAIN = [
    S.REFERRED,
    S.CONSENTED,
    S.ASSESSED,
    S.MATCHED,
    S.PRE_RELEASE,
    S.RELEASE_READY,
    S.RELEASE_DAY,
    S.POST_RELEASE,
    S.HANDOVER,
    S.CLOSED,
    S.OUTCOME_RECORDED,
]
WORKED = [*MAIN[: MAIN.index(S.HANDOVER) + 1], S.RECALLED]
EXPECTED = (
    set(itertools.pairwise(MAIN))
    | {(stage, S.RECALLED) for stage in (S.RELEASE_DAY, S.POST_RELEASE, S.HANDOVER)}
    | {(S.RECALLED, S.CONSENTED)}
    | {(stage, S.OUTCOME_RECORDED) for stage in (S.RECALLED, S.DISENGAGED, S.CLOSED)}
    | {(stage, exit) for stage in WORKED for exit in (S.DISENGAGED, S.CONSENT_WITHDRAWN, S.DIED)}
)


def test_allowed_moves_are_exactly_the_designed_ones() -> None:
    actual = {(current, target) for current in Stage for target in allowed_targets(current)}
    assert actual == EXPECTED


@given(st.sampled_from(Stage), st.sampled_from(Stage))
def test_check_transition_agrees_with_the_move_table(current: Stage, target: Stage) -> None:
    if (current, target) in EXPECTED:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as raised:
            check_transition(current, target)
        assert (raised.value.current, raised.value.target) == (current, target)


@given(st.sampled_from(sorted(TERMINAL_STAGES)), st.sampled_from(Stage))
def test_a_terminal_stage_is_never_left(current: Stage, target: Stage) -> None:
    assert allowed_targets(current) == frozenset()
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


@given(st.sampled_from(Stage))
def test_no_stage_moves_to_itself(stage: Stage) -> None:
    assert stage not in allowed_targets(stage)


def test_consent_refused_and_recall_with_re_release() -> None:
    check_transition(S.REFERRED, S.CONSENT_WITHDRAWN)
    check_transition(S.RECALLED, S.CONSENTED)
    with pytest.raises(IllegalTransition):
        check_transition(S.MATCHED, S.RECALLED)
    with pytest.raises(IllegalTransition):
        check_transition(S.CLOSED, S.DISENGAGED)


def _reachable(start: Stage) -> set[Stage]:
    seen, todo = {start}, [start]
    while todo:
        for target in allowed_targets(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_every_stage_is_reachable_from_referral() -> None:
    assert _reachable(S.REFERRED) == set(Stage)


@given(st.sampled_from(Stage))
def test_every_stage_can_still_end(stage: Stage) -> None:
    assert _reachable(stage) & TERMINAL_STAGES


def test_stage_groups() -> None:
    assert set(MAIN[: MAIN.index(S.RELEASE_DAY) + 1]) == PRE_RELEASE_STAGES
    assert set(WORKED) == ACTIVE_STAGES
    assert {S.OUTCOME_RECORDED, S.CONSENT_WITHDRAWN, S.DIED} == TERMINAL_STAGES
    assert not ACTIVE_STAGES & TERMINAL_STAGES


def test_a_released_client_can_be_in_these_stages_and_no_pre_release_one() -> None:
    """Disengaging after release still leaves a released client to measure (the dashboards' copy
    counted it, the lifecycle's did not: the cohort counts it, if the client did come out)."""
    assert {
        S.POST_RELEASE,
        S.HANDOVER,
        S.CLOSED,
        S.OUTCOME_RECORDED,
        S.RECALLED,
        S.DISENGAGED,
    } == RELEASED_STAGES
    assert not RELEASED_STAGES & PRE_RELEASE_STAGES
    # Every stage the release-day form moves a case into, and every stage reachable from there
    # without a new plan, is one a released client may be in.
    assert allowed_targets(S.POST_RELEASE) - {S.CONSENT_WITHDRAWN, S.DIED} <= RELEASED_STAGES


@pytest.mark.parametrize("stage", list(Stage))
def test_stage_properties_read_the_one_set_each(stage: Stage) -> None:
    assert stage.is_terminal == (stage in TERMINAL_STAGES)
    assert stage.is_pre_release == (stage in PRE_RELEASE_STAGES)
    assert stage.is_off_caseload == (stage in OFF_CASELOAD_STAGES)
    assert stage.is_in_prison == (stage in PRE_RELEASE_STAGES or stage is S.RECALLED)


def test_a_case_off_the_caseload_is_no_longer_worked_or_has_ended() -> None:
    assert OFF_CASELOAD_STAGES.isdisjoint(PRE_RELEASE_STAGES)
    assert S.HANDOVER not in OFF_CASELOAD_STAGES and S.POST_RELEASE not in OFF_CASELOAD_STAGES


def test_workflow_entry_points() -> None:
    assert {stage: workflow_entry_point(stage) for stage in MAIN[1:9]} == {
        S.CONSENTED: "pre_release_window",
        S.ASSESSED: "mentor_match",
        S.MATCHED: "plan_tasks",
        S.PRE_RELEASE: "readiness",
        S.RELEASE_READY: "release_day",
        S.RELEASE_DAY: "release_day",
        S.POST_RELEASE: "post_release",
        S.HANDOVER: "handover",
    }


@pytest.mark.parametrize(
    "stage",
    [S.REFERRED, S.CLOSED, S.OUTCOME_RECORDED, S.RECALLED, S.DISENGAGED, S.CONSENT_WITHDRAWN, S.DIED],
)
def test_stages_the_workflow_does_not_wait_in(stage: Stage) -> None:
    with pytest.raises(NotWaiting, match=stage.value):
        workflow_entry_point(stage)
