"""The programme's configurable data: task templates, timing settings, check-in cadence.

Numbers here are design choices of the programme, so they live in the JSON files under
`throughgate.catalogue`; this module only validates and applies them.
"""

import calendar
import itertools
import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from throughgate.domain._strict import Entry, entry_list, read_catalogue
from throughgate.domain.needs import Level, NeedArea, needs_support

_TASK_KEY = re.compile(r"^([a-z_]+)\.[a-z0-9_]+$")


class OwnerRole(StrEnum):
    MENTOR = "mentor"
    COORDINATOR = "coordinator"


@dataclass(frozen=True, slots=True)
class TaskTemplate:
    key: str
    area: NeedArea
    title: str
    due_offset_days: int
    owner_role: OwnerRole
    critical: bool
    min_level: Level


@dataclass(frozen=True, slots=True)
class PlannedTask:
    template_key: str
    area: NeedArea
    title: str
    due_on: date
    owner_role: OwnerRole
    critical: bool


@dataclass(frozen=True, slots=True)
class ProgrammeSettings:
    pre_release_window_days: int
    readiness_review_days_before_release: int
    release_day_hour_utc: int
    outcome_opens_months: int
    outcome_follow_up_months: int
    check_in_chase_after_hours: int
    check_in_missed_after_hours: int
    task_chase_after_days: int
    task_escalate_after_days: int
    critical_task_escalate_after_days: int
    escalation_attention_after_days: int
    reoffending_baseline: str  # a key of baselines.json
    retention_days_after_closure: int
    audit_kept_days_beyond_retention: int
    same_borough_bonus: int
    override_reason_max_chars: int
    client_min_age_years: int
    client_max_age_years: int
    search_match_limit: int
    programme_phone: str
    text_day_before_hour: int
    text_morning_of_hour: int
    text_quiet_from_hour: int
    text_quiet_until_hour: int
    no_contact_flag_days: int
    supervision_every_days: int
    supervision_digest_weekday: int  # 0 Monday ... 6 Sunday, the London date


@dataclass(frozen=True, slots=True)
class Baseline:
    """A published re-offending rate to compare the programme's cohort with, and where it is from."""

    key: str
    group: str  # who the figure is about, in words
    rate: float
    source: str
    published: str  # "2025-04"

    @property
    def published_words(self) -> str:
        """ "April 2025"."""
        year, month = self.published.split("-")
        return f"{calendar.month_name[int(month)]} {year}"


@dataclass(frozen=True, slots=True)
class CadencePhase:
    until_day: int
    every_days: int


def parse_task_templates(raw: object, source: str) -> dict[NeedArea, tuple[TaskTemplate, ...]]:
    """Area comes from the key prefix, so a key can never disagree with its area."""
    by_area: dict[NeedArea, list[TaskTemplate]] = {area: [] for area in NeedArea}
    seen: set[str] = set()
    keys = ("key", "title", "due_offset_days", "owner_role", "critical", "min_level")
    for index, item in enumerate(entry_list(raw, source)):
        entry = Entry(item, f"{source}: entry {index}", keys)
        key = entry.text("key")
        match = _TASK_KEY.match(key)
        if match is None:
            raise ValueError(f"{entry.where}: key {key!r} is not of the form area.name")
        try:
            area = NeedArea(match.group(1))
        except ValueError:
            raise ValueError(f"{entry.where}: unknown area {match.group(1)!r} in key {key!r}") from None
        if key in seen:
            raise ValueError(f"{entry.where}: duplicate key {key!r}")
        seen.add(key)
        min_level = entry.choice("min_level", Level)
        if not needs_support(min_level):
            raise ValueError(f"{entry.where}: min_level {min_level} would create tasks for no need")
        by_area[area].append(
            TaskTemplate(
                key=key,
                area=area,
                title=entry.text("title"),
                due_offset_days=entry.integer("due_offset_days"),
                owner_role=entry.choice("owner_role", OwnerRole),
                critical=entry.flag("critical"),
                min_level=min_level,
            )
        )
    return {area: tuple(templates) for area, templates in by_area.items()}


