"""Cold start: importing each Lambda handler module in a fresh interpreter, against the reference.

A Lambda cold start runs the handler module's import (the INIT phase) before the first event; for
Python that is dominated by imports. Each sample is a new interpreter that imports one module and
reports the time, so nothing is warm but the OS file cache (as on a reused Lambda host). Modules
are sampled round-robin so that machine noise spreads evenly. After the import the child also
times `boto3.client("dynamodb")`: Throughgate's handlers create their clients on first use, so a
cold request pays that on top of INIT, while the reference pays it inside INIT.

For a module over the goal, `python -X importtime` shows which imports cost most.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from throughgate.manifest import FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "bench.reference_handler"
GOAL_RATIO = 0.5
_CHILD = """
import sys, time
started = time.perf_counter()
import importlib
importlib.import_module(sys.argv[1])
imported = time.perf_counter()
import boto3
boto3.client("dynamodb")
print(f"{(imported - started) * 1000:.3f} {(time.perf_counter() - imported) * 1000:.3f}")
"""


@dataclass(frozen=True)
class ModuleTiming:
    module: str
    functions: list[str]
    samples: int
    import_ms: float  # median
    import_ms_min: float
    first_client_ms: float  # median: boto3 + one client, created after the import
    ratio: float  # import_ms / the reference's import_ms
    meets_goal: bool


def handler_modules() -> dict[str, list[str]]:
    """Each module the manifest deploys, with the functions it serves."""
    modules: dict[str, list[str]] = defaultdict(list)
    for name, spec in FUNCTIONS.items():
        modules[spec.handler.rpartition(".")[0]].append(name)
    return dict(modules)


def lambda_environment() -> dict[str, str]:
    """The variables the local stack sets for its handlers (the deployed functions get the same
    names from the CDK app): start one and keep what it added or changed."""
    from throughgate_local.stack import LocalStack

    before = dict(os.environ)
    with LocalStack(datetime(2027, 1, 4, 9, tzinfo=UTC)):
        after = dict(os.environ)
    return {k: v for k, v in after.items() if before.get(k) != v}


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode is cached on Lambda too (in the package)
    return env


def _sample(module: str, env: dict[str, str]) -> tuple[float, float]:
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", _CHILD, module], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def import_profile(module: str, env: dict[str, str], top: int = 8) -> dict[str, list[dict[str, object]]]:
    """`python -X importtime`: self time summed per top-level package, and the costliest modules
    of the project itself (whose imports are ours to change)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    by_package: dict[str, int] = defaultdict(int)
    own_modules: dict[str, int] = {}
    project = module.split(".", maxsplit=1)[0]
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _cumulative, name = line.removeprefix("import time:").split("|")
        name = name.strip()
        by_package[name.split(".")[0]] += int(own)
        if name.split(".")[0] == project:
            own_modules[name] = int(own)

    def ranked(times: dict[str, int], key: str) -> list[dict[str, object]]:
        best = sorted(times.items(), key=lambda kv: kv[1], reverse=True)[:top]
        return [{key: name, "self_ms": round(us / 1000, 1)} for name, us in best]

    return {"packages": ranked(by_package, "package"), "own_modules": ranked(own_modules, "module")}


def measure(samples: int = 7) -> dict[str, object]:
    stack_env = lambda_environment()
    env = _child_env(stack_env)
    modules = {REFERENCE: ["(reference)"], **handler_modules()}
    _sample(REFERENCE, env)  # one unmeasured run: bytecode compiled and files cached for everyone
    for module in handler_modules():
        _sample(module, env)
    imports: dict[str, list[float]] = defaultdict(list)
    clients: dict[str, list[float]] = defaultdict(list)
    for _ in range(samples):
        for module in modules:
            imported, client = _sample(module, env)
            imports[module].append(imported)
            clients[module].append(client)
    reference_ms = statistics.median(imports[REFERENCE])
    timings = []
    for module, functions in modules.items():
        median = statistics.median(imports[module])
        ratio = median / reference_ms
        timings.append(
            ModuleTiming(
                module=module,
                functions=functions,
                samples=samples,
                import_ms=round(median, 1),
                import_ms_min=round(min(imports[module]), 1),
                first_client_ms=round(statistics.median(clients[module]), 1),
                ratio=round(ratio, 3),
                meets_goal=module == REFERENCE or ratio <= GOAL_RATIO,
            )
        )
    handlers = [t for t in timings if t.module != REFERENCE]
    profiles = {t.module: import_profile(t.module, env) for t in timings if not t.meets_goal}
    if profiles:
        profiles[REFERENCE] = import_profile(REFERENCE, env)
    return {
        "goal_ratio": GOAL_RATIO,
        "reference_import_ms": round(reference_ms, 1),
        "modules": [asdict(t) for t in timings],
        "handler_import_ratio_max": max(t.ratio for t in handlers),
        "import_profiles": profiles,
        "environment_from_local_stack": sorted(stack_env),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 7), indent=2))
