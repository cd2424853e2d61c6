"""The cohort's outcomes for a release period, from the counters kept per month of release: one Query
of the counters' partition whatever the number of cases (domain.outcomes has the arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from throughgate.domain.catalogue import Baseline, programme_baseline
from throughgate.domain.needs import NEED_AREA_NAMES, NeedArea
from throughgate.domain.outcomes import (
    FEW_OUTCOMES,
    CohortFigures,
    Rate,
    ReleasePeriod,
    outcomes_needed,
    periods_named,
    sum_months,
)
from throughgate.domain.schedule import london_date, long_date
from throughgate.logic.access import Act, require
from throughgate.logic.pathways import PathwayCounts, pathway_counts
from throughgate.logic.ports import Actor, Deps

# Each rate shown: its key in the API, its words, and its count and denominator in the counters.
RATES = (
    (
        "reoffending",
        "Proven re-offending within 12 months (everyone who consented)",
        "reoffended",
        "outcomes",
    ),
    (
        "reoffending_completers",
        "Proven re-offending within 12 months (those who completed handover)",
        "completed_reoffended",
        "completed_outcomes",
    ),
    ("met_at_gate", "Met at the gate", "met_at_gate", "met_at_gate_known"),
    ("housed_on_release_night", "Housed on release night", "housed", "housed_known"),
    ("in_work_or_training_at_handover", "In work or training at handover", "work", "work_known"),
    ("check_ins_kept", "Check-ins kept (contact made)", "check_ins_kept", "check_ins_closed"),
)
COUNTS = (
    ("referred", "Referred"),
    ("consented", "Consented (intention to treat)"),
    ("released", "Released"),
    ("completed", "Completed handover"),
    ("recalled", "Recalled to prison (not counted as re-offending)"),
    ("outcomes", "12-month outcomes recorded"),
    ("outcomes_final", "Outcomes final (recorded 18 months or more after release)"),
)


@dataclass(frozen=True)
class RateLine:
    key: str
    label: str
    rate: Rate

    @property
    def words(self) -> str:
        """ "10% (5 of 50; 95% interval 4.3% to 21.4%)", or that nobody is counted yet."""
        r = self.rate
        if r.rate is None or r.interval is None:
            return "No one counted yet"
        low, high = r.interval
        return f"{r.rate:.0%} ({r.count} of {r.n}; 95% interval {low:.1%} to {high:.1%})"


@dataclass(frozen=True)
class Outcomes:
    period: ReleasePeriod
    period_name: str  # "2027-Q2", "2027", or the dates asked for
    periods: list[str]  # the years and quarters with releases, newest first
    baseline: Baseline
    figures: CohortFigures
    rates: list[RateLine]
    # The whole programme's, not the period's: former clients who became mentors, and those on the
    # way now (one Query of the pathways' small partition: logic.pathways.pathway_counts).
    peer_mentors: PathwayCounts | None = None

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(words, self.figures.counts.get(key, 0)) for key, words in COUNTS]

    @property
    def reoffending(self) -> Rate:
        return self.figures.reoffending

    @property
    def caution(self) -> str | None:
        """A plain warning when there are too few outcomes to read the rate as a finding."""
        n = self.reoffending.n
        if n >= FEW_OUTCOMES:
            return None
        recorded = (
            "No outcome is recorded for this period yet."
            if n == 0
            else f"Only {n} outcome{'' if n == 1 else 's'} recorded for this period."
        )
        return (
            f"{recorded} With fewer than "
            f"{FEW_OUTCOMES} the re-offending rate could be far from the real rate (see the interval): "
            "do not publish it as a finding."
        )

    @property
    def provisional(self) -> str | None:
        pending = self.figures.counts.get("outcomes", 0) - self.figures.counts.get("outcomes_final", 0)
        if pending <= 0:
            return None
        return (
            f"{pending} of these outcomes {'was' if pending == 1 else 'were'} recorded before 18 months "
            "after release and may still change: a court has 6 months to prove an offence."
        )

    @property
    def power(self) -> str | None:
        """How many outcomes would tell the observed rate from the baseline (80% power, 5% two-sided)."""
        rate = self.reoffending.rate
        if rate is None or rate in {0.0, 1.0}:  # the calculation needs some of each
            return None
        if rate == self.baseline.rate:
            return "The observed rate equals the baseline: no number of outcomes would tell them apart."
        needed = outcomes_needed(self.baseline.rate, rate)
        more = needed - self.reoffending.n
        if more <= 0:
            return (
                f"If the real rate were {rate:.0%}, {needed} outcomes would be enough to tell it from the "
                f"baseline of {self.baseline.rate:.1%} (4 times in 5); this period has {self.reoffending.n}."
            )
        return (
            f"If the real rate were {rate:.0%}, telling it from the baseline of {self.baseline.rate:.1%} "
            f"(4 times in 5) would take about {needed} outcomes: {more} more than this period has."
        )

    def distances(self) -> list[tuple[str, float]]:
        travelled = self.figures.distance_travelled()
        return [
            (NEED_AREA_NAMES[area].split(" (")[0], travelled[area]) for area in NeedArea if area in travelled
        ]

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "baseline": {
                "group": self.baseline.group,
                "rate": self.baseline.rate,
                "source": self.baseline.source,
                "published": self.baseline.published,
            },
            "counts": {key: self.figures.counts.get(key, 0) for key, _words in COUNTS},
            "rates": {
                line.key: {
                    "rate": line.rate.rate,
                    "low": line.rate.interval[0] if line.rate.interval else None,
                    "high": line.rate.interval[1] if line.rate.interval else None,
                    "count": line.rate.count,
                    "n": line.rate.n,
                }
                for line in self.rates
            },
            "caution": self.caution,
            "provisional": self.provisional,
            "power": self.power,
            "peer_mentors": {
                "became_mentors": self.peer_mentors.became_mentors,
                "on_the_pathway": {stage.value: n for stage, n in self.peer_mentors.by_stage},
            }
            if self.peer_mentors
            else None,
        }

    def rows(self) -> list[tuple[str, str]]:
        """The figures as a CSV's rows, in words (a header row first)."""
        rows = [
            ("Measure", "Value"),
            ("Releases from", long_date(self.period.first)),
            ("Releases to", long_date(self.period.last)),
            ("Baseline", f"{self.baseline.rate:.1%}: {self.baseline.group}"),
            ("Baseline source", f"{self.baseline.source} (published {self.baseline.published_words})"),
        ]
        rows += [(words, str(value)) for words, value in self.counts]
        rows += [(line.label, line.words) for line in self.rates]
        rows += [(f"Distance travelled: {area}", f"{value:+.2f} levels") for area, value in self.distances()]
        rows += [("Note", text) for text in (self.caution, self.provisional, self.power) if text]
        return rows


