"""Recognising a source file by its content: published names are shared (both 2024 rounds are
« resultats-definitifs-par-bureau-de-vote.csv ») or lost in a download (docs/national_build.md)."""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lib import minint
from lib.datasets import census, contours
from lib.datasets.archives import SEVEN_ZIP_MAGIC, ZIP_MAGIC, magic, open_binary
from lib.errors import TerrainError

HEAD_BYTES = 65_536  # the header and a few rows: enough to tell a file by its content


def _head_text(path: Path, size: int = HEAD_BYTES) -> str:
    """The first bytes as text: UTF-8 (a character cut at the end is fine), else Latin-1."""
    with open_binary(path) as fh:
        head = fh.read(size)
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return head.decode("latin-1")


@dataclass(frozen=True)
class Recognition:
    """What a file was recognised as, and on what evidence (said in the build log and on the page).

    ``source`` is set only when the content is certain; ``candidates`` lists the elections the
    content allows when it cannot decide (a municipal file's round): the user is then asked.
    ``reason`` says why a file is none of ours (no header, parquet, unknown columns…).
    """

    source: str | None
    evidence: str = ""
    candidates: tuple[str, ...] = ()
    reason: str = ""

    @property
    def results_like(self) -> bool:
        """A results file (certain or not), or one that could be once confirmed by the user."""
        return bool(self.candidates) or (self.source is not None and self.source not in NON_RESULTS)


NON_RESULTS = ("contours", "idfm_gares", "sncf_gares", "ban", "filosofi_200m", *census.BY_SOURCE, census.CONTOURS)
# folded prefix of a numbered column → its published name (said as evidence)
LIST_COLUMNS = {"nuance liste": "Nuance liste", "libelle de liste": "Libellé de liste",
                "libelle abrege de liste": "Libellé abrégé de liste", "sieges au cm": "Sièges au CM",
                "sieges au cc": "Sièges au CC"}
CANDIDATE_COLUMNS = {"nuance candidat": "Nuance candidat", "nom candidat": "Nom candidat"}
PRESIDENTIAL_T1_CANDIDATES = {11: "pres2017t1", 12: "pres2022t1"}  # 2017: 11 candidates, 2022: 12


def _blocks(folded: set[str], field: str) -> int:
    """How many numbered blocks (« Voix 1 »… « Voix k ») a header has for one field."""
    return sum(1 for c in folded if re.fullmatch(rf"{field} \d+", c))


def _has(folded: set[str], prefixes: dict[str, str]) -> list[str]:
    """The published names of the numbered columns the header has (the evidence said to the user)."""
    return [f"« {name} k »" for p, name in prefixes.items() if any(re.fullmatch(rf"{p} \d+", c) for c in folded)]


def _results_source(cols: list[str], lines: list[str], sep: str) -> Recognition:
    """Which election a results header belongs to (see docs/national_build.md, « Recognition »)."""
    folded = {minint.fold_header(c) for c in cols}
    voix, lists = _blocks(folded, "voix"), _has(folded, LIST_COLUMNS)
    if "code localisation" in folded:
        return Recognition("euro2024", "colonne « Code localisation » : européennes 2024")
    if "code bv" in folded and lists:
        return Recognition(None, f"colonnes de listes ({', '.join(lists)}) et « Code BV » : municipales 2026 ; "
                           "le tour ne se lit pas dans le fichier", candidates=("mun2026t1", "mun2026t2"))
    if "code b vote" in folded:
        return Recognition(None, "colonne « Code B.Vote » : municipales 2020 ; le tour ne se lit pas dans le fichier",
                           candidates=("mun2020t1",))
    if "code bv" in folded and voix and _has(folded, CANDIDATE_COLUMNS):
        rnd = "t1" if voix > 4 else "t2"
        return Recognition(f"leg2024{rnd}", f"« Code BV » et {voix} blocs « Nuance candidat k / Voix k » : législatives "
                           f"2024, {'1er tour (plus de 4 candidats)' if rnd == 't1' else '2e tour (au plus 4 candidats)'}")
    if "code du b vote" in folded:
        return _results_2022(folded, cols, lines, sep)
    return Recognition(None, reason="en-tête inconnu (colonnes : " + ", ".join(c[:30] for c in cols[:8])
                       + ("…" if len(cols) > 8 else "") + ")")


