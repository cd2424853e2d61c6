"""The daily sweep (an EventBridge schedule): chasing and escalation, then retention, then the daily
e-mail digest of those who chose one, and once a week the coordinators' contact and supervision check."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger

from throughgate.logic.sweep import run_daily_sweep

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME


@logger.inject_lambda_context
def handler(_event: dict[str, Any], _context: object) -> dict[str, int]:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.notifications import send_digests
    from throughgate.logic.records import anonymise_expired
    from throughgate.logic.weekly_check import send_weekly_check
    from throughgate.store.audit import AuditLog

    deps = aws_deps(delivering=True)
    report = {**asdict(run_daily_sweep(deps)), **asdict(anonymise_expired(deps, AuditLog()))}
    report["digests"] = send_digests(deps)
    report["weekly_check"] = send_weekly_check(deps)
    logger.info("daily sweep", extra=report)
    return report
