"""The audit trail as a coordinator reads it: every route in words, every status as a result."""

from __future__ import annotations

import re

import pytest

from throughgate.domain.case_steps import CASE_STEPS, READ_ROUTES
from throughgate.logic.records import _RESULTS, _what

RAW = re.compile(r"[{}/_]|\b(GET|POST)\b")


@pytest.mark.parametrize("step", CASE_STEPS, ids=lambda s: s.key)
def test_every_case_step_reads_in_words(step: object) -> None:
    for method in ("GET", "POST"):
        for address in {step.path, step.api_address}:  # type: ignore[attr-defined]
            text = _what(f"{method} /cases/{{case_id}}/{address}")
            assert not RAW.search(text), text
            assert step.title.lower() in text.lower(), text  # type: ignore[attr-defined]


@pytest.mark.parametrize("word", sorted(READ_ROUTES))
def test_every_read_route_reads_in_words(word: str) -> None:
    text = _what(f"GET /cases/{{case_id}}/{word}")
    assert not RAW.search(text) and text != "Tried an address that does not exist", text


def test_the_case_page_an_unknown_address_and_the_sweep_read_in_words() -> None:
    assert _what("GET /cases/{case_id}") == "Opened the case page"
    assert _what("GET /cases/{case_id}/{other}") == "Tried an address that does not exist"
    assert _what("retention anonymise") == "Anonymised after the retention period"


def test_every_status_a_route_answers_has_a_result_in_words() -> None:
    assert {200, 303, 400, 401, 403, 404, 409, 413, 422} <= set(_RESULTS)
    assert not any(RAW.search(text) for text in _RESULTS.values())
