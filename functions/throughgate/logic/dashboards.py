"""What the dashboards show: "my work today" for a mentor, the coordinators' work for a coordinator
(read-only for a manager). Every list comes from an index query (stage, mentor, release month, the
open items) or a batch get of the cases it names, never a Scan: what a page asks of the table grows
with the cases being worked, not with every case the programme has ever held."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from throughgate.domain.case import Case, Escalation, Mentor, Task
from throughgate.domain.case_steps import BY_GATE, BY_KEY, CaseStep, Gate, Role
from throughgate.domain.catalogue import load_programme
from throughgate.domain.effects import OVERDUE_AFTER, Effect
from throughgate.domain.escalation import workflow_stopped_words
from throughgate.domain.lifecycle import Stage
from throughgate.domain.schedule import london_date, long_date, service_gap
from throughgate.domain.supervision import SupervisionDue
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.staff import have_left

UPCOMING_DAYS = 14
WEEK_DAYS = 7
# The stages of a case being worked: not off a caseload (closed, recalled, ...), not ended.
WORKED_STAGES = tuple(s for s in Stage if not s.is_off_caseload and not s.is_terminal)
_CONSENT = BY_KEY["consent"]
_OUTCOME = BY_KEY["outcome"]


@dataclass(frozen=True)
class Release:
    case: Case
    service_gap: bool  # a Friday, weekend or bank-holiday release: days without services follow
    mentor_name: str | None = None


@dataclass(frozen=True)
class StepToDo:
    """A step waiting on a case: for whom, which step (its title is what a person reads), where."""

    case_id: str
    name: str
    step: CaseStep
    href: str  # the step's form when the viewer may act on it, else the case page
    can_act: bool
    release_on: date
    number: int | None = None  # which check-in

    @property
    def words(self) -> str:
        return f"{self.step.title} {self.number}" if self.number else self.step.title


@dataclass(frozen=True)
class TaskDue:
    task: Task
    name: str  # the client the task is for
    overdue: bool


@dataclass(frozen=True)
class EscalationGroup:
    """A client's open escalations: how many, since when, what about (in words, counted)."""

    case_id: str
    name: str
    count: int
    oldest: datetime
    about: list[str]


@dataclass(frozen=True)
class Reason:
    words: str
    since: date | None = None  # the London date an escalation was first raised
    urgent: bool = False  # to be seen at once: shown first, and tagged


@dataclass(frozen=True)
class Attention:
    """A case a coordinator should look at, and why."""

    case_id: str
    name: str
    reasons: list[Reason]

    @property
    def urgent(self) -> bool:
        return any(r.urgent for r in self.reasons)


@dataclass
class ClientWork:
    """A mentor's work for one client."""

    case: Case
    steps: list[StepToDo] = field(default_factory=list)
    tasks: list[TaskDue] = field(default_factory=list)
    no_contact_days: int | None = None  # days without contact, once over the programme's limit

    @property
    def name(self) -> str:
        return self.case.client.full_name

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.tasks)


@dataclass
class Dashboard:
    role: Role
    today: date  # the London date
    # a mentor's
    clients: list[ClientWork] = field(default_factory=list)  # their active clients, most pressing first
    check_ins_due: int = 0
    next_release: Release | None = None
    # a coordinator's (and a manager's, to read)
    steps: list[StepToDo] = field(default_factory=list)  # waiting for a coordinator, soonest release first
    consents: list[StepToDo] = field(default_factory=list)  # referrals without consent
    releases: list[Release] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    escalations: list[EscalationGroup] = field(default_factory=list)  # by client, oldest first
    overdue: list[TaskDue] = field(default_factory=list)
    mentors: list[Mentor] = field(default_factory=list)
    unapplied: int = 0  # prison updates not applied, not dealt with yet (domain.unapplied)
    supervision: list[tuple[Mentor, SupervisionDue]] = field(default_factory=list)  # overdue, longest first
    mentor_checks_due: int = 0  # mentors' checks and clearances lapsed or due soon (domain.mentors)

    @property
    def tasks_overdue(self) -> int:
        return sum(c.overdue for c in self.clients)


def _todo(actor: Actor, case: Case, step: CaseStep) -> StepToDo:
    can_act = actor.role in step.roles
    href = f"/cases/{case.case_id}/{step.path}" if can_act else f"/cases/{case.case_id}"
    number = case.check_in_number if step.gate is Gate.CHECK_IN else None
    return StepToDo(case.case_id, case.client.full_name, step, href, can_act, case.release_on, number)


def _waiting_step(case: Case) -> CaseStep | None:
    return BY_GATE[case.waiting_for] if case.waiting_for else None


def dashboard(deps: Deps, actor: Actor) -> Dashboard:
    today = london_date(deps.now())
    board = Dashboard(role=actor.role, today=today)
    if actor.role is Role.MENTOR:
        _mentor_work(deps, actor, board)
    else:
        _coordinator_work(deps, actor, board)
    return board


