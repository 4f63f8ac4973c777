"""`casehub serve --workers N` (CASEHUB_WORKERS): N processes listen on one port, each with its own app
built from the same environment, and all of them stop on SIGTERM; its access log (CASEHUB_ACCESS_LOG)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import httpx
import pytest

from casehub.config import Settings
from casehub.errors import ConfigError

from .helpers import CLI, casehub


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(tmp_path, extra_env: dict[str, str], requests: int = 20) -> tuple[list, str]:
    """Start `casehub serve` on a fresh SQLite database, post `requests` queries, stop it with SIGTERM:
    the answers and everything it printed."""
    url = f"sqlite://{tmp_path / 'serve.sqlite3'}"
    assert casehub(["migrate"], url).returncode == 0
    port = free_port()
    env = {**os.environ, "CASEHUB_DATABASE_URL": url, **extra_env}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        answers = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while len(answers) < requests:
                assert time.monotonic() < deadline and server.poll() is None, "casehub serve did not come up"
                try:
                    response = client.post("/graphql", json={"query": "{ __typename }"})
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                answers.append((response.status_code, response.json()))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    # one process shuts down gracefully, then re-raises SIGTERM (uvicorn); workers' supervisor exits 0
    assert server.returncode in (0, -signal.SIGTERM) and "Finished server process" in output, output
    return answers, output


def test_two_workers_serve_one_port_and_stop_together(tmp_path):
    answers, output = serve(tmp_path, {"CASEHUB_WORKERS": "2"})
    assert all(answer == (200, {"data": {"__typename": "Query"}}) for answer in answers), answers[:3]
    started = set(re.findall(r"Started server process \[(\d+)\]", output))
    assert len(started) == 2, output  # two worker processes, each with its own pid
    assert "Traceback" not in output
    assert output.count('"POST /graphql HTTP/1.1" 200') == 20  # development: a line per request


def test_no_line_per_request_when_the_access_log_is_off(tmp_path):
    answers, output = serve(tmp_path, {"CASEHUB_ACCESS_LOG": "off"}, requests=3)
    assert answers == [(200, {"data": {"__typename": "Query"}})] * 3
    assert "POST /graphql" not in output and "Application startup complete" in output


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, True),
        ({"CASEHUB_ENV": "production", "CASEHUB_SECRET": "x" * 32}, False),
        ({"CASEHUB_ENV": "production", "CASEHUB_SECRET": "x" * 32, "CASEHUB_ACCESS_LOG": "1"}, True),
        ({"CASEHUB_ACCESS_LOG": "no"}, False),
        ({"CASEHUB_ACCESS_LOG": " On "}, True),
        ({"CASEHUB_ACCESS_LOG": ""}, True),
    ],
)
def test_the_access_log_is_on_in_development_and_off_in_production_unless_set(env, expected):
    assert Settings.from_env(env).logs_requests is expected


def test_a_bad_access_log_switch_is_refused():
    with pytest.raises(ConfigError, match="CASEHUB_ACCESS_LOG 'sometimes' must be 1 or 0"):
        Settings.from_env({"CASEHUB_ACCESS_LOG": "sometimes"})


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_a_bad_number_of_workers_is_refused(value):
    with pytest.raises(ConfigError, match="CASEHUB_WORKERS"):
        Settings.from_env({"CASEHUB_WORKERS": value})
    assert Settings.from_env({"CASEHUB_WORKERS": "3"}).workers == 3
