"""Mentor suggestions: hard safety rules first, then a ranking a coordinator may override.

Reasons are shown to staff and may be logged, so they name need areas and counts, never the
client's or mentor's personal values (gender, areas, boroughs).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from throughgate.domain.catalogue import ProgrammeSettings, load_programme
from throughgate.domain.errors import CapacityExceeded, InvalidInput
from throughgate.domain.needs import Level, NeedArea


@dataclass(frozen=True, slots=True)
class MentorProfile:
    mentor_id: str
    gender: str
    borough: str
    capacity: int
    active_cases: int
    lived_experience: frozenset[NeedArea]
    linked_areas: frozenset[str]
    available: bool = True

    @property
    def has_room(self) -> bool:
        """Capacity is a hard rule: neither the ranking nor an override may go past it."""
        return self.active_cases < self.capacity

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise InvalidInput(f"mentor {self.mentor_id}: capacity must not be negative", field="capacity")
        if self.active_cases < 0:
            raise InvalidInput(
                f"mentor {self.mentor_id}: active_cases must not be negative", field="active_cases"
            )


@dataclass(frozen=True, slots=True)
class ClientNeeds:
    needs: Mapping[NeedArea, Level]
    borough: str
    gender_preference: str | None
    gang_risk: bool
    excluded_areas: frozenset[str]


@dataclass(frozen=True, slots=True)
class Suggestion:
    mentor_id: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Exclusion:
    mentor_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[Exclusion, ...]


def _norm(value: str) -> str:
    """Free-text values from forms: compare without case or surrounding space."""
    return value.strip().casefold()


def _same(left: str, right: str) -> bool:
    return _norm(left) == _norm(right)


def _gang_unsafe(mentor: MentorProfile, client: ClientNeeds) -> bool:
    if not client.gang_risk:
        return False
    excluded = {_norm(area) for area in client.excluded_areas}
    return any(_norm(area) in excluded for area in mentor.linked_areas)


def _failed_rules(mentor: MentorProfile, client: ClientNeeds) -> list[str]:
    reasons = []
    if not mentor.available:
        reasons.append("not available")
    if not mentor.has_room:
        reasons.append(f"at capacity ({mentor.active_cases} of {mentor.capacity})")
    if client.gender_preference is not None and not _same(mentor.gender, client.gender_preference):
        reasons.append("gender preference not met")
    if _gang_unsafe(mentor, client):
        reasons.append("linked to an area excluded for this client")
    return reasons


def _suggestion(mentor: MentorProfile, client: ClientNeeds, settings: ProgrammeSettings) -> Suggestion:
    matched = [
        area
        for area in NeedArea
        if area in mentor.lived_experience and client.needs.get(area, Level.NONE).rank > 0
    ]
    score = sum(client.needs[area].rank for area in matched)
    reasons = []
    if matched:
        reasons.append(f"lived experience: {', '.join(area.value for area in matched)}")
    if _same(mentor.borough, client.borough):
        score += settings.same_borough_bonus
        reasons.append("same borough")
    reasons.append(f"caseload {mentor.active_cases} of {mentor.capacity}")
    return Suggestion(mentor.mentor_id, float(score), tuple(reasons))


def suggest_mentors(
    client: ClientNeeds,
    mentors: Iterable[MentorProfile],
    *,
    settings: ProgrammeSettings | None = None,
) -> MatchResult:
    """Highest score first, then the lighter caseload, then mentor_id so the order is stable."""
    settings = settings or load_programme()
    eligible: list[tuple[Suggestion, MentorProfile]] = []
    excluded: list[Exclusion] = []
    for mentor in mentors:
        if failed := _failed_rules(mentor, client):
            excluded.append(Exclusion(mentor.mentor_id, tuple(failed)))
        else:
            eligible.append((_suggestion(mentor, client, settings), mentor))
    eligible.sort(key=lambda pair: (-pair[0].score, pair[1].active_cases, pair[1].mentor_id))
    excluded.sort(key=lambda exclusion: exclusion.mentor_id)
    return MatchResult(tuple(suggestion for suggestion, _ in eligible), tuple(excluded))


def check_override(
    chosen: MentorProfile,
    client: ClientNeeds,
    reason: str,
    *,
    settings: ProgrammeSettings | None = None,
) -> None:
    """A coordinator may overrule the ranking, never capacity or the client's gang safety."""
    settings = settings or load_programme()
    if not chosen.has_room:
        raise CapacityExceeded(
            f"mentor {chosen.mentor_id} is at capacity ({chosen.active_cases} of {chosen.capacity})"
        )
    if _gang_unsafe(chosen, client):
        raise InvalidInput(
            "Select another mentor: this one is linked to an area excluded for this client",
            field="mentor_id",
        )
    check_reason(reason, settings=settings)


def reason_needed(chosen: str, first: str | None, current: str | None) -> bool:
    """A coordinator says why when they choose anyone but the first suggestion, or move a case that
    has a mentor (a re-match after a recall) to someone else."""
    return chosen != first or (current is not None and chosen != current)


def check_reason(reason: str, *, settings: ProgrammeSettings | None = None) -> None:
    """The reason for an override or a change of mentor: given, and no longer than the programme's
    limit. It is kept on the case's timeline, never logged (it may name the client's situation)."""
    settings = settings or load_programme()
    if not reason.strip():
        raise InvalidInput(
            "Enter the reason for choosing someone other than the first suggestion", field="override_reason"
        )
    if len(reason) > settings.override_reason_max_chars:
        raise InvalidInput(
            f"The reason must be {settings.override_reason_max_chars:,} characters or fewer",
            field="override_reason",
        )
