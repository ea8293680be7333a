"""Any territory from the official national files: a commune, a circonscription or a département.

The files (``config.toml`` → ``[sources]``) come from a local folder (``--from DIR``) or are
downloaded into a cache (``--download``, resumable, checksummed: :mod:`lib.download`). Each is
cropped to the territory while it is read (attribute filter on the contours, chunked CSV reading
of the results and the BAN), so a national file never sits in memory whole, then the territory
goes through the same :func:`lib.build.common.assemble` as Paris and Antony.

A folder may hold a ``terrain_sources.json`` manifest mapping source ids to file names (a mirror
whose files are named differently, e.g. the 92-13 extracts used by the tests).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib import download, geo
from lib.build.common import Indicator, RawTerritory, Source, assemble, merge_stations
from lib.build.sources import (
    FILOSOFI_COUNTS,
    areal_filosofi,
    filosofi_indicators,
    filosofi_weight_points,
    read_ban,
    read_idfm_stations,
    read_results_cropped,
    read_sncf_stations,
    read_vector,
)
from lib.config import load_sources  # also read by the « Nouveau territoire » page
from lib.contract import RESULTS_COLUMNS
from lib.errors import BuildError

Sources = Mapping[str, Mapping[str, str]]
MANIFEST = "terrain_sources.json"
Log = Callable[[str], None]
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Selector:
    """Which territory: ``commune`` 92002, ``circonscription`` 92-13 or ``departement`` 92."""

    kind: str
    code: str

    def __post_init__(self) -> None:
        patterns = {"commune": r"(\d{5}|2[AB]\d{3})", "circonscription": r"(\d{2,3}|2[AB])-\d{1,2}",
                    "departement": r"(\d{2,3}|2[AB])", "france": r"fr"}
        if self.kind not in patterns:
            raise BuildError(f"type de territoire inconnu « {self.kind} ».")
        if not re.fullmatch(patterns[self.kind], self.code):
            examples = {"commune": "92002", "circonscription": "92-13", "departement": "92"}
            raise BuildError(f"code « {self.code} » invalide pour --{self.kind} (exemple : {examples[self.kind]}).")

    @property
    def territory_id(self) -> str:
        """Dataset folder name, e.g. ``commune-92002``."""
        return f"{self.kind}-{self.code}".lower()

    @property
    def departement(self) -> str:
        """Département code of the territory (for per-département files such as the BAN)."""
        if self.kind == "commune":
            return self.code[:3] if self.code.startswith("97") else self.code[:2]
        if self.kind == "france":
            return ""
        return self.code.split("-")[0]

    def contour_filter(self) -> str | None:
        """OGR SQL attribute filter on the Etalab contours (applied while reading)."""
        if self.kind == "france":
            return None
        if self.kind == "commune":
            return f"codeCommune = '{self.code}'"
        if self.kind == "departement":
            return f"codeDepartement = '{self.code}'"
        dep, num = self.code.split("-")
        return f"codeDepartement = '{dep}' AND codeCirconscription = '{dep}{int(num):02d}'"


def locate(folder: Path, sources: Sources) -> dict[str, Path]:
    """Source id → path of the files present in ``folder`` (manifest names win)."""
    folder = Path(folder)
    names = {sid: s["file"] for sid, s in sources.items()}
    manifest = folder / MANIFEST
    if manifest.exists():
        names.update(json.loads(manifest.read_text(encoding="utf-8")))
    found = {}
    for sid, name in names.items():
        if "{dep}" in name:
            continue  # per-département files are resolved once the territory is known
        if (folder / name).exists():
            found[sid] = folder / name
    return found


def fetch(sources: Sources, cache: Path, *, mirror: str | None = None, departement: str | None = None,
          progress: Progress | None = None, log: Log = print) -> Path:
    """Download every source into ``cache`` (official URLs, or ``mirror`` + file name)."""
    cache = Path(cache)
    for sid, src in sources.items():
        name = src["file"].replace("{dep}", departement or "")
        url = (mirror.rstrip("/") + "/" + name) if mirror else src["url"].replace("{dep}", departement or "")
        def report(done: int, total: int | None, sid: str = sid) -> None:
            if progress:
                progress(sid, done / total if total else 0.0)
        try:
            download.download(url, cache, filename=name, progress=report)
            log(f"  {sid} : {name} prêt")
        except BuildError as err:
            if "HTTP 404" in str(err) and mirror:
                log(f"  {sid} : absent du miroir")
                continue
            raise
    return cache


def read_contours(path: Path, selector: Selector) -> gpd.GeoDataFrame:
    """The territory's features of the Etalab contours (attribute filter applied while reading)."""
    try:
        gdf = gpd.read_file(path, where=selector.contour_filter())
    except Exception as err:  # pyogrio raises several types for malformed files
        raise BuildError(f"contours illisibles ou d'une autre mise en forme ({type(err).__name__} : {err}). "
                         "Attendu : contours Etalab avec codeBureauVote, codeCommune, codeDepartement.",
                         source=str(path)) from err
    if gdf.empty:
        raise BuildError(f"aucun bureau de vote pour {selector.kind} {selector.code} dans les contours : code "
                         "inexistant, ou territoire absent de ce fichier.", source=str(path))
    missing = [c for c in ("codeBureauVote", "codeCommune", "nomCommune") if c not in gdf.columns]
    if missing:
        raise BuildError(f"colonnes manquantes : {', '.join(missing)}.", source=str(path))
    return gdf.to_crs(geo.WGS84)


