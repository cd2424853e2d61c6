"""Case lifecycle: the only legal stage moves, and where the release workflow resumes."""

from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType

from throughgate.domain.errors import IllegalTransition, NotWaiting


class Stage(StrEnum):
    REFERRED = "referred"
    CONSENTED = "consented"
    ASSESSED = "assessed"
    MATCHED = "matched"
    PRE_RELEASE = "pre_release"
    RELEASE_READY = "release_ready"
    RELEASE_DAY = "release_day"
    POST_RELEASE = "post_release"
    HANDOVER = "handover"
    CLOSED = "closed"
    OUTCOME_RECORDED = "outcome_recorded"
    RECALLED = "recalled"
    DISENGAGED = "disengaged"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    DIED = "died"

    @property
    def words(self) -> str:
        """The stage as the programme says it, e.g. "pre-release support"."""
        return STAGE_WORDS[self]

    @property
    def is_terminal(self) -> bool:
        """Nothing more will happen to the case: no plan, no outcome to wait for."""
        return self in TERMINAL_STAGES

    @property
    def is_pre_release(self) -> bool:
        return self in PRE_RELEASE_STAGES

    @property
    def expects_regular_contact(self) -> bool:
        """The client is out and still on their mentor's caseload: the pair is expected to be in
        touch (the no-contact flag watches it)."""
        return self in CONTACT_EXPECTED_STAGES

    @property
    def is_in_prison(self) -> bool:
        """The client is inside: before release (up to the release day itself), or recalled."""
        return self.is_pre_release or self is Stage.RECALLED

    @property
    def is_off_caseload(self) -> bool:
        """The case no longer takes a place in its mentor's caseload."""
        return self in OFF_CASELOAD_STAGES


STAGE_WORDS = {
    Stage.REFERRED: "referred",
    Stage.CONSENTED: "consent recorded",
    Stage.ASSESSED: "assessed",
    Stage.MATCHED: "mentor matched",
    Stage.PRE_RELEASE: "pre-release support",
    Stage.RELEASE_READY: "ready for release",
    Stage.RELEASE_DAY: "release day",
    Stage.POST_RELEASE: "post-release support",
    Stage.HANDOVER: "handover",
    Stage.CLOSED: "closed",
    Stage.OUTCOME_RECORDED: "outcome recorded",
    Stage.RECALLED: "recalled to prison",
    Stage.DISENGAGED: "disengaged",
    Stage.CONSENT_WITHDRAWN: "consent withdrawn",
    Stage.DIED: "died",
}
STAGE_VALUES = frozenset(stage.value for stage in Stage)

_MAIN_PATH = (
    Stage.REFERRED,
    Stage.CONSENTED,
    Stage.ASSESSED,
    Stage.MATCHED,
    Stage.PRE_RELEASE,
    Stage.RELEASE_READY,
    Stage.RELEASE_DAY,
    Stage.POST_RELEASE,
    Stage.HANDOVER,
    Stage.CLOSED,
    Stage.OUTCOME_RECORDED,
)

PRE_RELEASE_STAGES = frozenset(_MAIN_PATH[: _MAIN_PATH.index(Stage.RELEASE_DAY) + 1])
ACTIVE_STAGES = frozenset(_MAIN_PATH[: _MAIN_PATH.index(Stage.HANDOVER) + 1]) | {Stage.RECALLED}
TERMINAL_STAGES = frozenset({Stage.OUTCOME_RECORDED, Stage.CONSENT_WITHDRAWN, Stage.DIED})
# Every stage a client who came through the gate can be in (Case.is_released tells whether one did:
# a case can disengage or be recalled before release too).
RELEASED_STAGES = frozenset(
    {
        Stage.POST_RELEASE,
        Stage.HANDOVER,
        Stage.CLOSED,
        Stage.OUTCOME_RECORDED,
        Stage.RECALLED,
        Stage.DISENGAGED,
    }
)
OFF_CASELOAD_STAGES = frozenset(
    {Stage.CLOSED, Stage.RECALLED, Stage.DISENGAGED, Stage.CONSENT_WITHDRAWN, Stage.DIED}
)
# After release and still worked. Before release, contact is a prison visit the prison books, so the
# programme does not flag its absence (a design choice: the flag counts from the release).
CONTACT_EXPECTED_STAGES = RELEASED_STAGES - OFF_CASELOAD_STAGES - TERMINAL_STAGES
# Side exits open to every case still being worked.
_SIDE_EXITS = frozenset({Stage.DISENGAGED, Stage.CONSENT_WITHDRAWN, Stage.DIED})


def _build_moves() -> dict[Stage, frozenset[Stage]]:
    moves: dict[Stage, set[Stage]] = {stage: set() for stage in Stage}
    for current, following in pairwise(_MAIN_PATH):
        moves[current].add(following)
    for stage in (Stage.RELEASE_DAY, Stage.POST_RELEASE, Stage.HANDOVER):
        moves[stage].add(Stage.RECALLED)
    # A recall resets the plan: the client is reassessed for the next release.
    moves[Stage.RECALLED].add(Stage.CONSENTED)
    for stage in (Stage.RECALLED, Stage.DISENGAGED):
        moves[stage].add(Stage.OUTCOME_RECORDED)
    for stage in ACTIVE_STAGES:
        moves[stage] |= _SIDE_EXITS
    return {stage: frozenset(targets) for stage, targets in moves.items()}


_MOVES = MappingProxyType(_build_moves())

_WORKFLOW_ENTRY_POINTS = MappingProxyType(
    {
        Stage.CONSENTED: "pre_release_window",
        Stage.ASSESSED: "mentor_match",
        Stage.MATCHED: "plan_tasks",
        Stage.PRE_RELEASE: "readiness",
        Stage.RELEASE_READY: "release_day",
        Stage.RELEASE_DAY: "release_day",
        Stage.POST_RELEASE: "post_release",
        Stage.HANDOVER: "handover",
    }
)


def reached(current: Stage, milestone: Stage) -> bool:
    """The case is at or past this point of the main path (a side exit has passed nothing more)."""
    return current in _MAIN_PATH and _MAIN_PATH.index(current) >= _MAIN_PATH.index(milestone)


def allowed_targets(current: Stage) -> frozenset[Stage]:
    return _MOVES[current]


def check_transition(current: Stage, target: Stage) -> None:
    if target not in _MOVES[current]:
        raise IllegalTransition(current, target)


def workflow_entry_point(stage: Stage) -> str:
    """Where a restarted release workflow picks up, e.g. after a release date moves."""
    try:
        return _WORKFLOW_ENTRY_POINTS[stage]
    except KeyError:
        raise NotWaiting(f"the release workflow has no entry point for stage {stage.value}") from None
