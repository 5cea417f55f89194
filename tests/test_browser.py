"""The pages in a real browser: headless Chromium driven by Selenium walks landing page → search → record →
another language, reading no console error on the way, and axe-core finds no WCAG 2 A/AA violation on any page.

The tools come from ``tests/install-test-tools.sh`` (part of the README's test command). Without them the
tests skip saying what is missing; CI sets ``REQUIRE_BROWSER_TESTS=1`` so that a missing tool fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from mcep_ld.resources import PROJECT_ROOT
from tests.conftest import demo_copy, running_service

AXE_JS = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: Chromium's flags for a closed network, as root, without a screen: no sandbox (root), no GPU, and none of
#: its calls home (refused here, each a console error).
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,900")


def _missing() -> str:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for tool in ("chromium", "chromedriver"):
        if not shutil.which(tool):
            return f"{tool} is not installed (tests/install-test-tools.sh installs the Debian package)"
    if not AXE_JS.exists():
        return f"axe-core is not at {AXE_JS} (tests/install-test-tools.sh installs it with npm)"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if reason := _missing():
        if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
            pytest.fail(f"browser tests are required here but {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="mcep-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "browser")) as url:
        yield url


def console_errors(driver) -> list[str]:  # noqa: ANN001
    """Errors the page logged since the last call (failed loads, script errors, CSP refusals)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def accessibility_violations(driver) -> list[str]:  # noqa: ANN001
    """axe-core's WCAG 2.0/2.1 A and AA violations on the current page, one line each."""
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' — '"
        " + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));")
    return list(result)


def navigate(driver, action) -> None:  # noqa: ANN001
    """Do *action* (a click, a key) and wait until the next page has loaded: Selenium returns from a key
    press before the browser has left the page. The old page is marked; the new one has no mark. (Waiting
    for the old element to go stale is not enough: Chromium sometimes answers with an inspector error.)"""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.mcepLeft = true;")
    action()
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return !window.mcepLeft && document.readyState === 'complete';"))


def check_page(driver) -> None:  # noqa: ANN001
    assert console_errors(driver) == []
    assert accessibility_violations(driver) == []


def test_landing_search_record_and_another_language(browser, site: str) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    driver.get(f"{site}/?lang=fr")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    check_page(driver)

    box = driver.find_element(By.CSS_SELECTOR, "form[role=search] input[name=q]")
    label = driver.find_element(By.CSS_SELECTOR, "label[for=q]")
    assert label.text  # the box has a visible label
    navigate(driver, lambda: box.send_keys("mercure", Keys.ENTER))  # the keyboard, as without a mouse
    assert "/search" in driver.current_url and "q=mercure" in driver.current_url
    hits = driver.find_elements(By.CSS_SELECTOR, "ol.results a")
    assert hits, driver.page_source[:2000]
    check_page(driver)

    navigate(driver, hits[0].click)
    assert "/id/" in driver.current_url
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    assert "Provenance" in headings
    assert driver.find_elements(By.CSS_SELECTOR, "section time[datetime]")  # when it was harvested
    check_page(driver)

    navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.languages a[hreflang=zh]").click)
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "zh" and "来源" in " ".join(  # the Chinese for Provenance
        h.text for h in driver.find_elements(By.TAG_NAME, "h2"))
    check_page(driver)

    navigate(driver, driver.find_element(By.CSS_SELECTOR, "nav.languages a[hreflang=ar]").click)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    check_page(driver)


@pytest.mark.parametrize("path", ["/search?q=%E6%B1%9E&lang=zh", "/dashboard?lang=es", "/vocab?lang=ru",
                                  "/vocab/theme?lang=en", "/vocab/country/BR?lang=ar", "/vocab/country/GH?lang=fr",
                                  "/?lang=ar", "/sparql"])
def test_other_pages_are_clean(browser, site: str, path: str) -> None:  # noqa: ANN001
    browser.get(f"{site}{path}")
    check_page(browser)


