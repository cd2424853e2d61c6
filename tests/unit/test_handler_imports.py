"""What a Lambda handler module loads at import (its cold start), each in a fresh interpreter.

bench/cold_start.py measures the times; these tests pin the decisions behind them, so that one
innocent import at the top of a module cannot quietly bring a cost back: the web pages load the case
logic, the input models and Jinja2 on first use; each route of the case API loads the logic and
the input model it uses; the sign-in pages load PyJWT and Jinja2 on first use; the prison-events
feed imports powertools' batch utility before pydantic (otherwise it also builds powertools' own
pydantic parser models); and every input model builds its validator on first use.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(code: str) -> list[str]:
    """The lines `code` prints, run by a new interpreter (nothing imported by other tests)."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.split()


@pytest.mark.parametrize(
    ("handler", "deferred"),
    [
        (
            "throughgate.handlers.web",
            [
                "jinja2",
                "throughgate.logic.actions",
                "throughgate.logic.views",
                "throughgate.schemas",
                "pydantic.main",
            ],
        ),
        (
            "throughgate.handlers.api",
            [
                "throughgate.logic.actions",
                "throughgate.logic.circumstances",
                "throughgate.logic.records",
                "throughgate.logic.views",
                "throughgate.schemas",
                "pydantic.main",
            ],
        ),
        ("throughgate.handlers.sign_in", ["jinja2", "jwt"]),
        ("throughgate.handlers.authorizer", ["jinja2", "jwt"]),
        ("throughgate.handlers.prison_events", ["aws_lambda_powertools.utilities.parser"]),
    ],
)
def test_a_handler_leaves_what_its_first_request_may_not_need_unloaded(
    handler: str, deferred: list[str]
) -> None:
    loaded = set(_run(f"import sys, {handler}; print(*sys.modules)"))
    assert handler in loaded
    assert sorted(loaded & set(deferred)) == []


@pytest.mark.parametrize(
    ("first_use", "loads"),
    [
        (
            "import throughgate.handlers.web as web\n"
            "web.render('error.html', status=404, title='Not found', message='Check the address')\n"
            "from throughgate.domain.case_steps import CASE_STEPS\n"
            "for step in CASE_STEPS:\n    step.input_model(), step.run()",
            ["jinja2", "throughgate.logic.actions", "throughgate.schemas", "pydantic.main"],
        ),
        (
            # A case step's first use imports its action and its input model.
            "import throughgate.handlers.api as api\n"
            "for path in ('consent', 'circumstances', 'erasure'):\n"
            "    step = api.BY_API_PATH[path]\n"
            "    step.input_model(), step.run()",
            [
                "throughgate.logic.actions",
                "throughgate.logic.circumstances",
                "throughgate.logic.records",
                "throughgate.schemas",
                "pydantic.main",
            ],
        ),
        (
            "import throughgate.handlers.sign_in as sign_in\n"
            "try:\n    sign_in.session.verify('not-a-token')\nexcept Exception:\n    pass",
            ["jwt"],
        ),
        (
            "import pydantic, aws_lambda_powertools.utilities.batch",
            ["aws_lambda_powertools.utilities.parser"],
        ),
    ],
)
def test_the_modules_named_above_are_what_first_use_loads(first_use: str, loads: list[str]) -> None:
    """The other side of the test above, so that a misspelt name there cannot pass unnoticed."""
    loaded = set(_run(f"import sys\n{first_use}\nprint(*sys.modules)"))
    assert sorted(set(loads) - loaded) == []


def test_input_models_build_their_validators_on_first_use() -> None:
    lines = _run(
        "import pydantic, throughgate.schemas as schemas\n"
        "models = [m for m in vars(schemas).values()\n"
        "          if isinstance(m, type) and issubclass(m, pydantic.BaseModel) and m.__module__ == schemas.__name__]\n"
        "print(len(models), sum(m.__pydantic_complete__ for m in models))\n"
        "schemas.CaseRef.model_validate({'case_id': 'case-0001'})\n"
        "print(schemas.CaseRef.__pydantic_complete__)"
    )
    models, built_at_import, built_after_use = lines
    assert int(models) >= 30
    assert built_at_import == "0"
    assert built_after_use == "True"


def test_an_unsigned_case_form_is_refused_before_its_logic_is_imported() -> None:
    deferred = ["throughgate.logic.actions", "throughgate.schemas", "pydantic.main"]
    loaded = set(
        _run(
            "import sys, throughgate.handlers.api as api\n"
            "for form in ('consent', 'circumstances', 'erasure'):\n"
            "    path = f'/cases/case-0001/{form}'\n"
            "    event = {'httpMethod': 'POST', 'path': path, 'headers': {}, 'requestContext': {}}\n"
            "    assert api.app.resolve(event, None)['statusCode'] == 401\n"
            "print(*sys.modules)"
        )
    )
    assert sorted(loaded & set(deferred)) == []
