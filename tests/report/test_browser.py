"""report.html in a real browser: headless Chromium from the distribution, driven by stdlib only.

Chromium is started with ``--remote-debugging-pipe``: DevTools protocol messages are JSON
separated by NUL bytes on file descriptors 3 (to the browser) and 4 (from it), so no websocket
or driver package is needed. The test fails on console errors, failed or external requests,
images that did not load, anything wider than the page at phone (390 px) and desktop (1280 px)
widths, a table or chart that is wider than its box without saying so (the "scroll sideways"
cue and the fading edge), and chart text shown smaller than 9 CSS px; it saves screenshots of
the DTCAF sample report (to the test's tmp dir, and to $IPSS_SCREENSHOT_DIR when set).
Skipped only where /usr/bin/chromium is absent.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from ipss_survey.report.charts.style import DPI, MIN_FONT, MIN_TEXT_PX
from ipss_survey.report.html import html_report
from ipss_survey.report.write import write_reports
from tests.report.builders import dtcaf_by_ministry, dtcaf_reports, hostile

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="Chromium is not installed (apt-get install chromium)"
)

# Runs in the page; returns what a reader would notice: broken images, overflow, bad tables.
CHECKS = r"""
(() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const out = {width, scrollWidth: root.scrollWidth, images: [], wide: [], tables: []};
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) out.images.push(img.alt || img.src.slice(0, 60));
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-wrap') && !el.classList.contains('table-wrap')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) {
      out.wide.push(`${el.tagName}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  for (const t of document.querySelectorAll('table')) {
    const wrap = t.parentElement;
    const scrolls = wrap && wrap.classList.contains('table-wrap')
      && ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX);
    const caption = t.caption ? t.caption.textContent : t.rows[0].textContent.slice(0, 40);
    out.tables.push({caption, scrolls: !!scrolls, fits: t.scrollWidth <= wrap.clientWidth + 1});
  }
  // a cell narrower than its longest word: a squeezed column that breaks words apart
  out.squeezed = [];
  const ctx = document.createElement('canvas').getContext('2d');
  for (const cell of document.querySelectorAll('td, th')) {
    let longest = 0;
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const cs = getComputedStyle(walk.currentNode.parentElement);
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      for (const w of walk.currentNode.textContent.split(/\s+|(?<=-)/)) {  // lines break there
        if (w) longest = Math.max(longest, ctx.measureText(w).width);
      }
    }
    const cs = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (longest > inner + 1) out.squeezed.push(cell.innerText.slice(0, 40));
  }
  out.sections = Array.from(document.querySelectorAll('main > section')).map(s => s.id);
  out.images_total = document.images.length;
  // a wrapper wider inside than its box must say so: the cue above it and a fading edge
  out.cues = [];
  for (const w of document.querySelectorAll('.table-wrap, .chart-wrap')) {
    const cue = getComputedStyle(w, '::before');
    const style = getComputedStyle(w);
    const mask = style.maskImage || style.webkitMaskImage || 'none';
    out.cues.push({
      what: (w.querySelector('caption') || w.querySelector('img') || w).textContent.slice(0, 40)
        || (w.querySelector('img') || {}).alt,
      overflows: w.scrollWidth > w.clientWidth + 1,
      shown: cue.content.includes('scroll sideways') && parseFloat(cue.height) > 0
        && cue.visibility !== 'hidden',
      faded: mask !== 'none',
    });
  }
  // chart text as shown: its smallest text is MIN_FONT points at the PNG's resolution
  out.chart_text = Array.from(document.querySelectorAll('figure img')).map(img => ({
    alt: img.alt,
    px: img.getBoundingClientRect().width / img.naturalWidth * __NATIVE_TEXT_PX__,
  }));
  return out;
})()
""".replace("__NATIVE_TEXT_PX__", repr(MIN_FONT / 72 * DPI))


class Chromium:
    """Just enough of the DevTools protocol over a pipe: commands, events, one page session."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Keep our ends away from 3 and 4, where the child expects its ends.
        for name in ("_to_browser", "_from_browser"):
            fd = getattr(self, name)
            high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(fd)
            setattr(self, name, high)
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def wire() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--mute-audio",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire,  # only dup2 between fork and exec
        )
        os.close(child_in)
        os.close(child_out)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, page: bool = True) -> dict:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + TIMEOUT
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def load(self, url: str, width: int, height: int, mobile: bool) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"]["value"]

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", params)["data"]))

    def problems(self, page_url: str) -> list[str]:
        """Console errors, exceptions, error log entries and requests leaving the file."""
        found = []
        for ev in self.events:
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found.append(f"console.{p['type']}: {p.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {p.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                found.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if url != page_url and not url.startswith("data:"):
                    found.append(f"request: {url}")
            elif method == "Network.loadingFailed":
                found.append(f"failed load: {p.get('errorText')}")
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close", page=False)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)


@pytest.fixture(scope="module")
def dtcaf():
    return dtcaf_by_ministry()


@pytest.fixture(scope="module")
def dtcaf_report() -> Path:
    out, _ = dtcaf_reports()
    return out / "report.html"


@pytest.fixture(scope="module")
def managers_report(tmp_path_factory) -> Path:
    """The senior-manager sample's page with its charts: open-ended answers (a theme chart,
    a themes-by-group table wider than a phone) and group tests that leave groups out."""
    from ipss_survey.instrument import resolve_instrument, sample_path
    from ipss_survey.pipeline import Options, analyze

    inst = resolve_instrument("ipss-senior-managers")
    res = analyze(sample_path(inst.id), inst, Options(group="municipality"))
    out = tmp_path_factory.mktemp("managers")
    write_reports(res, out, "html", processes=1)
    return out / "report.html"


def _assert_phone_legible(checks: dict[str, Any]) -> None:
    """Wrappers that scroll say so, the others show no cue; chart text is 9 CSS px or more."""
    silent = [c["what"] for c in checks["cues"] if c["overflows"] and not c["shown"]]
    assert silent == [], "wider than its box without the scroll cue"
    unfaded = [c["what"] for c in checks["cues"] if c["overflows"] and not c["faded"]]
    assert unfaded == [], "wider than its box without a fading edge"
    stray = [c["what"] for c in checks["cues"] if c["shown"] and not c["overflows"]]
    assert stray == [], "a scroll cue where there is nothing to scroll"
    small = [(c["alt"], round(c["px"], 2)) for c in checks["chart_text"] if c["px"] < MIN_TEXT_PX]
    assert small == [], "chart text smaller than 9 CSS px"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        chromium.open_page()
        yield chromium
    finally:
        chromium.close()


def _save(shot: Path) -> None:
    target = os.environ.get("IPSS_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)


@pytest.mark.parametrize(
    ("label", "width", "height", "mobile"),
    [("phone", 390, 844, True), ("desktop", 1280, 1800, False)],
)
def test_report_renders_cleanly(browser, dtcaf_report, tmp_path, label, width, height, mobile):
    url = dtcaf_report.resolve().as_uri()
    browser.load(url, width, height, mobile)
    checks = browser.evaluate(CHECKS)

    assert browser.problems(url) == []
    assert checks["images_total"] >= 10
    assert checks["images"] == [], "images that did not load"
    assert checks["scrollWidth"] <= checks["width"], checks["wide"][:10]
    assert checks["wide"] == [], "elements wider than the page"
    assert all(t["scrolls"] for t in checks["tables"]), "a table outside a scrolling wrapper"
    assert checks["squeezed"] == [], "table cells narrower than their longest word"
    if not mobile:  # on a desktop every table fits without sideways scrolling
        assert [t["caption"] for t in checks["tables"] if not t["fits"]] == []
    assert checks["sections"][0] == "summary"
    assert "methods" in checks["sections"]
    _assert_phone_legible(checks)
    if mobile:  # the items tables are wider than a phone: the cue check had work to do
        assert sum(c["overflows"] for c in checks["cues"]) >= 6

    shot = tmp_path / f"dtcaf-report-{label}.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _save(shot)
    if not mobile and os.environ.get("IPSS_SCREENSHOT_DIR"):  # the whole page, for a person
        full = tmp_path / "dtcaf-report-desktop-full.png"
        browser.screenshot(full, full_page=True)
        _save(full)


@pytest.mark.parametrize(("width", "mobile"), [(390, True), (1280, False)])
def test_statistics_tables_and_hostile_text_fit_too(browser, dtcaf, tmp_path, width, mobile):
    """Reliability, significance and group-test tables (as the analysis fills them) and
    markup-like text from a data file: still no overflow, no script run, no request."""
    page = tmp_path / "report.html"
    page.write_text(html_report(hostile(dtcaf), charts=[]), encoding="utf-8")
    url = page.resolve().as_uri()
    browser.load(url, width, 900, mobile)
    checks = browser.evaluate(CHECKS)
    assert browser.problems(url) == []
    assert checks["scrollWidth"] <= checks["width"], checks["wide"][:10]
    assert checks["wide"] == []
    assert all(t["scrolls"] for t in checks["tables"])
    assert browser.evaluate("document.querySelectorAll('script, iframe').length") == 0
    assert browser.evaluate("typeof window.alert") == "function"  # page ran no code of its own


@pytest.mark.parametrize(("width", "height", "mobile"), [(390, 844, True), (1280, 1800, False)])
def test_open_answers_and_group_coverage_fit_a_phone(
    browser, managers_report, tmp_path, width, height, mobile
):
    url = managers_report.resolve().as_uri()
    browser.load(url, width, height, mobile)
    checks = browser.evaluate(CHECKS)
    assert browser.problems(url) == []
    assert checks["images"] == []
    assert checks["scrollWidth"] <= checks["width"], checks["wide"][:10]
    assert checks["wide"] == [], "elements wider than the page"
    assert all(t["scrolls"] for t in checks["tables"]), "a table outside a scrolling wrapper"
    assert checks["squeezed"] == [], "table cells narrower than their longest word"
    assert "open-CON_OPEN" in checks["sections"]
    assert any(c["alt"].startswith("CON_OPEN: themes") for c in checks["chart_text"])
    _assert_phone_legible(checks)
    if mobile:
        wide = [c["what"] for c in checks["cues"] if c["overflows"]]
        assert any(w.startswith("Themes of CON_OPEN by municipality") for w in wide)
    shot = tmp_path / f"managers-report-{'phone' if mobile else 'desktop'}.png"
    browser.evaluate("document.getElementById('open-CON_OPEN').scrollIntoView()")
    browser.screenshot(shot)
    _save(shot)


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    """The harness itself: a broken image, an overflowing block, a bare table, a console error."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
        '</head><body><img src="data:image/png;base64,AAAA" alt="broken">'
        '<div style="width:2000px">wide</div><table><tr><td>bare</td></tr></table>'
        '<div class="table-wrap" style="overflow-x:auto"><table><tr>'
        '<td style="overflow-wrap:anywhere">Leadership</td>'
        f"<td>{'many words of text ' * 60}</td></tr></table></div>"
        '<div class="table-wrap" style="overflow-x:auto"><table><tr>'
        f'<td style="white-space:nowrap">{"wide " * 100}</td></tr></table></div>'
        f'<figure><img src="data:image/png;base64,{_tiny_png()}" alt="tiny" '
        'style="width:50px"></figure>'
        '<script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    url = page.resolve().as_uri()
    browser.load(url, 390, 844, True)
    checks = browser.evaluate(CHECKS)
    assert checks["images"] == ["broken"]
    assert checks["scrollWidth"] > checks["width"]
    assert any(w.startswith("DIV") for w in checks["wide"])
    assert checks["tables"][0]["scrolls"] is False
    assert checks["squeezed"] == ["Leadership"]
    assert any("boom" in p for p in browser.problems(url))
    # a wide table without the report's stylesheet: no cue, no fading edge
    (cue,) = [c for c in checks["cues"] if c["overflows"]]
    assert not cue["shown"] and not cue["faded"]
    with pytest.raises(AssertionError, match="scroll cue"):
        _assert_phone_legible(checks)
    # a chart squeezed to 50 px: its text would be a fraction of a pixel
    (tiny,) = checks["chart_text"]
    assert tiny["px"] < MIN_TEXT_PX


def _tiny_png() -> str:
    """A 900 x 10 px PNG (a chart's width at 200 dpi), base64."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (900, 10), "white").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")