def outcomes(
    deps: Deps, actor: Actor, period: ReleasePeriod | None = None, name: str | None = None
) -> Outcomes:
    """The figures for releases in `period` (or the named year or quarter; by default this year)."""
    require(actor, Act.READ_OUTCOMES)
    by_month = deps.store.cohort_counters()
    if period is None:
        name = name or _latest_year(by_month, london_date(deps.now()).year)
        period = ReleasePeriod.named(name)
    figures = sum_months(by_month, period.months())
    return Outcomes(
        period=period,
        period_name=name or f"{long_date(period.first)} to {long_date(period.last)}",
        periods=periods_named([*by_month, f"{london_date(deps.now()):%Y-%m}"]),
        baseline=programme_baseline(),
        figures=figures,
        rates=[RateLine(key, label, figures.rate(count, of)) for key, label, count, of in RATES],
        peer_mentors=pathway_counts(deps),
    )


def _latest_year(by_month: dict[str, dict[str, int]], this_year: int) -> str:
    """The year shown first: the latest with outcomes recorded, else with releases, else this one."""
    with_outcomes = [month for month, counts in by_month.items() if counts.get("outcomes")]
    return max(with_outcomes or by_month or [str(this_year)])[:4]


def period_between(first: str | None, last: str | None) -> ReleasePeriod:
    """The API's `from` and `to` (YYYY-MM-DD release dates), checked, in the programme's words."""
    from throughgate.domain.errors import InvalidInput

    days: list[date] = []
    for field, text in (("from", first), ("to", last)):
        if not text:
            raise InvalidInput(f"Give the {field} date of the release period, like 2027-04-01", field=field)
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise InvalidInput(f"The {field} date must be a date like 2027-04-01", field=field) from None
    return ReleasePeriod.of(days[0], days[1])