def _results_2022(folded: set[str], cols: list[str], lines: list[str], sep: str) -> Recognition:
    """Présidentielle or législatives 2017–2022 (« Code du b.vote »): ``Nuance`` tells législatives;
    at most 4 candidates a bureau is a 2nd round; a présidentielle 1st round by its candidates."""
    candidates = _max_candidates(cols, lines, sep)
    if "nuance" in folded:
        rnd = "t2" if candidates <= 4 else "t1"
        return Recognition(f"leg2022{rnd}", f"« Code du b.vote » et « Nuance » : législatives 2022, "
                           f"{'2e' if rnd == 't2' else '1er'} tour ({candidates} candidats au plus par bureau)")
    if candidates <= 4:
        return Recognition("pres2022t2", f"« Code du b.vote » sans « Nuance » : présidentielle ; {candidates} candidats "
                           "par bureau : 2e tour (2022 ; un fichier de 2017 se range dans un sous-dossier pres2017t2/)")
    sid = PRESIDENTIAL_T1_CANDIDATES.get(candidates)
    if sid:
        return Recognition(sid, f"« Code du b.vote » sans « Nuance » : présidentielle, 1er tour à {candidates} candidats "
                           f"({sid[4:8]})")
    return Recognition(None, f"présidentielle, 1er tour à {candidates} candidats : l'année ne se lit pas",
                       candidates=tuple(PRESIDENTIAL_T1_CANDIDATES.values()))


