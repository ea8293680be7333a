"""Priority-map benchmark: what one slider move costs, against the straightforward route.

Prints (never asserts):
1. scoring 70,000 bureaux × 8 criteria (normalisation once, weighting per move);
2. per territory size: server-side path per move (score + classes + deck spec), bytes of the
   deck spec, and the same bytes for the straightforward route (GeoDataFrame → GeoJsonLayer);
3. with ``--browser``: slider → recoloured map in headless Chromium (../shared/tools/shoot.py,
   Debian chromium) for Terrain and for the straightforward route, same territory, same run.

    python bench/bench_map.py [--browser] [--sizes 903,5000,70000]
"""

from __future__ import annotations

import argparse
import json
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
from lib import deckmap, priority, scoring  # noqa: E402
from lib.config import load_settings  # noqa: E402
from lib.dataset import load_territory  # noqa: E402
from lib.viewstate import default_view  # noqa: E402

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
    geom = deckmap.prepare_map_geometry(data.bureaux, data.outlines, point_threshold=conf.map_point_threshold)
    election = crit.elections_with_results(data)[0]
    frame = crit.build_criteria(data, crit.Choices(election, ()), conf.criteria, conf.blocs)
    normalised = scoring.normalise_criteria(frame.values)
    view = default_view(conf, tid)

    def move():
        result = priority.compute(normalised, view, conf, frame.unavailable)
        fill, tooltip = deckmap.priority_fill(result.table, result.rgba, conf.criteria)
        return deckmap.deck_spec(geom, fill, no_data=conf.no_data_colour, stations=data.stations,
                                 tooltip=tooltip).to_json()

    ms = timed(move, 5)
    spec = move()
    straight = straight_bytes(data)
    return {"n": len(data.bureaux), "server_ms": ms, "spec_bytes": len(spec.encode()),
            "straight_bytes": straight, "points": geom.groups is not None}


def straight_bytes(data) -> int:
    import pydeck as pdk

    gdf = data.bureaux.assign(score=1.0, fill=[[1, 2, 3, 200]] * len(data.bureaux))
    layer = pdk.Layer("GeoJsonLayer", gdf[["bureau_id", "label", "score", "fill", "geometry"]],
                      get_fill_color="fill", pickable=True)
    return len(pdk.Deck(layers=[layer]).to_json().encode())


MOVES = ("80", "20", "70", "30", "60")  # five slider moves per run: the median is reported


def shoot(app: str, page: str, query: str, env: dict[str, str], out: Path) -> dict:
    cmd = [sys.executable, str(SHOOT), "--project", str(ROOT), "--venv", str(Path(sys.executable).parents[1]),
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
            "first_ms": summary.get("first_render_ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    parser.add_argument("--sizes", default="903,5000,70000",
                        help="territory sizes: 903 = real Paris, others = real commune polygons")
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
    print("\nper slider move (server side, in-process):")
    print(f"{'bureaux':>8} {'mode':>8} {'server ms':>10} {'Terrain kB':>11} {'straight kB':>12} {'ratio':>6}")
    for _size, data_dir, tid in territories:
        r = per_move(data_dir, tid)
        print(f"{r['n']:>8} {'départ.' if r['points'] else 'polygons':>8} {r['server_ms']:>10.1f} "
              f"{r['spec_bytes'] / 1000:>11.0f} {r['straight_bytes'] / 1000:>12.0f} "
              f"{r['straight_bytes'] / r['spec_bytes']:>6.1f}")
    if not args.browser:
        return
    if not SHOOT.exists():
        print(f"\n--browser needs {SHOOT}")
        return
    print(f"\nslider → recoloured map in headless Chromium (shoot.py, median of {len(MOVES)} moves; "
          "bytes = websocket bytes of one move):")
    print(f"{'bureaux':>8} {'Terrain ms':>11} {'kB':>6} {'straight ms':>12} {'kB':>7} {'speed-up':>9}")
    for size, data_dir, tid in territories:
        env = {"TERRAIN_DATA_DIR": str(data_dir), "BENCH_TERRITORY": tid}
        ours = shoot("app.py", "carte", f"t={tid}", env, tmp / f"shot_{tid}")
        straight = (shoot("bench/straight_app.py", "", "", env, tmp / f"straight_{tid}")
                    if size <= 5000 else {"render_ms": None, "bytes": None, "note": "never renders"})
        speed = (f"{straight['render_ms'] / ours['render_ms']:.1f}×"
                 if ours.get("render_ms") and straight.get("render_ms") else "—")
        fmt = lambda v, d=1000: f"{v / d:.0f}" if isinstance(v, (int, float)) else "—"  # noqa: E731
        print(f"{size:>8} {fmt(ours.get('render_ms'), 1):>11} {fmt(ours.get('bytes')):>6} "
              f"{fmt(straight.get('render_ms'), 1):>12} {fmt(straight.get('bytes')):>7} {speed:>9}"
              + (f"  ({ours.get('error')})" if ours.get("error") else "")
              + f"  [moves: {ours.get('all_ms')} vs {straight.get('all_ms', '—')}]")


if __name__ == "__main__":
    main()
