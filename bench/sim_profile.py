"""Where a simulated lifecycle's time goes: a small cohort under cProfile, its own time per component.

Run in its own interpreter (`python -m bench.sim_profile CASES SEED` prints one JSON object), in one
process, so the profile sees every request the cohort makes. cProfile follows the main thread only:
the Step Functions interpreter's threads show as the driver waiting for them (`waiting for
workflow executions`), which is their wall time, as the virtual clock runs one thread at a time.
A builtin's time (dict.get, isinstance, ...) counts towards the component that called it.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import re
import sys
import time
from collections import Counter
from typing import Any

# First match wins: (component, pattern on the function's file path or name).
COMPONENTS = (
    ("waiting for workflow executions", r"acquire' of '_thread.lock"),
    ("moto: DynamoDB tables and items", r"/moto/dynamodb/models/|/moto/dynamodb/comparisons"),
    ("moto: request handling", r"/moto/(core|dynamodb/responses|utilities)|/werkzeug/"),
    ("moto: Step Functions interpreter", r"/moto/stepfunctions/|/antlr4/|/jsonpath_ng/"),
    ("moto: other services", r"/moto/"),
    ("botocore: client, serializing, parsing", r"/botocore/|/boto3/|/s3transfer/|/jmespath/"),
    ("pynamodb", r"/pynamodb/"),
    ("pydantic", r"/pydantic"),
    ("powertools", r"/aws_lambda_powertools/"),
    ("local stack speed-ups", r"throughgate_local/(moto|request|stepfunctions)_speedups"),
    ("local stack: driver, clock, bridge", r"throughgate_local/"),
    ("Throughgate handlers, logic, store", r"functions/throughgate/"),
    ("JSON", r"/json/"),
    ("copy.deepcopy", r"/copy\.py"),
    ("Python standard library", r"/lib/python3\.\d+/(?!site-packages/)"),
)
TOP_FUNCTIONS = 15


def _component(file: str, name: str) -> str:
    where = f"{file}:{name}"
    return next((label for label, pattern in COMPONENTS if re.search(pattern, where)), "other")


def profile(cases: int, seed: int) -> dict[str, Any]:
    from throughgate_local.simulation.regions import simulate

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    summary = simulate(cases, seed, workers=1).summary
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    own: Counter[str] = Counter()
    for (file, _line, name), (_cc, _nc, own_seconds, _cum, callers) in stats.items():
        component = _component(file, name)
        if component == "other" and file == "~" and callers:  # a builtin: its callers' time
            for (caller_file, _l, caller_name), (_c, _n, seconds, _cu) in callers.items():
                own[_component(caller_file, caller_name)] += seconds
        else:
            own[component] += own_seconds
    total = sum(own.values()) or 1.0
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:TOP_FUNCTIONS]
    return {
        "cases": cases,
        "seed": seed,
        "profiled_seconds": round(wall, 1),
        "dynamodb_requests_per_case": summary["dynamodb_requests_per_case"],
        "lambda_invocations_per_case": round(summary["lambda_invocations"] / max(1, cases), 1),
        "components": [
            {"component": label, "seconds": round(seconds, 1), "share": round(seconds / total, 3)}
            for label, seconds in own.most_common()
        ],
        "top_functions": [
            {
                "function": f"{re.sub(r'^.*site-packages/', '', file)}:{line}({name})",
                "calls": calls,
                "own_seconds": round(own_seconds, 2),
            }
            for (file, line, name), (_cc, calls, own_seconds, _cum, _callers) in top
        ],
    }


if __name__ == "__main__":
    print(json.dumps(profile(int(sys.argv[1]), int(sys.argv[2]))))
