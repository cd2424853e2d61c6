"""Time each form POST through the local dev server (a benchmark, not a test).

Drives synthetic cases through the forms over HTTP exactly as a browser would (GET the form for its
CSRF token and submission id, POST it, follow nothing) and prints p50/p95 per form in ms.
Run with `make bench-web`; writes bench/web_forms.json.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from throughgate.domain.needs import NeedArea
from throughgate_local.api_client import ApiClient
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

START = datetime(2027, 3, 1, 9, tzinfo=UTC)
CASES = int(sys.argv[1]) if len(sys.argv) > 1 else 15
AREAS = tuple(area.value for area in NeedArea)


class Browser:
    """Keeps cookies itself: the CSRF cookie is `Secure`, which browsers honour on localhost and
    urllib's cookie jar does not."""

    def __init__(self, base: str, user: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect())
        self.post_raw("/dev/sign-in", {"user": user})

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    def get(self, path: str) -> str:
        return self._open(urllib.request.Request(self.base + path))[1]

    def post_raw(self, path: str, data: dict[str, str]) -> int:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))[0]

    def submit(
        self,
        path: str,
        fields: dict[str, str],
        timings: dict[str, list[float]],
        name: str,
        steps: tuple[str, ...] = ("check", "confirm"),
    ) -> int:
        page = self.get(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        status = 0
        for step in steps:
            started = time.perf_counter()
            status = self.post_raw(
                path, {"csrf_token": token, "submission_id": submission, "step": step, **fields}
            )
            timings[f"{name} ({step})" if len(steps) > 1 else name].append(
                (time.perf_counter() - started) * 1000
            )
        return status


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def main() -> None:
    timings: dict[str, list[float]] = defaultdict(list)
    with LocalStack(START) as stack:
        api = ApiClient(stack, "coordinator-0001", "coordinator")
        for i in range(max(2, CASES // 4)):
            api.post(
                "/mentors",
                {
                    "mentor_id": f"mentor-{i:04d}",
                    "display_name": f"Mentor {i:04d}",
                    "gender": "male",
                    "borough": "Southwark",
                    "capacity": 6,
                    "lived_experience": [],
                    "linked_areas": [],
                },
            )
        httpd, base = start_in_thread(stack)
        coordinator = Browser(base, "coordinator-0001:coordinator")
        release = (START + timedelta(days=20)).date()
        for n in range(CASES):
            referral = {
                "client.given_name": "Bench",
                "client.family_name": "Example",
                "client.date_of_birth-day": "1",
                "client.date_of_birth-month": "2",
                "client.date_of_birth-year": "1990",
                "client.prison_number": f"B{n:04d}AA",
                "prison": "BXI",
                "release_on-day": str(release.day),
                "release_on-month": str(release.month),
                "release_on-year": str(release.year),
                "client.gender": "male",
                "client.borough": "Southwark",
                "client.gang_risk": "no",
            }
            assert coordinator.submit("/cases/new", referral, timings, "referral", ("confirm",)) == 303
            case_id = next(c.case_id for c in _cases(stack) if c.client.prison_number == f"B{n:04d}AA")
            path = f"/cases/{case_id}"
            coordinator.submit(
                f"{path}/consent",
                {"consent_given": "yes", "lawful_basis": "public_task", "data_sharing": "yes"},
                timings,
                "consent",
                ("confirm",),
            )
            levels = {f"needs.{a}.level": ("medium" if a == "health" else "none") for a in AREAS}
            coordinator.submit(f"{path}/assessment", levels, timings, "assessment")
            mentor = re.search(
                r'name="mentor_id"[^>]*value="([^"]+)"', coordinator.get(f"{path}/mentor")
            ).group(1)  # type: ignore[union-attr]
            coordinator.submit(f"{path}/mentor", {"mentor_id": mentor}, timings, "mentor match")
            task = re.search(r'/tasks/([a-z_.]+)"', coordinator.get(path)).group(1)  # type: ignore[union-attr]
            coordinator.submit(
                f"{path}/tasks/{task}", {"status": "done"}, timings, "task update", ("confirm",)
            )
        httpd.shutdown()
    summary = {
        name: {
            "n": len(v),
            "p50_ms": round(statistics.median(v), 1),
            "p95_ms": round(sorted(v)[max(0, int(len(v) * 0.95) - 1)], 1),
        }
        for name, v in timings.items()
    }
    print(f"{'form POST':<28}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}")
    for name, row in summary.items():
        print(f"{name:<28}{row['n']:>4}{row['p50_ms']:>10}{row['p95_ms']:>10}")
    Path(__file__).with_name("web_forms.json").write_text(json.dumps(summary, indent=2) + "\n")


def _cases(stack: LocalStack) -> list:  # type: ignore[type-arg]
    from throughgate.domain.lifecycle import Stage
    from throughgate.store.repository import CaseStore

    return CaseStore().cases_in_stage(Stage.REFERRED)


if __name__ == "__main__":
    main()
