"""Browser helpers of the e2e tests: what a page logged, axe-core, signing in.

A :class:`BrowserLog` records, for every page of a browser context, console errors, uncaught
exceptions and Content-Security-Policy violations (the ``securitypolicyviolation`` DOM event,
reported through an exposed binding that survives navigations). The ``page`` fixture fails the
test when anything was recorded that the test did not :meth:`~BrowserLog.allow`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-dev-shm-usage"]
BLOCKING = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 900}

_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__minyiCsp && window.__minyiCsp(
    `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} on ${e.documentURI}`
    + (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : ''));
});
"""


@dataclass
class BrowserLog:
    """Console errors, page errors and CSP violations of one browser context."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.expose_binding("__minyiCsp", lambda _source, text: self.csp_violations.append(text))
        context.add_init_script(_CSP_LISTENER)
        context.on("page", self._watch)

    def _watch(self, page: Any) -> None:
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda error: self.page_errors.append(f"{error} [{page.url}]"))

    def _console(self, page: Any, msg: Any) -> None:
        if msg.type == "error":
            where = (msg.location or {}).get("url") or page.url
            self.console_errors.append(f"{msg.text} [{where}]")

    def allow(self, pattern: str) -> None:
        """Accept console errors matching ``pattern`` in this test (say, an expected 422)."""
        self.allowed.append(re.compile(pattern))

    def problems(self) -> list[str]:
        console = [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]
        return ([f"console: {e}" for e in console] + [f"page error: {e}" for e in self.page_errors]
                + [f"CSP: {e}" for e in self.csp_violations])


#: True when the page was loaded with scripting off: the fragment parser then builds
#: ``<noscript>``'s content as elements.
_SCRIPTING_OFF = """() => { const box = document.createElement('div');
  box.innerHTML = '<noscript><p></p></noscript>'; return box.querySelector('noscript p') !== null; }"""
#: axe-core in the page. With scripting off (a context without JavaScript) Chromium still runs
#: this evaluation and its promises, but never fires a timer, and axe.run waits on timers: for
#: the run they are turned into microtasks.
_RUN_AXE = """async (scriptingOff) => {
  const saved = window.setTimeout;
  if (scriptingOff) {
    window.setTimeout = (fn, ms, ...args) => { Promise.resolve().then(() => fn(...args)); return 0; };
  }
  try {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
  } finally {
    window.setTimeout = saved;
  }
}"""


def axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page (with or without JavaScript); return its serious and critical
    violations (id, impact, help, the first nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(_RUN_AXE, page.evaluate(_SCRIPTING_OFF))
    return [v for v in found if v["impact"] in BLOCKING]


def assert_accessible(page: Any, where: str = "") -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    blocking = axe(page)
    assert not blocking, f"{where or page.url}: {blocking}"


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    assert "/login" not in page.url, f"sign-in as {username} failed: {page.url}"
