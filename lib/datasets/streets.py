"""The street layer of a territory, from OpenStreetMap: ``data/<territory>/streets.parquet``.

A walker finds doors by streets: the packet's route map, the turf map and the routes themselves
(:mod:`lib.streetnet`) need the streets and paths of the territory with their names. They come
from an OpenStreetMap extract read with a well-kept library, never parsed by hand:

- ``.osm.pbf`` / ``.osm`` (a Geofabrik or openstreetmap.fr regional extract): pyosmium;
- ``.graphml`` / ``.gml`` (an OSMnx street graph, as several projects publish): networkx.

What a walker needs is kept (:data:`WALKABLE`: streets, footways, steps, squares — not motorways),
one row per way or graph edge: ``name`` (empty when the way has none), ``highway`` and a WGS84
``geometry`` (LineString), cut to the territory's bureaux plus :data:`MARGIN_M`. The data is
ODbL: :data:`OSM_CREDIT` is shown wherever a street is drawn, and the metadata names the extract.

    python -m lib.datasets.streets paris --from DOSSIER          # the extract found in DOSSIER
    python -m lib.datasets.streets antony --download              # Geofabrik Île-de-France, cached
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from lib.contract import STREETS_COLUMNS, WALKABLE
from lib.errors import BuildError, TerrainError
from lib.geo import LAMBERT93, WGS84, lonlat_to_l93
from lib.streetmap import OSM_CREDIT, OSM_LICENCE

MARGIN_M = 300.0  # streets this far beyond the territory's bureaux are kept: a route may go round
COVERED_WITHIN_M = 120.0  # a bureau whose centre has a street this close is covered by the extract
EXTRACT_SUFFIXES = (".osm.pbf", ".osm", ".osm.xml", ".graphml", ".gml")
DOWNLOADS = {  # département → the regional extract that covers it (Geofabrik, daily)
    "75": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "77": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "78": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "91": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "92": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "93": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "94": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
    "95": "https://download.geofabrik.de/europe/france/ile-de-france-latest.osm.pbf",
}
FILE = "streets.parquet"
SHIPPED = {  # territory → (folder under raw/, where it comes from, its date): see raw/SOURCES.md
    "paris": ("osm_paris_trocadero", "https://github.com/anonx3247/TIPE", "OSMnx 2022-12-22 (partiel : Trocadéro)"),
}


def _frame(rows: list[tuple[str, str, LineString]]) -> gpd.GeoDataFrame:
    names, kinds, lines = zip(*rows, strict=True) if rows else ((), (), ())
    return gpd.GeoDataFrame({"name": pd.Series(names, dtype=str), "highway": pd.Series(kinds, dtype=str)},
                            geometry=list(lines), crs=WGS84)


def _read_osm(path: Path) -> gpd.GeoDataFrame:
    """Highway ways of an ``.osm.pbf``/``.osm`` file, with node locations (pyosmium)."""
    import osmium

    rows: list[tuple[str, str, LineString]] = []
    for way in osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway")):
        if not way.is_way() or way.tags.get("highway") not in WALKABLE:
            continue
        coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(coords) >= 2:
            rows.append((way.tags.get("name", ""), way.tags.get("highway"), LineString(coords)))
    return _frame(rows)


def _first(value: Any) -> str:
    """OSMnx writes merged attributes as a list's text (« ['Rue A', 'Rue B'] »): the first one."""
    text = "" if value is None else str(value)
    if text.startswith("["):
        try:
            items = ast.literal_eval(text)
            return str(items[0]) if items else ""
        except (ValueError, SyntaxError):
            return text
    return text


def _read_graphml(path: Path) -> gpd.GeoDataFrame:
    """Edges of an OSMnx GraphML street graph, each street once (the graph holds both directions)."""
    import networkx as nx

    graph = nx.read_graphml(path)
    nodes = {n: (float(d["x"]), float(d["y"])) for n, d in graph.nodes(data=True)}
    rows, seen = [], set()
    for u, v, data in graph.edges(data=True):
        highway = _first(data.get("highway"))
        line = shapely.from_wkt(data["geometry"]) if data.get("geometry") else LineString([nodes[u], nodes[v]])
        key = shapely.to_wkb(shapely.normalize(line))
        if key in seen or highway not in WALKABLE:
            continue
        seen.add(key)
        rows.append((_first(data.get("name")), highway, line))
    return _frame(rows)


def read_extract(path: Path) -> gpd.GeoDataFrame:
    """The walkable streets of an OSM extract or an OSMnx graph (French error when unreadable)."""
    path = Path(path)
    name = path.name.lower()
    try:
        streets = _read_graphml(path) if name.endswith((".graphml", ".gml")) else _read_osm(path)
    except TerrainError:
        raise
    except Exception as err:  # a truncated or foreign file raises many different types
        raise BuildError(f"extrait OpenStreetMap illisible ({type(err).__name__}) : vérifiez qu'il s'agit "
                         "d'un fichier .osm.pbf, .osm ou d'un graphe OSMnx .graphml complet.", source=str(path)) from err
    if streets.empty:
        raise BuildError("aucune rue ni aucun chemin dans cet extrait OpenStreetMap.", source=str(path))
    return streets


def find_extract(folder: Path) -> Path:
    """The one OSM extract in ``folder`` (the largest when there are several)."""
    found = [p for p in Path(folder).iterdir() if p.is_file() and p.name.lower().endswith(EXTRACT_SUFFIXES)]
    if not found:
        raise BuildError(f"aucun extrait OpenStreetMap ({', '.join(EXTRACT_SUFFIXES)}) dans ce dossier.",
                         source=str(folder))
    return max(found, key=lambda p: p.stat().st_size)


