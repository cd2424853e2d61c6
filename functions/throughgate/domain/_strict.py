"""Strict checks at the domain's edges: the catalogue JSON files and incoming datetimes.

A bad catalogue must fail at load with the file and entry named, not later as a wrong due date.
Keys starting with "_" are comments and are ignored.
"""

import json
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from importlib.resources import files
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def read_catalogue(filename: str) -> object:
    return json.loads(files("throughgate.catalogue").joinpath(filename).read_text(encoding="utf-8"))


def entry_list(raw: object, where: str) -> list[object]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a JSON array")
    return raw


class Entry:
    """One JSON object with exactly the expected keys; every error names where it is."""

    def __init__(self, raw: object, where: str, keys: Iterable[str]) -> None:
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a JSON object")
        expected = set(keys)
        present = {key for key in raw if not key.startswith("_")}
        if missing := sorted(expected - present):
            raise ValueError(f"{where}: missing key(s) {', '.join(missing)}")
        if unknown := sorted(present - expected):
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")
        self._raw = raw
        self.where = where

    def integer(self, key: str, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self._raw[key]
        # bool is an int subclass; `true` where a number belongs is a mistake.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{self.where}: {key} must be an integer")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ValueError(f"{self.where}: {key} must be between {minimum} and {maximum}")
        return value

    def number(self, key: str, minimum: float, maximum: float) -> float:
        value = self._raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.where}: {key} must be a number")
        if not minimum <= value <= maximum:
            raise ValueError(f"{self.where}: {key} must be between {minimum} and {maximum}")
        return float(value)

    def array(self, key: str) -> list[object]:
        return entry_list(self._raw[key], f"{self.where}: {key}")

    def mapping(self, key: str) -> dict[str, object]:
        value = self._raw[key]
        if not isinstance(value, dict):
            raise ValueError(f"{self.where}: {key} must be a JSON object")
        return value

    def flag(self, key: str) -> bool:
        value = self._raw[key]
        if not isinstance(value, bool):
            raise ValueError(f"{self.where}: {key} must be true or false")
        return value

    def text(self, key: str) -> str:
        value = self._raw[key]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{self.where}: {key} must be a non-empty string")
        return value

    def choice(self, key: str, enum: type[E]) -> E:
        value = self.text(key)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"{self.where}: unknown {key} {value!r} (allowed: {allowed})") from None


def require_aware(moment: datetime, name: str) -> None:
    """Naive datetimes compare silently wrong against UTC ones; refuse them at the boundary."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
