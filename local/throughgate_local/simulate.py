"""A synthetic cohort run end to end on the local stack.

Synthetic coordinators and mentors react to the notifications the system sends (a gate opened, a
task is overdue, an outcome is due) and act only through the API handler and the prison-events
queue, as people and feeds would. Nothing writes to the database behind the workflow's back.
Everything runs one step at a time on the virtual clock, so a seed gives the same result.
"""

from __future__ import annotations

import heapq
import itertools
import math
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from throughgate.domain.case import TimelineEvent
from throughgate.domain.catalogue import load_programme
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import Level, NeedArea, distance_travelled
from throughgate.domain.outcomes import OutcomeRecord, cohort_figures
from throughgate_local.api_client import ApiClient
from throughgate_local.stack import LocalStack

SIM_START = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday; ticks are daily at 09:00 UTC
BOROUGHS = ("Southwark", "Lambeth", "Lewisham", "Croydon", "Greenwich", "Bromley")
AREAS_AT_RISK = ("north estate", "east estate", "riverside", "market", "high street")
GIVEN = ("Alex", "Sam", "Jordan", "Casey", "Robin", "Jamie", "Charlie", "Morgan", "Drew", "Rowan")
FAMILY = ("Example", "Sample", "Testington", "Placeholder", "Fixture", "Mockford", "Dummyson")
PRISONS = ("BXI", "WWI", "PVI", "ISI", "WSI")
# A larger cohort is run as regions of at most this many cases, each with its own mentors: a region
# is what one coordinator team covers, and regions can run side by side on separate cores.
REGION_CASES = 500


@dataclass
class Persona:
    """How this client's people behave; drawn once per case from the seed."""

    mentor_delay_days: int  # 0 on time, more when late
    completes_tasks: float  # share of tasks the mentor ever completes
    misses_check_in: float
    accommodation_ok: bool
    met_at_gate: bool
    release_shift_days: int | None
    recall_after_days: int | None
    disengage_after_days: int | None
    reoffends: bool


@dataclass
class SimCase:
    index: int
    case_id: str
    persona: Persona
    release_on: date
    mentor_id: str | None = None


def prison_number(index: int) -> str:
    """Synthetic, unique per client, in the NOMIS shape (letter, four digits, two letters)."""
    return f"S{index:04d}{'ABCDEFGHJK'[index % 10]}{'LMNPRSTVWX'[(index // 10) % 10]}"


@dataclass(order=True)
class _Action:
    when: datetime
    seq: int
    name: str = field(compare=False)
    run: Callable[[], None] = field(compare=False)


@dataclass
class SimulationResult:
    summary: dict[str, Any]
    case_ids: list[str]
    timelines: dict[str, list[TimelineEvent]] = field(default_factory=dict)


