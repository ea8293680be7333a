"""Any territory from the official national files: a commune, a circonscription or a département.

The files (``config.toml`` → ``[sources]``) come from a local folder (``--from DIR``) or are
downloaded into a cache (``--download``, resumable, checksummed: :mod:`lib.download`). Each is
cropped to the territory while it is read (attribute filter on the contours, chunked CSV reading
of the results and the BAN), so a national file never sits in memory whole, then the territory
goes through the same :func:`lib.datasets.assembly.assemble` as Paris and Antony.

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
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd

from lib import download, geo
from lib.config import load_sources
from lib.contract import COMMUNE_CODE_PATTERN, RESULTS_COLUMNS
from lib.datasets import citymap
from lib.datasets.addresses import PLM, plm_codes
from lib.datasets.assembly import assemble
from lib.datasets.citymap import SIDECAR, ContourMap
from lib.datasets.contours import sql_filter, vector_fields
from lib.datasets.crop import Crop
from lib.datasets.filosofi import (
    FILOSOFI_COUNTS,
    areal_filosofi,
    filosofi_indicators,
    filosofi_weight_points,
)
from lib.datasets.layouts import RESULT_LAYOUTS, reader_for
from lib.datasets.qpv import national_qpv
from lib.datasets.raw import Indicator, RawTerritory, Source
from lib.datasets.recognition import recognise
from lib.datasets.stations import merge_stations
from lib.errors import BuildError, TerrainError

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
        patterns = {"commune": rf"({COMMUNE_CODE_PATTERN.pattern})", "circonscription": r"(\d{2,3}|2[AB])-\d{1,2}",
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

    def contour_values(self) -> dict[str, frozenset[str]]:
        """Contour column → accepted values (Etalab names; a city's contours are mapped to them)."""
        if self.kind == "france":
            return {}
        if self.kind == "commune":
            return {"codeCommune": frozenset(plm_codes({self.code}) if self.code in PLM else {self.code})}
        if self.kind == "departement":
            return {"codeDepartement": frozenset({self.code})}
        dep, num = self.code.split("-")
        return {"codeDepartement": frozenset({dep}), "codeCirconscription": frozenset({f"{dep}{int(num):02d}"})}

    def contour_filter(self) -> str | None:
        """OGR SQL attribute filter on the Etalab contours (applied while reading)."""
        return sql_filter(self.contour_values())


@dataclass(frozen=True)
class Located:
    """A source file found in a folder, and how it was recognised (said in the build log)."""

    path: Path
    how: str  # "sous-dossier", "manifeste", "nom publié" or "contenu"


def locate(folder: Path, sources: Sources) -> dict[str, Located]:
    """Source id → file in ``folder``, files kept under their published names.

    In order: a sub-folder named after the source id (``leg2024t1/…``), the ``terrain_sources.json``
    manifest, a published name no other source shares, then the content of the remaining files
    (header signature, :func:`lib.datasets.recognition.recognise`): both 2024 rounds are published as
    ``resultats-definitifs-par-bureau-de-vote.csv``.
    """
    folder = Path(folder)
    found: dict[str, Located] = {}
    for sid, src in sources.items():
        sub = folder / sid
        files = sorted(p for p in sub.iterdir() if _is_data(p)) if sub.is_dir() else []
        published = [p for p in files if p.name == src["file"]]
        if files:
            found[sid] = Located((published or files)[0], "sous-dossier")
    manifest = folder / MANIFEST
    if manifest.exists():
        for sid, name in json.loads(manifest.read_text(encoding="utf-8")).items():
            if sid in sources and sid not in found and (folder / name).exists():
                found[sid] = Located(folder / name, "manifeste")
    names = [s["file"] for s in sources.values()]
    for sid, src in sources.items():
        path = folder / src["file"]
        if sid not in found and names.count(src["file"]) == 1 and "{dep}" not in src["file"] and path.is_file():
            found[sid] = Located(path, "nom publié")
    taken = {loc.path for loc in found.values()}
    for path in sorted(p for p in folder.iterdir() if _is_data(p) and p not in taken):
        sid = recognise(path)
        if sid in sources and sid not in found:
            found[sid] = Located(path, "contenu")
    return found


def _is_data(path: Path) -> bool:
    """A file that may be a source (not the manifest, a checksum registry or a partial download)."""
    return path.is_file() and path.name not in (MANIFEST, SIDECAR, "checksums.json") and path.suffix != ".part"


VECTOR_SUFFIXES = (".geojson", ".json", ".geojson.gz", ".json.gz")


def locate_city_contours(folder: Path, files: dict[str, Located], mapping: ContourMap) -> None:
    """The file the mapping names (it wins over any other), else, when no Etalab file was found,
    the one GeoJSON of the folder that is no other source (without a mapping, its read then names
    every Etalab column it lacks, with the columns it has)."""
    if mapping.file:
        path = Path(folder) / mapping.file
        if not path.is_file():
            raise BuildError(f"fichier des contours « {mapping.file} » (indiqué par {SIDECAR}) absent du dossier.",
                             source=Path(folder).name)
        files["contours"] = Located(path, "correspondance")
        return
    if "contours" in files:
        return
    taken = {loc.path for loc in files.values()}
    vectors = sorted(p for p in Path(folder).iterdir()
                     if _is_data(p) and p not in taken and p.name.lower().endswith(VECTOR_SUFFIXES))
    if len(vectors) > 1:
        raise BuildError(f"plusieurs fichiers de contours possibles ({', '.join(p.name for p in vectors)}) : "
                         f"indiquez lequel avec « file = \"…\" » dans {SIDECAR}.", source=Path(folder).name)
    if vectors:
        files["contours"] = Located(vectors[0], "seul GeoJSON du dossier")


def contours_to_map(candidates: Mapping[str, Path | bytes]) -> tuple[str, list[str]] | None:
    """The first GeoJSON among ``candidates`` (file name → path or bytes) that lacks the Etalab
    columns, with its columns: the page then asks which columns hold the commune and the bureau."""
    for name, source in sorted(candidates.items()):
        if not name.lower().endswith((".geojson", ".json")):
            continue
        try:
            fields = vector_fields(source, Path(name))
        except BuildError:
            continue  # not a vector file: the build will say what it is
        if not set(citymap.ETALAB) <= set(fields):
            return name, fields
    return None


def source_url(src: Mapping[str, str], *, mirror: str | None, departement: str) -> str:
    """The official URL, or the same path on ``mirror`` (``/fr/datasets/r/<id>`` for data.gouv.fr)."""
    url = src["url"].replace("{dep}", departement)
    if not mirror:
        return url
    parts = urlsplit(url)
    return mirror.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(sources: Sources, cache: Path, *, mirror: str | None = None, departement: str | None = None,
          progress: Progress | None = None, log: Log = print) -> Path:
    """Download every source into ``cache/<source id>/<published name>`` (resumable, checksummed)."""
    cache = Path(cache)
    for sid, src in sources.items():
        name = src["file"].replace("{dep}", departement or "")
        url = source_url(src, mirror=mirror, departement=departement or "")

        def report(done: int, total: int | None, sid: str = sid) -> None:
            if progress:
                progress(sid, done / total if total else 0.0)
        try:
            download.download(url, cache / sid, filename=name, progress=report)
            log(f"  {sid} : {name} prêt")
        except BuildError as err:
            if "HTTP 404" in str(err) and mirror:
                log(f"  {sid} : absent du miroir")
                continue
            raise
    return cache


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


@dataclass
class Context:
    """One build's inputs: located files, their records, the territory crop, the report."""

    files: dict[str, Located]
    sources: Sources
    crop: Crop
    found: Found
    log: Log

    def read(self, sid: str) -> object:
        """Read one source with the reader its layout names (``lib.datasets.layouts.LAYOUTS``)."""
        located = self.files[sid]
        layout = self.sources[sid]["layout"]
        self.log(f"  {sid} : {located.path.name} (reconnu par {located.how}, lecteur {layout})")
        return reader_for(layout, source=str(located.path))(located.path, self.crop)


def read_elections(ctx: Context) -> pd.DataFrame:
    """Every results file present, cropped to the territory; one unreadable file is skipped, said why."""
    frames = []
    for sid, src in ctx.sources.items():
        if src["layout"] not in RESULT_LAYOUTS:
            continue
        if sid not in ctx.files:
            ctx.found.missing.append(f"{src['title']} ({src['file']})")
            continue
        ctx.crop.election = src["election"]
        try:
            part = ctx.read(sid)
        except TerrainError as err:
            ctx.found.missing.append(f"{src['title']} : fichier illisible, ignoré — {err}")
            continue
        if part.empty:
            ctx.found.missing.append(f"{src['title']} : aucune ligne pour ce territoire")
            continue
        frames.append(part)
        ctx.found.used.append(sid)
        ctx.log(f"  {src['election']} : {part['bureau_id'].nunique()} bureaux")
    if not frames:
        raise BuildError("aucun fichier de résultats utilisable pour ce territoire : "
                         + " ; ".join(m for m in ctx.found.missing if "illisible" in m or "aucune ligne" in m)
                         + " — fichiers attendus : "
                         + ", ".join(sorted({s["file"] for s in ctx.sources.values() if s["layout"] in RESULT_LAYOUTS})))
    return pd.concat(frames, ignore_index=True)[RESULTS_COLUMNS]


def read_addresses(folder: Path, ctx: Context, selector: Selector) -> tuple[pd.DataFrame | None, str]:
    """The département's BAN file cropped to the territory (PLM arrondissements included), or why not."""
    name = ctx.sources.get("ban", {}).get("file", "adresses-{dep}.csv.gz").replace("{dep}", selector.departement)
    if "ban" not in ctx.files and (Path(folder) / name).is_file():
        ctx.files["ban"] = Located(Path(folder) / name, "nom publié")
    if "ban" not in ctx.files:
        reason = f"fichier BAN {name} absent : listes de porte-à-porte indisponibles"
        ctx.found.missing.append(reason)
        return None, reason
    ctx.found.used.append("ban")
    return ctx.read("ban"), ""


def read_stations(ctx: Context) -> pd.DataFrame | None:
    """IDFM then SNCF stations, merged; a station file that fails is reported and the build goes on."""
    stations = []
    for sid in ("idfm_gares", "sncf_gares"):
        if sid not in ctx.files:
            continue
        try:
            stations.append(ctx.read(sid))
            ctx.found.used.append(sid)
        except TerrainError as err:
            ctx.found.missing.append(f"{ctx.sources[sid]['title']} : fichier illisible, ignoré — {err}")
    if not stations:
        ctx.found.missing.append("listes de gares (IDFM, SNCF)")
        return None
    return merge_stations(*stations)


FILOSOFI_IDS = {"social_housing": "Logement social", "poverty_rate": "Ménages pauvres",
                "mean_living_standard": "Niveau de vie moyen", "seniors_share": "Part des 65 ans et plus"}


def read_filosofi(ctx: Context, bureaux: gpd.GeoDataFrame) -> tuple[list[Indicator], pd.DataFrame | None]:
    """Filosofi indicators by areal weighting of the squares around the territory, or declared missing."""
    indicators: list[Indicator] = []
    weight_points = None
    if "filosofi_200m" in ctx.files:
        squares = ctx.read("filosofi_200m")
        if set(FILOSOFI_COUNTS) <= set(squares.columns) and len(squares):
            indicators = filosofi_indicators(areal_filosofi(squares, geo.make_valid(bureaux)))
            weight_points = filosofi_weight_points(squares)
            ctx.found.used.append("filosofi_200m")
    if not indicators:
        ctx.found.missing.append("Filosofi 200 m (logement social, pauvreté, niveau de vie)")
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


def source_records(sources: Sources, used: list[str], files: dict[str, Located],
                   mapping: ContourMap | None = None) -> list[Source]:
    """Provenance of the files actually used (contours first), named as they were found; a city's
    contours are credited to the publisher and licence the user gave, never to Etalab."""
    records = [Source(sid, sources[sid]["title"], sources[sid]["publisher"], sources[sid]["licence"],
                      sources[sid].get("page", ""), [files[sid].path.name if sid in files else sources[sid]["file"]],
                      note=sources[sid].get("election", ""))
               for sid in ["contours", *used] if sid in sources]
    if mapping is not None and mapping.given and records and records[0].id == "contours":
        records[0] = city_source(mapping, files["contours"].path.name)
    return records


def city_source(mapping: ContourMap, filename: str) -> Source:
    """The provenance of a city's contours, as given by the sidecar, the flags or the page."""
    return Source("contours", mapping.title or "Contours des bureaux de vote (fichier de la ville)",
                  mapping.publisher or "éditeur non indiqué", mapping.licence or "licence non indiquée",
                  mapping.page, [filename], note=mapping_note(mapping))


def mapping_note(mapping: ContourMap) -> str:
    """« commune = DEPCO, bureau = BVOTE »: the correspondence the build used, said in the metadata."""
    commune = f"colonne {mapping.commune}" if mapping.commune else f"code {mapping.commune_code} (saisi)"
    return f"correspondance des colonnes : commune = {commune}, bureau = colonne {mapping.bureau}"


def read_bureaux(ctx: Context, selector: Selector) -> gpd.GeoDataFrame:
    """The territory's contours; the crop then knows its communes and bounds."""
    if "contours" not in ctx.files:
        raise BuildError("fichier des contours de bureaux de vote absent : il faut au moins les contours "
                         f"Etalab ({ctx.sources.get('contours', {}).get('file', 'contours')}).")
    contours = ctx.read("contours")
    if contours.empty:
        raise BuildError(f"aucun bureau de vote pour {selector.kind} {selector.code} dans les contours : code "
                         "inexistant, ou territoire absent de ce fichier.", source=str(ctx.files["contours"].path))
    ctx.crop.communes = set(contours["codeCommune"].astype(str))
    ctx.crop.bounds = tuple(contours.total_bounds)
    ctx.log(f"  contours : {len(contours)} bureaux dans {len(ctx.crop.communes)} commune(s)")
    return contours


def read(selector: Selector, folder: Path, *, sources: Sources | None = None, log: Log = print,
         contour_map: ContourMap | None = None) -> RawTerritory:
    """Crop every national file present in ``folder`` to the territory; report what is missing.

    ``contour_map`` (flags or page) completes the folder's ``terrain_contours.toml``: a city's own
    contours are then read through it (:mod:`lib.datasets.citymap`).
    """
    sources = sources or load_sources()
    mapping = citymap.load_sidecar(folder).merged(**vars(contour_map or ContourMap()))
    crop = Crop(set(), where=selector.contour_filter(), keep=selector.contour_values(),
                contour_map=mapping if mapping.given else None)
    ctx = Context(locate(folder, sources), sources, crop, Found(), log)
    try:
        locate_city_contours(folder, ctx.files, mapping)
        contours = read_bureaux(ctx, selector)
    except BuildError as err:
        raise BuildError(err.message, source=err.source or str(folder)) from err
    bureaux = bureaux_from_contours(contours)
    results = read_elections(ctx)
    matching = match_notes(set(bureaux["bureau_id"]), results)
    for note in matching:
        log(f"  {note}")
    addresses, reason = read_addresses(folder, ctx, selector)
    stations = read_stations(ctx)
    indicators, weight_points = read_filosofi(ctx, bureaux)
    indicators.append(national_qpv(ctx, bureaux, addresses))
    ignored = ignored_notes(folder, ctx.files)
    for note in ignored:
        log(f"  {note}")
    return RawTerritory(
        territory_id=selector.territory_id, name=_name(selector, contours),
        reference_map=mapping.title if mapping.given and mapping.title else sources["contours"]["title"],
        bureaux=bureaux, area_names=contours.groupby("codeCommune")["nomCommune"].first(), area_kind="commune",
        results=results, registered_election=latest_election(results),
        sources=source_records(sources, ctx.found.used, ctx.files, mapping),
        indicators=indicators, addresses=addresses, addresses_missing_reason=reason, weight_points=weight_points,
        stations=stations, trend_pair=trend_pair(set(results["election"])),
        notes=[f"Construit depuis les fichiers nationaux ({selector.kind} {selector.code})."]
              + ([f"Contours de la ville ({mapping_note(mapping)})."] if mapping.given else [])
              + [f"Absent : {m}" for m in ctx.found.missing] + ignored + matching + ctx.crop.notes)


def ignored_notes(folder: Path, files: dict[str, Located]) -> list[str]:
    """Files of the folder the build did not read (e.g. a results page scraped from a city's site),
    each named with the reason: a file given and silently left aside looks like a bug."""
    used = {loc.path for loc in files.values()}
    return [f"Ignoré : {p.name} — ni contours, ni fichier officiel de résultats par bureau, ni BAN, gares ou "
            "Filosofi reconnus (en-tête attendu : celui du fichier publié, voir docs/national_build.md)"
            for p in sorted(Path(folder).iterdir()) if _is_data(p) and p not in used]


MAX_NAMED = 50  # bureaux named one by one in the notes; the count covers them all


def match_notes(contour_ids: set[str], results: pd.DataFrame) -> list[str]:
    """Bureaux of the territory's communes with results but no contour, and contours with no
    result in any election: counted, then named one by one (« bureau 29019_0198 : résultats
    sans contour »). The results are already cropped to the contours' communes."""
    result_ids = set(results["bureau_id"].dropna().astype(str))
    without_contour, without_results = sorted(result_ids - contour_ids), sorted(contour_ids - result_ids)
    notes = []
    for ids, what, count in ((without_contour, "résultats sans contour", "bureau(x) avec résultats sans contour"),
                             (without_results, "contour sans résultats", "contour(s) sans résultats")):
        if ids:
            notes.append(f"Correspondance contours ↔ résultats : {len(ids)} {count}.")
            notes += [f"bureau {bid} : {what}" for bid in ids[:MAX_NAMED]]
            if len(ids) > MAX_NAMED:
                notes.append(f"… et {len(ids) - MAX_NAMED} autre(s) bureau(x) : {what}")
    return notes


def _name(selector: Selector, contours: gpd.GeoDataFrame) -> str:
    if selector.kind == "commune":
        return f"{contours['nomCommune'].iloc[0]} ({selector.code})"
    if selector.kind == "circonscription":
        return f"Circonscription {selector.code}"
    if selector.kind == "france":
        return "France entière"
    return f"Département {selector.code}"


def build(selector: Selector, *, folder: Path, out_dir: Path, log: Log = print,
          contour_map: ContourMap | None = None) -> dict:
    """Crop and build one territory; the previous dataset stays if anything fails."""
    started = time.perf_counter()
    raw = read(selector, folder, log=log, contour_map=contour_map)
    return assemble(raw, out_dir=out_dir, log=log, started=started)


def from_uploads(files: dict[str, bytes], tmp: Path) -> Path:
    """Write uploaded files (name → bytes) into a temporary folder the build reads from."""
    for name, data in files.items():
        (Path(tmp) / Path(name).name).write_bytes(data)
    return Path(tmp)