def parse_programme(raw: object, source: str) -> ProgrammeSettings:
    entry = Entry(raw, source, (field.name for field in fields(ProgrammeSettings)))
    settings = ProgrammeSettings(
        pre_release_window_days=entry.integer("pre_release_window_days", minimum=1),
        readiness_review_days_before_release=entry.integer("readiness_review_days_before_release", minimum=0),
        release_day_hour_utc=entry.integer("release_day_hour_utc", minimum=0, maximum=23),
        outcome_opens_months=entry.integer("outcome_opens_months", minimum=1),
        outcome_follow_up_months=entry.integer("outcome_follow_up_months", minimum=1),
        check_in_chase_after_hours=entry.integer("check_in_chase_after_hours", minimum=0),
        check_in_missed_after_hours=entry.integer("check_in_missed_after_hours", minimum=1),
        task_chase_after_days=entry.integer("task_chase_after_days", minimum=0),
        task_escalate_after_days=entry.integer("task_escalate_after_days", minimum=1),
        critical_task_escalate_after_days=entry.integer("critical_task_escalate_after_days", minimum=1),
        escalation_attention_after_days=entry.integer("escalation_attention_after_days", minimum=1),
        reoffending_baseline=entry.text("reoffending_baseline"),
        retention_days_after_closure=entry.integer("retention_days_after_closure", minimum=1),
        audit_kept_days_beyond_retention=entry.integer("audit_kept_days_beyond_retention", minimum=0),
        same_borough_bonus=entry.integer("same_borough_bonus", minimum=0),
        override_reason_max_chars=entry.integer("override_reason_max_chars", minimum=1),
        client_min_age_years=entry.integer("client_min_age_years", minimum=0),
        client_max_age_years=entry.integer("client_max_age_years", minimum=1),
        search_match_limit=entry.integer("search_match_limit", minimum=1),
        programme_phone=entry.text("programme_phone"),
        text_day_before_hour=entry.integer("text_day_before_hour", minimum=0, maximum=23),
        text_morning_of_hour=entry.integer("text_morning_of_hour", minimum=0, maximum=23),
        text_quiet_from_hour=entry.integer("text_quiet_from_hour", minimum=0, maximum=23),
        text_quiet_until_hour=entry.integer("text_quiet_until_hour", minimum=0, maximum=23),
        no_contact_flag_days=entry.integer("no_contact_flag_days", minimum=1),
        supervision_every_days=entry.integer("supervision_every_days", minimum=1),
        supervision_digest_weekday=entry.integer("supervision_digest_weekday", minimum=0, maximum=6),
    )
    if settings.client_min_age_years >= settings.client_max_age_years:
        raise ValueError(f"{source}: client_min_age_years must be below client_max_age_years")
    if settings.outcome_opens_months > settings.outcome_follow_up_months:
        raise ValueError(f"{source}: outcome_opens_months must not be after outcome_follow_up_months")
    if settings.reoffending_baseline not in load_baselines():
        raise ValueError(f"{source}: reoffending_baseline must name a baseline in baselines.json")
    if settings.readiness_review_days_before_release >= settings.pre_release_window_days:
        raise ValueError(f"{source}: the readiness review must fall inside the pre-release window")
    # Escalation must come after the chase, and critical tasks must not wait longer than others.
    if settings.check_in_chase_after_hours >= settings.check_in_missed_after_hours:
        raise ValueError(f"{source}: check_in_chase_after_hours must be below check_in_missed_after_hours")
    if not (
        settings.task_chase_after_days
        < settings.critical_task_escalate_after_days
        <= settings.task_escalate_after_days
    ):
        raise ValueError(
            f"{source}: need task_chase_after_days < critical_task_escalate_after_days"
            " <= task_escalate_after_days"
        )
    return settings


def parse_cadence(raw: object, source: str) -> tuple[CadencePhase, ...]:
    """Phases must grow and each must end on a check-in day, so a phase boundary is never skipped."""
    phases: list[CadencePhase] = []
    for index, item in enumerate(Entry(raw, source, ("phases",)).array("phases")):
        entry = Entry(item, f"{source}: phases entry {index}", ("until_day", "every_days"))
        phase = CadencePhase(
            until_day=entry.integer("until_day", minimum=1),
            every_days=entry.integer("every_days", minimum=1),
        )
        if phases and phase.until_day <= phases[-1].until_day:
            raise ValueError(f"{entry.where}: until_day must be after the previous phase's")
        if phase.until_day % phase.every_days:
            raise ValueError(f"{entry.where}: until_day must be a multiple of every_days")
        phases.append(phase)
    if not phases:
        raise ValueError(f"{source}: needs at least one phase")
    return tuple(phases)


@cache
def load_task_templates() -> dict[NeedArea, tuple[TaskTemplate, ...]]:
    return parse_task_templates(read_catalogue("tasks.json"), "tasks.json")


@cache
def load_programme() -> ProgrammeSettings:
    return parse_programme(read_catalogue("programme.json"), "programme.json")


def parse_baselines(raw: object, source: str) -> dict[str, Baseline]:
    found: dict[str, Baseline] = {}
    keys = ("key", "group", "rate", "source", "published")
    for index, item in enumerate(Entry(raw, source, ("baselines",)).array("baselines")):
        entry = Entry(item, f"{source}: baselines entry {index}", keys)
        baseline = Baseline(
            key=entry.text("key"),
            group=entry.text("group"),
            rate=entry.number("rate", minimum=0.0, maximum=1.0),
            source=entry.text("source"),
            published=entry.text("published"),
        )
        if baseline.key in found:
            raise ValueError(f"{entry.where}: duplicate key {baseline.key!r}")
        if not re.fullmatch(r"\d{4}-\d{2}", baseline.published):
            raise ValueError(f"{entry.where}: published must be a year and month, e.g. 2025-04")
        found[baseline.key] = baseline
    return found


@cache
def load_baselines() -> dict[str, Baseline]:
    return parse_baselines(read_catalogue("baselines.json"), "baselines.json")


