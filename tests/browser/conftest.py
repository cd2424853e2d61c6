"""Browser tests: Playwright for Python driving Debian's Chromium, axe-core from npm.

`make browser` installs /usr/bin/chromium (Playwright never downloads a browser here) and
`make assets` builds web/static/ and node_modules/ (axe-core); `make test` does both first.
"""

from __future__ import annotations

import http.server
import mimetypes
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.journey import Journey
from throughgate.config import auth_settings
from throughgate_local.cognito import DEMO_PASSWORD
from throughgate_local.stack import LocalStack

REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "web" / "static"
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS_DIR = REPO_ROOT / "test-results" / "screenshots"

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying Google's hosts, which this
# machine's closed network refuses; as root it needs --no-sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEFAULT_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Served:
    """A local stack served over HTTP at `base`, with the journey that made its case."""

    stack: LocalStack
    base: str
    journey: Journey


def _require(path: Path, how: str) -> None:
    # A missing toolchain is a failure, never a skip: `make test` builds everything first.
    if not path.exists():
        pytest.fail(f"{path} is missing: run `{how}` (make test does)", pytrace=False)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    _require(CHROMIUM, "make browser")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context per test (no shared cookies, storage or cache).

    bypass_csp: axe-core is injected as an inline script, which the app's Content-Security-Policy
    rightly refuses; test_csp_blocks_inline_scripts checks the policy itself."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR


def sign_in_with_form(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """As a person does: the sign-in page (which forgets any earlier session), then the dashboard."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_be_visible()
    expect(page).to_have_url(f"{base}/")


def sign_in_with_token(page: Page, base: str, stack: LocalStack, username: str) -> None:
    """Quicker, for tests about the pages behind sign-in: a real ID token from moto's user pool
    (USER_PASSWORD_AUTH, as the SignIn function gets it) in the session cookie."""
    if username.startswith("mentor-"):
        stack.cognito.add_mentors([username])
    page.context.clear_cookies()
    page.context.add_cookies([session_cookie(base, stack.cognito.id_token(username))])


def session_cookie(base: str, token: str) -> Any:
    """The session cookie as the SignIn function sets it, for Playwright's cookie jar (which
    refuses a __Host- cookie given by URL, though the browser takes it from Set-Cookie)."""
    return {
        "name": auth_settings().session_cookie,
        "value": token,
        "domain": urlsplit(base).hostname,
        "path": "/",
        "httpOnly": True,
        "secure": True,
        "sameSite": "Strict",
    }


# What a person must never read on a page: a key (`needs_support`), a flag (`true`; "None." is English), a mentor's id
# (they have names). Staff other than mentors have no display names yet (issue 18): not checked.
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:true|false|True|False)\b|\bmentor-[0-9]{4}\b")


def raw_words(page: Page) -> list[str]:
    """Raw keys, flags and ids in the page's visible text (the local clock banner aside)."""
    text = page.evaluate(
        "() => { const b = document.body.cloneNode(true);"
        " b.querySelectorAll('.tg-clock-banner, script, style').forEach(e => e.remove());"
        " return b.innerText; }"
    )
    return sorted(set(RAW.findall(text)))


# The widths every page is looked at: a phone at the prison gate, and a desk.
SHOT_WIDTHS = (375, 1280)


def screenshots_at_both_widths(page: Page, shots: Path, name: str) -> None:
    """A screenshot of the page as it is at 375 and at 1280 px wide (`<name>-375.png`, ...); at
    each, the page must not scroll sideways. The viewport is put back as it was."""
    before = page.viewport_size
    try:
        for width in SHOT_WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
                f"{name} scrolls sideways at {width} px"
            )
    finally:
        if before:
            page.set_viewport_size(before)


def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Runs axe-core (from node_modules) on the page; returns its violations (empty when clean)."""
    _require(AXE_JS, "make assets")
    page.add_script_tag(path=str(AXE_JS))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags or AXE_TAGS
    )
    violations: list[dict[str, Any]] = result["violations"]
    return _without_known_govuk_issue(violations)


def _is_revealing_radio(node: dict[str, Any]) -> bool:
    """A GOV.UK radio that reveals a follow-up question, faulted only for its aria-expanded."""
    html = str(node.get("html", ""))
    said = " ".join(str(check.get("message", "")) for check in node.get("any", []) + node.get("all", []))
    faults = set(re.findall(r"aria-[a-z]+", said))
    return (
        html.startswith('<input class="govuk-radios__input"')
        and 'aria-controls="conditional-' in html
        and faults == {"aria-expanded"}
    )


def _without_known_govuk_issue(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GOV.UK Frontend sets aria-expanded on a radio that reveals a question, on purpose: screen
    readers announce it and its research found it helps, though ARIA does not list it for radios
    (a known issue: alphagov/govuk-frontend#979). axe-core's aria-allowed-attr is waived for exactly
    that attribute on exactly those radios; anything else it finds still fails."""
    kept = []
    for violation in violations:
        nodes = violation["nodes"]
        if violation["id"] == "aria-allowed-attr":
            nodes = [n for n in nodes if not _is_revealing_radio(n)]
        if nodes:
            kept.append({**violation, "nodes": nodes})
    return kept


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per violated rule and node, for an assertion message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
            )
    return "\n".join(lines)


@dataclass
class StaticSite:
    """A local HTTP server on 127.0.0.1 (free port) serving the built front end as the app will.

    /static/... from web/static/, /assets/... from web/static/assets/ (where the compiled CSS
    points), and pages the test puts in `pages` (path -> HTML).
    """

    url: str
    pages: dict[str, str] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)


def _handler(site_pages: Mapping[str, str], requested: list[str]) -> type[http.server.BaseHTTPRequestHandler]:
    mounts = {"/static/": STATIC_DIR, "/assets/": STATIC_DIR / "assets"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            requested.append(path)
            if path in site_pages:
                self._send(200, "text/html; charset=utf-8", site_pages[path].encode())
                return
            for prefix, root in mounts.items():
                if path.startswith(prefix):
                    file = (root / path.removeprefix(prefix)).resolve()
                    if file.is_relative_to(root.resolve()) and file.is_file():
                        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                        if ctype in {"text/css", "text/javascript", "application/javascript"}:
                            ctype += "; charset=utf-8"
                        self._send(200, ctype, file.read_bytes())
                        return
            self._send(404, "text/plain; charset=utf-8", b"not found")

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler


@pytest.fixture
def static_site() -> Iterator[StaticSite]:
    _require(STATIC_DIR / "throughgate.css", "make assets")
    pages: dict[str, str] = {}
    requested: list[str] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(pages, requested))
    thread = threading.Thread(target=server.serve_forever, name="static-site", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield StaticSite(url=f"http://{host!s}:{port}", pages=pages, requested=requested)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