class Simulation:
    def __init__(self, stack: LocalStack, cases: int, seed: int | str) -> None:
        self.stack = stack
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic behaviour, not security
        self.n_cases = cases
        self.coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        self.mentors: dict[str, ApiClient] = {}
        self.cases: dict[str, SimCase] = {}
        self._agenda: list[_Action] = []
        self._seq = itertools.count()
        self.refused: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()
        self.days = 0

    # -- agenda ------------------------------------------------------------------------------------
    def at(self, when: datetime, name: str, run: Callable[[], None]) -> None:
        heapq.heappush(self._agenda, _Action(when, next(self._seq), name, run))

    def _act(self, name: str, response_status: int) -> None:
        self.actions[name] += 1
        if response_status >= 400:
            # Too late or no longer applicable (e.g. the client was recalled meanwhile): a person
            # would see the message and move on. Counted, never fatal.
            self.refused[f"{name}:{response_status}"] += 1

    def _mentor_client(self, mentor_id: str) -> ApiClient:
        if mentor_id not in self.mentors:
            self.mentors[mentor_id] = ApiClient(self.stack, mentor_id, "mentor")
        return self.mentors[mentor_id]

    # -- set-up ------------------------------------------------------------------------------------
    def seed_mentors(self) -> None:
        for i in range(max(3, math.ceil(self.n_cases / 4))):
            body = {
                "mentor_id": f"mentor-{i:04d}",
                "display_name": f"Mentor {i:04d}",
                "gender": self.rng.choice(("female", "male")),
                "borough": self.rng.choice(BOROUGHS),
                "capacity": self.rng.choice((5, 6, 6)),
                "lived_experience": sorted(
                    self.rng.sample([a.value for a in NeedArea], self.rng.randint(1, 3))
                ),
                "linked_areas": self.rng.sample(AREAS_AT_RISK, self.rng.choice((0, 0, 1))),
            }
            self._act("register_mentor", self.coordinator.post("/mentors", body).status)

    def _persona(self) -> Persona:
        r = self.rng
        kind = r.choices(("on_time", "late", "never"), weights=(75, 20, 5))[0]
        return Persona(
            mentor_delay_days={"on_time": 0, "late": r.randint(2, 5), "never": 0}[kind],
            completes_tasks={"on_time": 0.95, "late": 0.85, "never": 0.3}[kind],
            misses_check_in=r.choice((0.05, 0.1, 0.3)),
            accommodation_ok=r.random() < 0.85,
            met_at_gate=r.random() < 0.95,
            release_shift_days=r.choice((-10, -5, 7, 14, 21)) if r.random() < 0.08 else None,
            recall_after_days=r.randint(10, 70) if r.random() < 0.04 else None,
            disengage_after_days=r.randint(5, 60) if r.random() < 0.02 else None,
            reoffends=r.random() < 0.12,
        )

    def refer_clients(self, first_index: int = 0) -> None:
        """Refer `cases` clients; `first_index` keeps a later batch's synthetic ids distinct."""
        today = self.stack.clock.now()
        for i in range(first_index, first_index + self.n_cases):
            r = self.rng
            release_on = (today + timedelta(days=14 + r.randint(0, 55))).date()
            gang_risk = r.random() < 0.2
            body = {
                "submission_id": f"sim-referral-{i:05d}",
                "client": {
                    "given_name": r.choice(GIVEN),
                    "family_name": r.choice(FAMILY),
                    "date_of_birth": date(
                        1970 + r.randint(0, 35), r.randint(1, 12), r.randint(1, 28)
                    ).isoformat(),
                    "prison_number": prison_number(i),
                    "gender": r.choice(("male", "male", "male", "female")),
                    "borough": r.choice(BOROUGHS),
                    "gang_risk": gang_risk,
                    "excluded_areas": r.sample(AREAS_AT_RISK, 2) if gang_risk else [],
                },
                "release_on": release_on.isoformat(),
                "prison": r.choice(PRISONS),
            }
            response = self.coordinator.post("/referrals", body)
            self._act("refer", response.status)
            case_id = response.body["case_id"]
            self.cases[case_id] = SimCase(i, case_id, self._persona(), release_on)
            consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
            self._act("consent", self.coordinator.post(f"/cases/{case_id}/consent", consent).status)
            self._plan_circumstances(self.cases[case_id])

    def _plan_circumstances(self, case: SimCase) -> None:
        p, release = case.persona, datetime.combine(case.release_on, datetime.min.time(), UTC)
        if p.release_shift_days is not None:
            new_date = case.release_on + timedelta(days=p.release_shift_days)
            earlier = min(case.release_on, new_date)
            notice = timedelta(days=self.rng.randint(8, 12))
            when = max(self.stack.clock.now(), datetime.combine(earlier, datetime.min.time(), UTC) - notice)
            self.at(
                when,
                "prison_event",
                lambda: self._prison_event(
                    case,
                    {
                        "type": "release_date_changed",
                        "event_id": f"evt-{case.index:05d}-date",
                        "new_release_on": new_date.isoformat(),
                    },
                ),
            )
            case.release_on = new_date
            release = datetime.combine(new_date, datetime.min.time(), UTC)
        if p.recall_after_days is not None:
            self.at(
                release + timedelta(days=p.recall_after_days),
                "prison_event",
                lambda: self._prison_event(
                    case, {"type": "recalled", "event_id": f"evt-{case.index:05d}-recall"}
                ),
            )
        elif p.disengage_after_days is not None:
            change = {"change": {"type": "disengaged", "event_id": f"evt-{case.index:05d}-disengaged"}}
            self.at(
                release + timedelta(days=p.disengage_after_days),
                "disengaged",
                lambda: self._act(
                    "disengaged", self.coordinator.post(f"/cases/{case.case_id}/circumstances", change).status
                ),
            )

    def _prison_event(self, case: SimCase, change: dict[str, Any]) -> None:
        self.stack.send_prison_event({"prison_number": prison_number(case.index), "change": change})
        self.stack.deliver_prison_events()
        self.actions["prison_event"] += 1

    # -- reacting to notifications -----------------------------------------------------------------
    def react(self, note: dict[str, Any]) -> None:
        case = self.cases.get(note["case_id"])
        if case is None:
            return
        now, detail, p = self.stack.clock.now(), note.get("detail") or {}, case.persona
        delay = timedelta(days=p.mentor_delay_days)
        if note["kind"] == "gate_open":
            gate = detail["gate"]
            if gate == "assessment":
                self.at(now + timedelta(days=self.rng.randint(0, 2)), gate, lambda: self._assess(case))
            elif gate == "mentor_match":
                self.at(now + timedelta(days=self.rng.randint(0, 1)), gate, lambda: self._match(case))
            elif gate == "readiness_review":
                self.at(now, gate, lambda: self._readiness(case))
            elif gate == "release_day":
                self.at(now, gate, lambda: self._release_day(case))
            elif gate == "check_in" and self.rng.random() >= p.misses_check_in:
                number = int(detail["number"])
                self.at(now + delay / 2, gate, lambda: self._check_in(case, number))
            elif gate == "handover":
                self.at(
                    now + timedelta(days=self.rng.randint(0, 3)) + delay, gate, lambda: self._handover(case)
                )
        elif (
            note["kind"] == "chase"
            and note["recipient_role"] == "mentor"
            and detail.get("reason") == "task_overdue"
        ):
            if self.rng.random() < p.completes_tasks:
                self.at(now + timedelta(days=1), "task", lambda: self._task_done(case, detail["subject"]))
        elif note["kind"] == "escalation" and detail.get("reason") == "outcome_due":
            self.at(now + timedelta(days=self.rng.randint(0, 10)), "outcome", lambda: self._outcome(case))

    def _mentor_of(self, case: SimCase) -> ApiClient:
        """The case's mentor; the coordinator covers a case that has none (yet)."""
        return self._mentor_client(case.mentor_id) if case.mentor_id else self.coordinator

    def _assess(self, case: SimCase) -> None:
        levels = {}
        for area in NeedArea:
            levels[area.value] = {
                "level": self.rng.choices([lv.value for lv in Level], weights=(35, 20, 25, 15, 5))[0]
            }
        if not case.persona.accommodation_ok:
            levels[NeedArea.ACCOMMODATION.value] = {"level": "urgent"}
        self._act(
            "assessment", self.coordinator.post(f"/cases/{case.case_id}/assessment", {"needs": levels}).status
        )

    def _match(self, case: SimCase) -> None:
        suggestions = self.coordinator.get(f"/cases/{case.case_id}/mentor-suggestions").body["suggestions"]
        if not suggestions:
            self.refused["no_mentor_available"] += 1
            return
        pick, body = suggestions[0], {"mentor_id": suggestions[0]["mentor_id"]}
        if len(suggestions) > 1 and self.rng.random() < 0.1:
            pick = suggestions[1]
            body = {"mentor_id": pick["mentor_id"], "override_reason": "Knows the family from the community"}
        response = self.coordinator.post(f"/cases/{case.case_id}/mentor", body)
        self._act("mentor_match", response.status)
        if response.status == 200:
            case.mentor_id = response.body["mentor_id"]
            self._plan_tasks(case)

    def _plan_tasks(self, case: SimCase) -> None:
        mentor = self._mentor_of(case)
        view = mentor.get(f"/cases/{case.case_id}").body
        for task in view.get("tasks", []):
            if self.rng.random() >= case.persona.completes_tasks:
                continue
            due = datetime.fromisoformat(task["due_on"]).replace(hour=9, tzinfo=UTC)
            when = max(self.stack.clock.now(), due - timedelta(days=self.rng.randint(0, 10)))
            when += timedelta(days=case.persona.mentor_delay_days)
            self.at(when, "task", partial(self._task_done, case, task["task_key"]))

    def _task_done(self, case: SimCase, task_key: str) -> None:
        body = {"status": "done", "note": "Done with the client"}
        self._act("task", self._mentor_of(case).post(f"/cases/{case.case_id}/tasks/{task_key}", body).status)

    def _readiness(self, case: SimCase) -> None:
        ok = case.persona.accommodation_ok
        body = {
            "accommodation_confirmed": ok,
            "id_ready": True,
            "medication_ready": True,
            "probation_appointment_booked": True,
        }
        self._act("readiness", self.coordinator.post(f"/cases/{case.case_id}/readiness", body).status)

    def _release_day(self, case: SimCase) -> None:
        p = case.persona
        body = {
            "met_at_gate": p.met_at_gate,
            "address_confirmed": p.accommodation_ok,
            "id_and_bank_card": True,
            "phone": True,
            "medication": True,
            "probation_attended": True,
            "universal_credit_booked": True,
            "weekend_food_and_money": True,
            "route_safety_checked": True,
        }
        self._act(
            "release_day", self._mentor_of(case).post(f"/cases/{case.case_id}/release-day", body).status
        )

    def _check_in(self, case: SimCase, number: int) -> None:
        body: dict[str, Any] = {"number": number, "contact_made": True}
        if self.rng.random() < 0.05:
            body["new_needs"] = {self.rng.choice([a.value for a in NeedArea]): "medium"}
        self._act("check_in", self._mentor_of(case).post(f"/cases/{case.case_id}/check-ins", body).status)

    def _handover(self, case: SimCase) -> None:
        """The mentor prepares the handover; closing the case is the coordinator's."""
        view = self._mentor_of(case).get(f"/cases/{case.case_id}").body
        needs, exits = {}, {}
        for need in view["needs"]:
            exits[need["area"]] = self.rng.choice(("none", "low", need["current_level"]))
            if need["status"] in ("support_required", "in_progress", "not_started"):
                needs[need["area"]] = {
                    "outcome": "referred",
                    "service": "Community service",
                    "referral_state": "accepted",
                }
        for area in NeedArea:
            exits.setdefault(area.value, "none")
        body = {"needs": needs, "exit_levels": exits, "in_work_or_training": self.rng.random() < 0.4}
        self._act("handover", self.coordinator.post(f"/cases/{case.case_id}/handover", body).status)

    def _outcome(self, case: SimCase) -> None:
        view = self.coordinator.get(f"/cases/{case.case_id}").body
        reoffended = case.persona.reoffends or (
            view["stage"] == Stage.RECALLED.value and self.rng.random() < 0.5
        )
        body = {
            "proven_reoffending": reoffended,
            "housed": case.persona.accommodation_ok,
            "in_work_or_training": self.rng.random() < 0.4,
        }
        self._act("outcome", self.coordinator.post(f"/cases/{case.case_id}/outcome", body).status)

    # -- the clock ---------------------------------------------------------------------------------
    def run_day(self) -> None:
        self.stack.fire_due_schedules()
        self.stack.run_daily_sweep()
        self.stack.deliver_prison_events()
        for _ in range(100):  # actions open gates, gates notify, people act on the same day
            for note in self.stack.read_outbox():
                self.react(note)
            now = self.stack.clock.now()
            if not self._agenda or self._agenda[0].when > now:
                return
            while self._agenda and self._agenda[0].when <= now:
                heapq.heappop(self._agenda).run()

    def run(self, until: datetime) -> None:
        while self.stack.clock.now() < until:
            self.run_day()
            self.stack.clock.advance(timedelta(days=1))
            self.stack.clock.settle()
            self.days += 1
        self.run_day()


