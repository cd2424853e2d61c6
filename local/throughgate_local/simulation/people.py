"""The simulated people of a synthetic cohort, run end to end on the local stack.

Synthetic coordinators and mentors react to the notifications the system sends (a gate opened, a
task is overdue, an outcome is due) and act only through the API handler and the prison-events
queue, as people and feeds would. Nothing writes to the database behind the workflow's back.
Everything runs one step at a time on the virtual clock, so a seed gives the same result.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from throughgate.domain.case_steps import BY_GATE, BY_KEY, Gate
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import AreaStatus, Level, NeedArea
from throughgate_local.api_client import ApiClient, ApiResponse
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack

SIM_START = datetime(2027, 1, 4, 9, tzinfo=UTC)  # a Monday; ticks are daily at 09:00 UTC
BOROUGHS = ("Southwark", "Lambeth", "Lewisham", "Croydon", "Greenwich", "Bromley")
AREAS_AT_RISK = ("north estate", "east estate", "riverside", "market", "high street")
GIVEN = ("Alex", "Sam", "Jordan", "Casey", "Robin", "Jamie", "Charlie", "Morgan", "Drew", "Rowan")
FAMILY = ("Example", "Sample", "Testington", "Placeholder", "Fixture", "Mockford", "Dummyson")
PRISONS = ("BXI", "WWI", "PVI", "ISI", "WSI")


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
                "boroughs": [self.rng.choice(BOROUGHS)],
                "capacity": self.rng.choice((5, 6, 6)),
                "lived_experience": sorted(
                    self.rng.sample([a.value for a in NeedArea], self.rng.randint(1, 3))
                ),
                "linked_areas": self.rng.sample(AREAS_AT_RISK, self.rng.choice((0, 0, 1))),
            }
            self._act("enrol_mentor", 200 if enrolled(self.coordinator, body) else 400)

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
        if note["kind"] == "gate_open":
            # Each gate's step (domain.case_steps) names how the people here answer it.
            step = BY_GATE[Gate(detail["gate"])]
            getattr(self, f"_answer_{step.key}")(case, now, detail)
        elif (
            note["kind"] == "chase"
            and note["recipient_role"] == "mentor"
            and detail.get("reason") == "task_overdue"
        ):
            if self.rng.random() < p.completes_tasks:
                self.at(now + timedelta(days=1), "task", lambda: self._task_done(case, detail["subject"]))
        elif note["kind"] == "escalation" and detail.get("reason") == "outcome_due":
            self.at(now + timedelta(days=self.rng.randint(0, 10)), "outcome", lambda: self._outcome(case))

    # -- how the people answer each gate: when, then the step's form ------------------------------
    def _answer_assessment(self, case: SimCase, now: datetime, _detail: dict[str, str]) -> None:
        self.at(now + timedelta(days=self.rng.randint(0, 2)), "assessment", lambda: self._assess(case))

    def _answer_mentor_match(self, case: SimCase, now: datetime, _detail: dict[str, str]) -> None:
        self.at(now + timedelta(days=self.rng.randint(0, 1)), "mentor_match", lambda: self._match(case))

    def _answer_readiness(self, case: SimCase, now: datetime, _detail: dict[str, str]) -> None:
        self.at(now, "readiness", lambda: self._readiness(case))

    def _answer_release_day(self, case: SimCase, now: datetime, _detail: dict[str, str]) -> None:
        self.at(now, "release_day", lambda: self._release_day(case))

    def _answer_check_in(self, case: SimCase, now: datetime, detail: dict[str, str]) -> None:
        if self.rng.random() >= case.persona.misses_check_in:
            number = int(detail["number"])
            delay = timedelta(days=case.persona.mentor_delay_days)
            self.at(now + delay / 2, "check_in", lambda: self._check_in(case, number))

    def _answer_handover(self, case: SimCase, now: datetime, _detail: dict[str, str]) -> None:
        delay = timedelta(days=case.persona.mentor_delay_days)
        when = now + timedelta(days=self.rng.randint(0, 3)) + delay
        self.at(when, "handover", lambda: self._handover(case))

    def _send(
        self, client: ApiClient, case: SimCase, key: str, body: dict[str, Any], *more: str
    ) -> ApiResponse:
        """Post a case step's form to its API address; counted under the step's key."""
        address = "/".join((BY_KEY[key].api_address, *more))
        response = client.post(f"/cases/{case.case_id}/{address}", body)
        self._act(key, response.status)
        return response

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
        self._send(self.coordinator, case, "assessment", {"needs": levels})

    def _match(self, case: SimCase) -> None:
        suggestions = self.coordinator.get(f"/cases/{case.case_id}/mentor-suggestions").body["suggestions"]
        if not suggestions:
            self.refused["no_mentor_available"] += 1
            return
        pick, body = suggestions[0], {"mentor_id": suggestions[0]["mentor_id"]}
        if len(suggestions) > 1 and self.rng.random() < 0.1:
            pick = suggestions[1]
            body = {"mentor_id": pick["mentor_id"], "override_reason": "Knows the family from the community"}
        response = self._send(self.coordinator, case, "mentor_match", body)
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
        self._send(self._mentor_of(case), case, "task", body, task_key)

    def _readiness(self, case: SimCase) -> None:
        ok = case.persona.accommodation_ok
        body = {
            "accommodation_confirmed": ok,
            "id_ready": True,
            "medication_ready": True,
            "probation_appointment_booked": True,
        }
        self._send(self.coordinator, case, "readiness", body)

    def _release_day(self, case: SimCase) -> None:
        p = case.persona
        body: dict[str, Any] = {
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
        if not p.met_at_gate:  # what happened is required then
            body["not_met_reason"] = "released_at_another_time"
        self._send(self._mentor_of(case), case, "release_day", body)

    def _check_in(self, case: SimCase, number: int) -> None:
        body: dict[str, Any] = {"number": number, "contact_made": True}
        if self.rng.random() < 0.05:
            body["new_needs"] = {self.rng.choice([a.value for a in NeedArea]): "medium"}
        self._send(self._mentor_of(case), case, "check_in", body)

    def _handover(self, case: SimCase) -> None:
        """The mentor prepares the handover; closing the case is the coordinator's."""
        view = self._mentor_of(case).get(f"/cases/{case.case_id}").body
        needs, exits = {}, {}
        for need in view["needs"]:
            exits[need["area"]] = self.rng.choice(("none", "low", need["current_level"]))
            if AreaStatus(need["status"]).is_open:
                needs[need["area"]] = {
                    "outcome": "referred",
                    "service": "Community service",
                    "referral_state": "accepted",
                }
        for area in NeedArea:
            exits.setdefault(area.value, "none")
        body = {"needs": needs, "exit_levels": exits, "in_work_or_training": self.rng.random() < 0.4}
        self._send(self.coordinator, case, "handover", body)

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
        self._send(self.coordinator, case, "outcome", body)

    # -- the clock ---------------------------------------------------------------------------------
    def run_day(self) -> None:
        self.stack.fire_due_schedules()
        self.stack.run_daily_sweep()
        self.stack.deliver_prison_events()
        for _ in range(100):  # actions open gates, gates notify, people act on the same day
            for note in _once_each(self.stack.read_outbox()):
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


def _once_each(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One reaction to each notification, however many people it reached, in an order fixed by what
    it says: notes sent at the same moment come from the outbox in their effects' random order, and
    the same seed must give the same run."""
    unique = {
        json.dumps([n["case_id"], n["kind"], n["recipient_role"], n["detail"]], sort_keys=True): n
        for n in notes
    }
    return [unique[key] for key in sorted(unique)]
