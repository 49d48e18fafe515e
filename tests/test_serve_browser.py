"""``framecap serve`` in a real headless browser: Debian's Chromium driven by Selenium through chromedriver.

One browser and one server for the module. Skipped when Chromium, chromedriver or Selenium is
missing, unless ``CI=true`` (then it fails: ``.ci/run`` installs them). Selenium is given the
driver's path and the browser's, so it never looks anything up or downloads anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from serve_helpers import (
    PAYLOAD_IMG,
    PAYLOAD_SCRIPT,
    capture,
    envelope,
    hostile_crash,
    post_envelope,
    running,
    scenario,
)

from framecap.serve import export_html
from framecap.transports.inbox import Inbox

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
WAIT = 20.0  # seconds a condition may take on a loaded machine before the test fails


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium and chromium-driver)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    if not chromium or not driver_path:
        _unavailable("Chromium and chromedriver are needed (Debian: apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="framecap-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    previous = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, should anything wake it: never reach the network
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    finally:
        if previous is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = previous
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server over an inbox holding a crash, a crash made of markup, and an issue of three events."""
    path = str(tmp_path_factory.mktemp("serve") / "events.db")
    events = {
        "values": scenario("values"),
        "hostile": capture(hostile_crash()),
        "library": [scenario("library") for _ in range(3)],
    }
    inbox = Inbox(path, background=False)
    for event in (*events["library"], events["hostile"], events["values"]):
        inbox.send(event)
    with running(path) as server:
        yield server, events, inbox


def _wait(browser, condition, message):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT, poll_frequency=0.05).until(lambda driver: condition(driver), message)


def _rows(browser):
    """The rows' text, read in one go (the page may replace the rows between two WebDriver calls)."""
    script = "return Array.from(document.querySelectorAll('#issues tbody tr'), function (r) { return r.innerText; })"
    return browser.execute_script(script)


def _open_list(browser, server):
    browser.get(server.url)
    _wait(browser, lambda d: d.find_element("id", "live").text == "live", "the live stream never connected")


def test_the_issue_list_shows_a_captured_crash(browser, site):
    server, events, _ = site
    _open_list(browser, server)
    json_error = events["library"][0]["exception"]["values"][-1]["value"]  # its wording changed in 3.13
    cells = [
        [cell.text for cell in row.find_elements("tag name", "td")]
        for row in browser.find_elements("css selector", "#issues tbody tr")
    ]
    assert [row[1:3] for row in cells] == [
        ["IndexError list index out of range\nshow_app.py:49 in values", "1"],
        [f"ValueError {PAYLOAD_IMG} {PAYLOAD_SCRIPT}\nserve_helpers.py:27 in hostile_crash", "1"],
        [f"JSONDecodeError {json_error}\nshow_app.py:21 in parse_settings", "3"],
    ]
    issue = Inbox(site[2].path).issue_of(events["values"]["event_id"])
    assert cells[0][0] == issue[:8]
    assert browser.find_element("id", "summary").text == "3 issues, 5 events"


def test_the_event_page_shows_the_failing_line_and_the_values(browser, site):
    server, events, _ = site
    browser.get(server.url + "event/" + events["values"]["event_id"])
    frame = browser.find_elements("css selector", "details.frame.app")[-1]
    assert (
        frame.find_element("css selector", "tr.current td.code").text == "    return items[len(text)] + both[password]"
    )
    assert frame.find_element("css selector", "mark.failing").text == "items[len(text)]"
    values = {
        row.find_element("tag name", "th").text: row.find_element("tag name", "td")
        for row in frame.find_elements("css selector", "table.vars tr")
    }
    assert values["both"].text == "{1: 'int', '1': 'str', None: 'none', (1, 2): 'tuple'}"
    assert values["password"].text == "'[Filtered]' [Filtered: name]"
    items = values["items"].find_element("css selector", "details.tree")
    more = items.find_elements("css selector", "li")[-1]
    assert not more.is_displayed(), "a long list starts collapsed"
    items.find_element("tag name", "summary").click()
    assert more.is_displayed() and more.text == "… 9,950 more items"
    # library frames start collapsed and open in place
    browser.get(server.url + "event/" + events["library"][0]["event_id"])
    library = browser.find_element("css selector", "details.lib-run")
    assert library.find_element("tag name", "summary").text == "… 2 library frames (json) …"
    inner = library.find_element("css selector", "details.frame.lib")
    assert not inner.is_displayed()
    library.find_element("tag name", "summary").click()
    assert inner.is_displayed() and inner.get_attribute("open") is None
    inner.find_element("tag name", "summary").click()
    assert inner.find_element("css selector", "tr.current").is_displayed()


def test_a_new_event_appears_without_a_reload(browser, site):
    server, _, _ = site
    _open_list(browser, server)
    browser.execute_script("window.__still_here = 42")
    event = capture(RuntimeError("fresh off the envelope endpoint"))
    assert post_envelope(server, envelope(event)).status == 200
    _wait(
        browser,
        lambda d: any("fresh off the envelope endpoint" in row for row in _rows(d)),
        "the new event never showed",
    )
    assert browser.execute_script("return window.__still_here") == 42, "the page was not reloaded"
    text, classes = browser.execute_script(
        "var r = document.querySelector('#issues tbody tr'); return [r.innerText, r.className]"
    )
    assert "fresh off the envelope endpoint" in text and classes == "fresh", "the newest issue comes first, marked"
    assert browser.find_element("id", "summary").text == "4 issues, 6 events"


