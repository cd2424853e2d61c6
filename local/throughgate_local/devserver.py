"""`throughgate serve`: the web pages on the local stack, for people and for browser tests.

Each HTTP request is handled as API Gateway handles it on AWS, through moto's Lambda on the local
stack (moto, the real workflows, the virtual clock), one request at a time as the stack's
determinism requires:

- /sign-in... and /sign-out go to the `SignIn` function (public routes);
- every other page first goes to the `Authorizer` function as a REQUEST authorizer event. A request
  without a Cookie header never reaches it (the identity source is missing); a policy that does not
  allow the method becomes a redirect to /sign-in, as the Web API's UNAUTHORIZED and ACCESS_DENIED
  gateway responses do on AWS; an Allow hands the returned context to the `Web`
  function as `requestContext.authorizer`. There is no authorizer cache here: every request is
  checked.

Only here: the clock controls behind the simulated-date banner, and the synthetic users and their
password listed on the sign-in page. Neither is part of the Lambda code.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from throughgate_local.api_client import proxy_event
from throughgate_local.cognito import DemoUser
from throughgate_local.stack import ACCOUNT, REGION, LocalStack

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "web" / "static"
DEMO_START = datetime(2027, 1, 4, 9, tzinfo=UTC)
STAGE = "local"
_SIGN_IN_FORWARD: dict[str, Any] = {
    "statusCode": 303,
    "headers": {"Location": "/sign-in", "Cache-Control": "no-store"},
}


def _public(path: str) -> bool:
    return path in {"/sign-in", "/sign-out"} or path.startswith("/sign-in/")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allows(policy: dict[str, Any], method_arn: str) -> bool:
    """IAM evaluation of an authorizer's policy for one method: an explicit Deny wins, then Allow."""
    effects = {
        statement.get("Effect")
        for statement in policy.get("Statement", [])
        if "execute-api:Invoke" in _listed(statement.get("Action"))
        and any(fnmatchcase(method_arn, pattern) for pattern in _listed(statement.get("Resource")))
    }
    return "Allow" in effects and "Deny" not in effects


class DevServer:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.lock = threading.Lock()
        stack.cognito.ensure()

    def advance_days(self, days: int) -> None:
        """A day of the programme: the clock moves, schedules fire, the sweep runs, events arrive."""
        for _ in range(days):
            self.stack.clock.advance(timedelta(days=1))
            self.stack.clock.settle()
            self.stack.fire_due_schedules()
            self.stack.run_daily_sweep()
            self.stack.deliver_prison_events()

    def demo_users(self) -> list[DemoUser]:
        """Every synthetic user, with a user for each mentor in the store (added since, too)."""
        from throughgate.store.repository import CaseStore

        self.stack.cognito.add_mentors(m.mentor_id for m in CaseStore().mentors())
        return sorted(self.stack.cognito.users.values(), key=lambda u: (u.group, u.username))

    def authorize(self, method: str, path: str, query: str, headers: dict[str, str]) -> dict[str, Any] | None:
        """What API Gateway does with a REQUEST authorizer: the context to pass on, or None (401)."""
        if not any(name.lower() == "cookie" for name in headers):
            return None
        method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:throughgate-web/{STAGE}/{method}{path}"
        event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            **proxy_event(method, path, None, None, query=query, headers=headers),
        }
        response = self.stack.client("lambda").invoke(
            FunctionName="throughgate-Authorizer", Payload=json.dumps(event).encode()
        )
        result = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RuntimeError(f"Authorizer failed: {result.get('errorType')}: {result.get('errorMessage')}")
        if not allows(result["policyDocument"], method_arn):
            return None
        return {**result.get("context", {}), "principalId": result["principalId"]}

    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: str
    ) -> dict[str, Any]:
        """One request, as API Gateway would route it; the function's proxy response."""
        event = proxy_event(method, path, body or None, None, query=query, headers=headers)
        if _public(path):
            if method == "GET" and path == "/sign-in":
                from throughgate.web import render

                render.environment().globals["local_demo_users"] = self.demo_users()
            return self.stack.invoke("SignIn", event)
        context = self.authorize(method, path, query, headers)
        if context is None:
            return _SIGN_IN_FORWARD
        event["requestContext"]["authorizer"] = context
        response = self.stack.invoke("Web", event)
        self.stack.clock.settle()
        return response


