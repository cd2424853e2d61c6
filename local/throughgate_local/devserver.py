"""`throughgate serve`: the web pages on the local stack, for people and for browser tests.

Each HTTP request becomes an API Gateway REST proxy event for the very same `Web` Lambda handler,
invoked through moto's Lambda on the local stack (moto, the real workflows, the virtual clock).
Requests are handled one at a time, as the local stack's determinism requires.

Only here: a sign-in picker standing in for Cognito's hosted UI (the claims it passes are those
the authorizer would), and the clock controls behind the simulated-date banner. Neither is part of
the Lambda code, so neither can exist in a deployed build.
"""

from __future__ import annotations

import mimetypes
import threading
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from throughgate_local.api_client import proxy_event
from throughgate_local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "web" / "static"
DEV_USER_COOKIE = "tg_dev_user"
DEMO_START = datetime(2027, 1, 4, 9, tzinfo=UTC)


def dev_users(stack: LocalStack) -> list[tuple[str, str, str]]:
    """(user id, role, label) for the sign-in picker: synthetic staff only."""
    from throughgate.store.repository import CaseStore

    users = [("coordinator-0001", "coordinator", "Coordinator (coordinator-0001)")]
    users += [(m.mentor_id, "mentor", f"{m.display_name} (mentor)") for m in CaseStore().mentors()]
    users.append(("manager-0001", "manager", "Manager (manager-0001)"))
    return users


class DevServer:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.lock = threading.Lock()

    def advance_days(self, days: int) -> None:
        """A day of the programme: the clock moves, schedules fire, the sweep runs, events arrive."""
        for _ in range(days):
            self.stack.clock.advance(timedelta(days=1))
            self.stack.clock.settle()
            self.stack.fire_due_schedules()
            self.stack.run_daily_sweep()
            self.stack.deliver_prison_events()

    def proxy(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: str,
        *,
        user: tuple[str, str] | None,
    ) -> dict[str, Any]:
        event = proxy_event(method, path, body or None, user, query=query, headers=headers)
        response = self.stack.invoke("Web", event)
        self.stack.clock.settle()
        return response


def _handler_class(server: DevServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # request lines carry case ids only, but keep the console for the address

        def _cookies(self) -> dict[str, str]:
            jar = {}
            for part in (self.headers.get("Cookie") or "").split(";"):
                name, _, value = part.strip().partition("=")
                if name:
                    jar[name] = value
            return jar

        def _user(self) -> tuple[str, str] | None:
            value = self._cookies().get(DEV_USER_COOKIE, "")
            user_id, _, role = value.partition(":")
            return (user_id, role) if user_id and role else None

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

        def _redirect(self, location: str, cookies: list[str] | None = None) -> None:
            self._send(HTTPStatus.SEE_OTHER, b"", {"Location": location}, cookies)

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

        def _sign_in_page(self) -> None:
            from html import escape

            options = "".join(
                f'<div class="govuk-radios__item"><input class="govuk-radios__input" id="user-{i}" name="user" '
                f'type="radio" value="{escape(uid)}:{escape(role)}"><label class="govuk-label govuk-radios__label" '
                f'for="user-{i}">{escape(label)}</label></div>'
                for i, (uid, role, label) in enumerate(dev_users(server.stack))
            )
            page = (
                '<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8">'
                '<title>Sign in (local stack) - Throughgate</title><meta name="viewport" content="width=device-width, '
                'initial-scale=1"><link rel="stylesheet" href="/static/throughgate.css"></head>'
                '<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper" '
                'id="main-content"><h1 class="govuk-heading-l">Sign in (local stack)</h1><p class="govuk-body">On AWS '
                'this is Cognito. Here, choose a synthetic user.</p><form method="post" action="/dev/sign-in">'
                '<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend '
                f'govuk-fieldset__legend--s">User</legend><div class="govuk-radios">{options}</div></fieldset></div>'
                '<button class="govuk-button" type="submit">Sign in</button></form></main></div></body></html>'
            )
            self._send(
                200, page.encode(), {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
            )

        def _body(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            body = self._body() if method == "POST" else ""
            with server.lock:
                if method == "GET" and self._static(url.path):
                    return
                if url.path == "/dev/sign-in":
                    if method == "POST":
                        chosen = parse_qs(body).get("user", [""])[0]
                        self._redirect(
                            "/", [f"{DEV_USER_COOKIE}={chosen}; Path=/; HttpOnly; SameSite=Strict"]
                        )
                    else:
                        self._sign_in_page()
                    return
                if url.path == "/dev/sign-out":
                    self._redirect("/dev/sign-in", [f"{DEV_USER_COOKIE}=; Path=/; Max-Age=0"])
                    return
                if url.path == "/dev/clock" and method == "POST":
                    days = int(parse_qs(body).get("advance", ["1"])[0])
                    server.advance_days(max(1, min(days, 31)))
                    self._redirect(self.headers.get("Referer") or "/")
                    return
                user = self._user()
                if user is None:
                    self._redirect("/dev/sign-in")
                    return
                headers = {k: v for k, v in self.headers.items()}
                response = server.proxy(method, url.path, url.query, headers, body, user=user)
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
    from throughgate_local.simulate import Simulation

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
