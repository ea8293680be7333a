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
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd

from lib import download, fr, geo
from lib.config import load_sources
from lib.contract import RESULTS_COLUMNS
from lib.datasets import citymap, plm
from lib.datasets.assembly import assemble
from lib.datasets.census_criteria import national_census, prefer_available
from lib.datasets.citymap import SIDECAR, ContourMap
from lib.datasets.contours import (
    contour_fields,
    is_companion,
    is_contour_file,
    shapeless,
)
from lib.datasets.crop import Crop
from lib.datasets.filosofi import (
    FILOSOFI_COUNTS,
    areal_filosofi,
    filosofi_indicators,
    filosofi_weight_points,
)
from lib.datasets.layouts import RESULT_LAYOUTS, reader_for
from lib.datasets.metadata import election_label
from lib.datasets.provenance import Credit, mapping_note, reference_map, source_records
from lib.datasets.qpv import national_qpv
from lib.datasets.raw import Indicator, RawTerritory
from lib.datasets.recognition import examine, own_columns
from lib.datasets.selector import Selector
from lib.datasets.stations import merge_stations
from lib.errors import BuildError, TerrainError

Sources = Mapping[str, Mapping[str, str]]
MANIFEST = "terrain_sources.json"
Log = Callable[[str], None]
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Located:
    """A source file found in a folder, and how it was recognised (said in the build log)."""

    path: Path
    how: str  # "choix de l'utilisateur", "sous-dossier", "manifeste", "nom publié" or "contenu"
    evidence: str = ""  # what the content showed (« Code BV » and 19 blocks…)


USER_CHOICE = "choix de l'utilisateur"


def locate(folder: Path, sources: Sources, elections: Mapping[str, str] | None = None) -> dict[str, Located]:
    """Source id → file in ``folder``, files kept under their published names.

    In order: the user's choice (``elections``: file name → election id, ``--election`` or the
    page), a sub-folder named after the source id (``leg2024t1/…``), the ``terrain_sources.json``
    manifest, a published name no other source shares, then the content of the remaining files
    when it is certain (:func:`lib.datasets.recognition.examine`): both 2024 rounds are published
    as ``resultats-definitifs-par-bureau-de-vote.csv``; a municipal file's round is asked.
    """
    folder = Path(folder)
    found = chosen(folder, sources, elections or {})
    for sid, src in sources.items():
        sub = folder / sid
        files = sorted(p for p in sub.iterdir() if _is_data(p)) if sub.is_dir() else []
        published = [p for p in files if p.name == src["file"]]
        if files and sid not in found:
            found[sid] = Located((published or files)[0], "sous-dossier")
    manifest = folder / MANIFEST
    if manifest.exists():
        for sid, name in json.loads(manifest.read_text(encoding="utf-8")).items():
            if sid in sources and sid not in found and (folder / name).exists() and not _taken(found, folder / name):
                found[sid] = Located(folder / name, "manifeste")
    names = [s["file"] for s in sources.values()]
    for sid, src in sources.items():
        path = folder / src["file"]
        if (sid not in found and names.count(src["file"]) == 1 and "{dep}" not in src["file"] and path.is_file()
                and not _taken(found, path)):
            found[sid] = Located(path, "nom publié")
    for path in sorted(p for p in folder.iterdir() if _is_data(p) and not _taken(found, p)):
        seen = examine(path)
        if seen.source in sources and seen.source not in found:
            found[seen.source] = Located(path, "contenu", seen.evidence)
    return found


def _taken(found: Mapping[str, Located], path: Path) -> bool:
    return any(loc.path == path for loc in found.values())


def chosen(folder: Path, sources: Sources, elections: Mapping[str, str]) -> dict[str, Located]:
    """The user's ``file → election`` choices, checked: the file is in the folder, the election is
    a results source; a French error names what is wrong and what is possible."""
    ids = result_ids(sources)
    found: dict[str, Located] = {}
    for name, sid in elections.items():
        path = Path(folder) / Path(name).name
        if not path.is_file():
            present = ", ".join(sorted(p.name for p in Path(folder).iterdir() if _is_data(p))) or "aucun"
            raise BuildError(f"--election {name}={sid} : fichier « {name} » absent du dossier (fichiers : {present}).")
        if sid not in ids:
            raise BuildError(f"--election {name}={sid} : élection « {sid} » inconnue ; possibles : {', '.join(ids)}.")
        if sid in found:
            raise BuildError(f"--election : deux fichiers pour {sid} ({found[sid].path.name}, {path.name}).")
        found[sid] = Located(path, USER_CHOICE, examine(path).evidence)
    return found