def bureaux_from_contours(contours: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Etalab features in the shape :func:`assemble` wants (one area per commune)."""
    bid = contours["codeBureauVote"].astype(str)
    commune = contours["codeCommune"].astype(str)
    name = contours["nomCommune"].astype(str)
    return gpd.GeoDataFrame({
        "bureau_id": bid, "commune_code": commune, "commune_name": name, "bureau_code": bid.str[-4:],
        "area_code": commune, "label": name + " — bureau " + bid.str[-4:],
    }, geometry=contours.geometry.to_numpy(), crs=geo.WGS84)


@dataclass
class Found:
    """What the steps of :func:`read` used and what they could not find (said in the metadata)."""

    used: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def read_elections(files: dict[str, Path], sources: Sources, communes: set[str], found: Found,
                   log: Log) -> pd.DataFrame:
    """Every results file present, cropped to ``communes``; at least one must give rows."""
    frames = []
    for sid, src in sources.items():
        election = src.get("election")
        if not election:
            continue
        if sid not in files:
            found.missing.append(f"{src['title']} ({src['file']})")
            continue
        part = read_results_cropped(files[sid], election, communes)
        if part.empty:
            found.missing.append(f"{src['title']} : aucune ligne pour ce territoire")
            continue
        frames.append(part)
        found.used.append(sid)
        log(f"  {election} : {part['bureau_id'].nunique()} bureaux")
    if not frames:
        raise BuildError("aucun fichier de résultats utilisable pour ce territoire ; fichiers attendus : "
                         + ", ".join(s["file"] for s in sources.values() if s.get("election")))
    return pd.concat(frames, ignore_index=True)[RESULTS_COLUMNS]


def read_addresses(folder: Path, sources: Sources, selector: Selector, communes: set[str],
                   found: Found) -> tuple[pd.DataFrame | None, str]:
    """The département's BAN file cropped to the territory, or the reason it is missing."""
    ban_name = sources.get("ban", {}).get("file", "adresses-{dep}.csv.gz").replace("{dep}", selector.departement)
    if not (Path(folder) / ban_name).exists():
        reason = f"fichier BAN {ban_name} absent : listes de porte-à-porte indisponibles"
        found.missing.append(reason)
        return None, reason
    found.used.append("ban")
    return read_ban(Path(folder) / ban_name, communes), ""


STATION_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "idfm_gares": read_idfm_stations, "sncf_gares": read_sncf_stations}


def read_stations(files: dict[str, Path], found: Found) -> pd.DataFrame | None:
    """IDFM then SNCF stations, merged (the same station in both lists counts once)."""
    stations = []
    for sid, reader in STATION_READERS.items():
        if sid in files:
            stations.append(reader(files[sid]))
            found.used.append(sid)
    if not stations:
        found.missing.append("listes de gares (IDFM, SNCF)")
        return None
    return merge_stations(*stations)


FILOSOFI_IDS = {"social_housing": "Logement social", "poverty_rate": "Ménages pauvres",
                "mean_living_standard": "Niveau de vie moyen", "seniors_share": "Part des 65 ans et plus"}


