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

Only here: the clock controls behind the simulated-date banner, the outbox page (`/local/outbox`:
every e-mail and text message the stack has sent, and a client's reply to simulate), and the
synthetic users and their password listed on the sign-in page. None is part of the Lambda code.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import threading
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatchcase
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from throughgate.caches import reset_caches
from throughgate_local.api_client import proxy_event
from throughgate_local.cognito import DemoUser
from throughgate_local.stack import ACCOUNT, REGION, LocalStack

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "web" / "static"
DEMO_START = datetime(2027, 1, 4, 9, tzinfo=UTC)
STAGE = "local"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
OUTBOX = "/local/outbox"
REPLY_MAX_CHARS = 160  # one text message
_LINK = re.compile(r"^https?://[^/\s]+(/\S*)$")  # the app's address in an e-mail: followed here
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
        self.outbox = Outbox(stack)
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

        mentors = CaseStore().mentors()
        self.stack.cognito.add_mentors(m.mentor_id for m in mentors)
        self.stack.cognito.seed_staff_records(
            {m.mentor_id: m.display_name for m in mentors}, self.stack.clock.now()
        )
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
        self.stack.settle()
        return response


class Outbox:
    """The dev server's outbox page: what a member of staff's mailbox and a client's phone would
    show, newest first, and a client's reply (STOP) sent back through the stack."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def page(
        self,
        status: int = 200,
        replied: str = "",
        reply: str = "STOP",
        number: str = "",
        errors: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """`errors`: by field ("number", "reply"), a reply form shown again."""
        from throughgate.web import render

        env = render.environment().overlay(
            loader=_with_local_templates(render.environment().loader)  # base.html and the macros too
        )
        texts = self.stack.sent_texts()
        numbers = sorted({t["to"] for t in texts})
        errors = errors or {}
        listed = [{"text": error, "href": f"#{field}"} for field, error in errors.items()]
        html = env.get_template("local_outbox.html").render(
            simulated_now=self.stack.clock.now(),
            title="Outbox",
            page_path=OUTBOX,
            emails=[_as_read(mail) for mail in reversed(self.stack.sent_emails())],
            texts=[{**t, "sent_at": datetime.fromisoformat(t["sent_at"])} for t in reversed(texts)],
            numbers=numbers,
            chosen_number=number or (texts[-1]["to"] if texts else ""),
            reply=reply,
            replied=replied,
            errors=listed,
            number_error=errors.get("number", ""),
            reply_error=errors.get("reply", ""),
        )
        return {
            "statusCode": status,
            "headers": {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
            "body": html,
        }

    def reply(self, body: str) -> dict[str, Any]:
        """A client's reply from a number the stack has texted: a STOP ends their reminders."""
        fields = parse_qs(body)
        number = fields.get("number", [""])[0]
        reply = fields.get("reply", [""])[0].strip()
        errors: dict[str, str] = {}
        if number not in {t["to"] for t in self.stack.sent_texts()}:
            errors["number"] = "Choose a number the stack has sent a text message to"
        if not reply:
            errors["reply"] = "Enter the client's reply, for example STOP"
        elif len(reply) > REPLY_MAX_CHARS:
            errors["reply"] = f"A reply must be {REPLY_MAX_CHARS} characters or fewer"
        if errors:
            return self.page(422, reply=reply[:REPLY_MAX_CHARS], number=number, errors=errors)
        result = self.stack.reply_text(number, reply)
        self.stack.settle()
        replied = "stopped" if result.get("stopped") else "nothing"
        return {"statusCode": 303, "headers": {"Location": f"{OUTBOX}?replied={replied}"}}


def _with_local_templates(loader: Any) -> Any:
    import jinja2

    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(TEMPLATES_DIR), loader])


def _as_read(mail: dict[str, Any]) -> dict[str, Any]:
    """An e-mail's plain-text body as paragraphs; its link to the app leads to this server."""
    paragraphs = []
    for text in str(mail["body"]).split("\n\n"):
        link = _LINK.match(text.strip())
        paragraphs.append({"text": text, "href": link.group(1) if link else ""})
    return {"to": mail["to"], "subject": mail["subject"], "paragraphs": paragraphs}


REPLIED_WORDS = {
    "stopped": "The reply was received: that client's text reminders have stopped.",
    "nothing": "The reply was received. It stopped nothing: it was not STOP, or texts had already stopped.",
}


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
                if url.path == OUTBOX and method == "GET":
                    replied = parse_qs(url.query).get("replied", [""])[0]
                    response = server.outbox.page(replied=REPLIED_WORDS.get(replied, ""))
                elif url.path == f"{OUTBOX}/reply" and method == "POST":
                    response = server.outbox.reply(body)
                else:
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
    _demo_checks(coordinator, stack.clock.now().date())
    seed_volunteering(stack)


def seed_volunteering(stack: LocalStack) -> None:
    """Last month's time for the first three demo mentors: client work on one of their cases (by
    car), training (by bus) and supervision; the coordinator has approved the first of each."""
    from throughgate.domain.schedule import london_date
    from throughgate.domain.volunteering import Month
    from throughgate_local.api_client import ApiClient

    coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
    month = Month.before(london_date(stack.clock.now()))
    for n in range(3):
        mentor_id = f"mentor-{n:04d}"
        mentor = ApiClient(stack, mentor_id, "mentor")
        cases = mentor.post("/case-search", {}).body.get("cases", [])
        entries = [
            {
                "minutes": 120 + 30 * n,
                "activity": "training",
                "travel_mode": "public_transport",
                "fares_pence": 480,
            },
            {"minutes": 60, "activity": "supervision", "travel_mode": "none"},
        ]
        if cases:
            client_work = {
                "activity": "case",
                "case_id": cases[0]["case_id"],
                "travel_mode": "car",
                "miles": 8 + n,
            }
            entries.insert(0, {"minutes": 90, **client_work, "expense_pence": 350, "expense_note": "Lunch"})
        for day, entry in enumerate(entries, start=3):
            body = {"on": month.first.replace(day=day * 3).isoformat(), **entry}
            key = f"demo-time-{n}-{day}"
            mentor.post(f"/mentors/{mentor_id}/time", body, idempotency_key=key)
        coordinator.post(f"/mentors/{mentor_id}/time/demo-time-{n}-3/approve", {})


def _demo_checks(coordinator: Any, today: date) -> None:
    """Records worth a look: a code of conduct lapsing within the coordinators' 30 days, and a
    criminal records check cleared with conditions (synthetic)."""
    coordinator.post(
        "/mentors/mentor-0000/checks",
        {
            "kind": "code_of_conduct",
            "checked_on": (today - timedelta(days=5)).isoformat(),
            "expires_on": (today + timedelta(days=20)).isoformat(),
        },
    )
    coordinator.post(
        "/mentors/mentor-0001/checks",
        {
            "kind": "criminal_records",
            "checked_on": today.isoformat(),
            "level": "enhanced_barred",
            "outcome": "cleared_with_conditions",
            "conditions": "Not to work with clients released to Peckham (synthetic example)",
            "avoid_areas": ["Peckham"],
        },
    )


def serve(host: str = "127.0.0.1", port: int = 8000, seed_cases: int = 8) -> None:
    from throughgate.web import render

    with LocalStack(DEMO_START) as stack:
        httpd = ThreadingHTTPServer((host, port), _handler_class(DevServer(stack)))
        # The e-mails' links lead to this server, on whatever port it listens.
        os.environ["WEB_BASE_URL"] = f"http://{host}:{httpd.server_address[1]}"
        reset_caches()
        seed_demo(stack, seed_cases)
        render.local_clock_banner = stack.clock.now
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
