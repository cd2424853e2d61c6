"""Costs moto's Step Functions interpreter pays again and again, paid once for the local stack.

1. Definitions: every execution parses its state machine's ASL with ANTLR into a tree of evaluation
   components (about 9 ms for the release workflow). The tree keeps no execution state (that lives in
   each execution's `Environment`; moto's own Map already runs one tree for many items at once), so
   one parse per definition text serves every execution.
2. Clients: every Task state asks `boto_client_for` for a new boto3 client (5 to 20 ms each). The
   client it builds depends only on the region, the service and where moto is answering, never on
   the state's credentials, so one client per (region, service) serves every task.
3. JSONPaths: every `.$` parameter, InputPath, OutputPath and ResultPath parses its JSONPath with
   jsonpath-ng (0.3 to 0.5 ms) each time it is evaluated. A parsed path holds no data (evaluating
   it reads or updates the data it is given), so one parse per path text serves every evaluation.

tests/integration/test_moto_speedups.py checks them against moto's own behaviour; the internals
are canaried in tests/integration/test_moto_canaries.py.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from botocore.client import BaseClient
from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client, json_path

_original_parse = AmazonStateLanguageParser.parse
_original_client_for = boto_client.boto_client_for
_parsed: dict[str, tuple[Any, Any]] = {}
_clients: dict[tuple[str, str, bool, str], BaseClient] = {}
_lock = threading.Lock()
_patched_modules: list[Any] = []
# moto evaluates JSONPaths with jsonpath-ng's extended parser, and ResultPath with its plain one.
_JSONPATH_USERS = (json_path, result_path)
_original_jsonpath_parsers: dict[Any, Callable[[str], Any]] = {m: m.parse for m in _JSONPATH_USERS}


def parse(definition: str) -> tuple[Any, Any]:
    """moto's parse, once per definition text (a definition that fails to parse is not kept)."""
    parsed = _parsed.get(definition)
    if parsed is None:
        parsed = _parsed.setdefault(definition, _original_parse(definition))
    return parsed


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> BaseClient:
    """moto's client for the interpreter, once per (region, service, where moto answers)."""
    key = (region, service, botocore_stubber.enabled, str(moto_server_port()))
    with _lock:  # boto3's default session is not safe to build clients from two threads at once
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _original_client_for(region, service, state_credentials)
    return client


def _modules_importing_client_for() -> list[Any]:
    """Task states import `boto_client_for` by name: each importing module needs the patch (the
    parser's module has imported every state's module by now)."""
    return [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("moto.stepfunctions.parser.")
        and getattr(module, "boto_client_for", None) is _original_client_for
    ]


def install() -> None:
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
    _patched_modules[:] = _modules_importing_client_for()
    for module in _patched_modules:
        module.boto_client_for = boto_client_for
    for module, original in _original_jsonpath_parsers.items():
        module.parse = cache(original)


def uninstall() -> None:
    AmazonStateLanguageParser.parse = staticmethod(_original_parse)  # type: ignore[method-assign]
    for module in _patched_modules:
        module.boto_client_for = _original_client_for
    _patched_modules.clear()
    for module, original in _original_jsonpath_parsers.items():
        module.parse = original
    _parsed.clear()
    _clients.clear()
