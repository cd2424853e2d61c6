"""Every error name the workflows' Retry and Catch match on is one the Lambda code can raise.

Lambda reports an uncaught exception with its class name as the `errorType` (the local bridge does
the same: `type(error).__name__`), and Step Functions matches `ErrorEquals` on that name. A name in
the ASL that no class of ours carries, or that nothing raises, is a Retry or Catch that never fires:
a typo, or a class renamed in the code and not in the workflow. Step Functions' own names
(`States.*`) and Lambda's (`Lambda.*`, `Sandbox.*`) are left out.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

import pytest

import throughgate
from throughgate_local.stack import WORKFLOWS_DIR

PACKAGE = Path(throughgate.__file__).parent
PLATFORM_PREFIXES = ("States.", "Lambda.", "Sandbox.")


def error_names(node: Any) -> set[str]:
    """Every name in an `ErrorEquals` list anywhere in a definition (nested Map and Parallel too)."""
    if isinstance(node, dict):
        found = set(node.get("ErrorEquals", []))
        for value in node.values():
            found |= error_names(value)
        return found
    if isinstance(node, list):
        return set().union(*(error_names(item) for item in node)) if node else set()
    return set()


def asl_error_names() -> list[tuple[str, str]]:
    return sorted(
        (path.name, name)
        for path in WORKFLOWS_DIR.glob("*.asl.json")
        for name in error_names(json.loads(path.read_text()))
        if not name.startswith(PLATFORM_PREFIXES)
    )


def package_sources() -> dict[str, ast.Module]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = ast.parse(path.read_text())
    return modules


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def classes_and_raises() -> tuple[dict[str, str], dict[str, set[str]], set[str]]:
    """Where each class of the package is defined, each class's direct base names, and the names
    the package's `raise` statements raise."""
    defined: dict[str, str] = {}
    bases: dict[str, set[str]] = {}
    raised: set[str] = set()
    for module, tree in package_sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                defined.setdefault(node.name, module)
                bases.setdefault(node.name, set()).update(_name(base) for base in node.bases)
            elif isinstance(node, ast.Raise) and node.exc is not None:
                raised.add(_name(node.exc))
    return defined, bases, raised


def with_subclasses(name: str, bases: dict[str, set[str]]) -> set[str]:
    found, grew = {name}, True
    while grew:
        more = {cls for cls, parents in bases.items() if parents & found} - found
        found |= more
        grew = bool(more)
    return found


def test_the_workflows_match_on_our_own_errors() -> None:
    names = {name for _, name in asl_error_names()}
    assert {"StaleExecution", "NotFound", "Conflict"} <= names, "the release workflow's domain errors"


@pytest.mark.parametrize(("workflow", "error_type"), asl_error_names())
def test_each_error_name_in_retry_and_catch_is_an_error_the_lambda_code_raises(
    workflow: str, error_type: str
) -> None:
    defined, bases, raised = classes_and_raises()
    assert error_type in defined, f"{workflow} matches on {error_type}, which no class of throughgate is"
    cls = getattr(importlib.import_module(defined[error_type]), error_type)
    assert isinstance(cls, type) and issubclass(cls, Exception), f"{error_type} is not an exception"
    assert cls.__name__ == error_type, "Lambda reports the class's own name as errorType"
    raisers = with_subclasses(error_type, bases) & raised
    assert raisers, f"{workflow} matches on {error_type}, which nothing in throughgate raises"
