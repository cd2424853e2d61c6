"""Cohort figures, so a programme can measure its own re-offending rate against a baseline."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from throughgate.domain.errors import InvalidInput
from throughgate.domain.needs import NeedArea


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    case_id: str
    proven_reoffending: bool
    housed: bool
    in_work_or_training: bool


@dataclass(frozen=True, slots=True)
class CohortFigures:
    cases: int
    outcomes_recorded: int
    reoffending_rate: float | None
    baseline_rate: float
    housed_on_release_night_rate: float | None
    in_work_or_training_at_handover_rate: float | None
    distance_travelled: dict[NeedArea, float]


def _share(flags: Sequence[bool]) -> float | None:
    """None rather than 0 when nobody is counted: an empty cohort has no rate."""
    return sum(flags) / len(flags) if flags else None


def cohort_figures(  # noqa: PLR0917 - positional order is the published signature
    outcomes: Sequence[OutcomeRecord],
    housed_on_release_night: Sequence[bool],
    work_at_handover: Sequence[bool],
    distances: Sequence[Mapping[NeedArea, int]],
    baseline_rate: float,
    cases: int,
) -> CohortFigures:
    """Each rate is over the cases that have that measure, not over the whole cohort."""
    if len({outcome.case_id for outcome in outcomes}) != len(outcomes):
        raise InvalidInput("a case has more than one outcome record", field="outcomes")
    if cases < len(outcomes):
        raise InvalidInput("more outcome records than cases", field="cases")
    if not 0.0 <= baseline_rate <= 1.0:
        raise InvalidInput("baseline rate must be between 0 and 1", field="baseline_rate")
    per_area: dict[NeedArea, list[int]] = {area: [] for area in NeedArea}
    for case_distances in distances:
        for area, distance in case_distances.items():
            per_area[area].append(distance)
    return CohortFigures(
        cases=cases,
        outcomes_recorded=len(outcomes),
        reoffending_rate=_share([outcome.proven_reoffending for outcome in outcomes]),
        baseline_rate=baseline_rate,
        housed_on_release_night_rate=_share(housed_on_release_night),
        in_work_or_training_at_handover_rate=_share(work_at_handover),
        distance_travelled={area: sum(values) / len(values) for area, values in per_area.items() if values},
    )
