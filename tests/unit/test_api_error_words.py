"""Every message the API gives about a field is the programme's own: hostile bodies sent to every
input model's validation come back in our words, never pydantic's."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from tests.error_words import LIBRARY_OPENINGS

from throughgate import schemas
from throughgate.handlers.identity import _WORDS, OUR_ERROR_TYPES, field_errors

OURS = {template.split("{")[0] for template in _WORDS.values()} | {
    "is not valid",
    "has a field that is not allowed",
    "has a key that is not allowed",
}
MODELS = [
    m
    for m in vars(schemas).values()
    if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == schemas.__name__
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5_000) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _ours(message: str) -> bool:
    return any(message.startswith(prefix) for prefix in OURS) or not message.startswith(LIBRARY_OPENINGS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(st.text(max_size=12), JSON, max_size=5) | JSON)
def test_every_problem_with_a_body_is_named_in_our_words(model: type[BaseModel], body: object) -> None:
    try:
        model.model_validate_json(json.dumps(body))
    except ValidationError as error:
        for field, message in field_errors(error):
            assert _ours(message), f"{model.__name__}.{field}: {message}"


def test_known_messages_read_as_sentences() -> None:
    with pytest.raises(ValidationError) as caught:
        schemas.ContactIn.model_validate_json(
            json.dumps({"on": "x", "method": "bus", "made": 2, "minutes": 0})
        )
    assert dict(field_errors(caught.value)) == {
        "on": "must be a date, like 2027-06-04",
        "method": "must be one of: in_person, phone, video, text, letter or prison_visit",
        "made": "must be true or false",
        "minutes": "must be 1 or more",
    }
    assert "change_type" in OUR_ERROR_TYPES
