"""The street layer of a territory, from OpenStreetMap: ``data/<territory>/streets.parquet``.

A walker finds doors by streets: the packet's route map, the turf map and the routes themselves
(:mod:`lib.streetnet`) need the streets and paths of the territory with their names. They come
from OpenStreetMap extracts read with a well-kept library, never parsed by hand (:data:`READERS`):

- ``.osm.pbf`` / ``.osm`` (a Geofabrik or openstreetmap.fr regional extract, an openstreetmap.org
  export): pyosmium;
- ``.json`` (an Overpass API response in OSM JSON, as OSMnx caches it): the standard ``json`` module;
- ``.graphml`` / ``.gml`` (an OSMnx street graph, as several projects publish): networkx.

A folder may hold several extracts, each covering a part of the territory: they are merged, a way
read twice (same OSM way id, or same line) kept once. Whole ways are read before graph edges, which
OSMnx splits at junctions, so that the whole way wins. What a walker needs is kept (:data:`WALKABLE`:
streets, footways, steps, squares — not motorways), one row per way or graph edge: ``name`` (empty
when the way has none), ``highway`` and a WGS84 ``geometry`` (LineString), cut to the territory's
bureaux plus :data:`MARGIN_M`. The data is ODbL: :data:`OSM_CREDIT` is shown wherever a street is
drawn, and the metadata names each extract, where it comes from and how many bureaux it covers.

    python -m lib.datasets.streets paris --from DOSSIER          # every extract found in DOSSIER
    python -m lib.datasets.streets antony --download              # Geofabrik Île-de-France, cached
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Callable
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
COVERED_WITHIN_M = 120.0  # a bureau is covered by the layer when its centre has, this close,
COVERED_JUNCTIONS = 3  # at least this many street junctions: a partial extract's long ways reach out of it
# and pass near bureaux whose other streets it lacks, but they meet no street there
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
SHIPPED = {  # territory → the folders under raw/ whose extracts make its layer, each with where it
    # comes from and its date (raw/SOURCES.md); every extract of a folder is read
    "paris": (
        ("osm_paris_trocadero", "https://github.com/anonx3247/TIPE", "Overpass 2022-12-22, Trocadéro – Champ-de-Mars"),
        ("osm_paris_gare_du_nord", "https://github.com/MissMwendwa/Paris-Graphical-Analysis",
         "export openstreetmap.org 2021-07-07, Gare du Nord – Gare de l'Est"),
    ),
}
Extract = tuple[Path, str, str]  # an extract file, where it comes from (an address or ""), its date


class NotAnOverpassAnswer(BuildError):
    """A JSON file that is no Overpass answer: OSMnx keeps its geocoding answers in the same cache
    folder as its Overpass answers, so a folder of extracts may hold some."""


def _frame(rows: list[tuple[str, str, LineString, tuple[int, ...]]]) -> gpd.GeoDataFrame:
    """The rows of a reader, with the OSM way ids each line comes from (what a merge dedupes on)."""
    names, kinds, lines, ids = zip(*rows, strict=True) if rows else ((), (), (), ())
    return gpd.GeoDataFrame({"name": pd.Series(names, dtype=str), "highway": pd.Series(kinds, dtype=str),
                             "osm_ids": pd.Series(ids, dtype=object)}, geometry=list(lines), crs=WGS84)


def _read_osm(path: Path) -> gpd.GeoDataFrame:
    """Highway ways of an ``.osm.pbf``/``.osm`` file, with node locations (pyosmium)."""
    import osmium

    rows: list[tuple[str, str, LineString, tuple[int, ...]]] = []
    for way in osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway")):
        if not way.is_way() or way.tags.get("highway") not in WALKABLE:
            continue
        coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
        if len(coords) >= 2:
            rows.append((way.tags.get("name", ""), way.tags.get("highway"), LineString(coords), (way.id,)))
    return _frame(rows)


def _read_overpass_json(path: Path) -> gpd.GeoDataFrame:
    """Highway ways of an Overpass API response in OSM JSON (read with the standard ``json``): ways
    with their node ids and the nodes' lat/lon (``out;`` after ``>;``, as OSMnx caches it), or ways
    with their own ``geometry`` (``out geom;``)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
        raise NotAnOverpassAnswer("ce fichier JSON n'est pas une réponse de l'API Overpass (pas de liste « elements ») : "
                         "ajoutez un export Overpass en JSON, un .osm.pbf, un .osm ou un graphe OSMnx .graphml.",
                         source=str(path))
    nodes = {e["id"]: (e["lon"], e["lat"]) for e in doc["elements"] if e.get("type") == "node" and "lat" in e}
    rows: list[tuple[str, str, LineString, tuple[int, ...]]] = []
    for way in doc["elements"]:
        tags = way.get("tags") or {}
        if way.get("type") != "way" or tags.get("highway") not in WALKABLE:
            continue
        coords = ([(p["lon"], p["lat"]) for p in way["geometry"] if p] if way.get("geometry")
                  else [nodes[n] for n in way.get("nodes", []) if n in nodes])
        if len(coords) >= 2:
            rows.append((tags.get("name", ""), tags["highway"], LineString(coords), (int(way["id"]),)))
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


