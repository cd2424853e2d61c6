"""Cohort figures a programme can trust: each rate with its count and a 95% Wilson interval, by
release period, for everyone who consented (intention to treat) and for those who completed
handover, against a published baseline.

The figures are kept as counters per month of release. What one case adds to them is its
`CohortFacts`, saved on the case with the change that moved them: a later change adds the
difference between the new facts and the saved ones, so the counters always equal a recount.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from statistics import NormalDist
from typing import TYPE_CHECKING

from throughgate.domain.errors import InvalidInput
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import Level, NeedArea, distance_travelled

if TYPE_CHECKING:
    from throughgate.domain.case import Case

CONFIDENCE = 0.95
POWER = 0.80
# Fewer outcomes than this and a rate is too uncertain to publish as a finding: the Justice Data
# Lab's own minimum cohort.
FEW_OUTCOMES = 60


# -- the arithmetic --------------------------------------------------------------------------------
def _z(two_sided: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - two_sided) / 2)


def wilson_interval(count: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for `count` of `n` (Newcombe 1998, method 3): it stays inside 0..1
    and is honest for small n and rates near 0, where the textbook p ± z·se is not."""
    if n <= 0 or not 0 <= count <= n:
        raise InvalidInput("a rate needs 0 <= count <= n and n > 0", field="n")
    z = _z(confidence)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At 0 or n the bound is exactly 0 or 1 (rounding must not leave the rate outside it).
    return (0.0 if count == 0 else max(0.0, centre - half)), (1.0 if count == n else min(1.0, centre + half))


