"""Costs every request to the in-process moto pays, removed for the local stack.

1. Signing: botocore signs each request with SigV4 (a canonical request, a payload hash, four
   HMACs: about 0.5 ms) for moto, which reads the signature only for its access key, to pick the
   account. An unsigned request gets moto's default account, which is the local stack's
   (`stack.ACCOUNT`), and the region from the endpoint, as a signed one does. While installed,
   every client's signer chooses "unsigned" (what a first `choose-signer` handler answering UNSIGNED
   makes it choose), whichever session made the client and whenever.
2. Action lookup: moto finds the method that serves a request by listing every function of the
   service's response class with `inspect.getmembers` and looking for the action's name in the list
   (about 0.5 ms for DynamoDB's class). Asking the class for that one name answers the same.
3. DynamoDB items: botocore parses every attribute value of every item it receives through its
   generic shape walk (a 20-item query: a third of the call). An attribute value is a map with one
   of ten known tags, so it is converted here directly, to exactly what the walk gives: binary
   values decoded, everything else as it came, members in the model's order.
4. DynamoDB requests: moto serves any request by building a WSGI request from it (werkzeug environ,
   form and query parsing), matching its URL against every service's URL table and walking the
   JSON body through the operation's shapes (a transaction's items: thousands of calls). A DynamoDB
   request is a JSON body and a target header, nothing else, so it is handed to moto's DynamoDB
   response class directly, its parameters read with `json.loads`: what the shape walk gives for a
   body without binary values (one with them takes moto's own way). Answers, errors and botocore's
   retries are unchanged: moto's interceptor (botocore's `before-send`) answers, only sooner.
5. Request ids: moto draws each response's 52-character request id (and every other random
   string) one character at a time, 52 calls into `random`; one `choices` call draws the same kind
   of string from the same pool and generator (seeded, it repeats as moto's does).

tests/integration/test_moto_speedups.py checks them against moto's own behaviour; the internals
are canaried in tests/integration/test_moto_canaries.py.
"""

from __future__ import annotations

import inspect
import json
import string
from functools import cache
from typing import Any
from urllib.parse import urlparse

import botocore
import botocore.parsers
import moto.core.responses as moto_responses
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.model import Shape
from botocore.signers import RequestSigner
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal.moto_random import MotoRandom
from moto.utilities.utils import get_partition
from requests.structures import CaseInsensitiveDict
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import http_date

from throughgate import clock

_original_method_names = moto_responses.method_names_from_class
_original_json_parser = botocore.parsers.PROTOCOL_PARSERS["json"]
_original_intercept = BotocoreStubber.__call__
_original_random_string = MotoRandom.get_random_string
_original_choose_signer = RequestSigner._choose_signer


def _unsigned(signer: RequestSigner, operation_name: str, signing_type: str, context: Any) -> Any:
    """botocore's `RequestSigner._choose_signer`: no signature, for every operation."""
    return botocore.UNSIGNED


_DYNAMODB_TARGET = b"DynamoDB_20120810."
_BINARY_TAGS = ('"B":', '"BS":')


class _DirectDynamoHandler(DynamoHandler):
    """moto's DynamoDB response class, set up from botocore's prepared request as moto's
    `setup_class` sets it up from its WSGI request, for what a DynamoDB JSON request carries."""

    def __init__(self, request: AWSPreparedRequest, body: str) -> None:
        super().__init__()
        parsed_url = urlparse(request.url)
        self.is_werkzeug_request = False
        self.normalized_request = None  # type: ignore[assignment]
        self.parsed_url = parsed_url
        self.body = self.raw_body = body
        self.form_data = ImmutableMultiDict()
        self.uri, self.path, self.raw_path = request.url, parsed_url.path, parsed_url.path
        self.querystring = self.data = {}
        self.method = request.method
        self.headers = CaseInsensitiveDict(
            {k: v.decode("utf-8") if isinstance(v, bytes) else v for k, v in request.headers.items()}
        )
        self.region = self.get_region_from_url(self, request.url)  # reads only `.headers`
        self.partition = get_partition(self.region)
        self.uri_match = {}
        self.response_headers = {"server": "amazon.com", "date": http_date(clock.now())}
        self.params = json.loads(body) if body else {}
        self.access_key = self.get_access_key()
        self.current_account = self.get_current_account()


def _answer_dynamodb(request: AWSPreparedRequest) -> AWSResponse | None:
    """A DynamoDB JSON request without binary values, answered by moto's DynamoDB class directly;
    anything else: None (moto's own way)."""
    if not request.headers.get("X-Amz-Target", b"").startswith(_DYNAMODB_TARGET):
        return None
    body = request.body.decode("utf-8") if isinstance(request.body, bytes) else (request.body or "")
    if not isinstance(body, str) or any(tag in body for tag in _BINARY_TAGS):
        return None
    status, headers, answer = _DirectDynamoHandler(request, body).call_action()
    return AWSResponse(request.url, int(status), headers, MockRawResponse(answer))


def _intercept(stubber: BotocoreStubber, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> Any:
    """moto's interceptor (`BotocoreStubber.__call__`), DynamoDB first."""
    if stubber.enabled and (answer := _answer_dynamodb(request)) is not None:
        return answer
    return _original_intercept(stubber, event_name, request, **kwargs)


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


_SCALAR_TAGS = frozenset({"S", "N", "NULL", "BOOL"})


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
        if len(value) == 1:  # a well-formed value: one tag
            ((tag, raw),) = value.items()
            if tag in _SCALAR_TAGS and raw is not None:
                return {tag: raw}
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


def _random_string(
    generator: MotoRandom, length: int = 20, include_digits: bool = True, lower_case: bool = False
) -> str:
    """moto's `MotoRandom.get_random_string`, in one draw."""
    pool = string.ascii_letters + (string.digits if include_digits else "")
    drawn = "".join(generator.choices(pool, k=length))
    return drawn.lower() if lower_case else drawn


def install() -> None:
    RequestSigner._choose_signer = _unsigned
    moto_responses.method_names_from_class = FunctionNames  # type: ignore[assignment]
    botocore.parsers.PROTOCOL_PARSERS["json"] = ItemsParser
    BotocoreStubber.__call__ = _intercept  # type: ignore[method-assign,assignment]
    MotoRandom.get_random_string = _random_string  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    RequestSigner._choose_signer = _original_choose_signer
    moto_responses.method_names_from_class = _original_method_names
    botocore.parsers.PROTOCOL_PARSERS["json"] = _original_json_parser
    BotocoreStubber.__call__ = _original_intercept  # type: ignore[method-assign]
    MotoRandom.get_random_string = _original_random_string  # type: ignore[method-assign]
