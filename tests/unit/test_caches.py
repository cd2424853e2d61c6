"""throughgate.caches: every cache a Lambda keeps for its life is either reset with the local stack
(built from the environment: settings, clients, connections, dependencies) or data shipped with the
package, and a reset empties the first kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from throughgate import caches, config

# Built from files in the package only: the same in every environment, kept across local stacks.
PACKAGE_DATA = {
    "throughgate.domain.catalogue.load_task_templates",
    "throughgate.domain.catalogue.load_programme",
    "throughgate.domain.catalogue.load_cadence",
    "throughgate.domain.notifications.load_wordings",
    "throughgate.domain.catalogue.load_baselines",
    "throughgate.domain.volunteering.volunteering_rules",
    "throughgate.domain.pathway.load_pathway_criteria",
    "throughgate.domain.programme_metrics.load_programme_metrics",
    "throughgate.domain.catalogue.load_mentor_checks",
    "throughgate.domain.catalogue.load_prisons",
    "throughgate.domain.schedule._bank_holidays",  # the pinned holidays package's own rules
    "throughgate.web.render.environment",
}


# Run in a new interpreter: the store's models read the table names when first imported, and this
# test imports every module, which must not fix those names for the tests that run after it.
CLASSIFY = """
import importlib, json, pkgutil
import throughgate
from throughgate import caches

found = {}
for info in pkgutil.walk_packages(throughgate.__path__, "throughgate."):
    module = importlib.import_module(info.name)
    for name, value in vars(module).items():
        if not isinstance(value, type) and hasattr(value, "cache_clear") and getattr(value, "__module__", "") == module.__name__:
            found[f"{module.__name__}.{name}"] = any(value is r for r in caches.registered())
print(json.dumps({"found": found, "registered": len(caches.registered())}))
"""
ARN = "arn:aws:{}:eu-west-2:123456789012:{}"
SETTINGS = {
    "AWS_REGION": "eu-west-2",
    "TABLE_NAME": "throughgate-cases",
    "AUDIT_TABLE_NAME": "throughgate-audit",
    "RELEASE_STATE_MACHINE_ARN": ARN.format("states", "stateMachine:throughgate-release"),
    "OUTCOME_DUE_FUNCTION_ARN": ARN.format("lambda", "function:throughgate-OutcomeDue"),
    "START_WORKFLOW_FUNCTION_ARN": ARN.format("lambda", "function:throughgate-StartWorkflow"),
    "NOTIFICATIONS_TOPIC_ARN": ARN.format("sns", "throughgate-notifications"),
    "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/throughgate-scheduler",
    "SCHEDULE_GROUP": "throughgate",
    "REFERENCE_KEY": "k" * 48,
    "CSRF_SECRET": "s" * 48,
}


def cached_functions() -> tuple[dict[str, bool], int]:
    """Every module-level cached function (`functools.cache`) of the Lambda package, and whether
    it is registered; and how many are registered."""
    environment = {**os.environ, **SETTINGS}
    result = subprocess.run(
        [sys.executable, "-c", CLASSIFY], capture_output=True, text=True, check=True, env=environment
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    return answer["found"], answer["registered"]


def test_every_cache_is_reset_with_the_stack_or_is_package_data() -> None:
    found, count = cached_functions()
    registered = {name for name, is_registered in found.items() if is_registered}
    assert len(registered) == count, "a registered cache outside the package's modules"
    assert found.keys() >= PACKAGE_DATA, "a stale PACKAGE_DATA entry"
    unclassified = found.keys() - registered - PACKAGE_DATA
    assert unclassified == set(), "decorate with @caches.resettable, or add to PACKAGE_DATA"
    assert registered & PACKAGE_DATA == set()
    assert {"throughgate.config.settings", "throughgate.handlers.api._deps"} <= registered


def test_reset_caches_reads_the_environment_again(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setenv("USER_POOL_ID", "eu-west-2_first")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "client")
    caches.reset_caches()
    assert config.auth_settings().user_pool_id == "eu-west-2_first"
    monkeypatch.setenv("USER_POOL_ID", "eu-west-2_second")
    assert config.auth_settings().user_pool_id == "eu-west-2_first", "kept for the container's life"
    caches.reset_caches()
    assert config.auth_settings().user_pool_id == "eu-west-2_second"
    caches.reset_caches()
    assert os.environ["USER_POOL_ID"] == "eu-west-2_second"
