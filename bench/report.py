"""docs/performance.md and its chart (bench/cold_start.svg) from bench/results.json."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "bench" / "cold_start.svg"
REFERENCE = "bench.reference_handler"


def _short(module: str) -> str:
    return "reference (common way)" if module == REFERENCE else module.removeprefix("throughgate.handlers.")


def _search_section(ddb: dict[str, Any]) -> list[str]:
    """Find a case: the requests of one page of `POST /case-search`, by the number of cases held."""
    held = ddb.get("search_page_requests")
    if not held:
        return []
    sizes = sorted(held, key=int)
    searches = list(held[sizes[0]])
    rows = [
        [search] + [", ".join(f"{k} {v}" for k, v in held[n][search].items()) for n in sizes]
        for search in searches
    ]
    return [
        "Find a case: the DynamoDB requests of one page of `POST /case-search` (20 cases) with "
        f"{' and '.join(sizes)} referrals held (`search_page_requests`). A text is one Query of its "
        "search term's partition (at most `search_match_limit` + 1 items) and one BatchGetItem of "
        "the cases it names; a text matching more cases than the limit is answered 'enter more of "
        "the name' after the Query alone, so no search's requests grow with the cases held.",
        "",
        _table(["search", *[f"{n} cases held" for n in sizes]], rows),
        "",
    ]


def _dashboard_section(ddb: dict[str, Any]) -> list[str]:
    """The dashboards: their DynamoDB requests by the number of closed cases held."""
    held = ddb.get("dashboard_requests")
    if not held:
        return []
    sizes = sorted(held, key=int)
    rows = [
        [who] + [", ".join(f"{k} {v}" for k, v in held[n][who].items()) for n in sizes]
        for who in held[sizes[0]]
    ]
    return [
        "The dashboards (`dashboard_requests`): the DynamoDB requests of a coordinator's and a "
        f"mentor's 'my work today' with one case being worked and {' and '.join(sizes)} closed cases "
        "behind it: index queries of what is being worked, never the history.",
        "",
        _table(["dashboard", *[f"{n} closed cases" for n in sizes]], rows),
        "",
    ]


def _outcomes_section(ddb: dict[str, Any]) -> list[str]:
    """The outcomes figures: their DynamoDB requests by the number of released clients held."""
    held = ddb.get("outcomes_page_requests")
    if not held:
        return []
    sizes = sorted(held, key=int)
    row = ["one year's figures"] + [
        ", ".join(f"{k} {v}" for k, v in held[n]["requests"].items()) + f" ({held[n]['milliseconds']} ms)"
        for n in sizes
    ]
    return [
        "The outcomes figures (`outcomes_page_requests`): the DynamoDB requests of one year's cohort "
        f"figures with {' and '.join(sizes)} released clients held (the time is for information, not "
        "a target): one Query of the cohort counters, kept per month of release in each change's own "
        "transaction, whatever the number of cases.",
        "",
        _table(["figures", *[f"{n} clients held" for n in sizes]], [row]),
        "",
    ]


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def cold_start_svg(cold: dict[str, Any]) -> str:
    """Horizontal bars: median import per module, with the 0.5x reference goal as a line."""
    modules = cold["modules"]
    width, label_w, bar_w, row_h = 640, 190, 400, 26
    top = 30
    height = top + row_h * len(modules) + 30
    scale = bar_w / max(m["import_ms"] for m in modules)
    goal_x = label_w + cold["reference_import_ms"] * cold["goal_ratio"] * scale
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>Median import time per Lambda handler module ({cold['modules'][0]['samples']} samples)</title>",
        f'<text x="0" y="16" font-weight="bold">Cold start: median import (ms); line = goal '
        f"({cold['goal_ratio']}x reference)</text>",
    ]
    for i, m in enumerate(modules):
        y = top + i * row_h
        colour = "#505a5f" if m["module"] == REFERENCE else ("#00703c" if m["meets_goal"] else "#d4351c")
        parts.append(f'<text x="0" y="{y + 16}">{escape(_short(m["module"]))}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{m["import_ms"] * scale:.1f}" height="16" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + m["import_ms"] * scale + 4:.1f}" y="{y + 16}">{m["import_ms"]:.0f}</text>'
        )
    parts.append(
        f'<line x1="{goal_x:.1f}" y1="{top}" x2="{goal_x:.1f}" y2="{height - 24}" stroke="#1d70b8" '
        'stroke-width="2" stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _text_bars(values: dict[str, float], unit: str, width: int = 40) -> str:
    most = max(values.values()) or 1
    label = max(len(k) for k in values)
    lines = [
        f"{k:<{label}}  {'█' * max(1, round(v / most * width))} {v:.0f} {unit}" for k, v in values.items()
    ]
    return "```text\n" + "\n".join(lines) + "\n```"


def platform_floor_section(floor: dict[str, Any], measured_seconds: float | None) -> list[str]:
    """Section 4's "The platform's floor": the units, the counts, the sum, and the goal beside both."""
    units, counts = floor["units"], floor["counts_per_lifecycle"]
    rows = []
    for key, unit in units.items():
        how = unit.get("note", "")
        if "boto3_ms" in unit:
            how = f"{unit['requests_replayed']} requests {unit['replayed_as']}; boto3 {unit['boto3_ms']} ms, pynamodb {unit['pynamodb_ms']} ms"
        count = counts.get(key, 0)
        rows.append([f"`{key}`", f"{unit['ms']:.3f}", count, f"{count * unit['ms']:.1f}", how])
    total_ms = floor["floor_seconds_per_lifecycle"] * 1000
    rows.append(["**floor per lifecycle**", "", "", f"**{total_ms:.0f}**", ""])
    ratio = floor["floor_1000_seconds"] / floor["goal_seconds"]
    if floor["floor_within_goal"]:
        verdict = (
            f"the floor is under the goal ({floor['floor_1000_seconds']} s against {floor['goal_seconds']:.0f} s): "
            "the platform alone leaves room for it"
        )
    else:
        verdict = (
            f"the floor alone is {ratio:.1f} times the {floor['goal_seconds']:.0f} s goal: these real parts "
            "cannot meet it, whatever Throughgate's own code does"
        )
    measured = (
        f"; the measured run took {measured_seconds} s, {measured_seconds / floor['floor_1000_seconds']:.1f} times the floor"
        if measured_seconds
        else ""
    )
    not_measured = ", ".join(f"`{k}` {counts[k]}" for k in floor["not_measured"])
    return [
        "### The platform's floor",
        "",
        "What a lifecycle's requests cost moto alone, with every local speed-up installed and no "
        f"Throughgate code in between (`bench/platform_floor.py`). Counts: a {floor['cases']}-case cohort "
        "simulated as above, every request counted by a botocore `before-call` hook; the per-day work "
        f"({', '.join(f'{k} {v:g}' for k, v in floor['per_day'].items())} a day, from {floor['quiet_days']} quiet days after "
        f"the last outcome) taken out and shared by a {floor['region_cases']}-case region over "
        f"{floor['simulated_days']} days. Units: median wall time on the same stack after a warm-up. "
        "DynamoDB: a sample of the cohort's own requests replayed through a boto3 client and through "
        "pynamodb's connection, the cheaper used; reads as captured, writes with their conditions "
        "dropped so each succeeds. Lambda: `Invoke` of a no-op handler through moto's Lambda and the "
        "in-process bridge. Step Functions: executions of 1 and 50 Pass states and of 20 Task states "
        "invoking the no-op, run to their end on the virtual clock. Receives: the fewest a lifecycle "
        f"needs (full batches of 10, plus its share of the daily polls; the cohort made "
        f"{floor['receives_observed_per_lifecycle']} per case). Load average {floor['load_average']} at the end.",
        "",
        _table(["unit", "ms (median)", "count per lifecycle", "ms per lifecycle", "how"], rows),
        "",
        f"Not measured, so counted as zero (the floor is a lower bound): {not_measured or 'nothing'}.",
        "",
        f"Floor: {floor['floor_seconds_per_lifecycle']} s per lifecycle x 1,000 / {floor['cores']} cores = "
        f"**{floor['floor_1000_seconds']} s**, against {floor['goal_seconds_per_lifecycle']} s per lifecycle "
        f"for {floor['goal_seconds']:.0f} s: {verdict}{measured}.",
        "",
    ]