def _back_to(path: str) -> str:
    """Where the clock buttons return: the page they were pressed on, if it is one of ours."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _handler_class(server: DevServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # request lines carry case ids only, but keep the console for the address

        def _send(
            self,
            status: int,
            body: bytes,
            headers: dict[str, str] | None = None,
            cookies: list[str] | None = None,
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                if name.lower() not in {"content-length", "set-cookie"}:
                    self.send_header(name, value)
            for cookie in cookies or []:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _static(self, path: str) -> bool:
            if not path.startswith("/static/"):
                return False
            file = (STATIC_DIR / path.removeprefix("/static/")).resolve()
            if not file.is_relative_to(STATIC_DIR.resolve()) or not file.is_file():
                return False
            kind = "text/javascript" if file.suffix == ".mjs" else mimetypes.guess_type(file.name)[0]
            self._send(
                200,
                file.read_bytes(),
                {"Content-Type": kind or "application/octet-stream", "Cache-Control": "max-age=300"},
            )
            return True

        def _body(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            body = self._body() if method == "POST" else ""
            with server.lock:
                if method == "GET" and self._static(url.path):
                    return
                if url.path == "/dev/clock" and method == "POST":
                    fields = parse_qs(body)
                    days = int(fields.get("advance", ["1"])[0])
                    server.advance_days(max(1, min(days, 31)))
                    self._send(
                        HTTPStatus.SEE_OTHER, b"", {"Location": _back_to(fields.get("back", ["/"])[0])}
                    )
                    return
                headers = {k: v for k, v in self.headers.items()}
                response = server.handle(method, url.path, url.query, headers, body)
            # API Gateway REST responses carry headers in both maps; powertools uses multiValueHeaders.
            out_headers = dict(response.get("headers") or {})
            cookies = []
            for name, values in (response.get("multiValueHeaders") or {}).items():
                if name.lower() == "set-cookie":
                    cookies.extend(values)
                else:
                    out_headers[name] = ", ".join(values)
            if "Set-Cookie" in out_headers:
                cookies.append(out_headers.pop("Set-Cookie"))
            payload = response.get("body") or ""
            self._send(int(response["statusCode"]), payload.encode(), out_headers, cookies)

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

    return Handler


def seed_demo(stack: LocalStack, cases: int = 8) -> None:
    """Mentors and cases at many stages: an early batch run past release and handover, a later
    batch still before release, and two new referrals (one not yet consented)."""
    from throughgate_local.api_client import ApiClient
    from throughgate_local.simulation.people import Simulation

    early = Simulation(stack, max(1, cases // 2), seed=7)
    early.seed_mentors()
    early.refer_clients()
    early.run(stack.clock.now() + timedelta(days=110))
    later = Simulation(stack, max(1, cases - cases // 2), seed=8)
    later.refer_clients(first_index=1000)
    later.run(stack.clock.now() + timedelta(days=20))
    coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
    for n, consent in ((0, False), (1, True)):
        release = (stack.clock.now() + timedelta(days=60 + n)).date().isoformat()
        body = {
            "submission_id": f"demo-referral-{n:04d}",
            "client": {
                "given_name": "Demo",
                "family_name": "Example",
                "date_of_birth": "1991-04-0" + str(n + 1),
                "prison_number": f"D{n:04d}AA",
                "gender": "male",
                "borough": "Southwark",
            },
            "release_on": release,
            "prison": "BXI",
        }
        case_id = coordinator.post("/referrals", body).body["case_id"]
        if consent:
            coordinator.post(
                f"/cases/{case_id}/consent",
                {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True},
            )


def serve(host: str = "127.0.0.1", port: int = 8000, seed_cases: int = 8) -> None:
    from throughgate.web import render

    with LocalStack(DEMO_START) as stack:
        seed_demo(stack, seed_cases)
        render.local_clock_banner = stack.clock.now
        httpd = ThreadingHTTPServer((host, port), _handler_class(DevServer(stack)))
        print(
            f"Throughgate is running at http://{host}:{httpd.server_address[1]}/ (local stack; Ctrl+C stops it)",
            flush=True,
        )
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            render.local_clock_banner = None
            httpd.server_close()


def start_in_thread(
    stack: LocalStack, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, str]:
    """For browser tests: serve an already running stack from a background thread."""
    from throughgate.web import render

    render.local_clock_banner = stack.clock.now
    httpd = ThreadingHTTPServer((host, port), _handler_class(DevServer(stack)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{host}:{httpd.server_address[1]}"
