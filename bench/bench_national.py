"""National-scale build benchmark: time and peak memory to crop and build from national files.

Makes national-size inputs inside the bench (never shipped): Etalab-layout contours from the
real national commune polygons (two pseudo-bureaux per commune → ~70,000) and an official
wide-layout results file with one row per bureau (values replicated from the real 92-13
législatives 2024 rows). Then builds, each in a fresh process so peak RSS is the build's own:
a département (Nord, 59) and, with ``--france``, all of France.

    python bench/bench_national.py [--france]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.synthetic import communes  # noqa: E402
from lib.config import BYTES_PER_MB  # noqa: E402


def make_inputs(folder: Path, n_bureaux: int = 70_000) -> None:
    c = communes(n_bureaux)
    c = c.assign(codeBureauVote=c["code"] + "_" + c["bv"], codeCommune=c["code"], nomCommune=c["nom"],
                 numeroBureauVote=c["bv"], codeDepartement=c["code"].str[:2],
                 codeCirconscription=c["code"].str[:2] + "01")
    c[["codeBureauVote", "codeCommune", "nomCommune", "numeroBureauVote", "codeDepartement",
       "codeCirconscription", "geometry"]].to_file(folder / "contours-france-entiere-latest-v2.geojson", driver="GeoJSON")
    src = pd.read_csv(ROOT / "raw/hds_9213_viz/legislatives2024_t1_9213.csv", sep=";", dtype=str, keep_default_na=False)
    src = src.iloc[:, : src.columns.get_loc("Gaillard")]  # official columns only
    rows = src.iloc[np.arange(len(c)) % len(src)].reset_index(drop=True)
    rows["Code département"] = c["code"].str[:2].to_numpy()
    rows["Code commune"] = c["code"].to_numpy()
    rows["Code BV"] = c["bv"].to_numpy()
    rows.to_csv(folder / "leg2024t1_burvot.csv", sep=";", index=False)
    (folder / "manifest.json").write_text(json.dumps({"bureaux": len(c)}))


CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from lib.datasets import national
t = time.perf_counter()
meta = national.build(national.Selector({kind!r}, {code!r}), folder=Path({folder!r}), out_dir=Path({out!r}),
                      log=lambda *_: None)
print("RESULT", json.dumps({{"s": time.perf_counter() - t, "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                            "bureaux": meta["coverage"]["bureaux"]}}))
"""


def measure(kind: str, code: str, folder: Path) -> dict:
    """Build in a fresh process (peak RSS is the build's own); seconds, MB and bureaux."""
    script = CHILD.format(root=str(ROOT), kind=kind, code=code, folder=str(folder), out=str(folder / "out"))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=3600)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")), None)
    return json.loads(line.split(" ", 1)[1]) if line else {"error": (out.stderr or out.stdout)[-400:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--france", action="store_true", help="also build all of France (~70,000 bureaux)")
    a = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="terrain_national_"))
    t0 = time.perf_counter()
    make_inputs(folder)
    size = sum(p.stat().st_size for p in folder.iterdir()) / BYTES_PER_MB
    print(f"national-size inputs: {json.loads((folder / 'manifest.json').read_text())['bureaux']:,} bureaux, "
          f"{size:.0f} MB, made in {time.perf_counter() - t0:.0f} s")
    targets = [("departement", "59")] + ([("france", "fr")] if a.france else [])
    for kind, code in targets:
        r = measure(kind, code, folder)
        if "error" in r:
            print(f"{kind} {code}: failed — {r['error']}")
        else:
            print(f"{kind} {code}: {r['bureaux']:,} bureaux built in {r['s']:.1f} s, peak RSS {r['mb']:.0f} MB")


if __name__ == "__main__":
    main()
