"""Official layouts read by the national build's readers (lib.datasets.results, recognition, layouts), one defect each.

Real extracts (raw/, and tests/data/ for those only the tests read) where they exist; otherwise fixtures written from the exact
published header given in issue 12 (and, for municipales 2020, the column list of the published
file as read by public code), said at each fixture. Fixture values are test values, never data.
"""

from __future__ import annotations

import gzip
import shutil

import pandas as pd
import pytest

from lib import minint
from lib.datasets.archives import detect_encoding
from lib.datasets.crop import Crop
from lib.datasets.layouts import LAYOUTS
from lib.datasets.recognition import examine, recognise
from lib.datasets.results import read_wide
from lib.datasets.stations import read_idfm_stations, read_sncf_stations

from .helpers import MUN2026_BLOCK, MUN2026_FIRST, PROJECT, RAW_DIR, TEST_DATA

HDS = RAW_DIR / "hds_9213_viz"


def read(path, election="x", communes=("92002",)) -> tuple[pd.DataFrame, Crop]:
    crop = Crop(set(communes), election=election)
    return read_wide(path, crop), crop


# --------------------------------------------------------------------------- encoding

def utf8_file_cut_inside_e_acute(tmp_path):
    """The real législatives 2024 T1 extract, padded with copies of its rows moved to commune 92999
    (cropped out by the build) so that byte 200,000 falls inside an « é » (2 bytes in UTF-8)."""
    lines = (HDS / "legislatives2024_t1_9213.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    pad = [r.replace(";92002;", ";92999;", 1) for r in rows if ";92002;" in r]
    body = header + "".join(rows)
    while len(body.encode()) < 205_000:
        body += "".join(pad)
    data = body.encode()
    start = data.rfind("é".encode(), 0, 200_000)  # the last « é » starting before the cut
    shift = 199_999 - start
    first_pad = body.index(";92999;") + len(";92999;")
    body = body[:first_pad] + body[first_pad:].replace(";", " " * shift + ";", 1)  # spaces in a padding label
    data = body.encode()
    assert data[199_999:200_001] == "é".encode()  # the cut falls inside the character
    path = tmp_path / "resultats-definitifs-par-bureau-de-vote.csv"
    path.write_bytes(data)
    return path


def test_a_cut_inside_e_acute_keeps_a_utf8_file_utf8(tmp_path):
    path = utf8_file_cut_inside_e_acute(tmp_path)
    assert detect_encoding(path) == "utf-8-sig"
    assert detect_encoding(path, chunk=200_000) == "utf-8-sig"  # a chunk boundary there too
    expected = minint.parse_wide(minint.read_table(HDS / "legislatives2024_t1_9213.csv", name="t1"),
                                 election="x", name="t1")
    got, _ = read(path)
    assert set(got["candidate"]) == set(expected.loc[expected["bureau_id"].str.startswith("92002"), "candidate"])
    assert not got["candidate"].str.contains("Ã").any()


def test_a_latin1_file_is_read_as_latin1(tmp_path):
    text = (HDS / "legislatives2024_t1_9213.csv").read_text(encoding="utf-8")
    path = tmp_path / "t1_latin1.csv"
    path.write_bytes(text.encode("cp1252", errors="replace"))
    assert detect_encoding(path) == "cp1252"
    got, _ = read(path)
    assert got["bureau_id"].nunique() == 44


# --------------------------------------------------------------------------- 2022 wide .txt

# Fixture from the published header of the 2022 files (issue 12: latin-1, « ; », CRLF, commune code
# 3 chars, later candidate blocks unnamed, législatives: « Nuance » between « Prénom » and « Voix »).
LEG2022_HEADER = ("Code du département;Libellé du département;Code de la circonscription;Libellé de la "
                  "circonscription;Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;Abstentions;"
                  "% Abs/Ins;Votants;% Vot/Ins;Blancs;% Blancs/Ins;% Blancs/Vot;Nuls;% Nuls/Ins;% Nuls/Vot;"
                  "Exprimés;% Exp/Ins;% Exp/Vot;N°Panneau;Sexe;Nom;Prénom;Nuance;Voix;% Voix/Ins;% Voix/Exp")
LEG2022_ROWS = [
    "92;Hauts-de-Seine;13;13ème circonscription;002;Antony;0001;1000;400;40,00;600;60,00;10;1,00;1,67;5;0,50;"
    "0,83;585;58,50;97,50;1;M;DUPONT;Jérôme;ENS;300;30,00;51,28;2;F;MARTIN;Hélène;NUP;285;28,50;48,72",
    "ZA;Guadeloupe;01;1ère circonscription;101;Les Abymes;0001;900;500;55,56;400;44,44;4;0,44;1,00;6;0,67;"
    "1,50;390;43,33;97,50;1;F;LEBON;Anne;DVG;200;22,22;51,28;2;M;PETIT;Marc;DVD;190;21,11;48,72",
    "ZZ;Français établis hors de France;01;1ère circonscription;001;Amérique du Nord;0001;5000;4000;80,00;"
    "1000;20,00;10;0,20;1,00;10;0,20;1,00;980;19,60;98,00;1;M;DURAND;Paul;ENS;500;10,00;51,02;2;F;"
    "ROUX;Léa;NUP;480;9,60;48,98",
]


@pytest.fixture
def leg2022(tmp_path):
    path = tmp_path / "resultats-par-niveau-burvot-t1-france-entiere.txt"
    path.write_bytes("\r\n".join([LEG2022_HEADER, *LEG2022_ROWS, ""]).encode("latin-1"))
    return path


def test_2022_wide_txt_latin1_crlf_unnamed_blocks(leg2022):
    got, _ = read(leg2022, "leg2022t1")
    assert got["candidate"].tolist() == ["DUPONT Jérôme", "MARTIN Hélène"]
    assert got["nuance"].tolist() == ["ENS", "NUP"]
    assert got["bureau_id"].unique().tolist() == ["92002_0001"]


def test_overseas_letter_codes_become_insee_codes(leg2022):
    got, _ = read(leg2022, "leg2022t1", communes=("97101",))
    assert got["bureau_id"].unique().tolist() == ["97101_0001"]


def test_francais_de_l_etranger_are_left_out_and_said(leg2022):
    _, crop = read(leg2022, "leg2022t1", communes=("92002", "97101"))
    assert any("1 ligne(s) des Français de l'étranger" in n for n in crop.notes)
    parsed = minint.parse_wide(minint.read_table(leg2022, name="t"), election="e", name="t")  # an upload
    assert parsed.attrs["left_out"] == 2 and not parsed["bureau_id"].str.startswith("ZZ").any()


def test_insee_codes_of_each_overseas_letter():
    assert [minint.insee_commune(d, c) for d, c in
            [("ZA", "101"), ("ZB", "209"), ("ZC", "302"), ("ZD", "411"), ("ZM", "611"), ("ZN", "818"),
             ("ZP", "735"), ("ZS", "502"), ("ZW", "613"), ("ZX", "701"), ("ZX", "801"), ("ZZ", "001")]] == [
        "97101", "97209", "97302", "97411", "97611", "98818", "98735", "97502", "98613", "97701", "97801", None]


# --------------------------------------------------------------------------- municipales 2020

# Fixture from the published layout (issue 12: tab-separated, latin-1, « Code B.Vote », blocks
# « N.Pan.;Code Nuance;Sexe;Nom;Prénom;Liste;Voix;% Voix/Ins;% Voix/Exp »; the 19 fixed columns as
# read by public code that parses this file). Values are test values.
MUN2020_FIXED = ["Code du département", "Libellé du département", "Code de la commune", "Libellé de la commune",
                 "Code B.Vote", "Inscrits", "Abstentions", "% Abs/Ins", "Votants", "% Vot/Ins", "Blancs",
                 "% Blancs/Ins", "% Blancs/Vot", "Nuls", "% Nuls/Ins", "% Nuls/Vot", "Exprimés", "% Exp/Ins",
                 "% Exp/Vot"]
MUN2020_BLOCK = ["N.Pan.", "Code Nuance", "Sexe", "Nom", "Prénom", "Liste", "Voix", "% Voix/Ins", "% Voix/Exp"]
FIXED_VALUES = ["92", "Hauts-de-Seine", "002", "Antony", "0001", "1000", "500", "50,00", "500", "50,00", "5",
                "0,50", "1,00", "5", "0,50", "1,00", "490", "49,00", "98,00"]
LISTS = [["1", "LDVD", "M", "SENANT", "Jean-Yves", "Antony Avenir", "250", "25,00", "51,02"],
         ["2", "LDVG", "F", "ASCHEHOUG", "Isabelle", "Antony Écologie", "140", "14,00", "28,57"],
         ["3", "LDIV", "M", "LAJEUNIE", "Pierre", "Antony Ensemble", "100", "10,00", "20,41"]]


def mun2020(tmp_path, header_blocks: int, stray_tab: bool = False):
    header = MUN2020_FIXED + MUN2020_BLOCK * header_blocks
    row = FIXED_VALUES + [v for block in LISTS for v in block]
    other = ["92", "Hauts-de-Seine", "002", "Antony", "0002", *FIXED_VALUES[5:], *LISTS[0]]
    lines = ["\t".join(header), "\t".join(row) + ("\t" if stray_tab else ""), "\t".join(other)]
    path = tmp_path / "municipales-2020-resultats-bv-t1.txt"
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    return path


@pytest.mark.parametrize("stray_tab", [False, True])
def test_municipales_2020_tab_separated_blocks(tmp_path, stray_tab):
    got, _ = read(mun2020(tmp_path, 1, stray_tab), "mun2020t1")
    first = got[got["bureau_id"] == "92002_0001"]
    assert first["candidate"].tolist() == ["Antony Avenir", "Antony Écologie", "Antony Ensemble"]
    assert first["votes"].tolist() == [250, 140, 100] and first["nuance"].tolist() == ["LDVD", "LDVG", "LDIV"]


def test_municipales_2020_repeated_header_keeps_every_list(tmp_path):
    got, _ = read(mun2020(tmp_path, 3), "mun2020t1")
    assert got.loc[got["bureau_id"] == "92002_0001", "candidate"].nunique() == 3


def test_municipales_2020_is_recognised_by_its_header_and_its_round_asked(tmp_path):
    seen = examine(mun2020(tmp_path, 1))  # both rounds of 2020 share this header
    assert seen.source is None and seen.candidates == ("mun2020t1",) and "Code B.Vote" in seen.evidence


# --------------------------------------------------------------------------- municipales 2026

# Fixture from issue 12: first columns as the 2024 files, 13-column blocks (« Nom/Prénom candidat k »
# read as « Nom candidat k », « Prénom candidat k »; « Nuance liste k », « Libellé abrégé de liste k »,
# « Libellé de liste k », « Voix k », « Sièges au CM k », « Sièges au CC k »…). The issue does not give
# the exact order of the 13, so this fixture follows the order it lists them in.
def test_municipales_2026_13_column_blocks(tmp_path):
    header = MUN2026_FIRST + [f"{c} {k}" for k in (1, 2) for c in MUN2026_BLOCK]
    fixed = ["92", "Hauts-de-Seine", "92002", "Antony", "0001", "1000", "600", "60,00", "400", "40,00", "590",
             "59,00", "98,33", "6", "0,60", "1,00", "4", "0,40", "0,67"]
    blocks = ["1", "SENANT", "Jean-Yves", "M", "LDVD", "ANTONY AVENIR", "Antony Avenir", "400", "40,00",
              "67,80", "", "30", "10", "2", "MARTIN", "Zoé", "F", "LUG", "ANTONY GAUCHE", "Antony à gauche",
              "190", "19,00", "32,20", "", "9", "2"]
    path = tmp_path / "municipales-2026-resultats-bv-par-communes-2026-03-20.csv"
    path.write_text(";".join(header) + "\n" + ";".join(fixed + blocks) + "\n", encoding="utf-8")
    assert len(MUN2026_BLOCK) == 13 and examine(path).candidates == ("mun2026t1", "mun2026t2")
    got, _ = read(path, "mun2026t1")
    assert got["candidate"].tolist() == ["ANTONY AVENIR", "ANTONY GAUCHE"]
    assert got["votes"].tolist() == [400, 190] and got["nuance"].tolist() == ["LDVD", "LUG"]


# --------------------------------------------------------------------------- 2024 (real extracts)

BREST = RAW_DIR / "brest_lfi"


def test_legislatives_2024_t1_unpadded_code_bv_real_brest_file():
    got, _ = read(BREST / "Legislatives2024_circos23-tour1.csv", "leg2024t1", communes=("29019",))
    assert got["bureau_id"].nunique() == 104 and "29019_0001" in set(got["bureau_id"])


def test_legislatives_2024_t2_quoted_header_real_brest_file():
    got, _ = read(BREST / "Legislatives2024_circos23-tour2.csv", "leg2024t2", communes=("29019",))
    assert got["bureau_id"].nunique() == 104


def test_europeennes_2024_code_localisation_first_38_blocks():
    got, _ = read(HDS / "europeennes2024_9213.csv", "euro2024")
    assert got["bureau_id"].nunique() == 44
    assert recognise(HDS / "europeennes2024_9213.csv") == "euro2024"


@pytest.mark.parametrize(("path", "sid"), [
    (HDS / "legislatives2024_t1_9213.csv", "leg2024t1"),
    (HDS / "legislatives2024_t2_9213.csv", "leg2024t2"),
    (BREST / "Legislatives2024_circos23-tour1.csv", "leg2024t1"),
    (BREST / "Legislatives2024_circos23-tour2.csv", "leg2024t2"),
    (HDS / "legislatives2022_t2_9213.csv", "leg2022t2"),
    (HDS / "bv_contours_etalab_9213.geojson", "contours"),
    (TEST_DATA / "national_heads" / "contours-france-entiere-latest-v2_head_dep01.geojson", "contours"),
    (HDS / "filosofi2019_carreaux_200m_9213.geojson", "filosofi_200m"),
    (RAW_DIR / "ban_paris" / "adresses-75.csv.gz", "ban"),
    (RAW_DIR / "idfm_gares" / "emplacement-des-gares-idf.csv.gz", "idfm_gares"),
    (RAW_DIR / "sncf_gares" / "liste-des-gares.csv.gz", "sncf_gares"),
])
def test_every_real_extract_is_recognised_by_its_content(path, sid):
    assert recognise(path) == sid


# --------------------------------------------------------------------------- stations

@pytest.mark.parametrize(("folder", "reader", "count"), [
    ("idfm_gares/emplacement-des-gares-idf.csv.gz", read_idfm_stations, 400),
    ("sncf_gares/liste-des-gares.csv.gz", read_sncf_stations, 2800),
])
def test_plain_csv_saved_as_csv_gz_is_read(tmp_path, folder, reader, count):
    plain = tmp_path / folder.split("/")[1]  # same published name, content not compressed
    with gzip.open(RAW_DIR / folder, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert plain.read_bytes()[:2] != b"\x1f\x8b"
    assert len(reader(plain)) > count


# --------------------------------------------------------------------------- registry

def test_every_configured_layout_is_a_reader_and_documented():
    from lib.config import load_sources

    doc = (PROJECT / "docs" / "national_build.md").read_text(encoding="utf-8")
    layouts = {src["layout"] for src in load_sources().values()}
    assert layouts <= set(LAYOUTS)
    assert all(f"`{name}`" in doc for name in LAYOUTS)


def test_data_gouv_urls_are_resource_urls():
    from lib.config import load_sources

    for src in load_sources().values():
        if src["url"].startswith("https://www.data.gouv.fr/") and src["url"] != src["page"]:  # page: not downloaded
            assert src["url"] == f"https://www.data.gouv.fr/fr/datasets/r/{src['resource_id']}"


def test_every_test_extract_has_its_origin_in_sources_md():
    """A file under tests/data/ is a real extract: raw/SOURCES.md records its origin and licence."""
    listed = (RAW_DIR / "SOURCES.md").read_text(encoding="utf-8")
    extracts = [p.relative_to(PROJECT).as_posix() for p in sorted(TEST_DATA.rglob("*")) if p.is_file()]
    assert extracts  # the check sees the files (else it could never fail)
    assert [e for e in extracts if f"`{e}`" not in listed] == []
