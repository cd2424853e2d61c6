"""What a notification says, and where its link leads: words from the catalogue
(`catalogue/notifications.json`), one entry per kind and reason, addressed to the person who reads it.

A notification names no client: no name, prison number, date of birth, phone number or note (an
e-mail is not a secure channel, and a phone's lock screen shows it). It says what happened, the day
(London, "4 June 2027") and links to the page where the person acts, behind sign-in.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from throughgate.domain._strict import Entry, read_catalogue
from throughgate.domain.case_steps import BY_GATE, Gate
from throughgate.domain.escalation import REASON_WORDS
from throughgate.domain.schedule import long_date


class NotificationKind(StrEnum):
    GATE_OPEN = "gate_open"  # a workflow gate waits for its owner
    CHASE = "chase"  # the daily sweep chases an overdue task or a late check-in
    ESCALATION = "escalation"  # the coordinators must look at a case
    ASSIGNED = "assigned"  # a mentor is matched with a client: the case is theirs now


class EmailChoice(StrEnum):
    """How each person wants their notifications by e-mail (all of them are in the app)."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NONE = "none"


EMAIL_CHOICE_WORDS: Mapping[EmailChoice, str] = {
    EmailChoice.IMMEDIATE: "An e-mail for each notification, as it happens",
    EmailChoice.DAILY: "One e-mail a day with how many there were",
    EmailChoice.NONE: "No e-mails: I will look in the app",
}

# The chases the sweep sends, by who is chased (logic/sweep.py): the mentor first, then a coordinator;
# a coordinator's own overdue task reminds the coordinators ("own_task_overdue").
CHASES: Mapping[str, frozenset[str]] = {
    "mentor": frozenset({"task_overdue", "check_in_late"}),
    "coordinator": frozenset({"task_overdue", "own_task_overdue", "check_in_missed"}),
}
_TASK_CHASES = frozenset({"task_overdue", "own_task_overdue"})
# Plan changes that end or pause a case, told to the coordinators (logic/circumstances.py).
PLAN_CHANGES = frozenset({"recalled", "new_sentence", "disengaged", "consent_withdrawn", "died"})
PLACEHOLDERS = frozenset({"date", "number"})
_KEY = re.compile(r"^[a-z_]+(/[a-z_]+)+$")


def message_key(kind: str, recipient_role: str, detail: Mapping[str, str]) -> str:
    """The catalogue entry for a notification: "gate_open/<gate>", "chase/<who>/<reason>",
    "escalation/<reason>"."""
    match NotificationKind(kind):
        case NotificationKind.GATE_OPEN:
            return f"gate_open/{detail['gate']}"
        case NotificationKind.CHASE:
            return f"chase/{recipient_role}/{detail['reason']}"
        case NotificationKind.ESCALATION:
            return f"escalation/{detail['reason']}"
        case NotificationKind.ASSIGNED:
            return f"assigned/{recipient_role}"


def emitted_keys() -> frozenset[str]:
    """Every catalogue entry the code can ask for: the catalogue must have exactly these."""
    return frozenset(
        {f"gate_open/{gate.value}" for gate in Gate}
        | {f"chase/{who}/{reason}" for who, reasons in CHASES.items() for reason in reasons}
        | {f"escalation/{reason}" for reason in REASON_WORDS.keys() | PLAN_CHANGES}
        | {"assigned/mentor"}
    )


@dataclass(frozen=True, slots=True)
class Wording:
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Wordings:
    messages: Mapping[str, Wording]
    notes: Mapping[str, str]  # a sentence added when the detail carries this flag as "true"
    digest: Wording  # placeholders {date} and {count}
    weekly: Wording  # the coordinators' weekly check: {date}, {pairs}, {days} and {supervisions}


@dataclass(frozen=True, slots=True)
class Message:
    """A notification as its reader gets it; `link` is the app's own path ("/cases/<id>/...")."""

    kind: str
    subject: str
    body: str
    link: str


def _placeholders(text: str, where: str, allowed: frozenset[str]) -> None:
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    if unknown := sorted(used - allowed):
        raise ValueError(f"{where}: unknown placeholder(s) {', '.join(unknown)}")


def _wording(raw: object, where: str, allowed: frozenset[str] = PLACEHOLDERS) -> Wording:
    entry = Entry(raw, where, ("subject", "body"))
    wording = Wording(entry.text("subject"), entry.text("body"))
    _placeholders(wording.subject, f"{where}: subject", allowed)
    _placeholders(wording.body, f"{where}: body", allowed)
    return wording