def test_the_api_docs_draw_from_the_hubs_own_files(browser, site: str) -> None:  # noqa: ANN001
    """Swagger UI (installed with the hub) draws every operation, with no console error (a CSP refusal or a
    failed load would log one), even with no network."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/docs")
    WebDriverWait(browser, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) > 10)
    paths = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/sparql", "/oai", "/id/{kind}/{key}", "/metrics"} <= paths
    assert console_errors(browser) == []


RESULTS_PAGE = ("/sparql?format=html&query=" + quote("SELECT ?record ?title { ?record <http://purl.org/dc/terms/title>"
                                                     " ?title } LIMIT 30"))
NARROW_PAGES = ["/", "/search?q=mercury", "/id/decision/mc-2-4", "/dashboard", "/vocab", "/vocab/theme",
                "/vocab/theme/art-17", "/vocab/country/BR", "/insights", "/insights/17-1", "/insights/21-1", "/dumps/",
                "/vocab/product", "/vocab/product/thermometers", "/vocab/country/GH", RESULTS_PAGE]


def overflowing(driver) -> list[str]:  # noqa: ANN001
    """What sticks out of the window sideways (the page then scrolls sideways): empty when nothing does."""
    return driver.execute_script(
        "const e = document.scrollingElement;"
        "if (e.scrollWidth <= e.clientWidth) return [];"
        "return [...document.querySelectorAll('body *')].filter(x => { const b = x.getBoundingClientRect();"
        " return b.right > e.clientWidth + 1 || b.left < -1; }).slice(0, 5)"
        ".map(x => x.tagName + '.' + x.getAttribute('class') + ' ' + Math.round(x.getBoundingClientRect().left)"
        " + '..' + Math.round(x.getBoundingClientRect().right))")


@pytest.mark.parametrize("width", [1280, 400])
def test_no_page_scrolls_sideways_in_arabic_or_on_a_narrow_screen(browser, site: str, width: int) -> None:  # noqa: ANN001
    browser.set_window_size(width, 900)
    try:
        for lang in ("ar", "en"):
            for path in NARROW_PAGES:
                browser.get(f"{site}{path}{'&' if '?' in path else '?'}lang={lang}")
                assert overflowing(browser) == [], (width, lang, path)
    finally:
        browser.set_window_size(1280, 900)


SCREENSHOT_PAGES = (("landing", "/"), ("record", "/id/decision/mc-2-4"), ("dashboard", "/dashboard"),
                    ("sparql", "/sparql"), ("insights", "/insights/17-1"), ("country", "/vocab/country/GH"),
                    ("product", "/vocab/product/thermometers"), ("results", RESULTS_PAGE))


def test_screenshots_for_review(browser, site: str, tmp_path_factory: pytest.TempPathFactory) -> None:  # noqa: ANN001
    """The landing page, a record, the dashboard, the SPARQL page and its results, an insights question, a country
    and a product, in English and Arabic, wide and narrow,
    saved for a person to look at (``MCEP_SCREENSHOTS``, else the test run's temporary folder)."""
    folder = Path(os.environ.get("MCEP_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    try:
        for width in (1280, 400):
            browser.set_window_size(width, 900)
            for lang in ("en", "ar"):
                for name, path in SCREENSHOT_PAGES:
                    browser.get(f"{site}{path}{'&' if '?' in path else '?'}lang={lang}")
                    target = folder / f"{name}-{lang}-{width}.png"
                    assert browser.save_screenshot(str(target))
                    saved.append(target)
    finally:
        browser.set_window_size(1280, 900)
    assert all(p.stat().st_size > 10_000 for p in saved)
    print(f"screenshots in {folder}")


def test_the_sparql_editor_runs_a_query_from_the_hubs_own_files(browser, site: str) -> None:  # noqa: ANN001
    """YASGUI, installed with the hub, in the site's frame and the reader's language: it starts with the first
    example, runs it against this endpoint and draws the results, with no console error and axe clean."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{site}/sparql?lang=ar")
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .CodeMirror"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert not browser.find_element(By.ID, "plain-query").is_displayed()  # the editor stands in for the form
    check_page(browser)
    browser.find_element(By.CSS_SELECTOR, "#yasgui .yasqe_queryButton").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#yasgui .yasr table tbody tr"))
    assert "mcep:" in browser.find_element(By.CSS_SELECTOR, "#yasgui .yasr table").text  # the hub's prefixes
    check_page(browser)
    scripts = browser.execute_script("return [...document.scripts].map(s => s.src)")
    assert scripts and all(s.startswith(site) for s in scripts)  # nothing from another host
