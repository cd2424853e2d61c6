"""One synth per test session: the CDK app as `make synth` builds it, with bundling skipped."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass(frozen=True)
class Synth:
    stack: Any  # throughgate_infra.stack.ThroughgateStack
    template: dict[str, Any]
    outdir: Path

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    @property
    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text())


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from throughgate_infra import application

    outdir = tmp_path_factory.mktemp("cdk.out")
    # No account: an environment-agnostic template, as in CI. Bundling (pip) is skipped.
    saved = os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    try:
        app, stack = application.build(outdir=str(outdir), context={"aws:cdk:bundling-stacks": []})
        assembly = app.synth()
    finally:
        if saved is not None:
            os.environ["CDK_DEFAULT_ACCOUNT"] = saved
    template = assembly.get_stack_by_name(stack.stack_name).template
    return Synth(stack=stack, template=template, outdir=outdir)
