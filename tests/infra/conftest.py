"""One synth per test run: the CDK app as `make synth` builds it, with bundling skipped.

Shared by every pytest-xdist worker (`make test` runs two, one file each): the first to arrive
synthesizes into the run's common temporary directory under a lock; the others read its output.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from throughgate_infra.nag_acknowledgements import Acknowledged

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

ACKNOWLEDGEMENTS = "nag-acknowledgements.json"


@dataclass(frozen=True)
class Synth:
    template: dict[str, Any]
    outdir: Path
    nag_acknowledgements: list[Acknowledged]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == kind}

    @property
    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text())


def _synthesize(outdir: Path) -> list[Acknowledged]:
    from throughgate_infra import application

    # No account: an environment-agnostic template, as in CI. Bundling (pip) is skipped.
    saved = os.environ.pop("CDK_DEFAULT_ACCOUNT", None)
    try:
        app, stack = application.build(outdir=str(outdir), context={"aws:cdk:bundling-stacks": []})
        app.synth()
    finally:
        if saved is not None:
            os.environ["CDK_DEFAULT_ACCOUNT"] = saved
    return stack.nag_acknowledgements


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    # Imported here: aws_cdk starts a Node process, which only infra tests should pay for.
    from throughgate_infra import STACK_ID
    from throughgate_infra.nag_acknowledgements import Acknowledged

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    outdir = shared / "cdk.out"
    with (shared / "cdk.out.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / ACKNOWLEDGEMENTS).exists():
            made = _synthesize(outdir)
            (outdir / ACKNOWLEDGEMENTS).write_text(json.dumps([a._asdict() for a in made]))
    template = json.loads((outdir / f"{STACK_ID}.template.json").read_text())
    made = [Acknowledged(**a) for a in json.loads((outdir / ACKNOWLEDGEMENTS).read_text())]
    return Synth(template=template, outdir=outdir, nag_acknowledgements=made)
