"""Every notification the code can send has words for the person who reads it (issue 16 item 2):
a subject and a body from the catalogue, the day in London, a link to where they act, and no raw
key or placeholder left in what they read."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import get_args

import pytest

from throughgate.domain.case_steps import BY_GATE, Gate
from throughgate.domain.escalation import REASON_WORDS
from throughgate.domain.notifications import (
    CHASES,
    PLAN_CHANGES,
    compose,
    digest,
    emitted_keys,
    load_wordings,
    parse_wordings,
    weekly_check,
)
from throughgate.domain.schedule import long_date
from throughgate.schemas import Circumstance
from throughgate_local.stack import WORKFLOWS_DIR

SENT = datetime(2027, 6, 4, 23, 30, tzinfo=UTC)  # already 5 June in London
RAW_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _samples() -> list[tuple[str, str, dict[str, str]]]:
    """(kind, recipient role, detail) for every message the code can send."""
    samples = []
    for key in sorted(emitted_keys()):
        kind, *rest = key.split("/")
        if kind == "gate_open":
            detail = {"gate": rest[0], "number": "3", "friday_release": "true", "service_gap": "true"}
            samples.append((kind, BY_GATE[Gate(rest[0])].gate_owner.value, detail))  # type: ignore[union-attr]
        elif kind == "chase":
            subject = "4" if rest[1].startswith("check_in") else "health.register_gp"
            samples.append((kind, rest[0], {"reason": rest[1], "subject": subject}))
        elif kind == "assigned":
            samples.append((kind, rest[0], {}))
        else:
            samples.append((kind, "coordinator", {"reason": rest[0], "subject": "ExecutionFailed"}))
    return samples


def test_the_catalogue_has_words_for_exactly_what_the_code_sends() -> None:
    assert set(load_wordings().messages) == emitted_keys()
    assert {f"gate_open/{g.value}" for g in Gate} <= emitted_keys()


def test_the_reasons_named_are_those_the_code_raises() -> None:
    """The plan changes told to the coordinators are the change types that stop a plan (all but a
    new release date and a transfer); the workflow's escalations are among the escalation reasons."""
    change_types = {
        get_args(get_args(t)[0].model_fields["type"].annotation)[0]
        for t in get_args(get_args(Circumstance)[0])
    }
    assert change_types - {"release_date_changed", "transferred"} == PLAN_CHANGES
    asl = json.loads((WORKFLOWS_DIR / "release.asl.json").read_text())
    raised = set(re.findall(r'"reason": "(\w+)"', json.dumps(asl)))
    assert raised and raised <= set(REASON_WORDS)
    assert CHASES["mentor"] and CHASES["coordinator"]


@pytest.mark.parametrize(("kind", "role", "detail"), _samples(), ids=lambda v: str(v)[:40])
def test_each_message_is_in_words_with_the_day_and_a_link(
    kind: str, role: str, detail: dict[str, str]
) -> None:
    message = compose(kind, role, "case-0001", detail, SENT)
    for text in (message.subject, message.body):
        assert text.strip() and "{" not in text and "}" not in text
        assert not RAW_KEY.search(text), f"a raw key in {text!r}"
        assert "true" not in text.lower().split()
    assert "5 June 2027" in message.body, "the London date"
    assert message.link.startswith("/cases/case-0001")


def test_links_lead_to_where_the_reader_acts() -> None:
    assert compose("gate_open", "mentor", "c1", {"gate": "release_day"}, SENT).link == "/cases/c1/release-day"
    task = compose("chase", "mentor", "c1", {"reason": "task_overdue", "subject": "health.gp"}, SENT)
    assert task.link == "/cases/c1/tasks/health.gp"
    assert compose("escalation", "coordinator", "c1", {"reason": "died"}, SENT).link == "/cases/c1"


def test_a_check_in_is_named_by_its_number_and_flags_add_a_sentence() -> None:
    late = compose("chase", "mentor", "c1", {"reason": "check_in_late", "subject": "4"}, SENT)
    assert "check-in 4" in late.body
    plain = compose("gate_open", "mentor", "c1", {"gate": "release_day"}, SENT)
    friday = compose("gate_open", "mentor", "c1", {"gate": "release_day", "friday_release": "true"}, SENT)
    assert friday.body.startswith(plain.body) and "Friday" in friday.body and "Friday" not in plain.body


def test_the_digest_counts_and_dates() -> None:
    words = digest(3, SENT)
    assert long_date(SENT) in words.subject and "3" in words.body and not RAW_KEY.search(words.body)


def test_a_catalogue_missing_a_message_or_with_an_unknown_placeholder_is_refused() -> None:
    words = {"subject": "s", "body": "b"}
    raw = json.loads(json.dumps({"messages": {}, "notes": {}, "digest": words, "weekly": words}))
    with pytest.raises(ValueError, match="no words for"):
        parse_wordings(raw, "test.json")
    good = {k: {"subject": "s", "body": "b"} for k in emitted_keys()}
    good["escalation/died"] = {"subject": "s", "body": "{name} died"}
    with pytest.raises(ValueError, match="unknown placeholder"):
        parse_wordings({"messages": good, "notes": {}, "digest": words, "weekly": words}, "t")


def test_the_digest_counts_in_words_one_notification_or_several() -> None:
    sent = datetime(2027, 6, 4, 6, 0, tzinfo=UTC)
    assert digest(1, sent).body.startswith("You have 1 new notification since yesterday.")
    assert digest(3, sent).body.startswith("You have 3 new notifications since yesterday.")


def test_the_weekly_check_counts_in_words_and_names_nobody() -> None:
    sent = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    one = weekly_check(1, 1, 14, sent)
    assert one.body == (
        "As of 29 March 2027: 1 mentor-client pair with no recorded contact for more than 14 days, "
        "and 1 supervision overdue. The dashboard lists each one."
    )
    several = weekly_check(3, 0, 14, sent)
    assert "3 mentor-client pairs" in several.body and "0 supervisions overdue" in several.body
    assert (one.kind, one.link) == ("weekly", "/")
