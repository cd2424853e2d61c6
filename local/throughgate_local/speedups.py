"""The local stack's optional speed-ups, behind one switch.

Two kinds of patch make up the local stack. The essential ones make it work at all: the Lambda
bridge (`lambda_bridge.py`, moto runs the real handlers) and the virtual clock (`virtual_time.py`);
`LocalStack` always installs them. The speed-ups only make it faster and leave every answer as moto
gives it (tests/integration/test_moto_speedups.py compares them call for call; the e2e happy path
runs with them on and off in tests/e2e/test_speedups_switch.py):

- `moto_speedups`: moto's DynamoDB (queries, transactions, items, responses);
- `stepfunctions_speedups`: moto's Step Functions interpreter (definitions, clients, JSONPaths);
- `request_speedups`: every request to the in-process moto (signing, routing, parsing).

They are on by default; `LocalStack(..., speedups=False)` or `THROUGHGATE_SPEEDUPS=0` in the
environment turns them off. Nothing is patched when this module is imported: only between
`install_speedups()` and `uninstall_speedups()` (or inside `with speedups_installed():`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from throughgate_local import moto_speedups, request_speedups, stepfunctions_speedups

ENVIRONMENT_VARIABLE = "THROUGHGATE_SPEEDUPS"
_MODULES = (moto_speedups, stepfunctions_speedups, request_speedups)


def speedups_wanted() -> bool:
    """On unless the environment says `THROUGHGATE_SPEEDUPS=0`."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "1").strip() != "0"


def install_speedups() -> None:
    for module in _MODULES:
        module.install()


def uninstall_speedups() -> None:
    for module in reversed(_MODULES):
        module.uninstall()


@contextmanager
def speedups_installed() -> Iterator[None]:
    install_speedups()
    try:
        yield
    finally:
        uninstall_speedups()