@dataclass
class CohortTally:
    """What one region's run counted, in a form that adds up across regions (and crosses processes)."""

    cases: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    tasks_created: int = 0
    tasks_done: int = 0
    escalations: int = 0
    executions: int = 0
    executions_failed: int = 0
    executions_stuck: int = 0
    state_transitions: int = 0
    dynamodb_requests: int = 0
    lambda_invocations: int = 0
    lambda_errors: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    housed: list[bool] = field(default_factory=list)
    working: list[bool] = field(default_factory=list)
    distances: list[dict[NeedArea, int]] = field(default_factory=list)

    def __add__(self, other: CohortTally) -> CohortTally:
        added = CohortTally()
        for name, value in vars(self).items():
            setattr(added, name, value + getattr(other, name))
        return added


def tally(sim: Simulation) -> CohortTally:
    from throughgate.store.repository import CaseStore

    stack, store = sim.stack, CaseStore()
    executions = stack.executions()
    counted = CohortTally(
        cases=len(sim.cases),
        executions=len(executions),
        executions_failed=len(stack.executions("FAILED")) + len(stack.executions("TIMED_OUT")),
        executions_stuck=len(stack.executions("RUNNING")),
        state_transitions=sum(stack.state_transitions(e["executionArn"]) for e in executions),
        dynamodb_requests=sum(
            n for action, n in stack.dynamodb_calls.calls.items() if action != "CreateTable"
        ),
        lambda_invocations=sum(stack.bridge.invocations.values()),
        lambda_errors=sum(stack.bridge.errors.values()),
        actions=Counter(sim.actions),
        refused=Counter(sim.refused),
    )
    for case_id in sim.cases:
        case = store.get_case(case_id)
        counted.by_stage[case.stage.value] += 1
        tasks = store.tasks(case_id)
        counted.tasks_created += len(tasks)
        counted.tasks_done += sum(1 for t in tasks if t.status.value == "done")
        counted.escalations += len(store.escalations(case_id))
        if (outcome := store.outcome(case_id)) is not None:
            counted.outcomes.append(
                OutcomeRecord(
                    case_id, outcome.proven_reoffending, outcome.housed, outcome.in_work_or_training
                )
            )
        if case.housed_on_release_night is not None:
            counted.housed.append(case.housed_on_release_night)
        if case.in_work_at_handover is not None:
            counted.working.append(case.in_work_at_handover)
        needs = store.needs(case_id)
        if any(n.exit_level for n in needs):
            counted.distances.append(
                {n.area: distance_travelled(n.entry_level, n.exit_level) for n in needs if n.exit_level}
            )
    return counted


