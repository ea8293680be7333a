"""Priority-map benchmark: what one slider move costs, against the previous and straightforward routes.

Prints (never asserts):
1. scoring 70,000 bureaux × 8 criteria (normalisation once, weighting per move);
2. per territory size: server-side path per move — map element payload (:mod:`lib.maps`:
   geometry once, then each move's view arrays) beside the straightforward route
   (GeoDataFrame → pydeck GeoJsonLayer);
3. with ``--browser``: slider → recoloured map in headless Chromium (../shared/tools/shoot.py,
   Debian chromium), median of 5 moves, for the map page of this checkout (map element), the
   same page at ``--baseline`` (the pydeck route, exported with ``git archive``) and the
   straightforward route, same territory, same run; then the cold and warm first paint of the
   Paris map page for both checkouts.

    python bench/bench_map.py [--browser] [--sizes 903,5000,70000] [--baseline bed39a5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.synthetic import make_territory  # noqa: E402
from lib import criteria as crit  # noqa: E402
from lib import priority, scoring  # noqa: E402
from lib.config import load_settings  # noqa: E402
from lib.dataset import load_territory  # noqa: E402
from lib.maps import geometry, views, wire  # noqa: E402
from lib.viewstate import default_view  # noqa: E402
from testing.localserver import free_port, wait_healthy  # noqa: E402

SHOOT = ROOT.parent / "shared" / "tools" / "shoot.py"


def timed(fn, repeat: int = 7) -> float:
    """Median milliseconds of ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def bench_scoring() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0, 100, (70_000, 8)), columns=[f"c{i}" for i in range(8)])
    frame.iloc[rng.integers(0, 70_000, 500), 3] = np.nan
    norm_ms = timed(lambda: scoring.normalise_criteria(frame), 3)
    normalised = scoring.normalise_criteria(frame)
    weights = {f"c{i}": 10 + i for i in range(8)}
    directions = {"c2": "penalises"}
    score_ms = timed(lambda: scoring.score(normalised, weights, directions))
    w = np.array(list(weights.values()), dtype=float)
    flip = np.array([c in directions for c in weights])
    filled, present = normalised.filled, normalised.present_float
    core_ms = timed(lambda: scoring.weighted_scores(filled, present, w, flip), 15)
    only_ms = timed(lambda: scoring.weighted_scores(filled, present, w, flip, with_points=False), 15)
    print(f"scoring 70,000 × 8: scores {only_ms:.1f} ms [target ≤ 5 ms]; scores + per-criterion "
          f"contributions {core_ms:.1f} ms; "
          f"with ranks and missing flags {score_ms:.1f} ms; normalisation (once per data/method, "
          f"cached) {norm_ms:.1f} ms")


def per_move(data_dir: Path, tid: str) -> dict:
    conf = load_settings()
    data = load_territory(data_dir, tid)
    election = crit.elections_with_results(data)[0]
    frame = crit.build_criteria(data, crit.Choices(election, ()), conf.criteria, conf.blocs)
    normalised = scoring.normalise_criteria(frame.values)
    view = default_view(conf, tid)
    t0 = time.perf_counter()
    screen = geometry.encode_geometry(data.bureaux, data.outlines, data.stations)
    encode_s = time.perf_counter() - t0

    def element_move():
        result = priority.compute(normalised, view, conf, frame.unavailable)
        shown = views.priority_view(screen, result.table, result.rgba, list(conf.criteria))
        return wire.pack(shown.meta, shown.arrays)

    return {"n": len(data.bureaux), "straight_bytes": straight_bytes(data),
            "element_ms": timed(element_move, 5), "move_bytes": len(element_move()),
            "geometry_bytes": len(geometry.geometry_blob(screen)), "encode_s": encode_s}


def straight_bytes(data) -> int:
    import pydeck as pdk

    gdf = data.bureaux.assign(score=1.0, fill=[[1, 2, 3, 200]] * len(data.bureaux))
    layer = pdk.Layer("GeoJsonLayer", gdf[["bureau_id", "label", "score", "fill", "geometry"]],
                      get_fill_color="fill", pickable=True)
    return len(pdk.Deck(layers=[layer]).to_json().encode())


MOVES = ("80", "20", "70", "30", "60")  # five slider moves per run: the median is reported


