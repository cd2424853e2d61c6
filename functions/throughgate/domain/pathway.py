"""From client to mentor: the peer-mentor pathway a former client may take, with their own consent,
once their case has closed (interested -> training -> shadowing -> active mentor, or withdrawn).

The pathway is its own record, under the person's separate consent: it holds the name they chose
to be known by on it (personal: coordinators only), the stage, each move with its date and the
coordinator's checks, and the release date its readiness criteria are measured from. It keeps
nothing else of the closed case, so it outlives the case's anonymisation or erasure. The readiness
criteria are configuration (catalogue/pathway.json); a hard criterion not met refuses the move,
with the reason in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from functools import cache

from throughgate.domain._strict import Entry, read_catalogue
from throughgate.domain.errors import InvalidInput
from throughgate.domain.schedule import add_months, long_date


class PathwayStage(StrEnum):
    INTERESTED = "interested"
    TRAINING = "training"
    SHADOWING = "shadowing"
    ACTIVE_MENTOR = "active_mentor"
    WITHDRAWN = "withdrawn"

    @property
    def words(self) -> str:
        return PATHWAY_STAGE_WORDS[self]

    @property
    def next(self) -> PathwayStage | None:
        """The stage a person moves on to from this one (None once the pathway has ended)."""
        if self not in _ORDER or self is _ORDER[-1]:
            return None
        return _ORDER[_ORDER.index(self) + 1]

    @property
    def move_words(self) -> str:
        """The button that moves a person to this stage: "Move to training"."""
        return _MOVE_WORDS[self]

    @property
    def has_ended(self) -> bool:
        return self in {PathwayStage.ACTIVE_MENTOR, PathwayStage.WITHDRAWN}


_ORDER = (PathwayStage.INTERESTED, PathwayStage.TRAINING, PathwayStage.SHADOWING, PathwayStage.ACTIVE_MENTOR)
PATHWAY_STAGE_WORDS = {
    PathwayStage.INTERESTED: "Interested",
    PathwayStage.TRAINING: "In training",
    PathwayStage.SHADOWING: "Shadowing a mentor",
    PathwayStage.ACTIVE_MENTOR: "Active mentor",
    PathwayStage.WITHDRAWN: "Withdrawn",
}
_MOVE_WORDS = {
    PathwayStage.INTERESTED: "Record interest",
    PathwayStage.TRAINING: "Move to training",
    PathwayStage.SHADOWING: "Move to shadowing",
    PathwayStage.ACTIVE_MENTOR: "Move to active mentor",
    PathwayStage.WITHDRAWN: "Withdraw from the pathway",
}
# The stages a person is on the pathway now, in order (the outcomes page counts each).
ON_THE_WAY = _ORDER[:-1]


class ConsentHow(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    IN_WRITING = "in_writing"


CONSENT_HOW_WORDS = {
    ConsentHow.IN_PERSON: "In person",
    ConsentHow.PHONE: "By phone",
    ConsentHow.IN_WRITING: "In writing",
}


class GiveBack(StrEnum):
    """The answer at closure to "Does the client want to give back?": a note, which opens nothing."""

    YES = "yes"
    NO = "no"
    NOT_ASKED = "not_asked"


GIVE_BACK_WORDS = {
    GiveBack.YES: "Yes",
    GiveBack.NO: "No",
    GiveBack.NOT_ASKED: "Not asked",
}


class CriterionKind(StrEnum):
    MONTHS_SINCE_RELEASE = "months_since_release"
    CONFIRMED = "confirmed"  # a coordinator's yes or no at the move: what the programme does not record


@dataclass(frozen=True)
class Criterion:
    key: str
    kind: CriterionKind
    words: str  # what it asks, e.g. "At least 12 months since release"
    hard: bool  # not met, it refuses the move
    months: int = 0
    question: str = ""  # the coordinator's question, for a confirmed criterion

    def check(self, released_on: date | None, on: date, answers: Mapping[str, bool]) -> Check:
        """Whether it is met for a move on `on` (a London date), and why, in words."""
        if self.kind is CriterionKind.MONTHS_SINCE_RELEASE:
            if released_on is None:
                return Check(self, False, "no release date is recorded")
            from_day = add_months(released_on, self.months)
            if on >= from_day:
                return Check(self, True, f"released on {long_date(released_on)}")
            return Check(self, False, f"not until {long_date(from_day)}")
        answer = answers.get(self.key)
        if answer is None:
            return Check(self, False, "not confirmed yet")
        return Check(self, answer, "confirmed" if answer else "answered no")


@dataclass(frozen=True)
class Check:
    criterion: Criterion
    met: bool
    because: str  # in words: "not until 3 March 2027"

    @property
    def refuses(self) -> bool:
        return self.criterion.hard and not self.met

    @property
    def words(self) -> str:
        """ "Not met: At least 12 months since release (not until 3 March 2027)"."""
        state = "Met" if self.met else "Not met" if self.criterion.hard else "Not met (advisory)"
        return f"{state}: {self.criterion.words} ({self.because})"

    @property
    def field(self) -> str:
        """Where a refusal is shown on the move's form: the question, or the date of the move."""
        return f"checks.{self.criterion.key}" if self.criterion.kind is CriterionKind.CONFIRMED else "on"


@dataclass(frozen=True)
class Move:
    stage: PathwayStage
    on: date  # the London date the move took effect
    by: str  # an actor label
    note: str = ""  # personal: free text about the person
    checks: tuple[tuple[str, bool], ...] = ()  # the criteria as they stood, met or not, by key


