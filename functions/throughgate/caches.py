"""What a Lambda container keeps for its life that depends on where it runs, and one reset for all of it.

Settings read from the environment, boto3 clients, the store's connection and the handlers'
dependencies are built on first use and kept (`functools.cache`), as a container keeps them across
invocations. Each such cache is registered here with `@resettable` (placed above `@cache`);
`reset_caches()` empties every registered one, as a new container would start. Nothing on AWS calls
it: the local stack does, whenever it starts and stops a moto (a new environment, new endpoints).

Caches of data shipped with the package (the catalogue, the templates, the form definitions) hold
nothing that depends on the environment and are not registered: tests/unit/test_caches.py keeps the
two lists apart.
"""

from __future__ import annotations

from typing import Protocol, TypeVar


class Cached(Protocol):
    def cache_clear(self) -> None: ...


C = TypeVar("C", bound=Cached)

_registered: list[Cached] = []


def resettable(cached: C) -> C:
    """Register a cached function (`@resettable` above `@cache`) for `reset_caches()`."""
    _registered.append(cached)
    return cached


def registered() -> tuple[Cached, ...]:
    return tuple(_registered)


def reset_caches() -> None:
    """Empty every registered cache: the next call builds afresh from the current environment."""
    for cached in _registered:
        cached.cache_clear()