def summarise(counted: CohortTally, wall_seconds: float) -> dict[str, Any]:
    figures = cohort_figures(
        counted.outcomes,
        counted.housed,
        counted.working,
        counted.distances,
        load_programme().reoffending_baseline_rate,
        counted.cases,
    )
    n = max(1, counted.cases)
    return {
        "cases": counted.cases,
        "by_stage": dict(sorted(counted.by_stage.items())),
        "tasks_created": counted.tasks_created,
        "tasks_done": counted.tasks_done,
        "escalations": counted.escalations,
        "executions": counted.executions,
        "executions_failed": counted.executions_failed,
        "executions_stuck": counted.executions_stuck,
        "state_transitions": counted.state_transitions,
        "transitions_per_case": round(counted.state_transitions / n, 1),
        "dynamodb_requests": counted.dynamodb_requests,
        "dynamodb_requests_per_case": round(counted.dynamodb_requests / n, 1),
        "lambda_invocations": counted.lambda_invocations,
        "lambda_errors": counted.lambda_errors,
        "actions": dict(sorted(counted.actions.items())),
        "actions_refused": dict(sorted(counted.refused.items())),
        "outcomes_recorded": figures.outcomes_recorded,
        "reoffending_rate": figures.reoffending_rate,
        "reoffending_baseline": figures.baseline_rate,
        "housed_on_release_night_rate": figures.housed_on_release_night_rate,
        "in_work_or_training_at_handover_rate": figures.in_work_or_training_at_handover_rate,
        "wall_seconds": round(wall_seconds, 2),
        "cases_per_second": round(counted.cases / wall_seconds, 2) if wall_seconds else None,
    }


