"""A Streamlit server on loopback for the browser tests and benches: a free port, and wait until it answers."""

from __future__ import annotations

import socket
import time
import urllib.request


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