def shoot(project: Path, app: str, page: str, query: str, env: dict[str, str], out: Path) -> dict:
    cmd = [sys.executable, str(SHOOT), "--project", str(project), "--venv", str(Path(sys.executable).parents[1]),
           "--app", app, "--page", page, "--query", query, "--out", str(out), "--no-fullpage"]
    for value in MOVES:
        cmd += ["--slider", f"Abstention={value}"]
    for k, v in env.items():
        cmd += ["--env", f"{k}={v}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    try:
        summary = json.loads((out / "summary.json").read_text())
    except (OSError, json.JSONDecodeError):
        return {"error": proc.stderr[-300:]}
    moves = summary.get("interactions") or [{}]
    times = [m["render_ms"] for m in moves if m.get("render_ms")]
    return {"render_ms": statistics.median(times) if times else None, "all_ms": times,
            "bytes": moves[0].get("ws_bytes_in"), "timeout": any(m.get("timeout") for m in moves),
            "first_ms": summary.get("first_render_ms"), "ready_s": summary.get("server_start_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    parser.add_argument("--sizes", default="903,5000,70000",
                        help="territory sizes: 903 = real Paris, others = real commune polygons")
    parser.add_argument("--first-paint-only", action="store_true",
                        help="with --browser: only the first paint of the Paris map page")
    parser.add_argument("--baseline", default="bed39a5",
                        help="git revision of the previous (pydeck) map page, measured in the same run")
    args = parser.parse_args()
    bench_scoring()
    tmp = Path(tempfile.mkdtemp(prefix="terrain_bench_"))
    territories: list[tuple[int, Path, str]] = []
    for size in (int(s) for s in args.sizes.split(",")):
        if size == 903:
            territories.append((size, ROOT / "data", "paris"))
        else:
            t0 = time.perf_counter()
            tid = make_territory(size, tmp)
            print(f"(synthetic territory of {size} real commune polygons written in {time.perf_counter() - t0:.1f} s)")
            territories.append((size, tmp, tid))
    print("\nper slider move (server side, in-process): map element (per-move arrays; geometry once) "
          "vs straightforward GeoJsonLayer")
    print(f"{'bureaux':>8} {'element ms':>10} {'move kB':>8} {'geometry kB (once)':>19} {'encode s':>9} "
          f"{'straight kB':>12}")
    for _size, data_dir, tid in territories:
        r = per_move(data_dir, tid)
        print(f"{r['n']:>8} {r['element_ms']:>10.1f} {r['move_bytes'] / 1000:>8.1f} {r['geometry_bytes'] / 1000:>19.0f} "
              f"{r['encode_s']:>9.2f} {r['straight_bytes'] / 1000:>12.0f}")
    if not args.browser:
        return
    if args.first_paint_only:
        first_paints((ROOT / "data", "paris"), export_baseline(args.baseline, tmp), args.baseline)
        return
    browser_runs(territories, tmp, args.baseline)


def export_baseline(rev: str, tmp: Path) -> Path | None:
    """The project at ``rev`` (read-only export with ``git archive``): today's pydeck route."""
    folder = tmp / f"baseline_{rev}"
    folder.mkdir(exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, timeout=300)
    if archive.returncode:
        print(f"(baseline {rev} unavailable: {archive.stderr.decode()[-200:]})")
        return None
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def baseline_data(data_dir: Path, tid: str, baseline: Path) -> Path:
    """A copy of a dataset the baseline checkout accepts: same files, its contract version.

    The baseline may predate a contract change (e.g. v2 added anomaly keys, which v1 ignores);
    only the version number it checks is rewritten, no value changes.
    """
    import re
    import shutil

    version = int(re.search(r"CONTRACT_VERSION = (\d+)", (baseline / "lib" / "contract.py").read_text()).group(1))
    target = baseline / "bench_data"
    if not (target / tid).exists():
        shutil.copytree(Path(data_dir) / tid, target / tid)
        meta_path = target / tid / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["contract_version"] = version
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return target


def browser_runs(territories: list[tuple[int, Path, str]], tmp: Path, baseline_rev: str) -> None:
    if not SHOOT.exists():
        print(f"\n--browser needs {SHOOT}")
        return
    baseline = export_baseline(baseline_rev, tmp)
    print(f"\nslider → recoloured map in headless Chromium (shoot.py, median of {len(MOVES)} moves; "
          f"kB = websocket bytes of one move; load average {os.getloadavg()[0]:.1f}):")
    print(f"{'bureaux':>8} {'route':<30} {'ms':>7} {'kB':>7} {'server ready s':>15} {'first paint ms':>15}  moves")
    for size, data_dir, tid in territories:
        env = {"TERRAIN_DATA_DIR": str(data_dir), "BENCH_TERRITORY": tid}
        routes = [("map element (this checkout)", ROOT, "serve.py", "carte", f"t={tid}"),
                  ("map element alone (bench app)", ROOT, "bench/element_app.py", "", "")]
        if baseline is not None:
            routes.append((f"pydeck ({baseline_rev})", baseline, "app.py", "carte", f"t={tid}"))
        if size <= 5000:
            routes.append(("straightforward GeoJsonLayer", ROOT, "bench/straight_app.py", "", ""))
        routes_done: list[str] = []
        for name, project, app, page, query in routes:
            route_env = env if project != baseline else {
                **env, "TERRAIN_DATA_DIR": str(baseline_data(data_dir, tid, baseline))}
            r = shoot(project, app, page, query, route_env, tmp / f"shot_{tid}_{len(routes_done)}")
            routes_done.append(name)
            fmt = lambda v, d=1000: f"{v / d:.0f}" if isinstance(v, (int, float)) else "—"  # noqa: E731
            ready = f"{r['ready_s']:.1f}" if isinstance(r.get("ready_s"), (int, float)) else "—"
            print(f"{size:>8} {name:<30} {fmt(r.get('render_ms'), 1):>7} {fmt(r.get('bytes')):>7} {ready:>15} "
                  f"{fmt(r.get('first_ms'), 1):>15}  {r.get('all_ms')}" + (f"  ({r['error']})" if r.get("error") else ""))
    paris = next(((d, t) for s, d, t in territories if s == 903), None)
    if paris is not None:
        first_paints(paris, baseline, baseline_rev)


# (map coloured, map complete): the element draws the bureaux first, then outlines, stations and
# names (each layer type is a shader program to compile before its first frame).
PAINTED = {"element": (".terrain-map[data-coloured]:not([data-coloured=pending])",
                       ".terrain-map[data-complete]:not([data-complete=pending])"),
           "pydeck": ('[data-testid="stDeckGlJsonChart"] canvas',) * 2}


RUNS = 3  # of each warm case: new browser contexts, then return visits and reloads in the last one


def first_paints(paris: tuple[Path, str], baseline: Path | None, baseline_rev: str) -> None:
    """Cold (fresh server, fresh browser); warm: new browser, return visit and reload (same server)."""
    print(f"\nfirst paint of the Paris map page (navigation → map drawn and script idle; load average "
          f"{os.getloadavg()[0]:.1f}; other hosts unresolvable, as offline):")
    runs = [("map element, serve.py (this checkout)", ROOT, "serve.py", PAINTED["element"]),
            ("map element, app.py (no warm-up)", ROOT, "app.py", PAINTED["element"])]
    if baseline is not None:
        runs.append((f"pydeck ({baseline_rev})", baseline, "app.py", PAINTED["pydeck"]))
    for name, project, script, selector in runs:
        data_dir = paris[0] if project == ROOT else baseline_data(paris[0], paris[1], project)
        ready, times = paint_times(project, script, data_dir, selector)
        cold, rest = times[0], times[1:]
        warm, back, reload = (rest[i * RUNS:(i + 1) * RUNS] for i in range(3))
        print(f"  {name:<38} server ready {ready:>4.1f} s | coloured / complete, ms: cold {cold[0]:>5.0f} / {cold[1]:>5.0f}")
        for label, runs_ in (("warm (new browser)", warm), ("return visit (same browser)", back), ("reload", reload)):
            mid = sorted(runs_)[len(runs_) // 2]
            print(f"  {'':<38} {label:<28} {mid[0]:>5.0f} / {mid[1]:>5.0f} (runs {[round(t[0]) for t in runs_]})")


def paint_times(project: Path, script: str, data_dir: Path, selector: tuple[str, str]
                ) -> tuple[float, list[tuple[float, float]]]:
    """Seconds from process start to a healthy server; then milliseconds to a painted map: the first
    visit; :data:`RUNS` visits from new browser contexts; in the last one, :data:`RUNS` visits to the
    page again (a returning visitor: the browser cache holds Streamlit's bundle and the map's
    scripts), then :data:`RUNS` reloads."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "TERRAIN_DATA_DIR": str(data_dir), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    t0 = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1"],
                              cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port)
        ready = time.perf_counter() - t0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=OFFLINE_CHROMIUM)
            url = f"http://127.0.0.1:{port}/carte"
            times = []
            for _ in range(1 + RUNS):
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                times.append(visit(page, lambda pg=page: pg.goto(url), selector))
            for _ in range(RUNS):
                times.append(visit(page, lambda pg=page: pg.goto(url), selector))
            for _ in range(RUNS):
                times.append(visit(page, lambda pg=page: pg.reload(), selector))
            browser.close()
        return ready, times
    finally:
        server.terminate()
        server.wait(timeout=30)


# Offline like a meeting room, without intercepting each request (which would slow every one):
# every host but the local server fails to resolve.
OFFLINE_CHROMIUM = ["--headless", "--no-sandbox", "--disable-gpu",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def visit(page, navigate, selector: tuple[str, str]) -> tuple[float, float]:
    """Milliseconds from navigation to (map coloured, map complete), script idle.

    The element stamps both on the page clock at the frame after each draw (its main thread is
    then free): a poll from here would only see them once the browser stops compiling the next
    layers' shaders. The pydeck page has one stage, timed from here.
    """
    t0 = time.perf_counter()
    navigate()
    page.wait_for_selector(selector[1], timeout=120_000, state="attached")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=120_000)
    polled = (time.perf_counter() - t0) * 1000
    stamps = page.evaluate("() => { const m = document.querySelector('.terrain-map');"
                           " return m ? [Number(m.dataset.coloured), Number(m.dataset.complete)] : null; }")
    return tuple(stamps) if stamps else (polled, polled)


if __name__ == "__main__":
    main()