def parse_wordings(raw: object, where: str) -> Wordings:
    top = Entry(raw, where, ("messages", "notes", "digest", "weekly"))
    messages_raw, notes_raw = top.mapping("messages"), top.mapping("notes")
    messages = {
        key: _wording(value, f"{where}: {key}")
        for key, value in messages_raw.items()
        if not key.startswith("_")
    }
    if malformed := sorted(key for key in messages if not _KEY.match(key)):
        raise ValueError(f"{where}: malformed key(s) {', '.join(malformed)}")
    wanted = emitted_keys()
    if missing := sorted(wanted - messages.keys()):
        raise ValueError(f"{where}: no words for {', '.join(missing)}")
    if unknown := sorted(messages.keys() - wanted):
        raise ValueError(f"{where}: words for what is never sent: {', '.join(unknown)}")
    notes = {key: str(value) for key, value in notes_raw.items() if not key.startswith("_")}
    digest = _wording(top.mapping("digest"), f"{where}: digest", frozenset({"date", "count"}))
    weekly_placeholders = frozenset({"date", "pairs", "days", "supervisions"})
    weekly = _wording(top.mapping("weekly"), f"{where}: weekly", weekly_placeholders)
    return Wordings(messages, notes, digest, weekly)


@cache
def load_wordings() -> Wordings:
    return parse_wordings(read_catalogue("notifications.json"), "notifications.json")


def link_for(kind: str, case_id: str, detail: Mapping[str, str]) -> str:
    """Where the reader acts: an open gate's form, an overdue task's page, else the case page."""
    if kind == NotificationKind.GATE_OPEN:
        return f"/cases/{case_id}/{BY_GATE[Gate(detail['gate'])].path}"
    if kind == NotificationKind.CHASE and detail.get("reason") in _TASK_CHASES and detail.get("subject"):
        return f"/cases/{case_id}/tasks/{detail['subject']}"
    return f"/cases/{case_id}"


def compose(
    kind: str, recipient_role: str, case_id: str, detail: Mapping[str, str], sent_at: datetime
) -> Message:
    wordings = load_wordings()
    wording = wordings.messages[message_key(kind, recipient_role, detail)]
    number = detail.get("number") or (
        detail.get("subject", "") if "check_in" in detail.get("reason", "") else ""
    )
    values = {"date": long_date(sent_at), "number": number}
    notes = [text for flag, text in wordings.notes.items() if detail.get(flag) == "true"]
    body = " ".join([wording.body.format_map(values), *notes])
    return Message(kind, wording.subject.format_map(values), body, link_for(kind, case_id, detail))


def digest(count: int, sent_at: datetime) -> Wording:
    """The daily e-mail of a person who chose one: how many, and where to look (the app)."""
    wording = load_wordings().digest
    values = {"date": long_date(sent_at), "count": f"{count} new notification{'' if count == 1 else 's'}"}
    return Wording(wording.subject.format_map(values), wording.body.format_map(values))


WEEKLY_KIND = "weekly"  # a note about the programme, not one case: its link is the dashboard


def weekly_check(pairs: int, supervisions: int, flag_after_days: int, sent_at: datetime) -> Message:
    """The coordinators' weekly note: counts only, never a client's or a mentor's name."""
    wording = load_wordings().weekly
    values = {
        "date": long_date(sent_at),
        "pairs": f"{pairs} mentor-client pair{'' if pairs == 1 else 's'}",
        "days": str(flag_after_days),
        "supervisions": f"{supervisions} supervision{'' if supervisions == 1 else 's'} overdue",
    }
    return Message(WEEKLY_KIND, wording.subject.format_map(values), wording.body.format_map(values), "/")


# How long a notification stays in the app (then the table's TTL removes it): a design choice.
KEPT_FOR = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class Note:
    """One notification delivered to one person (their in-app list)."""

    username: str
    note_id: str  # unique per person, ordered by time: "<iso time sent>#<effect id>"
    case_id: str
    recipient_role: str
    detail: Mapping[str, str]
    message: Message
    sent_at: datetime
    read: bool = False

    def step_taken(self, waiting_for: Gate | None) -> bool:
        """An "it is your turn" note whose gate the case no longer waits at: someone took the step."""
        return self.message.kind == NotificationKind.GATE_OPEN and waiting_for is not Gate(
            self.detail["gate"]
        )
