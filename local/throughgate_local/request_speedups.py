"""Two costs every request to the in-process moto pays, whatever the service, removed for the local stack.

1. Signing: botocore signs each request with SigV4 (a canonical request, a payload hash, four
   HMACs: about 0.5 ms) for moto, which reads the signature only for its access key, to pick the
   account. An unsigned request gets moto's default account, which is the local stack's
   (`stack.ACCOUNT`), and the region from the endpoint, as a signed one does.
2. Action lookup: moto finds the method that serves a request by listing every function of the
   service's response class with `inspect.getmembers` and looking for the action's name in the list
   (about 0.5 ms for DynamoDB's class). Asking the class for that one name answers the same.

tests/integration/test_moto_speedups.py checks both against moto's own behaviour; the internals
are canaried in tests/integration/test_moto_canaries.py.
"""

from __future__ import annotations

import inspect
from typing import Any

import botocore
import moto.core.responses as moto_responses
from botocore.handlers import BUILTIN_HANDLERS, REGISTER_FIRST

_original_method_names = moto_responses.method_names_from_class
_installed = False


def _unsigned(**_: Any) -> Any:
    """botocore's `choose-signer` event: UNSIGNED while installed, else no opinion (None)."""
    return botocore.UNSIGNED if _installed else None


# Like moto's own request interceptor, a handler every botocore session registers when it is
# created; it does nothing until `install()`.
BUILTIN_HANDLERS.append(("choose-signer", _unsigned, REGISTER_FIRST))


class FunctionNames:
    """What `moto.core.utils.method_names_from_class` answers `name in ...` with, one name at a time."""

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and inspect.isfunction(getattr(self._cls, name, None))


def install() -> None:
    global _installed  # noqa: PLW0603 - one switch for the handler every session holds
    _installed = True
    moto_responses.method_names_from_class = FunctionNames  # type: ignore[assignment]


def uninstall() -> None:
    global _installed  # noqa: PLW0603
    _installed = False
    moto_responses.method_names_from_class = _original_method_names
