"""Finding a case by part of a name, a prison number or a case reference: which search terms a case
is filed under, and how a search text is read.

A term is a prefix, tagged with its kind so a name and a reference never share a term:

- a name token (given and family names split on spaces, hyphens and apostrophes, casefolded):
  every prefix of 2 to `PREFIX_CAP` characters (`n:smi`);
- the prison number (upper case): every prefix of 3 characters or more (`p:A12`);
- the case reference, the start of the case id (lower case): prefixes of 4 to 8 characters
  (`r:3f2a`).

The store files each term under a keyed hash, never the term itself (store.keys.search_key), so no
name is held in clear outside the case item. A case's terms and the case's own items are written in
one DynamoDB transaction (at most 100 items): `MAX_TERMS` keeps the worst case under it. A name
with so many long tokens that its terms would not fit is filed under its first `FALLBACK_TOKENS`
tokens of each name only (a later token is still matched, just not looked up by).

A search text is looked up by one term (the longest token, capped: the fewest candidates), or two
when the text could be read two ways (letters a-f only: a name or a reference; a letter and digits:
a prison number or a reference); every candidate is then matched against the whole text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PREFIX_CAP = 10  # longest name prefix filed; a longer search token is looked up by its first 10
NAME_MIN = 2
PRISON_NUMBER_MIN = 3
REFERENCE_MIN, REFERENCE_MAX = 4, 8
# The referral's transaction also writes the case, the prison-number reference and the timeline
# event: 3 items of DynamoDB's 100.
REFERRAL_ITEMS = 3
MAX_TERMS = 100 - REFERRAL_ITEMS
FALLBACK_TOKENS = 4  # 2 names x 4 tokens x 9 prefixes + 5 + 5 = 82 terms at most

_SPLIT = re.compile(r"[\s'\-\u2019]+")
_PRISON_NUMBER_PREFIX = re.compile(r"^[A-Z][0-9]{2,4}$|^[A-Z][0-9]{4}[A-Z]{1,2}$")
_REFERENCE = re.compile(r"^[0-9a-f]{4,8}$|^[0-9a-f]{8}-[0-9a-f-]*$")
_NAME_TOKEN = re.compile(r"^[^\W\d_]+$")
MAX_TEXT = 60


def name_tokens(*names: str) -> list[str]:
    """The casefolded tokens of names, in order ("Mary-Jane O'Neil" -> mary, jane, o, neil)."""
    return [token for name in names for token in _SPLIT.split(name.casefold()) if token]


def _name_terms(tokens: Iterable[str]) -> set[str]:
    return {
        f"n:{token[:length]}"
        for token in tokens
        for length in range(NAME_MIN, min(len(token), PREFIX_CAP) + 1)
    }


def search_terms(case_id: str, given_name: str, family_name: str, prison_number: str) -> frozenset[str]:
    """Every term the case is found by (none for an anonymised client but its reference)."""
    terms = {f"r:{case_id[:length].lower()}" for length in range(REFERENCE_MIN, REFERENCE_MAX + 1)}
    number = prison_number.upper()
    terms |= {f"p:{number[:length]}" for length in range(PRISON_NUMBER_MIN, len(number) + 1)}
    names = _name_terms(name_tokens(given_name, family_name))
    if len(terms) + len(names) > MAX_TERMS:
        names = _name_terms(
            name_tokens(given_name)[:FALLBACK_TOKENS] + name_tokens(family_name)[:FALLBACK_TOKENS]
        )
    return frozenset(terms | names)


@dataclass(frozen=True)
class SearchText:
    """A search text, read: the terms to look up and what a candidate must match."""

    lookups: tuple[str, ...]
    name_tokens: tuple[str, ...] = ()  # each must start some token of the client's names
    prison_number: str | None = None  # the prison number must start with it
    reference: str | None = None  # the case id must start with it

    def matches(self, case_id: str, given_name: str, family_name: str, prison_number: str) -> bool:
        if self.reference is not None and case_id.lower().startswith(self.reference):
            return True
        if self.prison_number is not None and prison_number.upper().startswith(self.prison_number):
            return True
        if self.name_tokens:
            tokens = name_tokens(given_name, family_name)
            return all(any(t.startswith(q) for t in tokens) for q in self.name_tokens)
        return False


def read_search_text(text: str) -> SearchText | None:
    """What a search text asks for; None when it holds nothing that can be looked up (a single
    letter, punctuation): the caller asks for a name, prison number or case reference."""
    plain = text.strip()
    if not plain:
        return None
    lookups: list[str] = []
    reference = prison_number = None
    tokens: tuple[str, ...] = ()
    lowered, upper = plain.lower(), plain.upper()
    if _REFERENCE.match(lowered):
        reference = lowered
        lookups.append(f"r:{lowered[:REFERENCE_MAX]}")
    if _PRISON_NUMBER_PREFIX.match(upper):
        prison_number = upper
        lookups.append(f"p:{upper}")
    words = tuple(name_tokens(plain))
    if words and all(_NAME_TOKEN.match(w) for w in words):
        longest = max(words, key=len)
        if len(longest) >= NAME_MIN:
            tokens = words
            lookups.append(f"n:{longest[:PREFIX_CAP]}")
    if not lookups:
        return None
    return SearchText(tuple(lookups), tokens, prison_number, reference)
