"""The shipped nginx config (deploy/nginx/terrain.conf) in front of replicas on loopback, for the
replica test and the field bench: ``nginx`` started unprivileged on a free 127.0.0.1 port, with a
prefix, pid file, logs and a self-signed certificate in a temp dir, deleted on exit.

Only the ports, the certificate and the log paths of the shipped file are swapped: what the test
exercises is what a campaign deploys. When we are root, nginx runs as ``nobody``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from testing.localserver import PROJECT, free_port, stop

BINARY = Path("/usr/sbin/nginx")
CONFIG = PROJECT / "deploy" / "nginx" / "terrain.conf"
START_SECONDS = 20
UPSTREAMS = re.compile(r"(?m)^( +)server 127\.0\.0\.1:\d+;\n(?:\1server 127\.0\.0\.1:\d+;\n)*")
MAIN = """daemon off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {root}/terrain.conf;
}}
"""


@dataclass(frozen=True)
class Proxy:
    """A running nginx: its base URL, the certificate to trust, its access and error logs."""

    url: str
    port: int
    cafile: Path
    access_log: Path
    error_log: Path

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this proxy's self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.cafile))


def available() -> bool:
    """True when Debian's nginx is installed (./test.sh installs it)."""
    return BINARY.exists()


def render(ports: list[int], listen: int, root: Path) -> str:
    """The shipped config with these upstream ports, listening on 127.0.0.1:``listen``, its
    certificate and logs in ``root``. Fails when the shipped file no longer has what it swaps."""
    text = CONFIG.read_text(encoding="utf-8")
    swaps = [(UPSTREAMS, lambda m: "".join(f"{m[1]}server 127.0.0.1:{p};\n" for p in ports)),
             (re.compile(r"listen 443 ssl"), f"listen 127.0.0.1:{listen} ssl"),
             (re.compile(r"(ssl_certificate\s+)\S+;"), rf"\g<1>{root}/cert.pem;"),
             (re.compile(r"(ssl_certificate_key\s+)\S+;"), rf"\g<1>{root}/key.pem;"),
             (re.compile(r"/var/log/nginx/terrain\."), f"{root}/")]
    for pattern, replacement in swaps:
        text, n = pattern.subn(replacement, text)
        if not n:
            raise RuntimeError(f"deploy/nginx/terrain.conf: nothing matches {pattern.pattern!r}")
    return text


def _certificate(root: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
                   check=True, capture_output=True)


def _wait_listening(proc: subprocess.Popen, port: int, error_log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    log = error_log.read_text(errors="replace") if error_log.exists() else ""
    raise RuntimeError(f"nginx did not start:\n{log[-3000:]}")


@contextlib.contextmanager
def proxy(ports: list[int]) -> Iterator[Proxy]:
    """nginx with the shipped config in front of the replicas on ``ports``; stopped and its temp
    dir deleted on exit."""
    root = Path(tempfile.mkdtemp(prefix="terrain-nginx-"))
    listen = free_port()
    try:
        _certificate(root)
        (root / "terrain.conf").write_text(render(ports, listen, root), encoding="utf-8")
        (root / "nginx.conf").write_text(MAIN.format(root=root), encoding="utf-8")
        cmd = [str(BINARY), "-p", str(root), "-c", str(root / "nginx.conf"), "-e", str(root / "error.log")]
        if os.geteuid() == 0:  # unprivileged: the whole server as nobody, in its own temp dir
            shutil.chown(root, "nobody")
            for f in root.iterdir():
                shutil.chown(f, "nobody")
            cmd = ["runuser", "-u", "nobody", "--", *cmd]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_listening(proc, listen, root / "error.log")
            yield Proxy(f"https://127.0.0.1:{listen}", listen, root / "cert.pem", root / "access.log",
                        root / "error.log")
        finally:
            stop(proc, 10)
    finally:
        shutil.rmtree(root, ignore_errors=True)
