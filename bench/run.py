"""`make bench`: every benchmark of issue 6 in one go, on this machine.

Writes bench/results.json (the headline figures, then every detail) and docs/performance.md with
its chart. Usage: python -m bench.run [--cases 1000] [--cost-cases 200] [--profile-cases 10]
[--samples 7] [--floor-cases 20] [--web-users 20] [--web-seconds 60].
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import cohort, cold_start, dynamo_work, platform_floor, report, web_load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
MARKDOWN = ROOT / "docs" / "performance.md"


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    kib = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(kib / 1024**2, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            p: version(p) for p in ("moto", "boto3", "aws-lambda-powertools", "pydantic", "pynamodb")
        },
        "load_before": round(os.getloadavg()[0], 2),
    }


def _step(name: str, run: Any) -> Any:
    started = time.perf_counter()
    print(f"bench: {name}…", file=sys.stderr, flush=True)
    result = run()
    print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--cases", type=int, default=1000, help="cohort for `throughgate simulate`")
    parser.add_argument("--cost-cases", type=int, default=200, help="cohort metered for the cost")
    parser.add_argument("--profile-cases", type=int, default=10, help="cohort profiled for where time goes")
    parser.add_argument("--samples", type=int, default=7, help="fresh interpreters per module")
    parser.add_argument("--floor-cases", type=int, default=20, help="cohort counted for the platform's floor")
    parser.add_argument("--web-users", type=int, default=20)
    parser.add_argument("--web-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    facts = machine()
    cold = _step("cold start", lambda: cold_start.measure(args.samples))
    ddb = _step("DynamoDB work per action", dynamo_work.measure)
    web = _step("web latency under load", lambda: web_load.measure(args.web_users, args.web_seconds))
    timed = _step(f"simulate {args.cases} cases", lambda: cohort.timed_simulation(args.cases))
    cost_cases = min(args.cost_cases, args.cases)
    metered = _step(
        f"metered simulation of {cost_cases} cases", lambda: cohort.metered_simulation(cost_cases)
    )
    profiled = _step(
        f"profiled simulation of {args.profile_cases} cases",
        lambda: cohort.profiled_simulation(args.profile_cases),
    )
    floor = _step(
        f"platform floor ({args.floor_cases}-case cohort)",
        lambda: platform_floor.measured_in_own_interpreter(args.floor_cases),
    )
    cost = cohort.cost(timed, metered, cohort.memory_mb())
    facts["load_after"] = round(os.getloadavg()[0], 2)
    results = {
        "handler_import_ratio_max": cold["handler_import_ratio_max"],
        "ddb_writes_per_submission_max": ddb["ddb_writes_per_submission_max"],
        "scans": ddb["scans"],
        "cost_per_case_usd": cost["cost_per_case_usd"],
        "simulate_1000_seconds": timed["seconds"] if args.cases == 1000 else None,
        "simulate_1000_floor_seconds": floor["floor_1000_seconds"],
        "simulate_seconds": timed["seconds"],
        "simulate_cases": args.cases,
        "transitions_per_case": timed["summary"]["transitions_per_case"],
        "happy_path_transitions": ddb["happy_path_transitions"],
        "per_month_200_active_usd": cost["per_month_200_active_usd"],
        "web_p95_ms_max": web["web_p95_ms_max"],
        "web_errors": web["web_errors"],
        "web_mentor_rechosen": web["mentor_rechosen"],
        "command": "make bench  # " + shlex.join(["python", "-m", "bench.run", *(argv or sys.argv[1:])]),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.perf_counter() - started),
        "machine": facts,
        "detail": {
            "cold_start": cold,
            "dynamodb": ddb,
            "cohort": {"timed": timed, "metered": metered, "cost": cost, "profile": profiled},
            "platform_floor": floor,
            "web": web,
        },
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, MARKDOWN)
    headline = {k: v for k, v in results.items() if k not in ("detail", "machine")}
    print(json.dumps(headline, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
