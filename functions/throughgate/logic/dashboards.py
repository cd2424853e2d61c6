"""What the dashboards show: each list comes from one index query, never a Scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from throughgate.domain.case import Case, Escalation, Mentor, Task
from throughgate.domain.case_steps import Role
from throughgate.domain.catalogue import load_programme
from throughgate.domain.lifecycle import RELEASED_STAGES, Stage
from throughgate.domain.needs import NEED_AREA_NAMES, NeedArea, distance_travelled
from throughgate.domain.outcomes import CohortFigures, OutcomeRecord, cohort_figures
from throughgate.domain.schedule import is_friday_release
from throughgate.logic.ports import Actor, Deps

UPCOMING_DAYS = 14


@dataclass(frozen=True)
class Release:
    case: Case
    friday: bool


@dataclass(frozen=True)
class EscalationGroup:
    """A client's open escalations: how many, since when, what about (in words, counted)."""

    case_id: str
    name: str
    count: int
    oldest: datetime
    about: list[str]


def _grouped(deps: Deps, escalations: list[Escalation]) -> list[EscalationGroup]:
    by_case: dict[str, list[Escalation]] = {}
    for escalation in escalations:
        by_case.setdefault(escalation.case_id, []).append(escalation)
    names = {c.case_id: c.client.full_name for c in deps.store.cases(by_case)}
    groups = []
    for case_id, raised in by_case.items():
        words = Counter(e.words for e in raised)
        about = [f"{text} ({n})" if n > 1 else text for text, n in words.items()]
        oldest = min(e.raised_at for e in raised)
        groups.append(EscalationGroup(case_id, names.get(case_id, ""), len(raised), oldest, about))
    return sorted(groups, key=lambda g: (g.oldest, g.case_id))


@dataclass
class Dashboard:
    role: Role
    today: date
    releases: list[Release] = field(default_factory=list)
    escalations: list[EscalationGroup] = field(default_factory=list)  # by client, oldest first
    overdue: list[Task] = field(default_factory=list)
    mentors: list[Mentor] = field(default_factory=list)
    caseload: list[Case] = field(default_factory=list)
    due_this_week: list[Task] = field(default_factory=list)


def dashboard(deps: Deps, actor: Actor) -> Dashboard:
    today = deps.now().date()
    board = Dashboard(role=actor.role, today=today)
    if actor.role is Role.MENTOR:
        board.caseload = [
            c for c in deps.store.caseload(actor.user_id) if c.stage not in {Stage.OUTCOME_RECORDED}
        ]
        week_end = today + timedelta(days=7)
        for case in board.caseload:
            board.due_this_week.extend(
                t for t in deps.store.tasks(case.case_id) if not t.status.is_closed and t.due_on <= week_end
            )
        board.due_this_week.sort(key=lambda t: (t.due_on, t.case_id))
        return board
    board.releases = [
        Release(case, is_friday_release(case.release_on))
        for case in deps.store.releases_between(today, today + timedelta(days=UPCOMING_DAYS))
        if case.stage
        in {Stage.PRE_RELEASE, Stage.RELEASE_READY, Stage.RELEASE_DAY, Stage.MATCHED, Stage.ASSESSED}
    ]
    board.escalations = _grouped(deps, deps.store.open_escalations())
    board.overdue = deps.store.tasks_to_chase(today)
    board.mentors = sorted(
        deps.store.mentors(), key=lambda m: (-(m.active_cases / max(m.capacity, 1)), m.mentor_id)
    )
    return board


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0..1 for rates; levels for distance
    text: str


@dataclass
class Cohort:
    figures: CohortFigures
    rates: list[Bar]
    distances: list[Bar]

    def rows(self) -> list[tuple[str, str]]:
        f = self.figures
        rows = [
            ("cases", str(f.cases)),
            ("outcomes_recorded", str(f.outcomes_recorded)),
            ("reoffending_rate", _fmt(f.reoffending_rate)),
            ("reoffending_baseline_rate", _fmt(f.baseline_rate)),
            ("housed_on_release_night_rate", _fmt(f.housed_on_release_night_rate)),
            ("in_work_or_training_at_handover_rate", _fmt(f.in_work_or_training_at_handover_rate)),
        ]
        rows += [
            (f"distance_travelled_{area.value}", f"{value:.2f}")
            for area, value in f.distance_travelled.items()
        ]
        return rows


def _fmt(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.4f}"


def _pct(rate: float | None) -> str:
    return "no data yet" if rate is None else f"{rate:.0%}"


def cohort(deps: Deps) -> Cohort:
    released: list[Case] = []
    for stage in sorted(RELEASED_STAGES):
        released.extend(c for c in deps.store.cases_in_stage(stage) if c.is_released)
    outcomes: list[OutcomeRecord] = []
    distances: list[dict[NeedArea, int]] = []
    for case in released:
        if case.stage is Stage.OUTCOME_RECORDED and (o := deps.store.outcome(case.case_id)) is not None:
            outcomes.append(
                OutcomeRecord(case.case_id, o.proven_reoffending, o.housed, o.in_work_or_training)
            )
        if case.stage in {Stage.CLOSED, Stage.OUTCOME_RECORDED}:
            needs = deps.store.needs(case.case_id)
            distances.append(
                {n.area: distance_travelled(n.entry_level, n.exit_level) for n in needs if n.exit_level}
            )
    figures = cohort_figures(
        outcomes,
        [c.housed_on_release_night for c in released if c.housed_on_release_night is not None],
        [c.in_work_at_handover for c in released if c.in_work_at_handover is not None],
        [d for d in distances if d],
        load_programme().reoffending_baseline_rate,
        len(released),
    )
    rates = [
        Bar("Re-offending at 12 months", figures.reoffending_rate or 0.0, _pct(figures.reoffending_rate)),
        Bar("Baseline re-offending", figures.baseline_rate, _pct(figures.baseline_rate)),
        Bar(
            "Housed on release night",
            figures.housed_on_release_night_rate or 0.0,
            _pct(figures.housed_on_release_night_rate),
        ),
        Bar(
            "In work or training at handover",
            figures.in_work_or_training_at_handover_rate or 0.0,
            _pct(figures.in_work_or_training_at_handover_rate),
        ),
    ]
    bars = [
        Bar(NEED_AREA_NAMES[area].split(" (")[0], value, f"{value:+.1f} levels")
        for area, value in sorted(
            figures.distance_travelled.items(), key=lambda kv: list(NeedArea).index(kv[0])
        )
    ]
    return Cohort(figures, rates, bars)