def _mentor_work(deps: Deps, actor: Actor, board: Dashboard) -> None:
    """Their clients being worked (a caseload is bounded by the mentor's capacity): the step waiting
    for them, the tasks theirs to do due this week or overdue, the next release day."""
    week_end = board.today + timedelta(days=WEEK_DAYS)
    flag_after = load_programme().no_contact_flag_days
    for case in deps.store.caseload(actor.user_id):
        if case.stage.is_off_caseload or case.stage.is_terminal:
            continue
        work = ClientWork(case, no_contact_days=case.days_without_contact(board.today, flag_after))
        step = _waiting_step(case)
        if step is not None and step.gate_owner is Role.MENTOR:
            work.steps.append(_todo(actor, case, step))
            board.check_ins_due += step.gate is Gate.CHECK_IN
        work.tasks = sorted(
            (
                TaskDue(t, work.name, t.is_overdue(board.today))
                for t in deps.store.tasks(case.case_id)
                if t.owner_role == Role.MENTOR and t.is_due_by(week_end)
            ),
            key=lambda d: (d.task.due_on, d.task.title),
        )
        board.clients.append(work)
    board.clients.sort(
        key=lambda w: (
            not (w.steps or w.tasks or w.no_contact_days),
            -w.overdue,
            min([t.task.due_on for t in w.tasks] + [w.case.release_on]),
            w.name,
        )
    )
    coming = [w.case for w in board.clients if not w.case.is_released and w.case.release_on >= board.today]
    if coming:
        first = min(coming, key=lambda c: (c.release_on, c.client.full_name))
        board.next_release = Release(first, service_gap(first.release_on) is not None)


def _coordinator_work(deps: Deps, actor: Actor, board: Dashboard) -> None:
    """One query per stage being worked (bounded by the programme's size, never its history), the
    open escalations and overdue tasks from the sparse index, and one batch get for the cases they
    name that are not already known."""
    today = board.today
    known: dict[str, Case] = {}
    for stage in WORKED_STAGES:
        known.update((c.case_id, c) for c in deps.store.cases_in_stage(stage))
    escalations = deps.store.open_escalations()
    overdue = deps.store.tasks_to_chase(today)
    stuck = deps.store.effects_pending_since(deps.now() - OVERDUE_AFTER)  # the outbox, 1 Query
    _fetch(
        deps,
        known,
        [*(e.case_id for e in escalations), *(t.case_id for t in overdue), *(e.case_id for e in stuck)],
    )

    for case in known.values():
        step = _waiting_step(case)
        if step is not None and Role.COORDINATOR in step.acted_on_by:
            board.steps.append(_todo(actor, case, step))
        if case.stage is Stage.REFERRED:
            board.consents.append(_todo(actor, case, _CONSENT))
    for case_id in dict.fromkeys(e.case_id for e in escalations if e.reason == "outcome_due"):
        if case_id in known:
            board.steps.append(_todo(actor, known[case_id], _OUTCOME))
    board.steps.sort(key=lambda s: (s.release_on, s.name, s.case_id))
    board.consents.sort(key=lambda s: (s.release_on, s.name, s.case_id))

    board.mentors = sorted(
        deps.store.mentors(), key=lambda m: (-(m.active_cases / max(m.capacity, 1)), m.mentor_id)
    )
    mentor_names = {m.mentor_id: m.display_name for m in board.mentors}
    board.supervision = supervision_overdue(deps, board.mentors, today)
    board.releases = sorted(
        (
            Release(case, service_gap(case.release_on) is not None, mentor_names.get(case.mentor_id or ""))
            for case in deps.store.releases_between(today, today + timedelta(days=UPCOMING_DAYS))
            if case.stage.is_pre_release
        ),
        key=lambda r: (r.case.release_on, r.case.client.full_name),
    )
    board.unapplied = deps.store.count_unapplied()  # 1 Query of the sparse index, counted there
    board.mentor_checks_due = sum(len(m.due_on(today)) for m in board.mentors)
    board.escalations = _grouped(escalations, known)
    board.attention = _attention(known, escalations, stuck, today, have_left(deps))
    board.overdue = sorted(
        (TaskDue(t, _name(known, t.case_id), True) for t in overdue),
        key=lambda d: (d.task.due_on, d.name, d.task.title),
    )


def supervision_overdue(
    deps: Deps, mentors: list[Mentor], today: date
) -> list[tuple[Mentor, SupervisionDue]]:
    """Mentors with a caseload, or supervised before, whose supervision is overdue or was never
    recorded, the longest overdue first: one Query of the sparse index, however many sessions."""
    found = {d.mentor_id: d for d in deps.store.supervisions_due()}
    overdue = []
    for mentor in mentors:
        due = found.get(mentor.mentor_id) or SupervisionDue(mentor.mentor_id, None)
        if (mentor.mentor_id in found or mentor.active_cases > 0) and due.is_overdue(today):
            overdue.append((mentor, due))
    return sorted(overdue, key=lambda pair: (pair[1].due_on or date.min, pair[0].display_name))


