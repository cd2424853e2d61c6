"""Throughgate's AWS infrastructure as a CDK v2 app: one construct per capability.

The Lambda code's own data (`throughgate.manifest`, `throughgate.store.schema`, `throughgate.config`)
decides which functions exist, what the table looks like and what each function's environment holds,
so the deployed stack and the embedded local stack cannot disagree.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: `functions/`, `workflows/`, `pyproject.toml` and `cdk.json` live there."""

DEFAULT_REGION = "eu-west-2"
STACK_ID = "Throughgate"