def cut(streets: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, *, margin_m: float = MARGIN_M) -> gpd.GeoDataFrame:
    """The streets that touch the bureaux' bounding box widened by ``margin_m``."""
    lon0, lat0, lon1, lat1 = bureaux.total_bounds
    x, y = lonlat_to_l93(np.array([lon0, lon1]), np.array([lat0, lat1]))
    box = shapely.box(x[0] - margin_m, y[0] - margin_m, x[1] + margin_m, y[1] + margin_m)
    projected = streets.to_crs(LAMBERT93)
    keep = projected.intersects(box).to_numpy()
    out = streets[keep].reset_index(drop=True)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-6)  # ~10 cm: what a map needs
    return out[STREETS_COLUMNS]


def covered_bureaux(streets: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> list[str]:
    """Bureaux with a street of the layer within COVERED_WITHIN_M of their centre: where the layer
    is partial, the app says which bureaux have no street drawn rather than leave them blank."""
    if streets.empty:
        return []
    lines = streets.to_crs(LAMBERT93).geometry.values
    tree = shapely.STRtree(lines)
    cx, cy = lonlat_to_l93(bureaux["centre_lon"].to_numpy(float), bureaux["centre_lat"].to_numpy(float))
    near = tree.query(shapely.points(cx, cy), predicate="dwithin", distance=COVERED_WITHIN_M)
    return sorted(set(bureaux["bureau_id"].astype(str).to_numpy()[np.unique(near[0])]))


def source_entry(extract: Path, *, url: str = "", date: str = "") -> dict[str, Any]:
    """The metadata ``sources`` entry of the street layer (ODbL, credited as OSM asks)."""
    return {"id": "osm_streets", "title": "Rues et chemins (OpenStreetMap)", "publisher": OSM_CREDIT,
            "licence": OSM_LICENCE, "url": url or "https://www.openstreetmap.org/copyright",
            "files": [extract.name], "note": date}


def attach(data_dir: Path, territory_id: str, extract: Path, *, url: str = "", date: str = "",
           log=print) -> dict[str, Any]:
    """Read ``extract``, cut it to the territory, validate and write ``streets.parquet`` beside the
    dataset with its source and coverage in ``metadata.json``. Returns the coverage."""
    from lib import contract
    from lib.dataset import load_territory

    data = load_territory(Path(data_dir), territory_id)
    streets = cut(read_extract(extract), data.bureaux)
    contract.require(contract.check_streets(streets), file=FILE)
    covered = covered_bureaux(streets, data.bureaux)
    meta = dict(data.metadata)
    meta["sources"] = [s for s in meta["sources"] if s.get("id") != "osm_streets"]
    meta["sources"].append(source_entry(extract, url=url, date=date))
    meta["streets"] = {"ways": len(streets), "bureaux_covered": len(covered), "bureaux": len(data.bureaux),
                       "covered": covered}
    folder = Path(data_dir) / territory_id
    tmp = folder / f".{FILE}.tmp"
    streets.to_parquet(tmp, index=False, compression="zstd")
    tmp.replace(folder / FILE)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
    log(f"  rues OpenStreetMap : {len(streets)} tronçons, {len(covered)} bureaux sur {len(data.bureaux)} couverts")
    return meta["streets"]


def attach_shipped(territory_id: str, raw_dir: Path, out_dir: Path, log=print) -> None:
    """The shipped territory's street layer from ``raw/`` (none when no extract was found for it:
    the metadata then has no « streets » and the app says so)."""
    if territory_id not in SHIPPED:
        return
    folder, url, date = SHIPPED[territory_id]
    attach(out_dir, territory_id, find_extract(Path(raw_dir) / folder), url=url, date=date, log=log)


def download_extract(territory_id: str, data_dir: Path, cache: Path, *, mirror: str | None = None) -> tuple[Path, str]:
    """The regional extract covering the territory's département, downloaded once into ``cache``."""
    from urllib.parse import urlsplit

    from lib.dataset import load_territory
    from lib.download import download

    departement = str(load_territory(Path(data_dir), territory_id).bureaux["commune_code"].iloc[0])[:2]
    url = DOWNLOADS.get(departement)
    if url is None:
        raise BuildError(f"pas d'extrait OpenStreetMap connu pour le département {departement} : "
                         "téléchargez-le (Geofabrik, openstreetmap.fr) et utilisez --from DOSSIER.")
    fetched = mirror.rstrip("/") + urlsplit(url).path if mirror else url
    return download(fetched, cache), url


def main(argv: list[str] | None = None) -> int:
    """``python -m lib.datasets.streets TERRITOIRE --from DOSSIER | --download``: French report."""
    from lib.config import PROJECT_ROOT, load_settings

    parser = argparse.ArgumentParser(prog="python -m lib.datasets.streets",
                                     description="Ajoute les rues OpenStreetMap à un territoire construit.")
    parser.add_argument("territory", metavar="TERRITOIRE")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--from", dest="source_dir", type=Path, help="dossier contenant l'extrait OSM")
    where.add_argument("--download", action="store_true", help="télécharger l'extrait régional (Geofabrik)")
    parser.add_argument("--mirror", help="URL d'un miroir servant les fichiers sous leurs chemins (tests)")
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "data" / "_cache")
    parser.add_argument("--out", type=Path, default=None, help="dossier des jeux construits (défaut : data/)")
    args = parser.parse_args(argv)
    out = args.out or load_settings().data_dir
    try:
        if args.download:
            extract, url = download_extract(args.territory, out, args.cache, mirror=args.mirror)
        else:
            extract, url = find_extract(args.source_dir), ""
        attach(out, args.territory, extract, url=url)
    except TerrainError as err:
        print(f"Échec : {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