@dataclass
class RegionRun:
    counted: CohortTally
    case_ids: list[str]
    timelines: dict[str, list[TimelineEvent]]
    days: int


def run_region(cases: int, seed: int, region: int, first_index: int, with_timelines: bool) -> RegionRun:
    """One region's cohort on its own local stack, from referral to the last outcome."""
    with LocalStack(SIM_START) as stack:
        sim = Simulation(stack, cases, seed if region == 0 else f"{seed}/region-{region}")
        sim.seed_mentors()
        sim.refer_clients(first_index)
        last_release = max(c.release_on for c in sim.cases.values())
        settings = load_programme()
        end = datetime.combine(last_release, datetime.min.time(), UTC) + timedelta(
            days=round(settings.outcome_follow_up_months * 30.44) + 21, hours=9
        )
        sim.run(end)
        timelines: dict[str, list[TimelineEvent]] = {}
        if with_timelines:
            from throughgate.store.repository import CaseStore

            timelines = {case_id: CaseStore().timeline(case_id, limit=1000)[::-1] for case_id in sim.cases}
        return RegionRun(tally(sim), list(sim.cases), timelines, sim.days)


def simulate(
    cases: int,
    seed: int,
    *,
    with_timelines: bool = False,
    workers: int | None = None,
    region_cases: int = REGION_CASES,
) -> SimulationResult:
    """A cohort of `cases`, split into regions of at most `region_cases`, each with its own mentors
    and its own local stack. Regions run side by side in processes of their own (up to `workers`,
    default one per CPU) when there are several; the result depends on the cases and seed only."""
    started = time.perf_counter()
    firsts = range(0, cases, region_cases) or range(1)
    regions = [(min(region_cases, cases - first), seed, region, first) for region, first in enumerate(firsts)]
    workers = min(len(regions), workers or os.cpu_count() or 1)
    if workers == 1:
        runs = [run_region(*region, with_timelines) for region in regions]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(run_region, *region, with_timelines) for region in regions]
            runs = [future.result() for future in futures]
    wall = time.perf_counter() - started
    counted = sum((run.counted for run in runs[1:]), runs[0].counted)
    summary = summarise(counted, wall)
    summary["regions"] = len(regions)
    summary["simulated_days"] = max(run.days for run in runs)
    return SimulationResult(
        summary,
        [case_id for run in runs for case_id in run.case_ids],
        {case_id: events for run in runs for case_id, events in run.timelines.items()},
    )
