"""The report opened in a real browser: headless Chromium (Debian's ``chromium`` package) driven by
Playwright for Python. Every player loads with the clip's length, every image decodes, the page
logs no error, and a screenshot is saved in the test's tmp dir.

Skipped only where no browser exists; ``.ci/run`` installs Chromium and sets
``LMAC_REQUIRE_BROWSER=1``, which turns the skip into a failure.
"""

import os
import shutil

import pytest
from folders import CLIPS, concept_explained, explained, run_dir  # noqa: F401 (fixtures)

from lmac.report import PageOptions, write_report

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Each <audio>: its duration once metadata has loaded (NaN on a media error), and the length the page states.
DURATIONS = """() => Promise.all(Array.from(document.querySelectorAll("audio")).map(a => new Promise(done => {
  const report = () => done([a.error ? NaN : a.duration, Number(a.dataset.seconds)]);
  if (a.readyState >= 1 || a.error) { report(); return; }
  a.addEventListener("loadedmetadata", report, {once: true});
  a.addEventListener("error", report, {once: true});
})))"""
IMAGES = """() => Promise.all(Array.from(document.images).map(
  img => img.decode().then(() => img.naturalWidth, () => 0)))"""


def _skip_or_fail(reason: str):
    if os.environ.get("LMAC_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LMAC_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A persistent Chromium context with a fresh profile."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _skip_or_fail("no Chromium on this machine: install Debian's package (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Playwright for Python is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 900},
        )
        yield context
        context.close()


def _open(browser, page_path, screenshot, tab=None):
    """Open the page; return (audio durations, image widths, console errors) after saving a screenshot."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    if tab:
        page.click(f"button[data-tab='{tab}']")
    durations, widths = page.evaluate(DURATIONS), page.evaluate(IMAGES)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return durations, widths, errors


@pytest.mark.parametrize("audio", ["ogg", "flac"])
def test_explain_report_plays_in_chromium(browser, explained, tmp_path, audio):
    page = write_report([explained], tmp_path / "report.html", PageOptions(audio=audio))
    durations, widths, errors = _open(browser, page, tmp_path / "report.png")
    assert len(durations) == 3 * len(CLIPS) and len(widths) == len(CLIPS)
    assert sorted({seconds for _, seconds in durations}) == sorted(CLIPS.values())  # the WAV lengths
    for duration, seconds in durations:  # Chromium reads Vorbis lengths to the codec's block (< 25 ms)
        assert abs(duration - seconds) < 0.025, (duration, seconds)
    assert all(w > 0 for w in widths) and errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_benchmark_report_plays_in_chromium_on_every_tab(browser, run_dir, tmp_path):
    page = write_report([run_dir], tmp_path / "report.html")
    durations, widths, errors = _open(browser, page, tmp_path / "report.png", tab="tab-white_noise")
    assert durations and all(abs(d - s) < 0.025 for d, s in durations), durations  # hidden tabs included
    assert len(widths) >= 5 and all(w > 0 for w in widths) and errors == []
    _, _, errors = _open(browser, page, tmp_path / "sanity.png", tab="tab-sanity")
    assert errors == [] and (tmp_path / "report.png").exists() and (tmp_path / "sanity.png").exists()


def test_concept_report_plays_every_source_in_chromium(browser, concept_explained, tmp_path):
    page = write_report([concept_explained], tmp_path / "report.html")
    durations, widths, errors = _open(browser, page, tmp_path / "concepts.png")
    assert len(durations) == 2 * (3 + 2) and all(abs(d - s) < 0.025 for d, s in durations), durations
    assert len(widths) == 2 * 2 and all(w > 0 for w in widths) and errors == []  # figure and concept chart