def test_markup_in_a_message_and_a_variable_is_shown_as_text_and_never_runs(browser, site):
    server, events, _ = site
    hostile = events["hostile"]
    _open_list(browser, server)
    messages = browser.execute_script(
        "return Array.from(document.querySelectorAll('#issues .msg'), m => m.textContent)"
    )
    assert f"{PAYLOAD_IMG} {PAYLOAD_SCRIPT}" in messages
    browser.get(server.url + "event/" + hostile["event_id"])
    assert browser.find_element("css selector", "h1 .exc-value").text == f"{PAYLOAD_IMG} {PAYLOAD_SCRIPT}"
    note = next(
        r
        for r in browser.find_elements("css selector", "table.vars tr")
        if r.find_element("tag name", "th").text == "note"
    )
    assert note.find_element("tag name", "td").text == repr(PAYLOAD_SCRIPT + " & " + PAYLOAD_IMG)
    assert browser.execute_script("return [window.__xss, document.images.length, document.scripts.length]") == [
        None,
        0,
        1,
    ]
    # the same from the filter box, which the page's script fills from JSON
    _open_list(browser, server)
    search = browser.find_element("id", "q")
    search.send_keys("onerror")
    _wait(browser, lambda d: len(_rows(d)) == 1, "the search did not narrow the list")
    assert browser.find_element("css selector", "#issues tbody .msg").text == f"{PAYLOAD_IMG} {PAYLOAD_SCRIPT}"
    assert browser.current_url == server.url + "?q=onerror"
    assert browser.execute_script("return [window.__xss, document.images.length]") == [None, 0]


def test_the_exported_page_is_styled_under_its_own_policy(browser, site, tmp_path):
    _, events, _ = site
    path = tmp_path / "crash.html"
    path.write_text(export_html(events["values"]), encoding="utf-8")
    browser.get(path.as_uri())
    style = "var s = getComputedStyle(document.querySelector('h1 .exc-type')); return [s.fontWeight, s.color]"
    assert browser.execute_script(style) == ["600", "rgb(179, 38, 30)"], "the inline stylesheet was allowed by its hash"
    marks = browser.execute_script("return Array.from(document.querySelectorAll('mark.failing'), m => m.textContent)")
    assert marks == ["scenario()", "items[len(text)]"]
    assert browser.execute_script("return document.scripts.length + document.links.length") == 0


class _Attacker(BaseHTTPRequestHandler):
    """Another site: a page that tries to delete an issue (even knowing the token) and to read the inbox."""

    page = b""

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)


@contextlib.contextmanager
def _attacker(page: str):
    handler = type("Attacker", (_Attacker,), {"page": page.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_delete_works_and_a_cross_origin_post_does_not(browser, site):
    server, events, inbox = site
    first, second, third = (e["event_id"] for e in events["library"])
    issue = inbox.issue_of(first)
    browser.get(server.url + "event/" + first)
    token = browser.find_element("css selector", "form.delete input[name=token]").get_attribute("value")
    target = f"http://127.0.0.1:{server.port}"
    form = f'<form id="f" method="post" target="sink" action="{target}/delete/issue/{issue}">'
    post = f'{{method: "POST", mode: "no-cors", body: new URLSearchParams({{token: "{token}"}})}}'
    page = f"""<!DOCTYPE html><title>attacker</title>
<iframe name="sink"></iframe>
{form}<input name="token" value="{token}"></form>
<script>
fetch("{target}/api/issues").then(function (r) {{ return r.text(); }})
  .then(function (t) {{ document.title = "read " + t.length; }}, function () {{ document.title = "read blocked"; }});
fetch("{target}/delete/event/{first}", {post}).then(function () {{ document.getElementById("f").submit(); }});
</script>"""
    with _attacker(page) as url:
        browser.get(url)
        _wait(browser, lambda d: d.title == "read blocked", "the other site's page could read the inbox")
        _wait(
            browser,
            lambda d: sum("refused a delete from another origin" in line for line in server.log_lines) == 2,
            "no refused delete",
        )
    assert inbox.event_count(_issue(issue)) == 3, "nothing was deleted from another origin"

    # the user deletes one event, then the rest of the issue, from the pages themselves
    browser.get(server.url + "event/" + first)
    browser.find_element("xpath", "//button[text()='Delete event']").click()
    _accept(browser, "Delete this event?")
    _wait(browser, lambda d: d.current_url == server.url + "event/" + third, "not shown the issue's newest event")
    assert inbox.event_count(_issue(issue)) == 2 and first not in [e.event_id for e in inbox.events(limit=100)]
    browser.find_element("xpath", "//button[text()='Delete issue (2 events)']").click()
    _accept(browser, "Delete all 2 events of this issue?")
    _wait(browser, lambda d: d.current_url == server.url, "not back at the list")
    assert inbox.event_count(_issue(issue)) == 0 and second not in [e.event_id for e in inbox.events(limit=100)]
    assert not any("JSONDecodeError" in row for row in _rows(browser))


def _issue(issue):
    from framecap.transports.inbox import Filters

    return Filters(issue=issue)


def _accept(browser, text):
    alert = _wait(browser, lambda d: _alert(d), "no confirmation was asked")
    assert alert.text == text
    alert.accept()


def _alert(driver):
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return None
