"""`throughgate`: run the local stack's jobs from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def _print_summary(summary: dict[str, Any]) -> None:
    print(
        f"\nSimulated {summary['cases']} cases in {summary['wall_seconds']} s "
        f"({summary['cases_per_second']} cases/s)"
    )
    print("Final stage of each case:")
    for stage, count in summary["by_stage"].items():
        print(f"  {stage:<20} {count}")
    print(
        f"Tasks: {summary['tasks_created']} created, {summary['tasks_done']} done; "
        f"escalations: {summary['escalations']}"
    )
    print(
        f"Executions: {summary['executions']} ({summary['executions_failed']} failed, "
        f"{summary['executions_stuck']} still running); state transitions: {summary['state_transitions']} "
        f"({summary['transitions_per_case']} per case)"
    )
    print(
        f"DynamoDB requests: {summary['dynamodb_requests']} ({summary['dynamodb_requests_per_case']} per case)"
    )
    rate, interval = summary["reoffending_rate"], summary["reoffending_interval"]
    print(
        f"Re-offending at 12 months (+6 court window): "
        f"{'n/a' if rate is None else f'{rate:.1%}'} of {summary['outcomes_recorded']} outcomes"
        f"{f' (95% interval {interval[0]:.1%} to {interval[1]:.1%})' if interval else ''}; "
        f"baseline {summary['reoffending_baseline']:.1%} ({summary['reoffending_baseline_group']})"
    )


def _simulate(args: argparse.Namespace) -> int:
    from throughgate_local.simulation.regions import simulate

    result = simulate(args.cases, args.seed, workers=args.workers)
    if args.json:
        print(json.dumps(result.summary, sort_keys=True))
    else:
        _print_summary(result.summary)
    return 0 if result.summary["executions_failed"] == 0 and result.summary["executions_stuck"] == 0 else 1


def _demo(args: argparse.Namespace) -> int:
    """A small cohort, then each case's timeline, oldest first: what a coordinator would read."""
    from throughgate_local.simulation.regions import simulate

    result = simulate(args.cases, args.seed, with_timelines=True)
    for number, case_id in enumerate(result.case_ids, start=1):
        print(f"\nCase {number} ({case_id}):")
        for event in result.timelines[case_id]:
            detail = " ".join(f"{k}={v}" for k, v in sorted(event.detail.items()) if v)
            print(f"  {event.at:%a %d %b %Y %H:%M}  {event.kind:<22} {detail}")
    _print_summary(result.summary)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from throughgate_local.devserver import serve

    serve(args.host, args.port, args.seed_cases)
    return 0


def _recreate_schedules(args: argparse.Namespace) -> int:
    """On AWS, with the caller's credentials (docs/restore.md): the settings of the deployed
    ReconcileEffects function (the stack's table, state machine, schedule group and roles), then the
    schedules and executions each case needs, made again from the cases. Prints case ids only."""
    import boto3

    from throughgate import caches

    name = f"{args.stack}-ReconcileEffects"
    configuration = boto3.client("lambda", region_name=args.region).get_function_configuration(
        FunctionName=name
    )
    os.environ.update(configuration["Environment"]["Variables"])
    os.environ["AWS_REGION"] = args.region
    caches.reset_caches()
    from dataclasses import asdict

    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.restore import recreate_from_cases

    print(json.dumps(asdict(recreate_from_cases(aws_deps())), indent=2))
    return 0


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TZ", "UTC")
    parser = argparse.ArgumentParser(prog="throughgate", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    sim = commands.add_parser("simulate", help="run a synthetic cohort end to end on the local stack")
    sim.add_argument("--cases", type=_positive, default=20)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    sim.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for a cohort of several regions (default: one per CPU)",
    )
    sim.set_defaults(run=_simulate)
    demo = commands.add_parser("demo", help="a few synthetic cases with their timelines")
    demo.add_argument("--cases", type=int, default=3)
    demo.add_argument("--seed", type=int, default=7)
    demo.set_defaults(run=_demo)
    web = commands.add_parser("serve", help="the web pages on the local stack, with demo data")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--seed-cases", type=int, default=8)
    web.set_defaults(run=_serve)
    restore = commands.add_parser(
        "recreate-schedules",
        help="on AWS after a restore: the outcome and start schedules (and executions) from the cases",
    )
    restore.add_argument("--stack", default="Throughgate")
    restore.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-west-2"))
    restore.set_defaults(run=_recreate_schedules)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