@dataclass(frozen=True)
class Pathway:
    pathway_id: str
    case_id: str  # the closed case it came from (reads as gone once that case is erased)
    display_name: str  # personal: the name the person chose to be known by on the pathway
    consent_on: date
    consent_how: ConsentHow
    released_on: date | None  # what the readiness criteria are measured from
    opened_at: datetime
    moves: tuple[Move, ...]  # oldest first; the first is "interested"
    version: int | None = None

    @classmethod
    def opened(
        cls,
        *,
        pathway_id: str,
        case_id: str,
        display_name: str,
        consent_on: date,
        consent_how: ConsentHow,
        released_on: date | None,
        now: datetime,
        by: str,
        note: str,
    ) -> Pathway:
        first = Move(PathwayStage.INTERESTED, consent_on, by, note)
        return cls(pathway_id, case_id, display_name, consent_on, consent_how, released_on, now, (first,))

    @property
    def stage(self) -> PathwayStage:
        return self.moves[-1].stage

    @property
    def became_mentor_on(self) -> date | None:
        """The day they became an active mentor: the "once a client" fact (kept after a withdrawal)."""
        return next((m.on for m in self.moves if m.stage is PathwayStage.ACTIVE_MENTOR), None)

    def checks_for(
        self, to: PathwayStage, on: date, answers: Mapping[str, bool], criteria: PathwayCriteria
    ) -> tuple[Check, ...]:
        return tuple(c.check(self.released_on, on, answers) for c in criteria.get(to, ()))

    def moved(
        self,
        to: PathwayStage,
        on: date,
        answers: Mapping[str, bool],
        *,
        by: str,
        note: str,
        criteria: PathwayCriteria,
    ) -> Pathway:
        """The pathway one stage on, if every hard criterion of that stage is met on `on`; refused
        with the first unmet one's reason (where the move's form shows it) otherwise."""
        if to is PathwayStage.WITHDRAWN:
            return self.withdrawn(on, by)
        if self.stage.next is not to:
            raise InvalidInput(
                f"A pathway at {self.stage.words.lower()} cannot move to {to.words.lower()}", "to"
            )
        self._check_date(on)
        checks = self.checks_for(to, on, answers, criteria)
        refused = next((c for c in checks if c.refuses), None)
        if refused is not None:
            raise InvalidInput(
                f"{to.words} needs: {refused.criterion.words[0].lower()}{refused.criterion.words[1:]} "
                f"({refused.because})",
                refused.field,
            )
        move = Move(to, on, by, note, tuple((c.criterion.key, c.met) for c in checks))
        return replace(self, moves=(*self.moves, move))

    def withdrawn(self, on: date, by: str) -> Pathway:
        """The person withdrew their consent: the pathway ends and its personal values go (the name
        they chose, every note); the stages and their dates stay, for the counts."""
        if self.stage is PathwayStage.WITHDRAWN:
            raise InvalidInput("The pathway has already been withdrawn", "to")
        self._check_date(on)
        kept = tuple(replace(m, note="") for m in self.moves)
        return replace(self, display_name="", moves=(*kept, Move(PathwayStage.WITHDRAWN, on, by)))

    def _check_date(self, on: date) -> None:
        last = self.moves[-1].on
        if on < last:
            raise InvalidInput(
                f"The date of the move must be on or after {long_date(last)}, the last move", "on"
            )


PathwayCriteria = Mapping[PathwayStage, tuple[Criterion, ...]]
_KEY = re.compile(r"[a-z][a-z_]{0,39}")  # a criterion's key names a form field


def check_not_future(on: date, today: date, what: str, field: str = "on") -> None:
    if on > today:
        raise InvalidInput(f"The date {what} must be today or in the past", field)


def parse_pathway_criteria(raw: object, source: str) -> dict[PathwayStage, tuple[Criterion, ...]]:
    found: dict[PathwayStage, tuple[Criterion, ...]] = {}
    for index, item in enumerate(Entry(raw, source, ("stages",)).array("stages")):
        entry = Entry(item, f"{source}: stages entry {index}", ("stage", "criteria"))
        stage = entry.choice("stage", PathwayStage)
        if stage in {PathwayStage.INTERESTED, PathwayStage.WITHDRAWN} or stage in found:
            raise ValueError(f"{entry.where}: no criteria for {stage.value}, or listed twice")
        criteria = []
        for number, raw_criterion in enumerate(entry.array("criteria")):
            where = f"{entry.where}: criterion {number}"
            kind = raw_criterion.get("kind") if isinstance(raw_criterion, dict) else None
            if kind not in set(CriterionKind):
                raise ValueError(f"{where}: kind must be one of {', '.join(CriterionKind)}")
            criteria.append(_criterion(raw_criterion, where, CriterionKind(kind)))
        keys = [c.key for c in criteria]
        if len(set(keys)) != len(keys) or not all(_KEY.fullmatch(k) for k in keys):
            raise ValueError(f"{entry.where}: criterion keys must be distinct, in lower case and _")
        found[stage] = tuple(criteria)
    return found


def _criterion(raw: object, where: str, kind: CriterionKind) -> Criterion:
    if kind is CriterionKind.MONTHS_SINCE_RELEASE:
        entry = Entry(raw, where, ("key", "kind", "hard", "words", "months"))
        return Criterion(
            entry.text("key"), kind, entry.text("words"), entry.flag("hard"), entry.integer("months", 0, 120)
        )
    entry = Entry(raw, where, ("key", "kind", "hard", "words", "question"))
    return Criterion(
        entry.text("key"), kind, entry.text("words"), entry.flag("hard"), question=entry.text("question")
    )


@cache
def load_pathway_criteria() -> dict[PathwayStage, tuple[Criterion, ...]]:
    return parse_pathway_criteria(read_catalogue("pathway.json"), "pathway.json")
