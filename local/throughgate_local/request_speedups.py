"""Costs every request to the in-process moto pays, removed for the local stack.

1. Signing: botocore signs each request with SigV4 (a canonical request, a payload hash, four
   HMACs: about 0.5 ms) for moto, which reads the signature only for its access key, to pick the
   account. An unsigned request gets moto's default account, which is the local stack's
   (`stack.ACCOUNT`), and the region from the endpoint, as a signed one does.
2. Action lookup: moto finds the method that serves a request by listing every function of the
   service's response class with `inspect.getmembers` and looking for the action's name in the list
   (about 0.5 ms for DynamoDB's class). Asking the class for that one name answers the same.
3. DynamoDB items: botocore parses every attribute value of every item it receives through its
   generic shape walk (a 20-item query: a third of the call). An attribute value is a map with one
   of ten known tags, so it is converted here directly, to exactly what the walk gives: binary
   values decoded, everything else as it came, members in the model's order.

tests/integration/test_moto_speedups.py checks them against moto's own behaviour; the internals
are canaried in tests/integration/test_moto_canaries.py.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

import botocore
import botocore.parsers
import moto.core.responses as moto_responses
from botocore.handlers import BUILTIN_HANDLERS, REGISTER_FIRST
from botocore.model import Shape

_original_method_names = moto_responses.method_names_from_class
_original_json_parser = botocore.parsers.PROTOCOL_PARSERS["json"]
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


# DynamoDB's AttributeValue: each tag and the type of its value, in the model's order.
_ATTRIBUTE_VALUE = {
    "S": "string",
    "N": "string",
    "B": "blob",
    "SS": "list",
    "NS": "list",
    "BS": "list",
    "M": "map",
    "L": "list",
    "NULL": "boolean",
    "BOOL": "boolean",
}


@cache
def _is_attribute_value(shape: Shape) -> bool:
    """DynamoDB's AttributeValue exactly as this parser knows it: a plain structure, its maps and
    lists holding AttributeValues again."""
    members = getattr(shape, "members", {})
    return (
        shape.name == "AttributeValue"
        and shape.type_name == "structure"
        and not shape.is_tagged_union
        and not shape.is_document_type
        and {name: member.type_name for name, member in members.items()} == _ATTRIBUTE_VALUE
        and list(members) == list(_ATTRIBUTE_VALUE)
        and members["M"].value.name == members["L"].member.name == "AttributeValue"
        and members["M"].key.type_name == "string"
        and {members[tag].member.type_name for tag in ("SS", "NS")} == {"string"}
        and members["BS"].member.type_name == "blob"
    )


class ItemsParser(botocore.parsers.JSONParser):
    """botocore's JSON parser, with DynamoDB's attribute values converted directly."""

    def _handle_structure(self, shape: Shape, value: Any) -> Any:
        if _is_attribute_value(shape):
            return self._attribute_value(value)
        return super()._handle_structure(shape, value)

    def _attribute_value(self, value: Any) -> Any:
        if value is None:
            return None
        parsed: dict[str, Any] = {}
        for tag in _ATTRIBUTE_VALUE:  # the generic walk's order: the model's
            raw = value.get(tag)
            if raw is None:
                continue
            if tag == "B":
                parsed[tag] = self._blob_parser(raw)
            elif tag == "BS":
                parsed[tag] = [None if v is None else self._blob_parser(v) for v in raw]
            elif tag in ("SS", "NS"):
                parsed[tag] = list(raw)
            elif tag == "M":
                parsed[tag] = {k: self._attribute_value(v) for k, v in raw.items()}
            elif tag == "L":
                parsed[tag] = [None if v is None else self._attribute_value(v) for v in raw]
            else:
                parsed[tag] = raw
        return parsed


def install() -> None:
    global _installed  # noqa: PLW0603 - one switch for the handler every session holds
    _installed = True
    moto_responses.method_names_from_class = FunctionNames  # type: ignore[assignment]
    botocore.parsers.PROTOCOL_PARSERS["json"] = ItemsParser


def uninstall() -> None:
    global _installed  # noqa: PLW0603
    _installed = False
    moto_responses.method_names_from_class = _original_method_names
    botocore.parsers.PROTOCOL_PARSERS["json"] = _original_json_parser