def programme_baseline() -> Baseline:
    """The baseline the programme reports against (programme.json names it)."""
    return load_baselines()[load_programme().reoffending_baseline]


@cache
def load_cadence() -> tuple[CadencePhase, ...]:
    return parse_cadence(read_catalogue("cadence.json"), "cadence.json")


def redate(task_due_offset_days: int, release_on: date) -> date:
    """Due dates hang off the release date, so a moved release date moves every task with it."""
    return release_on + timedelta(days=task_due_offset_days)


def plan_area_tasks(
    area: NeedArea, level: Level, release_on: date, today: date | None = None
) -> list[PlannedTask]:
    """Higher need brings more templates; earliest due first.

    Level.NONE plans nothing because the parser refuses templates with min_level none. Planned on
    short notice (`today` after some due dates), those tasks are due from today instead, one a day
    in the catalogue's order and never later than the day before release: a late referral starts
    with a day's work, not with a list of overdue tasks escalated the next morning.
    """
    planned = [
        PlannedTask(
            template_key=template.key,
            area=area,
            title=template.title,
            due_on=redate(template.due_offset_days, release_on),
            owner_role=template.owner_role,
            critical=template.critical,
        )
        for template in load_task_templates()[area]
        if template.min_level.rank <= level.rank
    ]
    planned.sort(key=lambda task: task.due_on)
    if today is None:
        return planned
    last = max(today, release_on - timedelta(days=1))
    late = itertools.count()
    return sorted(
        (
            replace(task, due_on=min(today + timedelta(days=next(late)), last))
            if task.due_on < today
            else task
            for task in planned
        ),
        key=lambda task: task.due_on,
    )


@dataclass(frozen=True, slots=True)
class CheckKind:
    """One kind of check on a mentor's record (catalogue/mentor_checks.json)."""

    key: str
    name: str
    required: bool  # matching leaves out a mentor without it, in date and cleared
    valid_days: int | None  # how long it lasts when no expiry is given; None: until a date is given
    levels: tuple[tuple[str, str], ...]  # (key, words), e.g. the criminal records check's levels


@dataclass(frozen=True, slots=True)
class MentorChecksCatalogue:
    kinds: tuple[CheckKind, ...]
    due_within_days: int
    training_titles: tuple[str, ...]

    def kind(self, key: str) -> CheckKind | None:
        return next((kind for kind in self.kinds if kind.key == key), None)

    @property
    def required(self) -> tuple[CheckKind, ...]:
        return tuple(kind for kind in self.kinds if kind.required)


def parse_mentor_checks(raw: object, source: str) -> MentorChecksCatalogue:
    top = Entry(raw, source, ("kinds", "due_within_days", "training_titles"))
    kinds: list[CheckKind] = []
    for index, item in enumerate(top.array("kinds")):
        entry = Entry(
            item, f"{source}: kinds entry {index}", ("key", "name", "required", "valid_days", "levels")
        )
        valid_days = None if item["valid_days"] is None else entry.integer("valid_days", minimum=1)  # type: ignore[index]
        levels = entry.mapping("levels")
        if not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in levels.items()):
            raise ValueError(f"{entry.where}: levels must map keys to words")
        kind = CheckKind(
            key=entry.text("key"),
            name=entry.text("name"),
            required=entry.flag("required"),
            valid_days=valid_days,
            levels=tuple((key, str(words)) for key, words in levels.items()),
        )
        if any(k.key == kind.key for k in kinds):
            raise ValueError(f"{entry.where}: duplicate key {kind.key!r}")
        kinds.append(kind)
    titles = top.array("training_titles")
    if not all(isinstance(t, str) and t.strip() for t in titles):
        raise ValueError(f"{source}: training_titles must be non-empty strings")
    return MentorChecksCatalogue(
        kinds=tuple(kinds),
        due_within_days=top.integer("due_within_days", minimum=1, maximum=365),
        training_titles=tuple(str(t) for t in titles),
    )


@cache
def load_mentor_checks() -> MentorChecksCatalogue:
    return parse_mentor_checks(read_catalogue("mentor_checks.json"), "mentor_checks.json")


@cache
def load_prisons() -> dict[str, str]:
    """Establishment code -> name, e.g. "BXI" -> "HMP Brixton"."""
    raw = Entry(read_catalogue("prisons.json"), "prisons.json", ("prisons",)).mapping("prisons")
    if not all(
        isinstance(code, str) and isinstance(name, str) and name.strip() for code, name in raw.items()
    ):
        raise ValueError("prisons.json: prisons must map codes to names")
    return {code: str(name) for code, name in raw.items()}


def prisons_by_name() -> list[tuple[str, str]]:
    """(code, name) of each prison, in the order a person looks for one: by name."""
    return sorted(load_prisons().items(), key=lambda item: item[1])


def prison_name(code: str) -> str:
    """What a person reads for a prison: its name, or the code itself when the catalogue lacks it."""
    return load_prisons().get(code, code)