@dataclass(frozen=True)
class Surveyed:
    """One file of a folder before a build: what it was recognised as and why (the page's table)."""

    name: str
    source: str | None  # the source id the build would read it as
    said: str  # how and on what evidence, or why it is none of ours
    results_like: bool  # a results file the user may confirm or correct
    candidates: tuple[str, ...] = ()
    own_columns: tuple[str, ...] = ()  # columns no Ministry layout has: republished by a third party


def result_ids(sources: Sources) -> list[str]:
    """The ids of the results sources (what ``--election`` and the page's selector accept)."""
    return [sid for sid, src in sources.items() if src["layout"] in RESULT_LAYOUTS]


def survey(folder: Path, sources: Sources, elections: Mapping[str, str] | None = None) -> list[Surveyed]:
    """Each file of ``folder`` with what the build would read it as, before building."""
    found = locate(folder, sources, elections)
    rows = []
    for path in sorted(p for p in Path(folder).iterdir() if _is_data(p)):
        seen = examine(path)
        sid = next((s for s, loc in found.items() if loc.path == path), None)
        how = f"{found[sid].how}" + (f" : {found[sid].evidence}" if found[sid].evidence else "") if sid else ""
        said = how or (f"{seen.evidence} — élection à confirmer" if seen.candidates else seen.reason or seen.evidence)
        results_like = seen.results_like or sid in result_ids(sources)
        own = tuple(own_columns(path)) if results_like else ()
        rows.append(Surveyed(path.name, sid, said, results_like, seen.candidates, own))
    return rows


def parse_elections(pairs: list[str]) -> dict[str, str]:
    """``["FICHIER=ID", …]`` (the ``--election`` flags) → ``{file name: election id}``."""
    out = {}
    for pair in pairs:
        name, sep, sid = pair.rpartition("=")
        if not sep or not name.strip() or not sid.strip():
            raise BuildError(f"--election « {pair} » : attendu FICHIER=IDENTIFIANT (ex. resultats.csv=mun2026t2).")
        out[name.strip()] = sid.strip()
    return out


def _is_data(path: Path) -> bool:
    """A file that may be a source (not the manifest, a checksum registry, a partial download or a
    shapefile's side file: the .dbf, .shx, .prj of a .shp are read with it)."""
    return (path.is_file() and path.name not in (MANIFEST, SIDECAR, "checksums.json") and path.suffix != ".part"
            and not is_companion(path))


def locate_city_contours(folder: Path, files: dict[str, Located], mapping: ContourMap) -> None:
    """The file the mapping names (it wins over any other), else, when no Etalab file was found,
    the one contours file of the folder that is no other source — GeoJSON, shapefile, GeoPackage or
    a zip of one (without a mapping, its read then names every Etalab column it lacks, with the
    columns it has)."""
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
    vectors = sorted(p for p in Path(folder).iterdir() if _is_data(p) and p not in taken and is_contour_file(p))
    if len(vectors) > 1:
        raise BuildError(f"plusieurs fichiers de contours possibles ({', '.join(p.name for p in vectors)}) : "
                         f"indiquez lequel avec « file = \"…\" » dans {SIDECAR}.", source=Path(folder).name)
    if vectors:
        files["contours"] = Located(vectors[0], "seul fichier de contours du dossier")


def contours_to_map(candidates: Mapping[str, Path | bytes]) -> tuple[str, list[str]] | None:
    """The first contours file among ``candidates`` (file name → path, or uploaded bytes) that lacks
    the Etalab columns, with its columns: the page then asks which columns hold the commune and the
    bureau. Uploads are written to a temporary folder first: a shapefile is read with its side files."""
    if any(isinstance(source, bytes) for source in candidates.values()):
        with tempfile.TemporaryDirectory(prefix="terrain_contours_") as tmp:
            return contours_to_map({p.name: p for p in from_uploads(dict(candidates), Path(tmp)).iterdir()})
    for name, source in sorted(candidates.items()):
        if not is_contour_file(Path(source)) or is_companion(Path(source)):
            continue
        try:
            fields = contour_fields(Path(source))
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
        if src["url"] == src["page"]:  # no resource known: the user puts the file in the folder
            log(f"  {sid} : pas d'adresse de téléchargement connue ; déposez {name} dans le dossier (--from)")
            continue
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
    recognised: list[str] = field(default_factory=list)  # « Reconnu : file → election (evidence) »
    republished: dict[str, list[str]] = field(default_factory=dict)  # results source id → its own columns


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
        evidence = f" : {located.evidence}" if located.evidence else ""
        self.log(f"  {sid} : {located.path.name} (reconnu par {located.how}{evidence} ; lecteur {layout})")
        return reader_for(layout, source=str(located.path))(located.path, self.crop)


