"""The front-end toolchain end to end: compiled CSS, GOV.UK Frontend's JS, axe-core, screenshots."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.browser.conftest import StaticSite, axe_violations, describe_violations

# govuk-frontend 6.x's button green: govuk-colour("green") = #0f7a52 (the 2025 brand palette;
# before 6.0 it was #00703c).
GOVUK_BUTTON_GREEN = "rgb(15, 122, 82)"
# .tg-clock-banner: govuk-colour("yellow", $variant: "tint-50") = #ffee80.
CLOCK_BANNER_YELLOW = "rgb(255, 238, 128)"

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <title>Error: Prison number &ndash; Refer a client &ndash; Throughgate</title>
  <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/throughgate.css">
</head>
<body class="govuk-template__body">
  <script>document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>
  <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
  <header class="govuk-template__header">
    <div class="tg-clock-banner">
      <div class="govuk-width-container">
        <p class="tg-clock-banner__text">Simulated date: <strong class="tg-clock-banner__date">14 March 2027</strong></p>
      </div>
    </div>
    <div class="govuk-generic-header">
      <div class="govuk-generic-header__container govuk-width-container">
        <div class="govuk-generic-header__logo">
          <a href="/" class="govuk-generic-header__homepage-link">Throughgate</a>
        </div>
      </div>
    </div>
  </header>
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <div class="govuk-error-summary" data-module="govuk-error-summary">
            <div role="alert">
              <h2 class="govuk-error-summary__title">There is a problem</h2>
              <div class="govuk-error-summary__body">
                <ul class="govuk-list govuk-error-summary__list">
                  <li><a href="#prison-number">Enter a prison number</a></li>
                </ul>
              </div>
            </div>
          </div>
          <form method="post" novalidate>
            <div class="govuk-form-group govuk-form-group--error">
              <h1 class="govuk-label-wrapper">
                <label class="govuk-label govuk-label--l" for="prison-number">What is the client's prison number?</label>
              </h1>
              <div id="prison-number-hint" class="govuk-hint">For example, A1234BC</div>
              <p id="prison-number-error" class="govuk-error-message">
                <span class="govuk-visually-hidden">Error:</span> Enter a prison number
              </p>
              <input class="govuk-input govuk-input--width-10 govuk-input--error" id="prison-number"
                name="prisonNumber" type="text" spellcheck="false" autocomplete="off"
                aria-describedby="prison-number-hint prison-number-error">
            </div>
            <button type="submit" class="govuk-button" data-module="govuk-button">Continue</button>
          </form>
        </div>
      </div>
    </main>
  </div>
  <footer class="govuk-template__footer">
    <div class="govuk-footer">
      <div class="govuk-width-container">
        <p class="govuk-footer__meta-custom govuk-body-s">Throughgate: a through-the-gate mentoring programme</p>
      </div>
    </div>
  </footer>
  <script type="module" src="/static/govuk-frontend.min.js"></script>
  <script type="module">
    import { initAll } from "/static/govuk-frontend.min.js";
    initAll();
  </script>
</body>
</html>
"""


def test_govuk_frontend_page_styled_scripted_accessible(
    page: Page, static_site: StaticSite, screenshots_dir: Path
) -> None:
    static_site.pages["/refer/prison-number"] = ERROR_PAGE
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))

    page.goto(f"{static_site.url}/refer/prison-number")
    # GOV.UK Frontend's JS ran: initAll() marks each component it initialised, and the error
    # summary takes the focus on page load.
    page.wait_for_selector(".govuk-error-summary[data-govuk-error-summary-init]", state="attached")
    page.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    page.wait_for_load_state("networkidle")

    # The compiled CSS applies: GOV.UK Frontend's button and the project's own styles.
    button = page.locator("button.govuk-button")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == GOVUK_BUTTON_GREEN
    input_border = page.locator("#prison-number").evaluate("e => getComputedStyle(e).borderTopWidth")
    assert input_border == "2px"
    banner = page.locator(".tg-clock-banner")
    assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == CLOCK_BANNER_YELLOW

    # Not a gov.uk service: no GDS Transport anywhere, system-ui first.
    for selector in (
        ".govuk-label",
        "button.govuk-button",
        "#prison-number",
        ".govuk-error-summary__title",
        ".govuk-body-s",
    ):
        family = page.locator(selector).evaluate("e => getComputedStyle(e).fontFamily")
        assert "GDS Transport" not in family, (selector, family)
        assert family.startswith("system-ui"), (selector, family)
    assert "GDS Transport" not in (Path(__file__).parents[2] / "web/static/throughgate.css").read_text()
    # Nothing beyond the page, its CSS and JS was fetched (no fonts, no crown or crest images).
    assert sorted(set(static_site.requested)) == [
        "/refer/prison-number",
        "/static/govuk-frontend.min.js",
        "/static/throughgate.css",
    ]
    assert failed == []
    assert console_errors == []

    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    shot = screenshots_dir / "toolchain-error-page.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5_000


def test_axe_reports_violations(page: Page, static_site: StaticSite) -> None:
    # The negative control: the same helper does find problems (an input without a label).
    static_site.pages["/broken"] = (
        '<!DOCTYPE html><html lang="en"><head><title>Broken</title>'
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/throughgate.css"></head>'
        '<body><main><input class="govuk-input" type="text" name="x"></main></body></html>'
    )
    page.goto(f"{static_site.url}/broken")
    ids = {v["id"] for v in axe_violations(page)}
    assert "label" in ids