def _way_ids(value: Any) -> tuple[int, ...]:
    """The OSM way ids of a graph edge (« 4039527 », or « [4039527, 23056247] » for a merged edge)."""
    try:
        items = ast.literal_eval(str(value)) if value is not None else ()
    except (ValueError, SyntaxError):
        return ()
    items = items if isinstance(items, list | tuple) else (items,)
    return tuple(int(i) for i in items if isinstance(i, int))


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
        rows.append((_first(data.get("name")), highway, line, _way_ids(data.get("osmid"))))
    return _frame(rows)


READERS: dict[str, Callable[[Path], gpd.GeoDataFrame]] = {  # how a file name ends → its reader
    ".osm.pbf": _read_osm, ".osm": _read_osm, ".osm.xml": _read_osm, ".json": _read_overpass_json,
    ".graphml": _read_graphml, ".gml": _read_graphml}
EXTRACT_SUFFIXES = tuple(READERS)
SPLIT_EDGES = (".graphml", ".gml")  # graph edges, cut at junctions: read after whole ways, which win


def read_extract(path: Path) -> gpd.GeoDataFrame:
    """The walkable streets of one OSM extract (French error when unreadable), with the OSM way ids
    of each line (``osm_ids``) for :func:`merge`."""
    path = Path(path)
    reader = next((read for suffix, read in READERS.items() if path.name.lower().endswith(suffix)), _read_osm)
    try:
        streets = reader(path)
    except TerrainError:
        raise
    except Exception as err:  # a truncated or foreign file raises many different types
        raise BuildError(f"extrait OpenStreetMap illisible ({type(err).__name__}) : vérifiez qu'il s'agit "
                         "d'un fichier .osm.pbf, .osm, d'une réponse Overpass .json ou d'un graphe OSMnx "
                         ".graphml complet.", source=str(path)) from err
    if streets.empty:
        raise BuildError("aucune rue ni aucun chemin dans cet extrait OpenStreetMap.", source=str(path))
    return streets


def find_extracts(folder: Path) -> list[Path]:
    """Every OSM extract in ``folder``, whole ways (PBF, OSM XML, Overpass JSON) before graphs and
    each group by name: the merge keeps whole ways, and the result never depends on the disk's order."""
    found = [p for p in Path(folder).iterdir() if p.is_file() and p.name.lower().endswith(EXTRACT_SUFFIXES)]
    if not found:
        raise BuildError(f"aucun extrait OpenStreetMap ({', '.join(EXTRACT_SUFFIXES)}) dans ce dossier.",
                         source=str(folder))
    return sorted(found, key=lambda p: (p.name.lower().endswith(SPLIT_EDGES), p.name))


