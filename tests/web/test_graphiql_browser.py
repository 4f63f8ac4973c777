"""GraphiQL works in a real browser that can reach nothing but 127.0.0.1.

Headless Chromium (Debian's `chromium`) is driven over the DevTools protocol with
the `websockets` client, so nothing is downloaded at run time. A dead proxy and a
host-resolver rule cut off every non-loopback host; the test also checks that the
page requested no other URL and logged no error (a CSP violation is one).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

import pytest
import uvicorn

pytestmark = pytest.mark.browser

# GraphiQL draws its Run button before its editors (loaded asynchronously) are
# wired to it, and a click before then runs nothing. So, like a user, click again
# when, some seconds after a click, nothing runs and nothing is shown; never while
# an operation runs (a second click would stop it, or open a second subscription).
RUN_UNTIL_SHOWN = """(() => {
  const shown = document.querySelector('.graphiql-response')?.innerText ?? '';
  if (shown.includes(EXPECT)) return shown;
  const button = document.querySelector('.graphiql-execute-button');
  const idle = button?.getAttribute('aria-label').startsWith('Execute')
    && !shown.replace('\\u200b', '').trim();
  if (idle && Date.now() - (window.lastRunClick ?? 0) >= 5000) {
    window.lastRunClick = Date.now();
    button.click();
  }
  return false;
})()"""


@contextmanager
def serve(app) -> Iterator[str]:
    """Run `app` under a real uvicorn on a free 127.0.0.1 port; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class DevTools:
    """A minimal DevTools-protocol client attached to one fresh page (tab)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        self.session: str | None = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, timeout: float = 15, **params) -> dict:
        msg_id = next(self.ids)
        msg = {"id": msg_id, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply["result"]
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        """Poll `expression` in the page until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if value := self.evaluate(expression):
                    return value
            except RuntimeError:  # e.g. the page is still being replaced by navigation
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}; {self.problems()}")
            time.sleep(0.1)

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"] if "request" in e["params"] else e["params"]["url"]
            for e in self.events
            if e["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated")
        ]

    def problems(self) -> list[str]:
        """Errors the page met: exceptions, failed loads, console/CSP errors."""
        out = []
        for e in self.events:
            p = e["params"]
            if e["method"] == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('exception', p)}")
            elif e["method"] == "Network.loadingFailed":
                out.append(f"load failed: {p.get('errorText')} {p.get('blockedReason', '')}")
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] == "error":
                out.append(f"console: {[a.get('value', a.get('description')) for a in p['args']]}")
        return out


@pytest.fixture(scope="module")
def browser(chromium: str, tmp_path_factory) -> Iterator[DevTools]:
    """Headless Chromium that can only reach loopback, with a fresh profile."""
    from websockets.sync.client import connect  # checked by the `chromium` fixture

    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            # Network off: every non-loopback request goes to a dead proxy and
            # every host name except 127.0.0.1 fails to resolve.
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the Debian launcher is a shell script: end its group
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            assert proc.poll() is None, f"chromium exited; see {log.name}"
            assert time.monotonic() < deadline, f"chromium did not start; see {log.name}"
            time.sleep(0.05)
        port, path = port_file.read_text().split()
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None) as ws:
            yield DevTools(ws)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def run_in_graphiql(browser: DevTools, base_url: str, query: str, expect: str) -> str:
    """Open GraphiQL with `query`, press Run, and wait for `expect` in the result pane."""
    browser.events.clear()
    nav = browser.call("Page.navigate", url=f"{base_url}/graphql?q={quote(query)}")
    assert "errorText" not in nav, nav
    text = browser.wait_for(RUN_UNTIL_SHOWN.replace("EXPECT", json.dumps(expect)), timeout=60)
    for url in browser.requested_urls():
        parts = urlsplit(url)
        assert parts.scheme in ("data", "blob") or parts.hostname == "127.0.0.1", url
    assert browser.problems() == []
    return text


def test_graphiql_runs_a_query_offline(browser, graphiql_app):
    with serve(graphiql_app) as base_url:
        text = run_in_graphiql(browser, base_url, "{ __typename }", '"__typename": "Query"')
    assert '"data"' in text
    assets = [u for u in browser.requested_urls() if "/static/graphiql/" in u]
    assert len(assets) == 4, assets


def test_graphiql_runs_a_subscription_over_websocket(browser, demo_app, web_assets):
    with serve(demo_app) as base_url:
        run_in_graphiql(browser, base_url, "subscription { count(to: 3) }", '"count": 3')
    sockets = [u for u in browser.requested_urls() if u.startswith("ws:")]
    assert sockets == [base_url.replace("http:", "ws:", 1) + "/graphql"], sockets
