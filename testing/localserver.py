"""A Streamlit server on loopback for the browser tests and benches: a free port, wait until it
answers, and the whole start-serve-stop of ``streamlit run`` (one replica of the app)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PROJECT = Path(__file__).resolve().parents[1]
START_SECONDS = 120  # serve.py warms up before it answers; the machine may be busy


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(port: int, *, seconds: float = 60) -> None:
    """Return once the server's health endpoint answers; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("the Streamlit server did not start")


class ServerDidNotStart(RuntimeError):
    """The server did not answer in time; the message ends with its output."""


@contextlib.contextmanager
def replicas(count: int, script: str = "serve.py", *, env: dict[str, str] | None = None,
             seconds: float = START_SECONDS) -> Iterator[list[int]]:
    """``count`` processes of ``streamlit run script`` on free 127.0.0.1 ports, started together,
    with this process's environment updated by ``env``; yields their ports once all answer and
    stops them on exit. Raises :class:`ServerDidNotStart` with the end of a failed one's output."""
    full_env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(env or {})}
    with contextlib.ExitStack() as stack:
        started: list[tuple[int, subprocess.Popen, IO[bytes]]] = []
        for _ in range(count):
            port, log = free_port(), stack.enter_context(tempfile.TemporaryFile())
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1"],
                cwd=PROJECT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(stop, proc)
            started.append((port, proc, log))
        for port, _proc, log in started:
            try:
                wait_healthy(port, seconds=seconds)
            except RuntimeError:
                log.seek(0)
                raise ServerDidNotStart("the Streamlit server did not start:\n"
                                        + log.read().decode(errors="replace")[-3000:]) from None
        yield [port for port, _, _ in started]


@contextlib.contextmanager
def streamlit(script: str = "serve.py", *, env: dict[str, str] | None = None,
              seconds: float = START_SECONDS) -> Iterator[int]:
    """One replica of :func:`replicas`: yields its port."""
    with replicas(1, script, env=env, seconds=seconds) as ports:
        yield ports[0]


def stop(proc: subprocess.Popen, seconds: float = 20) -> None:
    """Terminate a server we started, killed if it has not stopped after ``seconds``."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
