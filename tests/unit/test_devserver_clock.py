"""The dev server's clock buttons return to the page they were pressed on, and only to one of ours."""

import pytest

from throughgate_local.devserver import _back_to


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/cases/0d9c1f7e-1d1b-4a47-9a39-111111111111", "/cases/0d9c1f7e-1d1b-4a47-9a39-111111111111"),
        ("/", "/"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
def test_back_to_a_page_of_ours_only(back: str, expected: str) -> None:
    assert _back_to(back) == expected
