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
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from lib import download, geo, minint
from lib.build.antony import FILOSOFI_COUNTS, areal_filosofi
from lib.build.common import (
    Indicator,
    RawTerritory,
    Source,
    assemble,
    merge_stations,
    read_idfm_stations,
    read_sncf_stations,
    read_vector,
)
from lib.config import CONFIG_PATH
from lib.contract import RESULTS_COLUMNS
from lib.errors import BuildError

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


def load_sources(config_path: Path = CONFIG_PATH) -> dict[str, dict]:
    """The ``[sources]`` table of config.toml (id → title, publisher, licence, page, url, file…)."""
    with open(config_path, "rb") as fh:
        return tomllib.load(fh).get("sources", {})


def locate(folder: Path, sources: dict[str, dict]) -> dict[str, Path]:
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


def fetch(sources: dict[str, dict], cache: Path, *, mirror: str | None = None, departement: str | None = None,
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


def _read_contours(path: Path, selector: Selector) -> gpd.GeoDataFrame:
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


def read_results_cropped(path: Path, election: str, communes: set[str], *, chunk_rows: int = 50_000) -> pd.DataFrame:
    """Rows of ``communes`` only, read by chunks: a national file is never held twice in memory."""
    head = path.open("rb").read(200_000)
    sample = minint.read_table(head.rsplit(b"\n", 1)[0] if len(head) == 200_000 else head, name=str(path))
    sep = ";" if ";" in head.split(b"\n", 1)[0].decode("latin-1") else ","
    text_ok = True
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text_ok = False
    encoding = "utf-8-sig" if text_ok else "cp1252"
    cols = list(sample.columns)
    long_layout = len(cols) == len(set(cols)) and not any(re.search(r"\s1$", c) for c in cols) and \
        minint._find(cols, "Voix") is not None
    if len(cols) < 5:
        raise BuildError("mise en forme inattendue : trop peu de colonnes.", source=str(path))
    if any(re.search(r"\s1$", c) for c in cols) and not long_layout:
        pieces = []
        with open(path, encoding=encoding, errors="replace") as fh:
            header = fh.readline()
            block = [header]
            for line in fh:
                if _line_in(line, sep, communes, cols):
                    block.append(line)
                if len(block) > chunk_rows:
                    pieces.append(minint.read_table("".join(block).encode("utf-8"), name=str(path)))
                    block = [header]
            if len(block) > 1:
                pieces.append(minint.read_table("".join(block).encode("utf-8"), name=str(path)))
        if not pieces:
            return pd.DataFrame(columns=RESULTS_COLUMNS)
        return minint.parse_wide(pd.concat(pieces, ignore_index=True), election=election, name=str(path))
    frames = []
    for chunk in pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding,
                             chunksize=chunk_rows):
        chunk.columns = [c.strip() for c in chunk.columns]
        ids = minint._bureau_ids(chunk, name=str(path))
        keep = ids.str[:5].isin(communes)
        if keep.any():
            frames.append(chunk[keep.to_numpy()])
    if not frames:
        return pd.DataFrame(columns=RESULTS_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    return minint.parse_long(table, election=election, name=str(path)) if long_layout else \
        minint.parse_wide(table, election=election, name=str(path))


def _line_in(line: str, sep: str, communes: set[str], cols: list[str]) -> bool:
    """Cheap row filter on the commune columns of a wide file (before any parsing)."""
    fields = line.split(sep, 8)
    com_i = next((i for i, c in enumerate(cols[:8]) if minint._fold(c) in ("code commune", "code de la commune")), None)
    dep_i = next((i for i, c in enumerate(cols[:8]) if minint._fold(c) in ("code departement", "code du departement")), None)
    if com_i is None or len(fields) <= com_i:
        return True
    com = fields[com_i].strip().strip('"')
    if len(com) < 5 and dep_i is not None:
        com = fields[dep_i].strip().strip('"').zfill(2) + com.zfill(3)
    return com in communes


def _read_ban(path: Path, communes: set[str], *, chunk_rows: int = 200_000) -> pd.DataFrame:
    frames = []
    for chunk in pd.read_csv(path, sep=";", dtype=str, chunksize=chunk_rows, keep_default_na=False):
        code = chunk["code_insee"]
        keep = code.isin(communes) | code.str[:2].isin({"75", "69", "13"}) & chunk["code_insee"].isin(communes)
        if keep.any():
            frames.append(chunk[keep])
    if not frames:
        return pd.DataFrame(columns=["address_id", "number", "street", "postcode", "commune_code", "label", "lon", "lat"])
    raw = pd.concat(frames, ignore_index=True)
    number = raw["numero"].str.strip() + raw["rep"].str.strip().str.lower()
    return pd.DataFrame({"address_id": raw["id"], "number": number, "street": raw["nom_voie"],
                         "postcode": raw["code_postal"], "commune_code": raw["code_insee"],
                         "label": number + " " + raw["nom_voie"] + ", " + raw["code_postal"] + " " + raw["nom_commune"],
                         "lon": pd.to_numeric(raw["lon"], errors="coerce"),
                         "lat": pd.to_numeric(raw["lat"], errors="coerce")}).dropna(subset=["lon", "lat"])


def read(selector: Selector, folder: Path, *, sources: dict[str, dict] | None = None, log: Log = print) -> RawTerritory:
    """Crop every national file present in ``folder`` to the territory; report what is missing."""
    sources = sources or load_sources()
    files = locate(folder, sources)
    if "contours" not in files:
        raise BuildError("fichier des contours de bureaux de vote absent : il faut au moins les contours "
                         f"Etalab ({sources.get('contours', {}).get('file', 'contours')}).", source=str(folder))
    contours = _read_contours(files["contours"], selector)
    communes = set(contours["codeCommune"].astype(str))
    log(f"  contours : {len(contours)} bureaux dans {len(communes)} commune(s)")
    bureaux = gpd.GeoDataFrame({
        "bureau_id": contours["codeBureauVote"].astype(str), "commune_code": contours["codeCommune"].astype(str),
        "commune_name": contours["nomCommune"].astype(str),
        "bureau_code": contours["codeBureauVote"].astype(str).str[-4:], "area_code": contours["codeCommune"].astype(str),
        "label": contours["nomCommune"].astype(str) + " — bureau " + contours["codeBureauVote"].astype(str).str[-4:],
    }, geometry=contours.geometry.to_numpy(), crs=geo.WGS84)
    area_names = contours.groupby("codeCommune")["nomCommune"].first()

    frames, used_sources, missing = [], [], []
    for sid, src in sources.items():
        election = src.get("election")
        if not election:
            continue
        if sid not in files:
            missing.append(f"{src['title']} ({src['file']})")
            continue
        part = read_results_cropped(files[sid], election, communes)
        if part.empty:
            missing.append(f"{src['title']} : aucune ligne pour ce territoire")
            continue
        frames.append(part)
        used_sources.append(sid)
        log(f"  {election} : {part['bureau_id'].nunique()} bureaux")
    if not frames:
        raise BuildError("aucun fichier de résultats utilisable pour ce territoire ; fichiers attendus : "
                         + ", ".join(s["file"] for s in sources.values() if s.get("election")), source=str(folder))
    results = pd.concat(frames, ignore_index=True)[RESULTS_COLUMNS]
    latest = max(results["election"].unique(), key=lambda e: (int(re.sub(r"\D", "", e)[:4] or 0), e))

    addresses, reason = None, ""
    ban_name = sources.get("ban", {}).get("file", "adresses-{dep}.csv.gz").replace("{dep}", selector.departement)
    if (Path(folder) / ban_name).exists():
        addresses = _read_ban(Path(folder) / ban_name, communes)
        used_sources.append("ban")
    else:
        reason = f"fichier BAN {ban_name} absent : listes de porte-à-porte indisponibles"
        missing.append(reason)

    stations = []
    if "idfm_gares" in files:
        stations.append(read_idfm_stations(files["idfm_gares"]))
        used_sources.append("idfm_gares")
    if "sncf_gares" in files:
        stations.append(read_sncf_stations(files["sncf_gares"]))
        used_sources.append("sncf_gares")
    if not stations:
        missing.append("listes de gares (IDFM, SNCF)")

    indicators: list[Indicator] = []
    weight_points = None
    if "filosofi_200m" in files:
        squares = read_vector(files["filosofi_200m"]).to_crs(geo.WGS84)
        minx, miny, maxx, maxy = bureaux.total_bounds
        squares = squares.cx[minx:maxx, miny:maxy]
        if set(FILOSOFI_COUNTS) <= set(squares.columns) and len(squares):
            agg = areal_filosofi(squares, geo.make_valid(bureaux))
            dwellings = agg[["log_av45", "log_45_70", "log_70_90", "log_ap90", "log_inc"]].sum(axis=1)
            f = "INSEE Filosofi 2019, carreaux 200 m (pondération surfacique)"
            indicators += [
                Indicator("social_housing", "Part de logements sociaux", "% des logements", f, 2019,
                          "log_soc ÷ logements × 100", values=agg["log_soc"] / dwellings * 100),
                Indicator("poverty_rate", "Ménages pauvres", "% des ménages", f, 2019, "men_pauv ÷ men × 100",
                          values=agg["men_pauv"] / agg["men"] * 100),
                Indicator("mean_living_standard", "Niveau de vie moyen", "€ par personne et par an", f, 2019,
                          "ind_snv ÷ ind", values=agg["ind_snv"] / agg["ind"]),
                Indicator("seniors_share", "Part des 65 ans et plus", "% des habitants", f, 2019,
                          "(ind_65_79 + ind_80p) ÷ ind × 100", values=(agg["ind_65_79"] + agg["ind_80p"]) / agg["ind"] * 100),
            ]
            cent = squares.to_crs(geo.LAMBERT93).centroid.to_crs(geo.WGS84)
            weight_points = pd.DataFrame({"lon": cent.x, "lat": cent.y,
                                          "weight": pd.to_numeric(squares["ind"], errors="coerce").fillna(0)})
            used_sources.append("filosofi_200m")
    if not indicators:
        missing.append("Filosofi 200 m (logement social, pauvreté, niveau de vie)")
        for iid, label in (("social_housing", "Logement social"), ("poverty_rate", "Ménages pauvres"),
                           ("mean_living_standard", "Niveau de vie moyen"), ("seniors_share", "Part des 65 ans et plus")):
            indicators.append(Indicator(iid, label, "", "", None, "", reason="carreaux Filosofi 200 m absents des fichiers fournis"))
    indicators.append(Indicator("median_income", "Revenu disponible médian", "", "", None, "",
                                reason="Filosofi par IRIS sans contours IRIS dans les fichiers fournis"))

    elections = sorted(results["election"].unique())
    trend = None
    for early, late in (("leg2022t2", "leg2024t2"), ("leg2022t1", "leg2024t1"), ("mun2020t1", "mun2026t1"),
                        ("pres2022t1", "leg2024t1")):
        if early in elections and late in elections:
            trend = (early, late)
            break
    src_objs = [Source(sid, sources[sid]["title"], sources[sid]["publisher"], sources[sid]["licence"],
                       sources[sid].get("page", ""), [sources[sid]["file"]], note=sources[sid].get("election", ""))
                for sid in ["contours", *used_sources] if sid in sources]
    return RawTerritory(
        territory_id=selector.territory_id, name=_name(selector, contours), reference_map=sources["contours"]["title"],
        bureaux=bureaux, area_names=area_names, area_kind="commune", results=results,
        registered_election=latest, sources=src_objs, indicators=indicators, addresses=addresses,
        addresses_missing_reason=reason, weight_points=weight_points,
        stations=merge_stations(*stations) if stations else None, trend_pair=trend,
        notes=[f"Construit depuis les fichiers nationaux ({selector.kind} {selector.code})."]
              + [f"Absent : {m}" for m in missing])


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


