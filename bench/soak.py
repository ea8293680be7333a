"""Soak test: N concurrent sessions on localhost moving sliders and downloading exports.

Starts ``streamlit run app.py`` on a free 127.0.0.1 port, opens N pages in one headless Debian
Chromium (Playwright, async), and for DURATION seconds each session moves a weight slider
(keyboard), waits for the rerun to finish, and every 4th move downloads the ranking CSV.
Prints errors (Streamlit exception boxes, page errors, failed downloads), p50/p95 rerun latency
and the server's resident memory over time. Bounded in count and time; localhost only.

    python bench/soak.py [--sessions 20] [--duration 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testing.localserver import free_port, wait_healthy  # noqa: E402

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children (MB)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


async def session(browser, url: str, stop_at: float, stats: dict, k: int) -> None:
    """One strategist: open the map, then move a slider and download the ranking until the end."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    await context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = await context.new_page()
    page.on("pageerror", lambda e: stats["errors"].append(f"page error: {e}"[:200]))
    page.on("response", lambda r: stats["errors"].append(f"HTTP {r.status} {r.url}"[:200])
            if r.status >= 500 else None)
    slider = (page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text("Abstention", exact=True))
              .locator('input[type="range"]').first)
    moves = 0
    try:
        await page.goto(f"{url}/carte", timeout=300_000)
        await page.wait_for_selector(IDLE, timeout=300_000)
        while time.monotonic() < stop_at:
            try:
                t0 = time.monotonic()
                await slider.focus(timeout=120_000)
                await page.keyboard.press("ArrowRight" if (moves // 10) % 2 == 0 else "ArrowLeft")
                await page.wait_for_timeout(150)  # let the frontend send the change
                await page.wait_for_selector(IDLE, timeout=180_000)
                stats["latency"].append(time.monotonic() - t0)
                moves += 1
                if await page.locator('[data-testid="stException"]').count():
                    stats["errors"].append("exception box on the page")
                if moves % 4 == 0:
                    await page.get_by_text("Classement", exact=True).click(timeout=120_000)
                    await page.wait_for_selector(IDLE, timeout=180_000)
                    async with page.expect_download(timeout=180_000) as dl:
                        await page.get_by_role("button", name="Télécharger le classement (CSV)").click()
                    path = await (await dl.value).path()
                    if not path or Path(path).stat().st_size < 1000:
                        stats["errors"].append("empty download")
                    stats["downloads"] += 1
                    await page.get_by_text("Bureau sélectionné", exact=True).click(timeout=120_000)
                    await page.wait_for_selector(IDLE, timeout=180_000)
            except Exception as err:
                stats["client_timeouts"].append(f"session {k}: {type(err).__name__}: {str(err)[:300]}")
                await page.reload(timeout=300_000)
                await page.wait_for_selector(IDLE, timeout=300_000)
    except Exception as err:
        stats["client_timeouts"].append(f"session {k} (load): {type(err).__name__}")
    finally:
        await context.close()


async def run(url: str, sessions: int, duration: float, pid: int) -> dict:
    from playwright.async_api import async_playwright

    stats = {"latency": [], "errors": [], "client_timeouts": [], "downloads": 0, "memory": []}
    stop_at = time.monotonic() + duration

    async def sample_memory():
        start = time.monotonic()
        while time.monotonic() < stop_at + 5:
            stats["memory"].append((time.monotonic() - start, rss_mb(pid)))
            await asyncio.sleep(10)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROME_ARGS)
        sampler = asyncio.create_task(sample_memory())
        await asyncio.gather(*(session(browser, url, stop_at, stats, k) for k in range(sessions)))
        await sampler
        await browser.close()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300)
    args = parser.parse_args()
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="terrain_soak_", suffix=".log")[1])
    log_file = open(log_path, "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1"],
                              cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                              env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                                   "TERRAIN_TIMING": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(port)
        stats = asyncio.run(run(url, args.sessions, args.duration, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()
    server_ms = sorted(float(line.split()[-1]) for line in log_path.read_text().splitlines()
                       if line.startswith("TERRAIN_TIMING priority_view"))
    lat = sorted(stats["latency"])
    q = (lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000) if lat else (lambda f: float("nan"))
    print(f"{args.sessions} sessions × {args.duration:.0f} s: {len(lat)} slider moves, {stats['downloads']} downloads, "
          f"{len(stats['errors'])} server/page errors, {len(stats['client_timeouts'])} client-side timeouts "
          "(the headless browsers, not the server, saturate 2 cores)")
    print(f"rerun latency (move → page idle, as each session sees it): p50 {q(0.5):.0f} ms, p95 {q(0.95):.0f} ms"
          + (f", mean {statistics.mean(lat) * 1000:.0f} ms" if lat else ""))
    if server_ms:
        sq = lambda f: server_ms[min(len(server_ms) - 1, int(f * len(server_ms)))]  # noqa: E731
        print(f"server time per map rerun (fragment, under this load): p50 {sq(0.5):.0f} ms, "
              f"p95 {sq(0.95):.0f} ms over {len(server_ms)} reruns")
    print("server memory (MB) over time: " + ", ".join(f"{t:.0f}s:{m:.0f}" for t, m in stats["memory"]))
    for err in (stats["errors"] + stats["client_timeouts"])[:10]:
        print("  ", err)


if __name__ == "__main__":
    main()