def render(results: dict[str, Any]) -> str:
    d = results["detail"]
    cold, ddb, cohort, web = d["cold_start"], d["dynamodb"], d["cohort"], d["web"]
    cost, timed, metered = cohort["cost"], cohort["timed"], cohort["metered"]
    profile = cohort["profile"]
    m = results["machine"]
    out = [
        "# Performance and cost",
        "",
        "Generated by `make bench` (issue 6); do not edit by hand. Re-run it to refresh every number.",
        "",
        f"- Command: `{results['command']}`",
        f"- Run: {results['generated_at']}, {results['seconds']} s in all",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['platform']}; "
        f"Python {m['python']}; load average {m['load_before']} before, {m['load_after']} after "
        "(the machine is shared: a high load inflates every time below)",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}",
        "",
        "## Summary",
        "",
        _table(
            ["measure", "value", "goal", "met"],
            [
                [
                    "`handler_import_ratio_max` (slowest handler import ÷ reference)",
                    results["handler_import_ratio_max"],
                    f"≤ {cold['goal_ratio']}",
                    _yes(results["handler_import_ratio_max"] <= cold["goal_ratio"]),
                ],
                [
                    "`ddb_writes_per_submission_max` (write requests in one form submission)",
                    results["ddb_writes_per_submission_max"],
                    "1",
                    _yes(results["ddb_writes_per_submission_max"] <= 1),
                ],
                ["`scans`", results["scans"], "0", _yes(results["scans"] == 0)],
                [
                    "`cost_per_case_usd` (one lifecycle, referral to 12-month outcome)",
                    f"${results['cost_per_case_usd']:.4f}",
                    f"< ${cost['goal_usd']}",
                    _yes(cost["meets_goal"]),
                ],
                [
                    f"`simulate_1000_seconds` (this run: {results['simulate_cases']} cases)",
                    results["simulate_1000_seconds"]
                    if results["simulate_1000_seconds"] is not None
                    else f"n/a ({results['simulate_seconds']} s for {results['simulate_cases']})",
                    "< 180",
                    "n/a"
                    if results["simulate_1000_seconds"] is None
                    else _yes(results["simulate_1000_seconds"] < 180),
                ],
                *(
                    [
                        [
                            "`simulate_1000_floor_seconds` (the platform alone, section 4)",
                            results["simulate_1000_floor_seconds"],
                            "< 180",
                            _yes(results["simulate_1000_floor_seconds"] < 180),
                        ]
                    ]
                    if "simulate_1000_floor_seconds" in results
                    else []
                ),
                [
                    f"`web_p95_ms_max` ({web['users']} users, {web['seconds']} s)",
                    results["web_p95_ms_max"],
                    "-",
                    "-",
                ],
                ["`web_errors`", results["web_errors"], "0", _yes(results["web_errors"] == 0)],
            ],
        ),
        "",
        "## 1. Cold start",
        "",
        f"Import of each handler module in a fresh interpreter, median of {cold['modules'][0]['samples']} "
        "samples taken round-robin, next to a reference handler written the common way "
        "(`bench/reference_handler.py`: Logger, Metrics, Tracer, the REST resolver with validation, "
        "idempotency in DynamoDB, pydantic models, a boto3 client at import). The environment is the "
        f"local stack's ({', '.join(cold['environment_from_local_stack'])}). *First client* is "
        "`import boto3` plus one client, timed after the import: Throughgate's handlers create clients "
        "on their first call, so a cold request pays it after INIT; the reference pays it inside INIT.",
        "",
        _table(
            ["module", "functions", "import ms (median)", "min", "ratio", "first client ms", "goal met"],
            [
                [
                    f"`{_short(t['module'])}`",
                    ", ".join(t["functions"]),
                    t["import_ms"],
                    t["import_ms_min"],
                    t["ratio"],
                    t["first_client_ms"],
                    "-" if t["module"] == REFERENCE else _yes(t["meets_goal"]),
                ]
                for t in cold["modules"]
            ],
        ),
        "",
        "![Median import time per handler module](../bench/cold_start.svg)",
        "",
        _text_bars({_short(t["module"]): t["import_ms"] for t in cold["modules"]}, "ms"),
        "",
    ]
    if cold["import_profiles"]:
        out += ["Where the import time goes (`python -X importtime`, self time summed per package):", ""]
        for module, profile in cold["import_profiles"].items():
            packages = ", ".join(f"{p['package']} {p['self_ms']}" for p in profile["packages"])
            own = ", ".join(f"{p['module']} {p['self_ms']}" for p in profile["own_modules"][:5])
            out.append(f"- `{_short(module)}` (ms): {packages}" + (f"; own modules: {own}" if own else ""))
        out.append("")
    out += [
        "## 2. DynamoDB work per action",
        "",
        "Requests and capacity units per invocation, metered with botocore `before-call`/`after-call` "
        "hooks while two synthetic cases go through the local stack (`bench/dynamo_work.py`: the happy "
        "path to the 12-month outcome, and a case with a moved release date, no accommodation at the "
        "readiness review and a recall). Units follow AWS's rules, since moto does not return "
        "`ConsumedCapacity`: an item's size is its attribute names plus values (numbers 1 byte per two "
        "digits + 1, lists and maps 3 bytes + 1 per element); writes cost 1 unit per KB of the larger of "
        "the item before and after, double in a transaction; reads 1 unit per 4 KB strongly consistent, "
        "0.5 eventually consistent (every index query), 2 transactional, a Query rounded up once over "
        "all items read; each global secondary index an item enters, changes in or leaves costs its "
        "own write units (all indexes project ALL). The meter's request count is checked against the "
        f"requests moto served ({ddb['requests_checked_against_moto']}).",
        "",
        _table(
            [
                "action",
                "n",
                "requests (mean)",
                "write requests (max)",
                "items written (max)",
                "RRU (mean)",
                "WRU table (mean)",
                "WRU indexes (mean)",
                "operations (total)",
            ],
            [
                [
                    f"`{r['action']}`",
                    r["invocations"],
                    r["requests_mean"],
                    r["writes_max"],
                    r["items_written_max"],
                    r["read_units_mean"],
                    r["write_units_mean"],
                    r["index_write_units_mean"],
                    ", ".join(f"{k} {v}" for k, v in r["operations"].items()),
                ]
                for r in ddb["actions"]
            ],
        ),
        "",
        f"Scans: {ddb['scans']}. Reads with a projection or filter (units then a lower bound): "
        f"{ddb['partial_reads']}. Several items in one action are one `TransactWriteItems` request.",
        "",
        *_search_section(ddb),
        *_dashboard_section(ddb),
        *_outcomes_section(ddb),
        "## 3. State transitions and cost per case",
        "",
        f"Happy path: {ddb['happy_path_transitions']} state transitions (referral to outcome, one "
        f"execution). Cohort: `{timed['command']}` gave {timed['summary']['transitions_per_case']} "
        f"transitions per case over {timed['summary']['cases']} cases "
        f"({timed['summary']['executions']} executions, {timed['summary']['executions_failed']} failed, "
        f"{timed['summary']['executions_stuck']} still running) in {timed['seconds']} s "
        f"({timed['summary']['cases_per_second']} cases/s).",
        "",
        f"Usage per case from a metered run of the same simulation ({metered['cases']} cases, "
        "`bench/cohort.py`), priced with `bench/prices.py` (eu-west-2 on-demand list prices, no free "
        "tier, before VAT). Lambda GB-seconds use each function's configured memory "
        f"({', '.join(f'{k} {v} MB' for k, v in sorted(cost['memory_mb'].items()))}) and local durations "
        "rounded up to the millisecond (moto answers in-process, so they are indicative). Notifications "
        "are priced as one e-mail each.",
        "",
        _table(
            ["item", "usage per case", "unit price (USD)", "USD per case"],
            [
                [
                    line["unit"],
                    line["usage_per_case"],
                    f"{line['unit_usd']:.10g}",
                    f"{line['usd_per_case']:.6f}",
                ]
                for line in cost["lines"]
            ]
            + [["**total**", "", "", f"**{cost['cost_per_case_usd']:.5f}**"]],
        ),
        "",
        f"Per month for {200} active cases, each worked for about {cost['active_months_per_case']} months "
        f"(200/{cost['active_months_per_case']} lifecycles of work a month): "
        f"**${cost['per_month_200_active_usd']:.2f}**; even if all 200 ran a whole lifecycle in one "
        f"month: ${cost['per_month_200_lifecycles_usd']:.2f}. Both include the daily sweep's own "
        f"invocation (${cost['daily_sweep_usd_per_month']:.4f} a month). Fixed monthly costs (KMS keys, WAF, "
        "alarms, Cognito) are in the README, [Deploy to AWS](../README.md#deploy-to-aws); staff "
        "browsing the web pages is extra (one REST request and one `Web` invocation per page).",
        "",
        "## 4. Local throughput",
        "",
        f"`{timed['command']}`: {timed['summary']['cases']} full lifecycles (referral to the 12-month "
        f"outcome, {timed['summary']['simulated_days']} simulated days) in {timed['seconds']} s, "
        f"{timed['summary']['cases_per_second']} cases/s, run as {timed['summary']['regions']} "
        "region(s) of at most 500 cases, each on its own local stack and core "
        "(`throughgate_local/simulation/regions.py`). Every request goes through the real handlers, moto's "
        "DynamoDB and its Step Functions interpreter running the real ASL: "
        f"{timed['summary']['dynamodb_requests_per_case']} DynamoDB requests and "
        f"{timed['summary']['transitions_per_case']} state transitions per case.",
        "",
        f"Where the time goes: `{profile['cases']}` cases in one process under cProfile "
        f"(`bench/sim_profile.py`, {profile['profiled_seconds']} s with the profiler), own time per "
        "component. The Step Functions interpreter runs in threads the profile does not follow; the "
        "driver's wait for them is their share.",
        "",
        _table(
            ["component", "own s", "share"],
            [[c["component"], c["seconds"], f"{c['share']:.0%}"] for c in profile["components"]],
        ),
        "",
        _table(
            ["function (most own time)", "calls", "own s"],
            [[f"`{f['function']}`", f["calls"], f["own_seconds"]] for f in profile["top_functions"]],
        ),
        "",
        "Removed so far (each checked against moto's own answers in "
        "`tests/integration/test_moto_speedups.py`): the ASL parsed once per definition and one boto3 "
        "client per service for every task, JSONPaths parsed once (`stepfunctions_speedups.py`); "
        "requests unsigned, moto's action lookup by name, DynamoDB items parsed directly and DynamoDB "
        "requests handed to moto's DynamoDB class without its WSGI routing (`request_speedups.py`); "
        "queries reading only their partition or GSI partition, each item measured once, no deep copy "
        "of query results, transactions keeping only the items they name (`moto_speedups.py`); "
        "executions woken by the virtual clock instead of sleeping and polling (`virtual_time.py`); "
        "regions side by side on both cores. What is left is spread over moto's item model, botocore's "
        "client and pynamodb: no single bottleneck.",
        "",
        *(
            platform_floor_section(d["platform_floor"], results["simulate_1000_seconds"])
            if "platform_floor" in d
            else []
        ),
        "## 5. Web latency under load",
        "",
        f"{web['users']} simulated coordinators for {web['seconds']} s through the local dev server "
        "(`bench/web_load.py`: a thread per user with a keep-alive `http.client` connection; each takes "
        "new cases through referral, consent, assessment, mentor match and a task update, reading each "
        "form for its CSRF token first). The dev server handles one request at a time (the local "
        f"stack's determinism), so latency here is mostly queueing: {web['requests']} requests, "
        f"{web['requests_per_second']} per second, {web['cases_started']} cases started. When the "
        "chosen mentor filled up between opening the match form and confirming it, the form asked "
        f"to choose again and the user did ({web['mentor_rechosen']} times): not an error.",
        "",
        _table(
            ["route", "n", "p50 ms", "p95 ms", "p99 ms", "errors"],
            [
                [f"`{route}`", r["n"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["errors"]]
                for route, r in web["routes"].items()
            ],
        ),
        "",
        _text_bars({route: r["p95_ms"] for route, r in web["routes"].items()}, "ms p95"),
        "",
    ]
    if web["error_causes"]:
        out += ["Errors: " + ", ".join(f"{k} x{v}" for k, v in web["error_causes"].items()), ""]
    return "\n".join(out)


def write(results: dict[str, Any], markdown: Path) -> None:
    CHART.write_text(cold_start_svg(results["detail"]["cold_start"]))
    markdown.write_text(render(results))
