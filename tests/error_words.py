"""What an error message a person reads may not look like, for the API's tests and the web forms':
one home for the rule that every message is in the programme's words, never a library's."""

from __future__ import annotations

import re

# How pydantic (and Python) put things; none of it may reach a person.
LIBRARY_OPENINGS = (
    "Input should",
    "Field required",
    "String should",
    "Value error",
    "Extra inputs",
    "Input is",
)
LIBRARY_WORDING = (
    *LIBRARY_OPENINGS,
    "input should",
    "field required",
    "validation error",
    "string should",
    "value error",
    "pydantic",
    "type=",
    "[",
    "{",
    "Traceback",
)
# A raw key: a word with an underscore (release_on, mentor_id).
_RAW_KEY = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
# GOV.UK's error messages say what to do ("Enter ...", "Select ...") or what a thing must be.
GOV_UK_VERBS = ("Enter", "Select", "Choose", "Type", "Give", "Tell", "Check")
_MUST = re.compile(r"^[A-Z][^.?!]*? must (be|only|not|have|include)\b")
# "Select" or "Enter" followed by a question's own wording ("Select why is", "Enter type the"):
# a label pasted into the verb's sentence.
_AUXILIARY = r"(is|are|has|have|did|do|does|was|were|can|will)"
_PASTED_QUESTION = re.compile(
    rf"^(Enter|Select|Choose) ({_AUXILIARY}|type|(why|how|when|where) {_AUXILIARY})\b"
)


def library_wording(message: str) -> list[str]:
    """The library's or the code's wording in `message` (empty when there is none)."""
    found = [words for words in LIBRARY_WORDING if words in message]
    return found + _RAW_KEY.findall(message)


def in_gov_uk_style(message: str) -> bool:
    """Starts with what to do ("Enter ...", "Select ...") or says what a thing must be ("Release
    date must be a real date"), reads as one sentence (a question only at its end), and is more
    than a verb and a word."""
    does = message.split(" ", 1)[0] in GOV_UK_VERBS and len(message.split()) >= 3
    must = _MUST.match(message) is not None
    question_inside = "?" in message.rstrip("?")
    return (does or must) and not question_inside and not _PASTED_QUESTION.match(message)