def read_elections(ctx: Context, folder: Path) -> pd.DataFrame:
    """Every results file present, cropped to the territory; a file that cannot be used is skipped,
    said why; when none can, the error names every file looked at and why it was not used."""
    frames, problems = [], []
    for sid, src in ctx.sources.items():
        if src["layout"] not in RESULT_LAYOUTS:
            continue
        if sid not in ctx.files:
            ctx.found.missing.append(f"{src['title']} ({src['file']})")
            continue
        located = ctx.files[sid]
        ctx.found.recognised.append(recognised_note(located, src["election"]))
        ctx.crop.election = src["election"]
        try:
            part = ctx.read(sid)
        except TerrainError as err:
            problems.append(f"{located.path.name} (lu comme {election_label(src['election'])}) — {err.message}")
            ctx.found.missing.append(f"{src['title']} : {located.path.name} non utilisé — {err.message}")
            continue
        frames.append(part)
        ctx.found.used.append(sid)
        if own := own_columns(located.path):
            ctx.found.republished[sid] = own
        ctx.log(f"  {src['election']} : {part['bureau_id'].nunique()} bureaux")
    if not frames:
        looked = problems + unused_reasons(folder, ctx.files, ctx.sources)
        for line in looked:
            ctx.log(f"  non utilisé : {line}")
        raise BuildError(no_results_message(looked, ctx.sources))
    return pd.concat(frames, ignore_index=True)[RESULTS_COLUMNS]


def recognised_note(located: Located, election: str) -> str:
    """« Reconnu : file → Législatives 2024, 1er tour (contenu : « Code BV » et 19 blocs…) »."""
    evidence = f" : {located.evidence}" if located.evidence else ""
    return f"Reconnu : {located.path.name} → {election_label(election)} ({located.how}{evidence})"


def no_results_message(looked: list[str], sources: Sources) -> str:
    """Every file looked at and why it was not used, the published names, where the headers are."""
    expected = sorted({s["file"] for s in sources.values() if s["layout"] in RESULT_LAYOUTS})
    files = "\n".join(f"- {line}" for line in looked) or "- aucun fichier dans le dossier"
    return ("aucun fichier de résultats utilisable pour ce territoire. Fichiers examinés :\n" + files
            + "\nFichiers de résultats attendus (noms publiés) : " + ", ".join(expected)
            + ". Les en-têtes acceptés sont listés dans docs/national_build.md (« Accepted results layouts ») ; "
            "une élection que le contenu ne suffit pas à dire se confirme avec --election FICHIER=IDENTIFIANT "
            "(ou le choix de l'élection sur la page « Nouveau territoire »).")


def unused_reasons(folder: Path, files: Mapping[str, Located], sources: Sources) -> list[str]:
    """Each file of the folder no source took, with why (its content, or the election to confirm)."""
    out = []
    for path in sorted(p for p in Path(folder).iterdir() if _is_data(p) and not _taken(files, p)):
        seen = examine(path)
        if seen.candidates:
            options = " ou ".join(f"--election {path.name}={c}" for c in seen.candidates)
            out.append(f"{path.name} — {seen.evidence} ; élection à confirmer : {options}")
        elif seen.source in files:
            out.append(f"{path.name} — {seen.evidence or seen.source}, mais {files[seen.source].path.name} a déjà "
                       f"été retenu pour « {seen.source} » (confirmez avec --election FICHIER={seen.source})")
        else:
            out.append(f"{path.name} — {seen.reason or seen.evidence or 'non reconnu'}")
    return out


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