def cut(streets: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame, *, margin_m: float = MARGIN_M) -> gpd.GeoDataFrame:
    """The streets that touch the bureaux' bounding box widened by ``margin_m``."""
    lon0, lat0, lon1, lat1 = bureaux.total_bounds
    x, y = lonlat_to_l93(np.array([lon0, lon1]), np.array([lat0, lat1]))
    box = shapely.box(x[0] - margin_m, y[0] - margin_m, x[1] + margin_m, y[1] + margin_m)
    projected = streets.to_crs(LAMBERT93)
    keep = projected.intersects(box).to_numpy()
    out = streets[keep].reset_index(drop=True)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-6)  # ~10 cm: what a map needs
    return out


def merge(parts: list[gpd.GeoDataFrame]) -> tuple[gpd.GeoDataFrame, list[int]]:
    """One layer from several extracts read in order: a line whose OSM way ids were all read from an
    earlier extract, or whose very line was, is left out (two exports of one street, a graph edge of
    a way read whole). Returns the layer and how many lines each extract kept."""
    seen_ids: set[int] = set()
    seen_lines: set[bytes] = set()
    kept: list[gpd.GeoDataFrame] = []
    for part in parts:
        keys = shapely.to_wkb(shapely.normalize(part.geometry.values))
        ids = part["osm_ids"].tolist()
        keep = [not (set(way) and set(way) <= seen_ids) and key not in seen_lines
                for way, key in zip(ids, keys, strict=True)]
        seen_ids.update(i for way in ids for i in way)
        seen_lines.update(keys.tolist())
        kept.append(part[np.array(keep, dtype=bool)])
    layer = pd.concat(kept, ignore_index=True) if kept else _frame([])
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84), [len(k) for k in kept]


def _junctions(streets: gpd.GeoDataFrame) -> np.ndarray:
    """The points (Lambert-93) where two lines of the layer meet: a vertex shared by ways or edges."""
    coords, line = shapely.get_coordinates(streets.to_crs(LAMBERT93).geometry.values, return_index=True)
    vertices = pd.DataFrame({"x": coords[:, 0].round(1), "y": coords[:, 1].round(1), "line": line})
    lines_at = vertices.drop_duplicates().groupby(["x", "y"])["line"].size()
    shared = lines_at[lines_at >= 2].index
    return shapely.points(shared.get_level_values("x").to_numpy(), shared.get_level_values("y").to_numpy())


def covered_bureaux(streets: gpd.GeoDataFrame, bureaux: gpd.GeoDataFrame) -> list[str]:
    """Bureaux with at least COVERED_JUNCTIONS street junctions within COVERED_WITHIN_M of their
    centre: where the layer is partial, the app says which bureaux have no street drawn rather than
    leave them blank — and a boulevard of an export passing by does not make a bureau covered."""
    junctions = _junctions(streets) if not streets.empty else np.array([])
    if not len(junctions):
        return []
    cx, cy = lonlat_to_l93(bureaux["centre_lon"].to_numpy(float), bureaux["centre_lat"].to_numpy(float))
    near = shapely.STRtree(junctions).query(shapely.points(cx, cy), predicate="dwithin", distance=COVERED_WITHIN_M)
    counts = np.bincount(near[0], minlength=len(bureaux))
    return sorted(bureaux["bureau_id"].astype(str).to_numpy()[counts >= COVERED_JUNCTIONS].tolist())


def _read_all(extracts: list[Extract], bureaux: gpd.GeoDataFrame, log) -> tuple[list[Extract], list[gpd.GeoDataFrame]]:
    """Each extract read and cut to the territory; a JSON that is no Overpass answer is left out and
    said (an OSMnx cache folder holds geocoding answers too), unless nothing else is left."""
    used, parts, skipped = [], [], []
    for extract in extracts:
        try:
            parts.append(cut(read_extract(extract[0]), bureaux))
            used.append(extract)
        except NotAnOverpassAnswer as err:
            skipped.append(err)
    if skipped and not parts:
        raise skipped[0]
    for err in skipped:
        log(f"  ignoré : {Path(err.source or '').name} n'est pas une réponse Overpass")
    return used, parts


