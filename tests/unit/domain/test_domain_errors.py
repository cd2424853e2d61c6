import pytest

from throughgate.domain.errors import (
    CapacityExceeded,
    Conflict,
    DomainError,
    DuplicateReferral,
    IllegalTransition,
    InvalidInput,
    NotFound,
    NotWaiting,
)
from throughgate.domain.lifecycle import Stage

SIMPLE: list[tuple[type[DomainError], str]] = [
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (NotWaiting, "not_waiting"),
    (CapacityExceeded, "capacity_exceeded"),
    (DuplicateReferral, "duplicate_referral"),
]


@pytest.mark.parametrize(("cls", "code"), SIMPLE)
def test_simple_errors_carry_their_code_and_message(cls: type[DomainError], code: str) -> None:
    error = cls("case c-1 missing")
    assert isinstance(error, DomainError)
    assert error.code == code
    assert error.message == "case c-1 missing"
    assert str(error) == "case c-1 missing"


def test_codes_are_unique() -> None:
    classes = [cls for cls, _ in SIMPLE] + [IllegalTransition, InvalidInput]
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert DomainError.code not in codes


def test_illegal_transition_keeps_both_stages_and_names_them() -> None:
    error = IllegalTransition(Stage.REFERRED, Stage.CLOSED)
    assert error.code == "illegal_transition"
    assert error.current is Stage.REFERRED
    assert error.target is Stage.CLOSED
    assert "referred" in error.message
    assert "closed" in error.message


def test_invalid_input_field_is_optional() -> None:
    assert InvalidInput("bad").field is None
    error = InvalidInput("too long", field="override_reason")
    assert error.code == "invalid_input"
    assert error.field == "override_reason"
