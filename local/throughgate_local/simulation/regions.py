"""A cohort run as regions: each region's cases on a local stack of its own, side by side in
processes of their own when there are several."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from throughgate.domain.case import TimelineEvent
from throughgate.domain.catalogue import load_programme
from throughgate_local.simulation.people import SIM_START, Simulation
from throughgate_local.simulation.tally import CohortTally, summarise, tally
from throughgate_local.stack import LocalStack

# A larger cohort is run as regions of at most this many cases, each with its own mentors: a region
# is what one coordinator team covers, and regions can run side by side on separate cores.
REGION_CASES = 500


@dataclass
class SimulationResult:
    summary: dict[str, Any]
    case_ids: list[str]
    timelines: dict[str, list[TimelineEvent]] = field(default_factory=dict)


@dataclass
class RegionRun:
    counted: CohortTally
    case_ids: list[str]
    timelines: dict[str, list[TimelineEvent]]
    days: int


def run_region(cases: int, seed: int, region: int, first_index: int, with_timelines: bool) -> RegionRun:
    """One region's cohort on its own local stack, from referral to the last outcome."""
    with LocalStack(SIM_START) as stack:
        sim = Simulation(stack, cases, seed if region == 0 else f"{seed}/region-{region}")
        sim.seed_mentors()
        sim.refer_clients(first_index)
        last_release = max(c.release_on for c in sim.cases.values())
        settings = load_programme()
        end = datetime.combine(last_release, datetime.min.time(), UTC) + timedelta(
            days=round(settings.outcome_follow_up_months * 30.44) + 21, hours=9
        )
        sim.run(end)
        timelines: dict[str, list[TimelineEvent]] = {}
        if with_timelines:
            from throughgate.store.repository import CaseStore

            timelines = {case_id: CaseStore().timeline(case_id, limit=1000)[::-1] for case_id in sim.cases}
        return RegionRun(tally(sim), list(sim.cases), timelines, sim.days)


def simulate(
    cases: int,
    seed: int,
    *,
    with_timelines: bool = False,
    workers: int | None = None,
    region_cases: int = REGION_CASES,
) -> SimulationResult:
    """A cohort of `cases`, split into regions of at most `region_cases`, each with its own mentors
    and its own local stack. Regions run side by side in processes of their own (up to `workers`,
    default one per CPU) when there are several; the result depends on the cases and seed only."""
    started = time.perf_counter()
    firsts = range(0, cases, region_cases) or range(1)
    regions = [(min(region_cases, cases - first), seed, region, first) for region, first in enumerate(firsts)]
    workers = min(len(regions), workers or os.cpu_count() or 1)
    if workers == 1:
        runs = [run_region(*region, with_timelines) for region in regions]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(run_region, *region, with_timelines) for region in regions]
            runs = [future.result() for future in futures]
    wall = time.perf_counter() - started
    counted = sum((run.counted for run in runs[1:]), runs[0].counted)
    summary = summarise(counted, wall)
    summary["regions"] = len(regions)
    summary["simulated_days"] = max(run.days for run in runs)
    return SimulationResult(
        summary,
        [case_id for run in runs for case_id in run.case_ids],
        {case_id: events for run in runs for case_id, events in run.timelines.items()},
    )