def outcomes_needed(
    baseline: float, observed: float, power: float = POWER, confidence: float = CONFIDENCE
) -> int:
    """How many outcomes a one-sample test of a proportion needs to tell a true rate `observed` from
    `baseline` (two-sided at 1 - `confidence`, with `power`): the normal-approximation formula
    n = ((z_a * sqrt(p0 q0) + z_b * sqrt(p1 q1)) / (p1 - p0))^2, rounded up."""
    if not (0 < baseline < 1 and 0 <= observed <= 1) or observed == baseline:
        raise InvalidInput("the observed rate must differ from a baseline between 0 and 1", field="observed")
    z_a, z_b = _z(confidence), NormalDist().inv_cdf(power)
    spread = z_a * math.sqrt(baseline * (1 - baseline)) + z_b * math.sqrt(observed * (1 - observed))
    return math.ceil((spread / (observed - baseline)) ** 2)


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` of `n`, with its interval; no rate at all when nobody is counted."""

    count: int
    n: int

    @property
    def rate(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.count, self.n) if self.n else None


# -- what one case adds to the figures ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CohortFacts:
    """What a case counts for, in the month of its (first, else expected) release. Outcome and
    distance travelled come from records saved beside the case; `completed` and `recalled` stay
    true once they have been (a recalled client who is released again was still recalled)."""

    month: str  # "2027-05"
    consented: bool
    released: bool = False
    met_at_gate: bool | None = None
    housed_on_release_night: bool | None = None
    in_work_at_handover: bool | None = None
    completed: bool = False  # handover done: the case closed with its needs met or handed on
    recalled: bool = False
    reoffended: bool | None = None  # the 12-month outcome, once recorded
    outcome_final: bool | None = None  # recorded 18 months or more after release
    distances: tuple[tuple[NeedArea, int], ...] = ()  # entry level minus exit level, at handover
    # Check-ins by number, once closed: a number counts once (a recall's new plan reuses numbers).
    check_ins_kept: tuple[int, ...] = ()
    check_ins_missed: tuple[int, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CohortFacts:
        raw = json.loads(text)
        raw["distances"] = tuple((NeedArea(area), int(d)) for area, d in raw["distances"])
        for name in ("check_ins_kept", "check_ins_missed"):
            raw[name] = tuple(raw.get(name, ()))
        return cls(**raw)

    def counts(self) -> dict[str, int]:
        """The counters this case adds to its month (zeros left out)."""
        flags = {
            "referred": True,
            "consented": self.consented,
            "released": self.consented and self.released,
            "met_at_gate_known": self.consented and self.met_at_gate is not None,
            "met_at_gate": self.consented and self.met_at_gate is True,
            "housed_known": self.consented and self.housed_on_release_night is not None,
            "housed": self.consented and self.housed_on_release_night is True,
            "work_known": self.consented and self.in_work_at_handover is not None,
            "work": self.consented and self.in_work_at_handover is True,
            "completed": self.consented and self.completed,
            "recalled": self.consented and self.recalled,
            "outcomes": self.consented and self.reoffended is not None,
            "reoffended": self.consented and self.reoffended is True,
            "outcomes_final": self.consented and self.outcome_final is True,
            "completed_outcomes": self.consented and self.completed and self.reoffended is not None,
            "completed_reoffended": self.consented and self.completed and self.reoffended is True,
        }
        counts = {name: 1 for name, on in flags.items() if on}
        if self.consented:
            counts["check_ins_kept"] = len(self.check_ins_kept)
            counts["check_ins_closed"] = len(self.check_ins_kept) + len(self.check_ins_missed)
            for area, distance in self.distances:
                counts[f"distance_{area.value}"] = distance
                counts[f"distance_n_{area.value}"] = 1
        return {name: value for name, value in counts.items() if value}


COUNTERS = (
    "referred",
    "consented",
    "released",
    "met_at_gate_known",
    "met_at_gate",
    "housed_known",
    "housed",
    "work_known",
    "work",
    "completed",
    "recalled",
    "outcomes",
    "reoffended",
    "outcomes_final",
    "completed_outcomes",
    "completed_reoffended",
    "check_ins_kept",
    "check_ins_closed",
    *(f"distance_{area.value}" for area in NeedArea),
    *(f"distance_n_{area.value}" for area in NeedArea),
)


def release_month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def cohort_facts(
    state: Case,
    outcome: tuple[bool, bool] | None = None,  # (proven re-offending, final) when recorded now
    exit_levels: Sequence[tuple[NeedArea, Level, Level | None]] = (),  # (area, entry, exit)
    check_ins: Sequence[tuple[int, bool | None]] = (),  # (number, CheckIn.kept) saved now
) -> CohortFacts | None:
    """The case's facts after a change (None once it is being erased: it counts for nothing)."""
    if state.erasing:
        return None
    kept = state.counted or CohortFacts(month="", consented=False)
    distances = tuple(
        (area, distance_travelled(entry, exit)) for area, entry, exit in exit_levels if exit is not None
    )
    return replace(
        kept,
        month=release_month(state.first_released_on or state.release_on),
        consented=state.consent is not None,
        released=state.first_released_on is not None,
        met_at_gate=state.release_day.met_at_gate if state.release_day else None,
        housed_on_release_night=state.housed_on_release_night,
        in_work_at_handover=state.in_work_at_handover,
        completed=kept.completed or state.stage is Stage.CLOSED,
        recalled=kept.recalled or state.stage is Stage.RECALLED,
        reoffended=outcome[0] if outcome else kept.reoffended,
        outcome_final=outcome[1] if outcome else kept.outcome_final,
        distances=distances or kept.distances,
        check_ins_kept=_numbers(kept.check_ins_kept, check_ins, keep=True),
        check_ins_missed=_numbers(kept.check_ins_missed, check_ins, keep=False),
    )


def _numbers(
    before: tuple[int, ...], check_ins: Sequence[tuple[int, bool | None]], keep: bool
) -> tuple[int, ...]:
    """The check-in numbers in this class after the change: one saved now moves to its class."""
    saved = {number: kept for number, kept in check_ins}
    numbers = {n for n in before if n not in saved} | {n for n, kept in saved.items() if kept is keep}
    return tuple(sorted(numbers))


def counter_changes(before: CohortFacts | None, after: CohortFacts | None) -> dict[str, dict[str, int]]:
    """What to ADD to each month's counters (nothing when the facts did not move)."""
    if before == after:
        return {}
    changes: dict[str, dict[str, int]] = {}
    for facts, sign in ((before, -1), (after, 1)):
        if facts is None:
            continue
        month = changes.setdefault(facts.month, {})
        for name, value in facts.counts().items():
            month[name] = month.get(name, 0) + sign * value
    return {
        month: kept for month, deltas in changes.items() if (kept := {n: v for n, v in deltas.items() if v})
    }


def recount(facts: Iterable[CohortFacts]) -> dict[str, dict[str, int]]:
    """The counters from scratch: what the kept counters must always equal."""
    totals: dict[str, dict[str, int]] = {}
    for case_facts in facts:
        month = totals.setdefault(case_facts.month, {})
        for name, value in case_facts.counts().items():
            month[name] = month.get(name, 0) + value
    return {month: {n: v for n, v in counts.items() if v} for month, counts in totals.items()}


# -- release periods ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReleasePeriod:
    """Releases from `first` to `last`, whole months (the counters are kept by month of release)."""

    first: date
    last: date

    @classmethod
    def of(cls, first: date, last: date) -> ReleasePeriod:
        if first > last:
            raise InvalidInput("The start of the period must be on or before its end", field="from")
        if first.day != 1:
            raise InvalidInput(
                "The period must start on the first day of a month: the figures are kept by month of release",
                field="from",
            )
        if (last + timedelta(days=1)).day != 1:
            raise InvalidInput(
                "The period must end on the last day of a month: the figures are kept by month of release",
                field="to",
            )
        return cls(first, last)

    @classmethod
    def named(cls, name: str) -> ReleasePeriod:
        """ "2027" (a year) or "2027-Q2" (a quarter)."""
        try:
            if len(name) == 4:
                year = int(name)
                return cls(date(year, 1, 1), date(year, 12, 31))
            year_text, quarter_text = name.split("-Q")
            year, quarter = int(year_text), int(quarter_text)
            if not 1 <= quarter <= 4:
                raise ValueError(name)
        except ValueError:
            raise InvalidInput(
                "Choose a year (like 2027) or a quarter (like 2027-Q2)", field="period"
            ) from None
        first = date(year, 3 * quarter - 2, 1)
        following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(first, following - timedelta(days=1))

    def months(self) -> list[str]:
        found, day = [], self.first
        while day <= self.last:
            found.append(release_month(day))
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return found


def periods_named(months: Iterable[str]) -> list[str]:
    """The years that hold these months and each of their quarters, newest first ("2027",
    "2027-Q4", ... "2027-Q1", "2026", ...)."""
    names: set[str] = set()
    for year in {month[:4] for month in months}:
        names |= {year, *(f"{year}-Q{quarter}" for quarter in range(1, 5))}
    return sorted(names, key=lambda n: (n[:4], len(n) == 4, n), reverse=True)


# -- the figures -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CohortFigures:
    counts: Mapping[str, int]

    def rate(self, count: str, of: str) -> Rate:
        return Rate(self.counts.get(count, 0), self.counts.get(of, 0))

    @property
    def reoffending(self) -> Rate:
        """Intention to treat: every consented client with an outcome."""
        return self.rate("reoffended", "outcomes")

    def distance_travelled(self) -> dict[NeedArea, float]:
        return {
            area: self.counts.get(f"distance_{area.value}", 0) / n
            for area in NeedArea
            if (n := self.counts.get(f"distance_n_{area.value}", 0))
        }


def sum_months(by_month: Mapping[str, Mapping[str, int]], months: Iterable[str]) -> CohortFigures:
    totals: dict[str, int] = {}
    for month in months:
        for name, value in by_month.get(month, {}).items():
            totals[name] = totals.get(name, 0) + value
    return CohortFigures(totals)
