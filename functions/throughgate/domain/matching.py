"""Mentor suggestions: hard safety rules first, then a ranking a coordinator may override.

Reasons are shown to staff and may be logged, so they name need areas, check kinds, prisons, dates
and counts, never the client's or mentor's personal values (gender, areas, boroughs, conditions).

Hard rules, each a reason in words: available on the day (not paused, not on leave); every required
check in date and cleared (domain.mentors.Vetting); cleared for the client's prison while the client
is in prison; room in the caseload; the client's gender preference; and areas kept apart both ways:
a mentor linked to an area the client must avoid (a client with gang risk), or a client whose area
the mentor must not be linked to (the mentor's own list and the conditions of their checks).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from throughgate.domain.catalogue import ProgrammeSettings, load_programme, prison_name
from throughgate.domain.errors import CapacityExceeded, InvalidInput
from throughgate.domain.mentors import Availability, Clearances, Vetting
from throughgate.domain.needs import NEED_AREA_NAMES, Level, NeedArea


@dataclass(frozen=True, slots=True)
class MentorProfile:
    mentor_id: str
    gender: str
    boroughs: frozenset[str]
    capacity: int
    active_cases: int
    lived_experience: frozenset[NeedArea]
    linked_areas: frozenset[str]  # areas the mentor is linked to (a client at risk there is kept apart)
    availability: Availability = field(default_factory=Availability)
    vetting: Vetting = field(default_factory=Vetting)
    clearances: Clearances = field(default_factory=Clearances)
    avoid_areas: frozenset[str] = frozenset()  # areas the mentor must not be linked to (their profile)
    left: bool = False  # their sign-in account was deactivated (domain.staff): they have left

    @property
    def kept_from_areas(self) -> frozenset[str]:
        """Where the mentor must not be linked: their profile's areas and their checks' conditions."""
        return self.avoid_areas | self.vetting.avoid_areas

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
    prison: str  # the establishment code
    in_prison: bool  # a mentor needs clearance for the prison only while the client is inside
    on: date  # the day the match is made


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


def _kept_from_client(mentor: MentorProfile, client: ClientNeeds) -> bool:
    """The other way round: the client lives in an area the mentor must not be linked to."""
    return any(_same(area, client.borough) for area in mentor.kept_from_areas)


def _needs_clearance(mentor: MentorProfile, client: ClientNeeds) -> bool:
    return client.in_prison and not mentor.clearances.cleared_for(client.prison, client.on)


def _safety_rules(mentor: MentorProfile, client: ClientNeeds) -> list[str]:
    """The rules no override may break: who may work with this client at all."""
    reasons = []
    if mentor.left:
        return ["Has left the programme: their sign-in account is deactivated"]
    if not mentor.availability.available_on(client.on):
        reasons.append(mentor.availability.words_on(client.on))
    reasons.extend(mentor.vetting.gaps_on(client.on))
    if _needs_clearance(mentor, client):
        reasons.append(f"Not cleared for {prison_name(client.prison)} before release")
    if _gang_unsafe(mentor, client):
        reasons.append("Linked to an area this client must avoid")
    if _kept_from_client(mentor, client):
        reasons.append("Must not be linked to a client from this client's area")
    return reasons


def _failed_rules(mentor: MentorProfile, client: ClientNeeds) -> list[str]:
    reasons = _safety_rules(mentor, client)
    if not mentor.has_room:
        reasons.append(f"At capacity ({mentor.active_cases} of {mentor.capacity} cases)")
    if client.gender_preference is not None and not _same(mentor.gender, client.gender_preference):
        reasons.append("The client's gender preference is not met")
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
        reasons.append(f"Lived experience: {', '.join(NEED_AREA_NAMES[area] for area in matched)}")
    if any(_same(borough, client.borough) for borough in mentor.boroughs):
        score += settings.same_borough_bonus
        reasons.append("Same borough")
    reasons.append(f"Caseload {mentor.active_cases} of {mentor.capacity}")
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
    """A coordinator may overrule the ranking, never capacity, availability, vetting, prison
    clearance or the areas kept apart."""
    settings = settings or load_programme()
    if not chosen.has_room:
        raise CapacityExceeded(
            f"mentor {chosen.mentor_id} is at capacity ({chosen.active_cases} of {chosen.capacity})"
        )
    if refused := _safety_rules(chosen, client):
        raise InvalidInput(f"Select another mentor: {'; '.join(refused)}", field="mentor_id")
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