def _max_candidates(cols: list[str], lines: list[str], sep: str) -> int:
    """Most candidates in one bureau among the sample lines (wide rows, or long rows per bureau)."""
    start = next((i for i, c in enumerate(cols) if minint.fold_header(c) in ("n panneau", "n pan")), len(cols))
    block = max(1, len(cols) - start)
    widths = [-(-(len(line.split(sep)) - start) // block) for line in lines if line.strip()]
    per_bureau: dict[str, int] = {}
    for line in lines:
        key = sep.join(line.split(sep)[:start])
        per_bureau[key] = per_bureau.get(key, 0) + 1
    return max([*widths, *per_bureau.values(), 1])


TABLE_SIGNATURES = {"id_ref_zdc": "idfm_gares", "code_uic": "sncf_gares", "id_fantoir": "ban",
                    "idcar_200m": "filosofi_200m"}


def _vector_source_id(path: Path) -> str | None:
    """Contours or Filosofi squares, told by the fields of a shapefile, GeoPackage or zip of one; a
    zip or 7z holding no vector file is INSEE's Filosofi archive (zip > 7z > GeoPackage)."""
    if magic(path).startswith(SEVEN_ZIP_MAGIC) or not contours.is_contour_file(path):
        return "filosofi_200m"
    try:
        fields = contours.contour_fields(path)
    except TerrainError:
        return None
    return "contours" if "codeBureauVote" in fields else ("filosofi_200m" if "idcar_200m" in fields else None)


# Every column of the Ministry's per-bureau layouts (docs/national_build.md, « Accepted results
# layouts »), numbered blocks without their number: any other column was added by a republisher.
MINISTRY_COLUMNS = frozenset(minint.fold_header(c) for c in (
    "Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV", "Inscrits", "Votants",
    "% Votants", "Abstentions", "% Abstentions", "Exprimés", "% Exprimés/inscrits", "% Exprimés/votants", "Blancs",
    "% Blancs/inscrits", "% Blancs/votants", "Nuls", "% Nuls/inscrits", "% Nuls/votants", "Code localisation",
    "Libellé localisation", "Numéro de panneau", "Nuance candidat", "Nom candidat", "Prénom candidat",
    "Sexe candidat", "Voix", "% Voix/inscrits", "% Voix/exprimés", "Elu", "Nuance liste", "Libellé abrégé de liste",
    "Libellé de liste", "Sièges", "Sièges au CM", "Sièges au CC", "Code du département", "Libellé du département",
    "Code de la circonscription", "Libellé de la circonscription", "Code de la commune", "Libellé de la commune",
    "Code du b.vote", "Abs/Ins", "% Abs/Ins", "% Vot/Ins", "% Blancs/Ins", "% Blancs/Vot", "% Nuls/Ins", "% Nuls/Vot",
    "% Exp/Ins", "% Exp/Vot", "N°Panneau", "Sexe", "Nom", "Prénom", "Nuance", "% Voix/Ins", "% Voix/Exp",
    "Code B.Vote", "N.Pan.", "Code Nuance", "Liste"))


def own_columns(path: Path) -> list[str]:
    """The header's columns that no Ministry layout has: a file republished by someone else (a city,
    an open-data portal) with its own columns is credited to that publisher, not to the Ministry."""
    first = _head_text(path).partition("\n")[0].rstrip("\r")
    try:
        sep = minint.sniff_separator(first, name=str(path))
    except TerrainError:
        return []
    cols = [c.strip().strip('"') for c in first.split(sep)]
    return [c for c in cols if c and minint.fold_header(re.sub(r"\s+\d+$", "", c)) not in MINISTRY_COLUMNS]


PARQUET_MAGIC = b"PAR1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # a legacy .xls workbook
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
AS_CSV = ("enregistrez-le au format CSV (séparateur « ; ») avec l'en-tête publié par le Ministère "
          "(docs/national_build.md, « Accepted results layouts »)")


def _census_source(path: Path, kind: bytes) -> Recognition | None:
    """An INSEE IRIS table (its zip's ``base-ic-…`` member, or a CSV whose header has a table's
    variables) or IGN's IRIS contours (named « CONTOURS-IRIS », or a layer with ``CODE_IRIS``)."""
    if Path(path).name.upper().startswith("CONTOURS-IRIS"):
        return Recognition(census.CONTOURS, "nom publié par l'IGN « CONTOURS-IRIS… »")
    if kind.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(path) as zf:
            table = next((t for n in zf.namelist() if (t := census.table_of(n))), None)
        return Recognition(table.source, f"archive de l'INSEE contenant « {table.stem}-… »") if table else None
    if Path(path).suffix.lower() in (".gpkg", ".shp"):
        fields = _fields(path)
        return Recognition(census.CONTOURS, "couche avec la colonne CODE_IRIS") if set(fields) & set(
            census.IRIS_CODE_COLUMNS) else None
    if kind.startswith(SEVEN_ZIP_MAGIC):
        return None
    head = _head_text(path, 8192)
    if head.lstrip().startswith("{") and any(f'"{c}"' in head for c in census.IRIS_CODE_COLUMNS):
        return Recognition(census.CONTOURS, "GeoJSON avec « code_iris »")
    first = head.partition("\n")[0].replace('"', "").strip().split(";")
    yearless = {census.YEARLESS.sub(r"\1_", c) for c in first}
    table = next((t for t in census.TABLES if "IRIS" in first and set(t.needs) <= yearless), None)
    return Recognition(table.source, f"en-tête d'une base IRIS de l'INSEE ({table.stem})") if table else None


def _fields(path: Path) -> list[str]:
    try:
        return contours.contour_fields(path)
    except TerrainError:
        return []


def examine(path: Path) -> Recognition:
    """What ``path`` is, from its content, with the evidence, or why it is none of our sources."""
    kind, suffix = magic(path), Path(path).suffix.lower()
    if kind.startswith(PARQUET_MAGIC) or suffix == ".parquet":
        return Recognition(None, reason=f"fichier Parquet : un CSV est attendu ; {AS_CSV}")
    if suffix in SPREADSHEET_SUFFIXES or kind.startswith(OLE_MAGIC):
        return Recognition(None, reason=f"classeur tableur ({suffix or 'xls'}) : un CSV est attendu ; {AS_CSV}")
    try:
        found = _census_source(path, kind)
    except (OSError, EOFError, zipfile.BadZipFile):
        found = None  # unreadable: the checks below say why
    if found:
        return found
    if kind.startswith((ZIP_MAGIC, SEVEN_ZIP_MAGIC)) or suffix in (".gpkg", ".shp"):
        sid = _vector_source_id(path)
        if sid is None:
            return Recognition(None, reason="fichier géographique sans les colonnes des contours Etalab ni de Filosofi")
        return Recognition(sid, "shapefile, GeoPackage ou archive : " + ("contours" if sid == "contours" else "carreaux Filosofi"))
    try:
        head = _head_text(path)
    except (OSError, EOFError) as err:
        return Recognition(None, reason=f"illisible ({type(err).__name__})")
    if head.lstrip().startswith("{"):
        if "codeBureauVote" in head:
            return Recognition("contours", "GeoJSON avec « codeBureauVote »")
        if "idcar_200m" in head:
            return Recognition("filosofi_200m", "GeoJSON avec « idcar_200m »")
        return Recognition(None, reason="GeoJSON sans les colonnes des contours Etalab ni de Filosofi")
    lines = head.splitlines()
    if not lines or not lines[0].strip():
        return Recognition(None, reason="pas d'en-tête (fichier vide ou première ligne vide)")
    sid = next((sid for key, sid in TABLE_SIGNATURES.items() if key in lines[0]), None)
    if sid:
        return Recognition(sid, f"colonne « {next(k for k, v in TABLE_SIGNATURES.items() if v == sid)} »")
    try:
        sep = minint.sniff_separator(lines[0], name=str(path))
    except TerrainError:
        return Recognition(None, reason="pas d'en-tête de tableau (aucun séparateur « ; », « , » ou tabulation "
                                        "sur la première ligne)")
    cols = [c.strip().strip('"') for c in lines[0].split(sep)]
    return _results_source(cols, lines[1:-1], sep)


def recognise(path: Path) -> str | None:
    """The source id of a file when its content is certain, or None (none of ours, or ask the user)."""
    return examine(path).source