def _fetch(deps: Deps, known: dict[str, Case], case_ids: Iterable[str]) -> None:
    missing = [i for i in dict.fromkeys(case_ids) if i not in known]
    if missing:
        known.update((c.case_id, c) for c in deps.store.cases(missing))


def _name(known: dict[str, Case], case_id: str) -> str:
    case = known.get(case_id)
    return case.client.full_name if case else ""


def _grouped(escalations: list[Escalation], known: dict[str, Case]) -> list[EscalationGroup]:
    by_case: dict[str, list[Escalation]] = {}
    for escalation in escalations:
        by_case.setdefault(escalation.case_id, []).append(escalation)
    groups = []
    for case_id, raised in by_case.items():
        raised.sort(key=lambda e: (not e.is_urgent, e.raised_at))  # the urgent first
        words = Counter(e.words for e in raised)
        about = [f"{text} ({n})" if n > 1 else text for text, n in words.items()]
        oldest = min(e.raised_at for e in raised)
        group = EscalationGroup(case_id, _name(known, case_id), len(raised), oldest, about)
        groups.append((not raised[0].is_urgent, group))
    # Clients with something urgent first, then by how long they have waited.
    return [g for _, g in sorted(groups, key=lambda u: (u[0], u[1].oldest, u[1].case_id))]


MENTOR_LEFT_WORDS = "The mentor has left (account deactivated): reassign the case"


def _attention(
    known: dict[str, Case],
    escalations: list[Escalation],
    stuck: list[Effect],
    today: date,
    left: frozenset[str] = frozenset(),
) -> list[Attention]:
    """A workflow that stopped, a readiness review still not done the day before release, a case
    whose mentor has left, a pair with no contact for longer than the programme allows, something
    the system owes the case that keeps failing, or an escalation open longer than the programme
    allows. Cases with something urgent come first."""
    programme = load_programme()
    after, no_contact_after = programme.escalation_attention_after_days, programme.no_contact_flag_days
    reasons: dict[str, list[Reason]] = {}
    for case in known.values():
        if case.workflow_error and not case.stage.is_terminal:
            words = workflow_stopped_words(case.workflow_error)
            reasons.setdefault(case.case_id, []).append(Reason(words, urgent=True))  # nothing opens
        if case.readiness_review_late(today):
            reasons.setdefault(case.case_id, []).append(Reason(_late_review_words(case), urgent=True))
        if case.mentor_id in left and not case.stage.is_terminal and not case.stage.is_off_caseload:
            reasons.setdefault(case.case_id, []).append(Reason(MENTOR_LEFT_WORDS, urgent=True))
        if (days := case.days_without_contact(today, no_contact_after)) is not None:
            reasons.setdefault(case.case_id, []).append(Reason(no_contact_words(days)))
    for effect in stuck:
        if effect.case_id in known:  # not an erased case's last clean-up
            reasons.setdefault(effect.case_id, []).append(
                Reason(f"Not done yet, still being tried: {effect.words}", london_date(effect.created_at))
            )
    # The urgent first (a client not met at the gate), then the oldest.
    for escalation in sorted(escalations, key=lambda e: (not e.is_urgent, e.raised_at)):
        stopped = escalation.reason == "workflow_failed" and escalation.case_id in reasons
        if escalation.needs_attention(after, today) and not stopped:
            reasons.setdefault(escalation.case_id, []).append(
                Reason(escalation.words, london_date(escalation.raised_at), escalation.is_urgent)
            )
    return sorted(
        (Attention(case_id, _name(known, case_id), _counted(words)) for case_id, words in reasons.items()),
        key=lambda a: (not a.urgent, a.name, a.case_id),
    )


def _counted(reasons: list[Reason]) -> list[Reason]:
    """The same words once, counted, since the first of them: "Task overdue (5 times)", not five
    lines saying it (each overdue task has its own escalation)."""
    by_words: dict[str, list[Reason]] = {}
    for reason in reasons:
        by_words.setdefault(reason.words, []).append(reason)
    counted = []
    for words, same in by_words.items():
        dates = [r.since for r in same if r.since is not None]
        shown = words if len(same) == 1 else f"{words} ({len(same)} times)"
        counted.append(Reason(shown, min(dates) if dates else None, any(r.urgent for r in same)))
    return counted


def no_contact_words(days: int) -> str:
    return f"No contact for {days} days"


def _late_review_words(case: Case) -> str:
    """ "Readiness review not done: release day (22 May 2027) opens only once it is"."""
    review, release = BY_GATE[Gate.READINESS_REVIEW].title, BY_GATE[Gate.RELEASE_DAY].title
    return f"{review} not done: {release.lower()} ({long_date(case.release_on)}) opens only once it is"