def read_bureaux(ctx: Context, selector: Selector) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The territory's contours with a shape, and the ids of those without one (flagged, not
    fatal: :func:`lib.datasets.contours.check_geometries`); the crop then knows the territory's
    communes and bounds."""
    if "contours" not in ctx.files:
        raise BuildError("fichier des contours de bureaux de vote absent : il faut au moins les contours "
                         f"Etalab ({ctx.sources.get('contours', {}).get('file', 'contours')}).")
    contours = ctx.read("contours")
    if contours.empty:
        raise BuildError(f"aucun bureau de vote pour {selector.kind} {selector.code} dans les contours : code "
                         "inexistant, ou territoire absent de ce fichier.", source=str(ctx.files["contours"].path))
    ctx.crop.communes = set(contours["codeCommune"].astype(str))
    empty = shapeless(contours)
    missing = sorted(contours.loc[empty, "codeBureauVote"].astype(str))
    contours = contours[~empty]
    ctx.crop.bounds = tuple(contours.total_bounds)
    ctx.log(f"  contours : {len(contours)} bureaux dans {len(ctx.crop.communes)} commune(s)"
            + (f", {len(missing)} bureau(x) sans contour ({fr.first_items(missing)}) : signalé(s)" if missing else ""))
    return contours, missing


def read(selector: Selector, folder: Path, *, sources: Sources | None = None, log: Log = print,
         contour_map: ContourMap | None = None, elections: Mapping[str, str] | None = None,
         credit: Credit | None = None) -> RawTerritory:
    """Crop every national file present in ``folder`` to the territory; report what is missing.

    ``contour_map`` (flags or page) completes the folder's ``terrain_contours.toml``: a city's own
    contours are then read through it (:mod:`lib.datasets.citymap`). ``elections`` (file name →
    election id: ``--election`` or the page) wins over what the content says; ``credit`` names who
    republished results files that carry their own columns.
    """
    sources = sources or load_sources()
    mapping = citymap.load_sidecar(folder).merged(**vars(contour_map or ContourMap()))
    crop = Crop(set(), where=selector.contour_filter(), keep=selector.contour_values(),
                contour_map=mapping if mapping.given else None)
    try:
        ctx = Context(locate(folder, sources, elections), sources, crop, Found(), log)
        locate_city_contours(folder, ctx.files, mapping)
        contours, missing_shapes = read_bureaux(ctx, selector)
    except BuildError as err:
        raise BuildError(err.message, source=err.source or str(folder)) from err
    results = read_elections(ctx, folder)
    contours = contours.assign(nomCommune=official_names(contours, ctx.crop.commune_names))
    bureaux = bureaux_from_contours(contours)
    ids = set(bureaux["bureau_id"]) | set(missing_shapes)
    results, remapped = plm.remap(results, ids)
    matching = remapped + match_notes(ids, results)
    for note in matching:
        log(f"  {note}")
    addresses, reason = read_addresses(folder, ctx, selector)
    stations = read_stations(ctx)
    indicators, weight_points = read_filosofi(ctx, bureaux)
    indicators.append(national_qpv(ctx, bureaux, addresses))
    indicators = prefer_available(indicators, national_census(ctx, bureaux, addresses, results, latest_election(results)))
    ignored = ignored_notes(folder, ctx.files, sources)
    for note in ignored:
        log(f"  {note}")
    return RawTerritory(
        territory_id=selector.territory_id, name=_name(selector, contours),
        reference_map=reference_map(mapping, ctx.files["contours"], sources),
        bureaux=bureaux, area_names=contours.groupby("codeCommune")["nomCommune"].first(), area_kind="commune",
        results=results, registered_election=latest_election(results),
        sources=source_records(sources, ctx.found.used, ctx.files, mapping, ctx.found.republished, credit),
        indicators=indicators, addresses=addresses, addresses_missing_reason=reason, weight_points=weight_points,
        stations=stations, trend_pair=trend_pair(set(results["election"])),
        notes=[f"Construit depuis les fichiers nationaux ({selector.kind} {selector.code})."]
              + ([f"Contours de la ville ({mapping_note(mapping)})."] if mapping.given else [])
              + ctx.found.recognised + [f"Absent : {m}" for m in ctx.found.missing] + ignored + matching
              + ctx.crop.notes
              + [f"bureau {bid} : sans contour dans {ctx.files['contours'].path.name} (géométrie vide) — signalé, "
                 "ses résultats comptés dans les totaux du territoire" for bid in missing_shapes],
        shapeless=missing_shapes)


def official_names(contours: gpd.GeoDataFrame, from_results: Mapping[str, str]) -> pd.Series:
    """The contours' commune names, a placeholder (« Commune 29061 »: a city's file without names)
    replaced by the official name the results files give."""
    names = contours["nomCommune"].astype(str)
    codes = contours["codeCommune"].astype(str)
    placeholder = names.eq(citymap.UNNAMED + codes) | names.str.strip().eq("")
    return names.where(~placeholder, codes.map(from_results).fillna(names))


def ignored_notes(folder: Path, files: dict[str, Located], sources: Sources | None = None) -> list[str]:
    """Files of the folder the build did not read (e.g. a results page scraped from a city's site),
    each named with the reason: a file given and silently left aside looks like a bug."""
    return [f"Ignoré : {line}" for line in unused_reasons(folder, files, sources or load_sources())]


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
          contour_map: ContourMap | None = None, elections: Mapping[str, str] | None = None,
          credit: Credit | None = None) -> dict:
    """Crop and build one territory; the previous dataset stays if anything fails."""
    started = time.perf_counter()
    raw = read(selector, folder, log=log, contour_map=contour_map, elections=elections, credit=credit)
    return assemble(raw, out_dir=out_dir, log=log, started=started)


def from_uploads(files: dict[str, bytes], tmp: Path) -> Path:
    """Write uploaded files (name → bytes) into a temporary folder the build reads from."""
    for name, data in files.items():
        (Path(tmp) / Path(name).name).write_bytes(data)
    return Path(tmp)


