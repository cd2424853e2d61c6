"""State transitions, local throughput and the AWS cost of a case lifecycle, from simulated cohorts.

Two runs, each in its own interpreter:
1. Timing: exactly `throughgate simulate --cases N --seed 1 --json`, nothing attached: wall time,
   cases per second and the cohort's mean state transitions per case.
2. Metering: the same simulation (`throughgate_local.simulation.regions.simulate`) with `AwsMeter` attached,
   for what the timing run's summary does not say: Lambda invocations and their durations per
   function, DynamoDB read and write units, notifications published, schedules fired. The meter
   slows the run, so it is never the one timed.

Cost per case = the metered cohort's usage per case (transitions from the timing run) x the prices
in bench/prices.py. Lambda GB-seconds use each function's configured memory (the CDK app's
`SIZING`) and its local duration rounded up to the millisecond, as Lambda bills: local handlers
call moto in-process where AWS would take a network round trip, so treat them as indicative.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.aws_meter import OUTSIDE, AwsMeter
from bench.prices import PRICES

ROOT = Path(__file__).resolve().parents[1]
GOAL_USD_PER_CASE = 0.01
ACTIVE_CASES = 200
ACTIVE_MONTHS_PER_CASE = 12  # as in README.md, "Deploy to AWS": a case is worked for about a year
DAYS_PER_MONTH = 30.44
SWEEP = "DailySweep"


def _env() -> dict[str, str]:
    env = {**os.environ, "TZ": "UTC", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def timed_simulation(cases: int, seed: int = 1) -> dict[str, Any]:
    """The CLI run as a user would type it; its last line is the summary."""
    command = [str(Path(sys.executable).with_name("throughgate")), "simulate", "--cases", str(cases)]
    command += ["--seed", str(seed), "--json"]
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        command, env=_env(), cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"simulate failed ({result.returncode}): {result.stderr[-2000:]}")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "command": " ".join(["throughgate", *command[1:]]),
        "seconds": round(seconds, 1),
        "summary": summary,
    }


def in_own_interpreter(module: str, cases: int, seed: int) -> dict[str, Any]:
    """`python -m module CASES SEED`, whose last line is one JSON object."""
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", module, str(cases), str(seed)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def metered_simulation(cases: int, seed: int = 1) -> dict[str, Any]:
    return in_own_interpreter("bench.cohort", cases, seed)


def profiled_simulation(cases: int, seed: int = 1) -> dict[str, Any]:
    """Where a small cohort's time goes (`bench.sim_profile`)."""
    return in_own_interpreter("bench.sim_profile", cases, seed)


def _metered_run(cases: int, seed: int) -> dict[str, Any]:
    """In this interpreter: simulate with the meter on; usage totals per function."""
    from throughgate_local.simulation.regions import simulate

    meter = AwsMeter()
    meter.install()
    try:
        summary = simulate(cases, seed, workers=1).summary  # the meter sees this process only
    finally:
        meter.uninstall()
    functions: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"invocations": 0, "billed_ms": 0, "read_units": 0.0, "write_units": 0.0, "calls": Counter()}
    )
    for invocation in meter.invocations:
        usage = functions[invocation.label]
        usage["calls"].update(invocation.calls)
        usage["read_units"] += invocation.read_units
        usage["write_units"] += invocation.write_units + invocation.index_write_units
        if invocation.label != OUTSIDE:
            usage["invocations"] += 1
            usage["billed_ms"] += math.ceil(invocation.seconds * 1000)
    for usage in functions.values():
        usage["calls"] = dict(sorted(usage["calls"].items()))
    return {"cases": cases, "summary": summary, "functions": dict(sorted(functions.items()))}


def memory_mb() -> dict[str, int]:
    """Each function's configured memory, from the CDK app (imports aws_cdk: a few seconds)."""
    sys.path.insert(0, str(ROOT / "infra"))
    from throughgate_infra.functions import SIZING

    return {name: sizing.memory_mb for name, sizing in SIZING.items()}


def _gb_seconds(name: str, usage: dict[str, Any], memory: dict[str, int]) -> float:
    return float(usage["billed_ms"] / 1000 * memory[name] / 1024)


def cost(timed: dict[str, Any], metered: dict[str, Any], memory: dict[str, int]) -> dict[str, Any]:
    """Per case: everything the cohort used, except the daily sweep's own invocation, which runs
    once a day whatever the number of cases and is added to the monthly figure instead (its reads,
    writes and notifications are about cases, so they stay per case)."""
    n = metered["cases"]
    functions = metered["functions"]
    invoked = {name: f for name, f in functions.items() if name not in (OUTSIDE, SWEEP)}
    publishes = sum(f["calls"].get("sns.Publish", 0) for f in functions.values())
    usage = {
        "step_functions_transition": timed["summary"]["transitions_per_case"],
        "lambda_request": sum(f["invocations"] for f in invoked.values()) / n,
        "lambda_arm_gb_second": sum(_gb_seconds(name, f, memory) for name, f in invoked.items()) / n,
        "dynamodb_write_unit": sum(f["write_units"] for f in functions.values()) / n,
        "dynamodb_read_unit": sum(f["read_units"] for f in functions.values()) / n,
        "api_gateway_rest_request": functions.get("Api", {}).get("invocations", 0) / n,
        "scheduler_invocation": functions.get("OutcomeDue", {}).get("invocations", 0) / n,
        "sns_publish": publishes / n,
        "sns_email_delivery": publishes / n,
    }
    sweep = functions.get(SWEEP)
    sweep_usd = (
        PRICES["lambda_request"].usd
        + PRICES["scheduler_invocation"].usd
        + _gb_seconds(SWEEP, sweep, memory) / sweep["invocations"] * PRICES["lambda_arm_gb_second"].usd
        if sweep
        else 0.0
    )
    lines = [
        {
            "item": key,
            "usage_per_case": round(amount, 3),
            "unit": PRICES[key].per,
            "unit_usd": PRICES[key].usd,
            "usd_per_case": amount * PRICES[key].usd,
        }
        for key, amount in usage.items()
    ]
    per_case = sum(line["usd_per_case"] for line in lines)
    return {
        "lines": lines,
        "cost_per_case_usd": round(per_case, 5),
        "goal_usd": GOAL_USD_PER_CASE,
        "meets_goal": per_case < GOAL_USD_PER_CASE,
        "daily_sweep_usd_per_month": round(sweep_usd * DAYS_PER_MONTH, 5),
        "per_month_200_active_usd": round(
            per_case * ACTIVE_CASES / ACTIVE_MONTHS_PER_CASE + sweep_usd * DAYS_PER_MONTH, 3
        ),
        "per_month_200_lifecycles_usd": round(per_case * ACTIVE_CASES + sweep_usd * DAYS_PER_MONTH, 3),
        "active_months_per_case": ACTIVE_MONTHS_PER_CASE,
        "memory_mb": memory,
    }


if __name__ == "__main__":
    print(json.dumps(_metered_run(int(sys.argv[1]), int(sys.argv[2]))))
