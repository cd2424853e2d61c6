"""The search rule: which terms a case is filed under, and how a search text is read."""

from __future__ import annotations

import pytest

from throughgate.domain.search import (
    MAX_TERMS,
    PREFIX_CAP,
    name_tokens,
    read_search_text,
    search_terms,
)

CASE_ID = "3f2a9c1e-0b7d-4c55-9a1e-2b3c4d5e6f70"


def test_names_split_on_spaces_hyphens_and_apostrophes_casefolded() -> None:
    assert name_tokens("Mary-Jane", "O'Neil Smith") == ["mary", "jane", "o", "neil", "smith"]


def test_a_case_is_filed_under_name_prefixes_prison_number_prefixes_and_its_reference() -> None:
    terms = search_terms(CASE_ID, "Testy", "Examplestone", "A1234BC")
    assert {"n:te", "n:tes", "n:test", "n:testy"} <= terms
    assert (
        {"n:ex", "n:examplesto"} <= terms and "n:examplesto" in terms and "n:examplestone" not in terms
    )  # capped at 10
    assert "n:t" not in terms  # a prefix is at least two letters
    assert {"p:A12", "p:A123", "p:A1234", "p:A1234B", "p:A1234BC"} <= terms and "p:A1" not in terms
    assert {"r:3f2a", "r:3f2a9", "r:3f2a9c1e"} <= terms and "r:3f2" not in terms
    assert len(terms) == 4 + 9 + 5 + 5


def test_the_longest_names_stay_within_one_transaction() -> None:
    """60 letters a name (the form's limit), in as many distinct long tokens as fit."""
    words = ["abcdefghij", "bcdefghijk", "cdefghijkl", "defghijklm", "efghijklmn", "fghijk"]
    given = " ".join(words)[:60]
    family = "-".join(w.upper() for w in reversed(words))[:60]
    terms = search_terms(CASE_ID, given, family, "A1234BC")
    assert len(terms) <= MAX_TERMS
    # the first four tokens of each name are still found by every prefix
    assert {f"n:{words[0][:n]}" for n in range(2, PREFIX_CAP + 1)} <= terms


def test_an_anonymised_client_is_filed_under_its_reference_only() -> None:
    assert search_terms(CASE_ID, "", "", "") == {f"r:{CASE_ID[:n]}" for n in range(4, 9)}


@pytest.mark.parametrize(
    ("text", "lookups"),
    [
        ("exam", ("n:exam",)),
        ("  EXAMPLETONIAN ", ("n:exampleton",)),
        ("te exampl", ("n:exampl",)),  # the longest token: the fewest candidates
        ("g1234", ("p:G1234",)),
        ("a1234", ("r:a1234", "p:A1234")),  # a prison number can read as the start of a case id
        ("A1234BC", ("r:a1234bc", "p:A1234BC")),
        ("3F2A9C1E", ("r:3f2a9c1e",)),
        (CASE_ID, ("r:3f2a9c1e",)),
        ("a123", ("r:a123", "p:A123")),  # reads two ways: both are looked up
        ("abbe", ("r:abbe", "n:abbe")),
    ],
)
def test_a_search_text_is_looked_up_by_one_term_or_two(text: str, lookups: tuple[str, ...]) -> None:
    read = read_search_text(text)
    assert read is not None and read.lookups == lookups


@pytest.mark.parametrize("text", ["", "  ", "e", "%", "a1", "x-1"])
def test_nothing_searchable(text: str) -> None:
    assert read_search_text(text) is None


def test_a_candidate_must_match_every_name_token() -> None:
    read = read_search_text("tes exa")
    assert read is not None
    assert read.matches(CASE_ID, "Testy", "Exampleton", "A1234BC")
    assert not read.matches(CASE_ID, "Testy", "Other", "A1234BC")
    long = read_search_text("exampletons")
    assert long is not None and not long.matches(CASE_ID, "Testy", "Exampleton", "A1234BC")


def test_references_and_prison_numbers_match_from_the_start() -> None:
    by_reference, by_number = read_search_text("3f2a9c1e-0b"), read_search_text("a1234b")
    assert by_reference is not None and by_reference.matches(CASE_ID, "", "", "")
    assert not by_reference.matches("3f2a9c1e-0c00-0000-0000-000000000000", "", "", "")
    assert by_number is not None and by_number.matches(CASE_ID, "X", "Y", "A1234BC")
    assert not by_number.matches(CASE_ID, "X", "Y", "A1234CC")
