"""Web latency under load: concurrent users driving the forms through the local dev server.

The dev server (`throughgate_local.devserver`, the real `Web` handler on the local stack) runs in a
child interpreter so that the load driver never competes with it for the GIL. Each simulated user
signs in as a coordinator and, until time is up, takes one new case after another through the
forms exactly as a browser would: GET the form for its CSRF token and submission id, POST it
(`check`, then `confirm` where the form has a check-your-answers step), read the redirect. The
route is referral, case page, consent, assessment, mentor match, one task update, dashboard.

Driver: a thread per user with a keep-alive `http.client` connection. A replay tool (ab, wrk, hey)
cannot do this: every POST needs a fresh token and submission id from the page before it, and a
replayed submission id is (rightly) saved only once. Locust could, but would add gevent and a
dozen other packages for 20 users; the server, which handles one request at a time, is the
bottleneck by far, not the client.

Expected answers: 200 for a page or a `check`, 303 for a `confirm`; anything else is an error, with
one exception. With 20 coordinators matching at once, the mentor a user chose can fill up before
the user confirms; the mentor form then comes back (422) asking for another mentor. A person reloads
the suggestions and chooses again, and so does the driver (at most MAX_RECHOICES times per case):
that answer is counted as `mentor_rechosen`, not as an error.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from throughgate.domain.needs import NeedArea
from throughgate_local.cognito import DEMO_PASSWORD
from throughgate_local.mentors import enrolled

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2027, 3, 1, 9, tzinfo=UTC)
RELEASE_IN_DAYS = 20
RAMP_UP_SECONDS = 2.0
MAX_RECHOICES = 3
AREAS = tuple(area.value for area in NeedArea)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')
_MENTOR = re.compile(r'name="mentor_id"[^>]*value="([^"]+)"')
_TASK = re.compile(r'/tasks/([a-z_.]+)"')
_CHOOSE_AGAIN = re.compile(r'<a href="#mentor_id">')  # the error summary points at the mentor choice


class FlowError(Exception):
    """An unexpected answer: counted, and the user starts a new case."""


class ChooseAgain(Exception):
    """The mentor form came back asking for another mentor: the chosen one filled up meanwhile."""


@dataclass
class Recorder:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    causes: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # "route: status"
    rechosen: int = 0  # mentor forms sent back to choose again (see the module docstring)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, ms: float, cause: str | None) -> None:
        with self.lock:
            self.timings[route].append(ms)
        if cause is not None:
            self.error(route, cause)

    def error(self, route: str, cause: str) -> None:
        with self.lock:
            self.errors[route] += 1
            self.causes[f"{route}: {cause}"] += 1

    def chose_again(self) -> None:
        with self.lock:
            self.rechosen += 1


class User:
    """One coordinator in a browser: cookies, a keep-alive connection, the deadline."""

    def __init__(self, number: int, base: str, recorder: Recorder, deadline: float) -> None:
        self.number = number
        self.address = urlsplit(base)
        self.connection = http.client.HTTPConnection(
            self.address.hostname or "", self.address.port, timeout=120
        )
        self.cookies: dict[str, str] = {}
        self.recorder = recorder
        self.deadline = deadline
        self.cases = 0

    def request(
        self,
        route: str,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        may_ask_again: bool = False,
    ) -> tuple[int, str, str]:
        """One request; with `may_ask_again`, a mentor form sent back to choose again raises
        ChooseAgain instead of counting as an error."""
        if time.monotonic() > self.deadline:
            raise TimeoutError
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Sec-Fetch-Site": "same-origin",  # as a browser sends it; the sign-in pages check it
        }
        body = urlencode(form).encode() if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            self.recorder.add(route, (time.perf_counter() - started) * 1000, type(error).__name__)
            self.connection.close()
            raise FlowError(route) from None
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        expected = 303 if (form is not None and form.get("step", "confirm") == "confirm") else 200
        asked_again = may_ask_again and response.status == 422 and _CHOOSE_AGAIN.search(text) is not None
        ok = response.status == expected or asked_again
        self.recorder.add(route, elapsed, None if ok else str(response.status))
        if asked_again:
            raise ChooseAgain(route)
        if response.status != expected:
            raise FlowError(f"{route}: {response.status}")
        return response.status, text, response.headers.get("Location") or ""

    def page(self, route: str, path: str) -> str:
        return self.request(f"GET {route}", "GET", path)[1]

    def submit(
        self,
        route: str,
        path: str,
        fields: dict[str, str],
        steps: tuple[str, ...],
        *,
        may_ask_again: bool = False,
    ) -> str:
        page = self.page(route, path)
        token, submission = _TOKEN.search(page), _SUBMISSION.search(page)
        if token is None or submission is None:
            raise FlowError(f"{route}: no form")
        location = ""
        for step in steps:
            form = {
                "csrf_token": token.group(1),
                "submission_id": submission.group(1),
                "step": step,
                **fields,
            }
            label = f"POST {route} ({step})" if len(steps) > 1 else f"POST {route}"
            location = self.request(label, "POST", path, form, may_ask_again=may_ask_again)[2]
        return location

    def match_mentor(self, case: str) -> bool:
        """Choose the first suggestion and confirm it; when the form asks to choose again, reload the
        suggestions and do (see the module docstring). False if every mentor is full."""
        for _attempt in range(MAX_RECHOICES + 1):
            mentor = _MENTOR.search(self.page("/cases/{id}/mentor", f"{case}/mentor"))
            if mentor is None:
                return False  # every mentor is full: a person would stop here too
            # The ranking can also change between choosing and confirming (another user's match
            # changes a mentor's load), and then the form needs a reason: give one, as a person would.
            match = {"mentor_id": mentor.group(1), "override_reason": "The list changed while matching"}
            try:
                self.submit(
                    "/cases/{id}/mentor", f"{case}/mentor", match, ("check", "confirm"), may_ask_again=True
                )
            except ChooseAgain:
                self.recorder.chose_again()
                continue
            return True
        self.recorder.error(
            "POST /cases/{id}/mentor (confirm)", f"still full after {MAX_RECHOICES} re-choices"
        )
        raise FlowError("/cases/{id}/mentor")

    def one_case(self) -> None:
        prison_number = f"{chr(ord('A') + self.number % 26)}{self.cases:04d}{'BC'[self.number // 26 % 2]}A"
        self.cases += 1
        release = (START + timedelta(days=RELEASE_IN_DAYS)).date()
        referral = {
            "client.given_name": "Load",
            "client.family_name": "Example",
            "client.date_of_birth-day": "1",
            "client.date_of_birth-month": "2",
            "client.date_of_birth-year": "1990",
            "client.prison_number": prison_number,
            "prison": "BXI",
            "release_on-day": str(release.day),
            "release_on-month": str(release.month),
            "release_on-year": str(release.year),
            "client.gender": "male",
            "client.borough": "Southwark",
            "client.gang_risk": "no",
        }
        location = self.submit("/cases/new", "/cases/new", referral, ("confirm",))
        case = urlsplit(location).path
        self.page("/cases/{id}", case)
        consent = {"consent_given": "yes", "lawful_basis": "public_task", "data_sharing": "yes"}
        self.submit("/cases/{id}/consent", f"{case}/consent", consent, ("confirm",))
        levels = {f"needs.{a}.level": ("medium" if a == "health" else "none") for a in AREAS}
        self.submit("/cases/{id}/assessment", f"{case}/assessment", levels, ("check", "confirm"))
        if not self.match_mentor(case):
            return
        task = _TASK.search(self.page("/cases/{id}", case))
        if task is not None:
            path = f"{case}/tasks/{task.group(1)}"
            self.submit("/cases/{id}/tasks/{key}", path, {"status": "done"}, ("confirm",))
        self.page("/", "/")

    def run(self) -> None:
        try:
            self.request(
                "POST /sign-in",
                "POST",
                "/sign-in",
                {"username": "coordinator-0001", "password": DEMO_PASSWORD},
            )
            while time.monotonic() < self.deadline:
                try:
                    self.one_case()
                except FlowError:
                    continue
        except (TimeoutError, FlowError):
            return
        finally:
            self.connection.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


def serve(mentors: int) -> None:
    """Child process: the local stack, `mentors` mentors, the dev server; stops when stdin closes."""
    from throughgate_local.api_client import ApiClient
    from throughgate_local.devserver import start_in_thread
    from throughgate_local.stack import LocalStack

    with LocalStack(START) as stack:
        coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        for i in range(mentors):
            body = {
                "mentor_id": f"mentor-{i:04d}",
                "display_name": f"Mentor {i:04d}",
                "gender": "male",
                "boroughs": ["Southwark"],
                "capacity": 6,
                "lived_experience": [],
                "linked_areas": [],
            }
            if not enrolled(coordinator, body):
                raise RuntimeError("could not register the load test's mentors")
        httpd, base = start_in_thread(stack)
        print(base, flush=True)
        sys.stdin.read()
        httpd.shutdown()


def measure(users: int = 20, seconds: float = 60.0, mentors: int = 80) -> dict[str, Any]:
    env = {**os.environ, "TZ": "UTC"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    server = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "bench.web_load", "serve", str(mentors)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        base = server.stdout.readline().strip()
        if not base.startswith("http://127.0.0.1:"):
            raise RuntimeError("the dev server did not start")
        recorder = Recorder()
        deadline = time.monotonic() + seconds
        crowd = [User(n, base, recorder, deadline) for n in range(users)]
        threads = [threading.Thread(target=user.run) for user in crowd]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
            time.sleep(RAMP_UP_SECONDS / users)  # people arrive over a few seconds, not in one instant
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    routes = {
        route: {
            "n": len(values),
            "p50_ms": _percentile(values, 50),
            "p95_ms": _percentile(values, 95),
            "p99_ms": _percentile(values, 99),
            "errors": recorder.errors.get(route, 0),
        }
        for route, values in sorted(recorder.timings.items())
    }
    requests = sum(r["n"] for r in routes.values())
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "cases_started": sum(user.cases for user in crowd),
        "routes": routes,
        "web_p95_ms_max": max(r["p95_ms"] for r in routes.values()),
        "web_errors": sum(r["errors"] for r in routes.values()),
        "mentor_rechosen": recorder.rechosen,
        "error_causes": dict(sorted(recorder.causes.items())),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]))
    else:
        seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
        print(json.dumps(measure(seconds=seconds), indent=2))
