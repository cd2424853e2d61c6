"""Builds the CDK app: context from cdk.json, the stack, cdk-nag's checks and their acknowledgements.

Used by `infra/app.py` (the CDK CLI and `make synth`) and by the tests, so both synthesize the same
thing.
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from throughgate_infra import DEFAULT_REGION, ROOT, STACK_ID, nag_acknowledgements
from throughgate_infra.stack import ThroughgateStack


def cdk_context() -> dict[str, Any]:
    return dict(json.loads((ROOT / "cdk.json").read_text()).get("context", {}))


def build(outdir: str | None = None, context: dict[str, Any] | None = None) -> tuple[App, ThroughgateStack]:
    app = App(outdir=outdir, context=cdk_context() | (context or {}))
    region = app.node.try_get_context("region") or DEFAULT_REGION
    stack = ThroughgateStack(
        app,
        STACK_ID,
        description="Throughgate: through-the-gate mentoring case workflow",
        env=Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region),
    )
    add_checks(app)
    stack.nag_acknowledgements = nag_acknowledgements.acknowledge(stack)
    return app, stack


def add_checks(app: App) -> None:
    """cdk-nag 3.x as CDK validation plugins: any finding not acknowledged fails `app.synth()`."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
