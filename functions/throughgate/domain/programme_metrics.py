"""The programme's events as CloudWatch metrics: which saved timeline events count, and as what.

The names are data (catalogue/programme_metrics.json), read by the functions that count and by the
CDK app's dashboard, so the two cannot disagree. A metric is a name and a count: no case id and no
personal value is ever a dimension or part of a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from throughgate.domain._strict import Entry, entry_list, read_catalogue
from throughgate.domain.case import TimelineEvent

NAMESPACE = "Throughgate"
DIMENSIONS = {"service": "throughgate"}
"""One fixed dimension: the same series whichever function saved the event (powertools would
otherwise name each function's own service)."""
SOURCE = "programme_metrics.json"
_METRIC_NAME = re.compile(r"^[A-Z][A-Za-z]{2,63}$")


@dataclass(frozen=True)
class ProgrammeMetric:
    metric: str  # the CloudWatch metric name
    event: str  # the timeline event kind that records it
    unless_detail: str  # not counted when the event's detail has this key ("": always counted)
    title: str  # the dashboard's words

    def counts(self, event: TimelineEvent) -> bool:
        return event.kind == self.event and not (self.unless_detail and self.unless_detail in event.detail)


def parse_programme_metrics(raw: object, source: str) -> tuple[ProgrammeMetric, ...]:
    metrics = []
    for index, item in enumerate(entry_list(raw, source)):
        entry = Entry(item, f"{source}[{index}]", ("metric", "event", "unless_detail", "title"))
        unless = item.get("unless_detail") if isinstance(item, dict) else None
        if not isinstance(unless, str):  # may be empty, unlike Entry.text
            raise ValueError(f"{entry.where}: unless_detail must be a string")
        metric = ProgrammeMetric(
            metric=entry.text("metric"),
            event=entry.text("event"),
            unless_detail=unless,
            title=entry.text("title"),
        )
        if not _METRIC_NAME.match(metric.metric):
            raise ValueError(f"{entry.where}: metric must be a CamelCase name of letters")
        metrics.append(metric)
    names = [m.metric for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"{source}: a metric name is used twice")
    return tuple(metrics)


@cache
def load_programme_metrics() -> tuple[ProgrammeMetric, ...]:
    return parse_programme_metrics(read_catalogue(SOURCE), SOURCE)


def counted(events: list[TimelineEvent]) -> list[str]:
    """The metric names these saved events count, once per event."""
    return [m.metric for event in events for m in load_programme_metrics() if m.counts(event)]