def read_filosofi(files: dict[str, Path], bureaux: gpd.GeoDataFrame,
                  found: Found) -> tuple[list[Indicator], pd.DataFrame | None]:
    """Filosofi indicators by areal weighting of the squares around the territory, or declared missing."""
    indicators: list[Indicator] = []
    weight_points = None
    if "filosofi_200m" in files:
        squares = read_vector(files["filosofi_200m"]).to_crs(geo.WGS84)
        minx, miny, maxx, maxy = bureaux.total_bounds
        squares = squares.cx[minx:maxx, miny:maxy]
        if set(FILOSOFI_COUNTS) <= set(squares.columns) and len(squares):
            indicators = filosofi_indicators(areal_filosofi(squares, geo.make_valid(bureaux)))
            weight_points = filosofi_weight_points(squares)
            found.used.append("filosofi_200m")
    if not indicators:
        found.missing.append("Filosofi 200 m (logement social, pauvreté, niveau de vie)")
        indicators = [Indicator(iid, label, "", "", None, "", reason="carreaux Filosofi 200 m absents des fichiers fournis")
                      for iid, label in FILOSOFI_IDS.items()]
    indicators.append(Indicator("median_income", "Revenu disponible médian", "", "", None, "",
                                reason="Filosofi par IRIS sans contours IRIS dans les fichiers fournis"))
    return indicators, weight_points


TREND_PAIRS = (("leg2022t2", "leg2024t2"), ("leg2022t1", "leg2024t1"), ("mun2020t1", "mun2026t1"),
               ("pres2022t1", "leg2024t1"))


def trend_pair(elections: set[str]) -> tuple[str, str] | None:
    """The first comparable (earlier, later) pair present, for the abstention trend."""
    return next(((a, b) for a, b in TREND_PAIRS if a in elections and b in elections), None)


def latest_election(results: pd.DataFrame) -> str:
    """The most recent election id (its registered count is the bureau's « inscrits »)."""
    return max(results["election"].unique(), key=lambda e: (int(re.sub(r"\D", "", e)[:4] or 0), e))


def source_records(sources: Sources, used: list[str]) -> list[Source]:
    """Provenance of the files actually used (contours first)."""
    return [Source(sid, sources[sid]["title"], sources[sid]["publisher"], sources[sid]["licence"],
                   sources[sid].get("page", ""), [sources[sid]["file"]], note=sources[sid].get("election", ""))
            for sid in ["contours", *used] if sid in sources]


def read(selector: Selector, folder: Path, *, sources: Sources | None = None, log: Log = print) -> RawTerritory:
    """Crop every national file present in ``folder`` to the territory; report what is missing."""
    sources = sources or load_sources()
    files = locate(folder, sources)
    if "contours" not in files:
        raise BuildError("fichier des contours de bureaux de vote absent : il faut au moins les contours "
                         f"Etalab ({sources.get('contours', {}).get('file', 'contours')}).", source=str(folder))
    contours = read_contours(files["contours"], selector)
    communes = set(contours["codeCommune"].astype(str))
    log(f"  contours : {len(contours)} bureaux dans {len(communes)} commune(s)")
    bureaux = bureaux_from_contours(contours)
    found = Found()
    results = read_elections(files, sources, communes, found, log)
    addresses, reason = read_addresses(folder, sources, selector, communes, found)
    stations = read_stations(files, found)
    indicators, weight_points = read_filosofi(files, bureaux, found)
    return RawTerritory(
        territory_id=selector.territory_id, name=_name(selector, contours), reference_map=sources["contours"]["title"],
        bureaux=bureaux, area_names=contours.groupby("codeCommune")["nomCommune"].first(), area_kind="commune",
        results=results, registered_election=latest_election(results), sources=source_records(sources, found.used),
        indicators=indicators, addresses=addresses, addresses_missing_reason=reason, weight_points=weight_points,
        stations=stations, trend_pair=trend_pair(set(results["election"])),
        notes=[f"Construit depuis les fichiers nationaux ({selector.kind} {selector.code})."]
              + [f"Absent : {m}" for m in found.missing])


def _name(selector: Selector, contours: gpd.GeoDataFrame) -> str:
    if selector.kind == "commune":
        return f"{contours['nomCommune'].iloc[0]} ({selector.code})"
    if selector.kind == "circonscription":
        return f"Circonscription {selector.code}"
    if selector.kind == "france":
        return "France entière"
    return f"Département {selector.code}"


def build(selector: Selector, *, folder: Path, out_dir: Path, log: Log = print) -> dict:
    """Crop and build one territory; the previous dataset stays if anything fails."""
    started = time.perf_counter()
    raw = read(selector, folder, log=log)
    meta = assemble(raw, out_dir=out_dir, log=log)
    meta["build_seconds"] = round(time.perf_counter() - started, 1)
    return meta


def from_uploads(files: dict[str, bytes], tmp: Path) -> Path:
    """Write uploaded files (name → bytes) into a temporary folder the build reads from."""
    for name, data in files.items():
        (Path(tmp) / Path(name).name).write_bytes(data)
    return Path(tmp)