def layer(extracts: list[Extract], bureaux: gpd.GeoDataFrame, log=print) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """The territory's street layer from its extracts (whole ways first), and what each extract
    brought: its lines in the territory, the lines kept after the merge, the bureaux it covers."""
    ordered, parts = _read_all(sorted(extracts, key=lambda e: e[0].name.lower().endswith(SPLIT_EDGES)), bureaux, log)
    streets, kept = merge(parts)
    files = [{"file": path.name, "url": url, "date": date, "ways": len(part), "kept": n,
              "bureaux_covered": len(covered_bureaux(part, bureaux))}
             for (path, url, date), part, n in zip(ordered, parts, kept, strict=True)]
    return streets[STREETS_COLUMNS], files


def source_entry(files: list[dict[str, Any]]) -> dict[str, Any]:
    """The metadata ``sources`` entry of the street layer (ODbL, credited as OSM asks), naming
    every extract, where it comes from and its date."""
    urls = sorted({f["url"] for f in files if f["url"]})
    note = " ; ".join(f"{f['file']} : " + ", ".join(x for x in (f["url"], f["date"]) if x) if f["url"] or f["date"]
                      else f"{f['file']} : fichier fourni" for f in files)
    return {"id": "osm_streets", "title": "Rues et chemins (OpenStreetMap)", "publisher": OSM_CREDIT,
            "licence": OSM_LICENCE, "url": urls[0] if len(urls) == 1 else "https://www.openstreetmap.org/copyright",
            "files": [f["file"] for f in files], "note": note}


def attach(data_dir: Path, territory_id: str, extracts: list[Extract], *, log=print) -> dict[str, Any]:
    """Read the extracts, merge and cut them to the territory, validate and write ``streets.parquet``
    beside the dataset with its sources and coverage (per extract too) in ``metadata.json``."""
    from lib import contract
    from lib.dataset import load_territory

    data = load_territory(Path(data_dir), territory_id)
    streets, files = layer(extracts, data.bureaux, log)
    contract.require(contract.check_streets(streets), file=FILE)
    covered = covered_bureaux(streets, data.bureaux)
    meta = dict(data.metadata)
    meta["sources"] = [s for s in meta["sources"] if s.get("id") != "osm_streets"] + [source_entry(files)]
    meta["streets"] = {"ways": len(streets), "bureaux_covered": len(covered), "bureaux": len(data.bureaux),
                       "covered": covered, "files": files}
    folder = Path(data_dir) / territory_id
    tmp = folder / f".{FILE}.tmp"
    streets.to_parquet(tmp, index=False, compression="zstd")
    tmp.replace(folder / FILE)
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str),
                                          encoding="utf-8")
    log(f"  rues OpenStreetMap : {len(streets)} tronçons de {len(files)} extrait(s), "
        f"{len(covered)} bureaux sur {len(data.bureaux)} couverts")
    return meta["streets"]


def attach_shipped(territory_id: str, raw_dir: Path, out_dir: Path, log=print) -> None:
    """The shipped territory's street layer from its folders under ``raw/`` (none when no extract
    was found for it: the metadata then has no « streets » and the app says so)."""
    if territory_id not in SHIPPED:
        return
    extracts = [(path, url, date) for folder, url, date in SHIPPED[territory_id]
                for path in find_extracts(Path(raw_dir) / folder)]
    attach(out_dir, territory_id, extracts, log=log)


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
    where.add_argument("--from", dest="source_dir", type=Path,
                       help="dossier des extraits OSM (tous lus et fusionnés)")
    where.add_argument("--download", action="store_true", help="télécharger l'extrait régional (Geofabrik)")
    parser.add_argument("--mirror", help="URL d'un miroir servant les fichiers sous leurs chemins (tests)")
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "data" / "_cache")
    parser.add_argument("--out", type=Path, default=None, help="dossier des jeux construits (défaut : data/)")
    args = parser.parse_args(argv)
    out = args.out or load_settings().data_dir
    try:
        if args.download:
            extract, url = download_extract(args.territory, out, args.cache, mirror=args.mirror)
            extracts = [(extract, url, "")]
        else:
            extracts = [(path, "", "") for path in find_extracts(args.source_dir)]
        attach(out, args.territory, extracts)
    except TerrainError as err:
        print(f"Échec : {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
