"""The volunteers' page on a phone: first-load bytes, the turf map's size and the time from a tap to « enregistré ».

Starts ``streamlit run serve.py`` on a free 127.0.0.1 port with a throwaway SQLite workspace
holding one Paris plan (a turf of 60 addresses in a bureau the Trocadéro streets cover), opens the
page in Debian's headless Chromium at 390×844, and prints: the bytes of the first load (page,
scripts, style, manifest, icon, the turf's sheet and its map; headers included, as transferred),
the map's payload alone (streets, names, route, doors), the same for a reload (service worker and validators), and the time
from a tap to the address saying « enregistré » (the server's answer painted) over N taps, then
the time to empty an outbox of the same taps made offline. Loopback only; bounded in count.

    python bench/bench_field_page.py [--taps 30] [--shot map.png]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testing.localserver import free_port, wait_healthy  # noqa: E402

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TAP_TO_SAVED = """async (stop) => {
  const line = document.getElementById(`suivi-${stop}`);
  const button = document.querySelector(`#porte-${stop} [data-statut="ouvert"]`);
  const t0 = performance.now();
  const saved = new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      if (line.textContent.includes("enregistré")) { seen.disconnect(); resolve(performance.now() - t0); }
    });
    seen.observe(line, {childList: true, characterData: true, subtree: true});
  });
  button.click();
  return await saved;
}"""


BUREAU = "75056_1602"  # inside the Trocadéro street data (data/paris/metadata.json « streets »)
STOPS = 60


def workspace(folder: Path, bureau: str = BUREAU) -> tuple[str, str]:
    """A SQLite workspace with one saved Paris plan whose turf holds the first STOPS addresses of the
    bureau's longest turf; returns (database URL, a link's token)."""
    from lib import store, walk
    from lib.dataset import load_territory

    url = f"sqlite:///{folder / 'terrain.sqlite3'}"
    engine = store.open_store(url)
    data = load_territory(ROOT / "data", "paris")
    turfs, summary = walk.plan_turfs(data.addresses, data.bureaux.reset_index(drop=True), [bureau],
                                     walk.TurfPlan(600, 1.8, 25.0, 12.0))
    longest = summary.sort_values("adresses").iloc[-1]["turf_id"]
    turfs = turfs[turfs["turf_id"] == longest].sort_values("stop").head(STOPS)
    summary = summary[summary["turf_id"] == longest].assign(adresses=len(turfs))
    cid = store.create_campaign(engine, "paris", "Banc d'essai")
    pid = store.save_plan(engine, cid, "Samedi", turfs, summary, bureaux=[bureau])
    turf = int(store.plan_turfs(engine, pid)["id"].iloc[0])
    token = store.issue_link(engine, turf)
    engine.dispose()
    return url, token


def transferred(pg, action) -> tuple[int, int]:
    """(bytes transferred, requests) while ``action`` runs (bodies as sent and headers)."""
    requests = []

    def keep(request) -> None:
        requests.append(request)
    pg.on("requestfinished", keep)
    action()
    pg.wait_for_timeout(500)
    pg.remove_listener("requestfinished", keep)
    total = 0
    for r in requests:
        sizes = r.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total, len(requests)


def map_bytes(pg, base: str, token: str) -> None:
    """The turf map's payload as the API sends it (compact JSON), what it holds, and the map drawn."""
    got = pg.evaluate("""async ([url, token]) => {
      const r = await fetch(url, {headers: {"X-Terrain-Jeton": token}});
      const text = await r.text();
      const map = JSON.parse(text);
      return {bytes: new TextEncoder().encode(text).length, doors: map.doors.length, names: map.names.length,
              lines: Object.values(map.streets).reduce((n, l) => n + l.length, 0), size: map.size};
    }""", [f"{base}/api/terrain/carte", token])
    print(f"turf map payload: {got['bytes'] / 1000:.1f} kB for {got['doors']} addresses "
          f"({got['lines']} street lines, {got['names']} names, frame {got['size'][0]}×{got['size'][1]} m)")


def measure(base: str, token: str, taps: int, shot: str | None = None) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROME_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        pg = context.new_page()
        first, n = transferred(pg, lambda: (pg.goto(f"{base}/terrain/#{token}"), pg.wait_for_selector(".adresse")))
        print(f"first load: {first / 1000:.1f} kB in {n} requests (page, its files, the turf's sheet and map; "
              "target ≤ 100 kB)")
        map_bytes(pg, base, token)
        if shot:
            pg.wait_for_selector("#carte-plan svg")
            pg.screenshot(path=shot)
        pg.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        again, n = transferred(pg, lambda: (pg.reload(), pg.wait_for_selector(".adresse")))
        print(f"reload: {again / 1000:.1f} kB in {n} requests")
        stops = pg.locator(".adresse").count()
        times = [pg.evaluate(TAP_TO_SAVED, stop) for stop in range(1, min(taps, stops) + 1)]
        times.sort()
        print(f"tap → « enregistré » over {len(times)} taps: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, max {times[-1]:.1f} ms (target ≤ 50 ms)")
        offline_drain(pg, context, min(taps, stops))
        browser.close()


def offline_drain(pg, context, taps: int) -> None:
    """Taps made offline, then the network back: time until the status line says all is sent."""
    context.set_offline(True)
    for stop in range(1, taps + 1):
        pg.locator(f"#porte-{stop} [data-statut='refus']").click()
    context.set_offline(False)
    t0 = pg.evaluate("performance.now()")
    pg.wait_for_function("() => document.getElementById('etat').textContent.includes('tout est envoyé')",
                         timeout=60_000)
    print(f"outbox of {taps} offline taps emptied {pg.evaluate('performance.now()') - t0:.0f} ms after the network came back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=30)
    parser.add_argument("--bureau", default=BUREAU, help="the bureau whose longest turf is measured")
    parser.add_argument("--shot", help="write a screenshot of the page with its map to this PNG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="terrain_bench_field_") as folder:
        url, token = workspace(Path(folder), args.bureau)
        port = free_port()
        with open(Path(folder) / "server.log", "w") as log:
            server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless",
                                       "true", "--server.port", str(port), "--server.address", "127.0.0.1"],
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                      env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
                                           "TERRAIN_DATABASE_URL": url})
            try:
                wait_healthy(port, seconds=120)
                measure(f"http://127.0.0.1:{port}", token, args.taps, args.shot)
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
