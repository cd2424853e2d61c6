"""The CDK app: `cdk synth` / `cdk deploy` run this (cdk.json), and so does `make synth` directly."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughgate_infra import ROOT, application

app, _stack = application.build(outdir=os.environ.get("CDK_OUTDIR", str(ROOT / "cdk.out")))
app.synth()
