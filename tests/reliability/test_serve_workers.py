"""`casehub serve --workers N` (CASEHUB_WORKERS): N processes listen on one port, each with its own app
built from the same environment, and all of them stop on SIGTERM."""

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


def test_two_workers_serve_one_port_and_stop_together(tmp_path):
    url = f"sqlite://{tmp_path / 'workers.sqlite3'}"
    assert casehub(["migrate"], url).returncode == 0
    port = free_port()
    env = {**os.environ, "CASEHUB_DATABASE_URL": url, "CASEHUB_WORKERS": "2"}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        answers = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            while len(answers) < 20:
                assert time.monotonic() < deadline and server.poll() is None, "casehub serve did not come up"
                try:
                    response = client.post("/graphql", json={"query": "{ __typename }"})
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                answers.append((response.status_code, response.json()))
        assert all(answer == (200, {"data": {"__typename": "Query"}}) for answer in answers), answers[:3]
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    started = set(re.findall(r"Started server process \[(\d+)\]", output))
    assert len(started) == 2, output  # two worker processes, each with its own pid
    assert "Traceback" not in output


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_a_bad_number_of_workers_is_refused(value):
    with pytest.raises(ConfigError, match="CASEHUB_WORKERS"):
        Settings.from_env({"CASEHUB_WORKERS": value})
    assert Settings.from_env({"CASEHUB_WORKERS": "3"}).workers == 3
