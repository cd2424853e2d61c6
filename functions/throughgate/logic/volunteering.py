"""Volunteer hours and expenses: a mentor records their time (a coordinator may record it for
them), a coordinator approves or queries it, and coordinators and managers read each mentor's month.

A mentor reads and changes only their own: another mentor's time answers as an unknown mentor. An
entry for a case holds the case id only; pages name the client only to someone who may see the case.

Cost of the all-mentors summary: one Query of the mentors' partition, then one Query per mentor of
that mentor's month (`TIME#<first day>` to `TIME#<last day>`), each a page or two at most (a day
holds at most 12 hours of quarter-hour entries). For the programme's tens of mentors that is tens of
small Queries; monthly counters per mentor (ADD in each entry's transaction, as the cohort counters
do) would make it one Query if the mentors ever number in the hundreds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from throughgate.domain.case import Case
from throughgate.domain.errors import IdReused, InvalidInput, NotFound
from throughgate.domain.schedule import london_date
from throughgate.domain.volunteering import (
    STATUS_WORDS,
    MentorMonth,
    Month,
    TimeEntry,
    check_day_total,
    hours_words,
    pence_as_pounds,
    pounds,
    volunteering_rules,
)
from throughgate.logic.access import Act, can_see, may, require, require_mentor_visible
from throughgate.logic.common import fingerprint
from throughgate.logic.mentors import authorised_mentor
from throughgate.logic.ports import Actor, Deps
from throughgate.schemas import TimeEntryIn, TimeQueryIn, is_id


@dataclass(frozen=True)
class Saved:
    entry_id: str
    on: date | None = None  # the entry's date (its month's time sheet shows it)
    replayed: bool = False


@dataclass(frozen=True)
class EntryLine:
    """One entry as a page shows it: what it was for in words (a client named only to someone who
    may see their case), its travel, its claim and its status."""

    entry: TimeEntry
    what: str
    case_link: str | None  # the case's address, for someone who may open it
    travel: str
    claimed: str
    status: str


@dataclass(frozen=True)
class TimeSheet:
    mentor_id: str
    display_name: str
    month: Month
    lines: list[EntryLine]
    figures: MentorMonth
    may_record: bool
    may_decide: bool  # approve and query (coordinators)

    @property
    def claimed(self) -> str:
        return pounds(self.figures.claimed_pence)

    @property
    def approved(self) -> str:
        return pounds(self.figures.approved_pence)

    def by_activity(self) -> list[tuple[str, int]]:
        return activity_minutes(self.figures)

    def as_json(self) -> dict[str, object]:
        return {
            "mentor_id": self.mentor_id,
            "month": self.month.key,
            "entries": [entry_json(line.entry) for line in self.lines],
            "totals": figures_json(self.figures),
        }


@dataclass(frozen=True)
class SummaryRow:
    mentor_id: str
    display_name: str
    figures: MentorMonth


@dataclass(frozen=True)
class Summary:
    month: Month
    rows: list[SummaryRow]
    totals: MentorMonth
    months: list[Month]  # to choose from: this month and the twelve before it, newest first

    @property
    def activities(self) -> list[tuple[str, str]]:
        return list(volunteering_rules().activity_words.items())

    def as_json(self) -> dict[str, object]:
        return {
            "month": self.month.key,
            "mentors": [{"mentor_id": row.mentor_id, **figures_json(row.figures)} for row in self.rows],
            "totals": figures_json(self.totals),
        }

    def csv_rows(self) -> list[list[str]]:
        """The month per mentor, for funders: hours in hours, money in pounds (a header row first)."""
        header = ["Month", "Mentor id", "Mentor", "Hours"]
        header += [f"Hours: {words}" for _key, words in self.activities]
        header += ["Miles", "Expenses claimed (£)", "Expenses approved (£)", "Entries waiting for approval"]
        rows = [header]
        for who, name, figures in [(r.mentor_id, r.display_name, r.figures) for r in self.rows] + [
            ("", "All mentors", self.totals)
        ]:
            rows.append(
                [
                    self.month.key,
                    who,
                    name,
                    hours_words(figures.minutes),
                    *[
                        hours_words(figures.minutes_by_activity.get(key, 0))
                        for key, _words in self.activities
                    ],
                    str(figures.miles),
                    pence_as_pounds(figures.claimed_pence),
                    pence_as_pounds(figures.approved_pence),
                    str(figures.waiting),
                ]
            )
        return rows


def activity_minutes(figures: MentorMonth) -> list[tuple[str, int]]:
    """(the activity in words, its minutes), in the order first recorded."""
    words = volunteering_rules().activity_words
    return [(words.get(key, key), minutes) for key, minutes in figures.minutes_by_activity.items()]


def figures_json(figures: MentorMonth) -> dict[str, object]:
    return {
        "minutes": figures.minutes,
        "minutes_by_activity": figures.minutes_by_activity,
        "miles": figures.miles,
        "claimed_pence": figures.claimed_pence,
        "approved_pence": figures.approved_pence,
        "waiting": figures.waiting,
    }


def entry_json(entry: TimeEntry) -> dict[str, object]:
    """An entry for the API: ids, numbers and keys (the expense note is the mentor's own words)."""
    return {
        "entry_id": entry.entry_id,
        "on": entry.on.isoformat(),
        "minutes": entry.minutes,
        "activity": entry.activity,
        "case_id": entry.case_id,
        "travel_mode": entry.travel_mode,
        "miles": entry.miles,
        "fares_pence": entry.fares_pence,
        "expense_pence": entry.expense_pence,
        "expense_note": entry.expense_note,
        "claimed_pence": entry.claimed_pence(volunteering_rules()),
        "status": entry.status.value,
        "query_reason": entry.query_reason,
    }


# -- access ----------------------------------------------------------------------------------------
def check_time_access(actor: Actor, mentor_id: str, act: Act) -> None:
    """Whether this actor may do `act` to this mentor's time, before anything is read: a mentor
    only to their own (anyone else's answers as an unknown mentor does)."""
    require_mentor_visible(actor, mentor_id)
    require(actor, act)


def _mentor_name(deps: Deps, actor: Actor, mentor_id: str, act: Act) -> str:
    """The mentor's display name, if this actor may do `act` to their time."""
    return authorised_mentor(deps, actor, mentor_id, act).display_name


def _stored_entry(deps: Deps, mentor_id: str, entry_id: str) -> TimeEntry:
    if not is_id(entry_id):  # an address that is not an id is not read, nor repeated
        raise NotFound("time entry not found")
    return deps.store.time_entry(mentor_id, entry_id)


# -- writes ----------------------------------------------------------------------------------------
def record_time(deps: Deps, actor: Actor, mentor_id: str, form: TimeEntryIn, submission_id: str) -> Saved:
    """A new entry, its id the submission's: the same submission again saves nothing twice."""
    _mentor_name(deps, actor, mentor_id, Act.RECORD_TIME)
    saved_with = deps.store.time_fingerprint(mentor_id, submission_id)
    if saved_with is not None:
        if saved_with != fingerprint(form):
            raise IdReused("this submission id was already used with different answers")
        return Saved(submission_id, replayed=True)
    entry = _entry(deps, actor, mentor_id, submission_id, form)
    _check(deps, entry, previous=None)
    deps.store.save_time_entry(entry, deps.now(), fingerprint=fingerprint(form))
    return Saved(entry.entry_id, entry.on)


def edit_time(deps: Deps, actor: Actor, mentor_id: str, entry_id: str, form: TimeEntryIn) -> Saved:
    """New answers for an entry not yet approved: it waits for approval again."""
    _mentor_name(deps, actor, mentor_id, Act.RECORD_TIME)
    before = _stored_entry(deps, mentor_id, entry_id)
    entry = before.edited(_entry(deps, actor, mentor_id, entry_id, form))
    _check(deps, entry, previous=before)
    deps.store.save_time_entry(entry, deps.now(), moved_from=before.on)
    return Saved(entry_id, entry.on)


def withdraw_time(deps: Deps, actor: Actor, mentor_id: str, entry_id: str) -> Saved:
    _mentor_name(deps, actor, mentor_id, Act.RECORD_TIME)
    entry = _stored_entry(deps, mentor_id, entry_id)
    entry.withdraw()
    deps.store.save_time_entry(entry, deps.now())
    return Saved(entry_id, entry.on)


def approve_time(deps: Deps, actor: Actor, mentor_id: str, entry_id: str) -> Saved:
    _mentor_name(deps, actor, mentor_id, Act.APPROVE_TIME)
    entry = _stored_entry(deps, mentor_id, entry_id)
    entry.approve(actor.label)
    deps.store.save_time_entry(entry, deps.now())
    return Saved(entry_id, entry.on)


def query_time(deps: Deps, actor: Actor, mentor_id: str, entry_id: str, form: TimeQueryIn) -> Saved:
    """Ask the mentor about an entry: they answer by changing it (or withdrawing it)."""
    _mentor_name(deps, actor, mentor_id, Act.APPROVE_TIME)
    entry = _stored_entry(deps, mentor_id, entry_id)
    entry.query(actor.label, form.reason)
    deps.store.save_time_entry(entry, deps.now())
    return Saved(entry_id, entry.on)


def _entry(deps: Deps, actor: Actor, mentor_id: str, entry_id: str, form: TimeEntryIn) -> TimeEntry:
    return TimeEntry(
        entry_id=entry_id,
        mentor_id=mentor_id,
        on=form.on,
        minutes=form.minutes,
        activity=form.activity,
        case_id=form.case_id,
        travel_mode=form.travel_mode,
        miles=form.miles,
        fares_pence=form.fares_pence,
        expense_pence=form.expense_pence,
        expense_note=form.expense_note,
        recorded_by=actor.label,
        recorded_at=deps.now(),
    )


def _check(deps: Deps, entry: TimeEntry, previous: TimeEntry | None) -> None:
    """The programme's limits, the date, the case (one of the mentor's own, unless an edit keeps the
    case it had), and the day's total (one Query of that day)."""
    rules = volunteering_rules()
    rules.check(entry)
    rules.check_date(entry.on, london_date(deps.now()))
    if entry.case_id and not (previous and previous.case_id == entry.case_id):
        try:
            works_it = deps.store.get_case(entry.case_id).mentor_id == entry.mentor_id
        except NotFound:
            works_it = False
        if not works_it:  # an unknown case and another mentor's answer alike
            raise InvalidInput("Choose one of your cases", field="case_id")
    check_day_total(deps.store.time_entries(entry.mentor_id, entry.on, entry.on), entry, rules)


# -- reads -----------------------------------------------------------------------------------------
def this_month(deps: Deps) -> Month:
    today = london_date(deps.now())
    return Month(today.year, today.month)


def time_sheet(deps: Deps, actor: Actor, mentor_id: str, month: Month | None = None) -> TimeSheet:
    """A mentor's entries of a month (this month by default), oldest first, with the month's totals."""
    name = _mentor_name(deps, actor, mentor_id, Act.READ_TIME)
    month = month or this_month(deps)
    entries = deps.store.time_entries(mentor_id, month.first, month.last)
    cases = _cases(deps, entries)
    rules = volunteering_rules()
    lines = [
        EntryLine(
            entry=entry,
            what=_what(actor, entry, cases),
            case_link=f"/cases/{entry.case_id}"
            if entry.case_id in cases and can_see(actor, cases[entry.case_id])
            else None,
            travel=_travel(entry),
            claimed=pounds(entry.claimed_pence(rules)),
            status=STATUS_WORDS[entry.status],
        )
        for entry in entries
    ]
    return TimeSheet(
        mentor_id=mentor_id,
        display_name=name,
        month=month,
        lines=lines,
        figures=MentorMonth.of(mentor_id, entries, rules),
        may_record=may(actor, Act.RECORD_TIME),
        may_decide=may(actor, Act.APPROVE_TIME),
    )


@dataclass(frozen=True)
class TimeForm:
    """What a time form shows: whose time, the cases it may be for (case id, words), and the
    entry being changed (None for a new one)."""

    display_name: str
    cases: list[tuple[str, str]]
    entry: TimeEntry | None = None


def time_form(deps: Deps, actor: Actor, mentor_id: str, entry_id: str | None = None) -> TimeForm:
    """The mentor's own caseload, named for whoever records (the mentor, or a coordinator: both may
    see those cases); for a change, the entry and the case it has, by its reference if the case is
    no longer theirs."""
    name = _mentor_name(deps, actor, mentor_id, Act.RECORD_TIME)
    entry = _stored_entry(deps, mentor_id, entry_id) if entry_id else None
    cases = [
        (case.case_id, f"{case.client.full_name} (case {case.case_id[:8]})")
        for case in sorted(deps.store.caseload(mentor_id), key=lambda c: c.client.full_name)
        if not case.erasing and can_see(actor, case)
    ]
    keeping = entry.case_id if entry else None
    if keeping and keeping not in {case_id for case_id, _words in cases}:
        cases.append((keeping, f"Case {keeping[:8]}"))
    return TimeForm(name, cases, entry)


def query_form(deps: Deps, actor: Actor, mentor_id: str) -> str:
    """Whose entry a coordinator is about to query (their display name)."""
    return _mentor_name(deps, actor, mentor_id, Act.APPROVE_TIME)


def recent_months(deps: Deps, count: int = 13) -> list[Month]:
    """This month and the twelve before it, newest first: the summary's choice of month."""
    months = [this_month(deps)]
    while len(months) < count:
        months.append(months[-1].previous())
    return months


def volunteering_summary(deps: Deps, actor: Actor, month: Month | None = None) -> Summary:
    """Every mentor's month (last month by default): see the module's note on what it costs."""
    require(actor, Act.READ_VOLUNTEERING)
    month = month or Month.before(london_date(deps.now()))
    rules = volunteering_rules()
    rows = [
        SummaryRow(
            mentor.mentor_id,
            mentor.display_name,
            MentorMonth.of(
                mentor.mentor_id, deps.store.time_entries(mentor.mentor_id, month.first, month.last), rules
            ),
        )
        for mentor in sorted(deps.store.mentors(), key=lambda m: m.display_name)
    ]
    return Summary(month, rows, _total(rows), recent_months(deps))


def _total(rows: list[SummaryRow]) -> MentorMonth:
    by_activity: dict[str, int] = {}
    for row in rows:
        for key, minutes in row.figures.minutes_by_activity.items():
            by_activity[key] = by_activity.get(key, 0) + minutes
    return MentorMonth(
        "",
        by_activity,
        sum(r.figures.miles for r in rows),
        sum(r.figures.claimed_pence for r in rows),
        sum(r.figures.approved_pence for r in rows),
        sum(r.figures.waiting for r in rows),
    )


def month_asked(text: str | None) -> Month | None:
    """`?month=2026-11`, or None when not given; anything else is refused in words."""
    return None if text is None else Month.parse(text)


def _cases(deps: Deps, entries: list[TimeEntry]) -> dict[str, Case]:
    ids = [e.case_id for e in entries if e.case_id]
    return {case.case_id: case for case in deps.store.cases(ids)} if ids else {}


def _what(actor: Actor, entry: TimeEntry, cases: dict[str, Case]) -> str:
    if entry.case_id is None:
        return volunteering_rules().activity_words.get(entry.activity, entry.activity)
    case = cases.get(entry.case_id)
    if case is not None and can_see(actor, case) and not case.client.is_anonymised:
        return f"{case.client.full_name} (case {entry.case_id[:8]})"
    return f"Case {entry.case_id[:8]}"


def _travel(entry: TimeEntry) -> str:
    rules = volunteering_rules()
    mode = rules.travel_words.get(entry.travel_mode, entry.travel_mode)
    if entry.miles:
        return f"{mode}, {entry.miles} miles"
    if entry.fares_pence:
        return f"{mode}, fares {pounds(entry.fares_pence)}"
    return mode
