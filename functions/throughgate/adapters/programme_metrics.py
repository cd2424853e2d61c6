"""Counting the programme's events (domain.programme_metrics) where they are durably saved.

The case store counts an event once the transaction that records its timeline event has committed:
a request or workflow step retried after that finds its change already saved (a replayed
submission, an escalation already open, a referral's case already there) and commits nothing, so
counts nothing. A count is lost only if the process ends between the commit and the line below;
these metrics show trends, not the record (the case table is that).

Each count is one CloudWatch embedded-metric-format line on standard output (powertools'
single_metric), so it needs no flush at the end of the handler and no IAM permission.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import single_metric
from aws_lambda_powertools.metrics import MetricUnit

from throughgate.domain.case import Case, TimelineEvent
from throughgate.domain.programme_metrics import DIMENSIONS, NAMESPACE, counted
from throughgate.store.changes import Changes
from throughgate.store.repository import CaseStore


def emit(names: list[str]) -> None:
    for name in names:
        with single_metric(
            name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE, default_dimensions=DIMENSIONS
        ):
            pass


class CountingCaseStore(CaseStore):
    """The case store, counting the programme's events it has saved."""

    def create_case(self, case: Case, event: TimelineEvent) -> None:
        super().create_case(case, event)
        emit(counted([event]))

    def commit(self, changes: Changes, now: datetime) -> Case | None:
        case = super().commit(changes, now)
        emit(counted([r for r in changes.records if isinstance(r, TimelineEvent)]))
        return case
