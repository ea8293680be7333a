"""INSEE census tables by IRIS → bureau criteria (CSP, diplomas, ages, housing, unemployment,
registration gap), on FIXTURES: no real rows of these tables for Paris or the 92 and no IGN IRIS
contours for them were found (raw/SOURCES.md § 14), so nothing here is a real extract.

The population fixtures use header lines copied exactly from published sources (named beside
each); for the activité, diplômes and logement tables the whole published header line was not
found: their fixtures carry only the columns the reader needs, spelled as public code reads them
from the published files (named beside each). The IRIS shapes are synthetic boxes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import py7zr
import pytest
import shapely

from lib import geo
from lib.datasets import census, census_criteria
from lib.datasets.crop import Crop
from lib.datasets.recognition import examine
from lib.errors import BuildError

# base-ic-evol-struct-pop-2020: the header line of cunvoas/opendata-tools, commit
# b57907e72d9ccd6489fa62c44a0025d03f0852fc, geoservice-isochrone/src/main/java/com/github/cunvoas/
# geoserviceisochrone/extern/csv/CsvIrisDataParser.java (constant HEADER, the published file's first line).
HEADER_POP_2020 = (
    "IRIS;COM;TYP_IRIS;LAB_IRIS;P20_POP;P20_POP0002;P20_POP0305;P20_POP0610;P20_POP1117;P20_POP1824;P20_POP2539;"
    "P20_POP4054;P20_POP5564;P20_POP6579;P20_POP80P;P20_POP0014;P20_POP1529;P20_POP3044;P20_POP4559;P20_POP6074;"
    "P20_POP75P;P20_POP0019;P20_POP2064;P20_POP65P;P20_POPH;P20_H0014;P20_H1529;P20_H3044;P20_H4559;P20_H6074;"
    "P20_H75P;P20_H0019;P20_H2064;P20_H65P;P20_POPF;P20_F0014;P20_F1529;P20_F3044;P20_F4559;P20_F6074;P20_F75P;"
    "P20_F0019;P20_F2064;P20_F65P;C20_POP15P;C20_POP15P_CS1;C20_POP15P_CS2;C20_POP15P_CS3;C20_POP15P_CS4;"
    "C20_POP15P_CS5;C20_POP15P_CS6;C20_POP15P_CS7;C20_POP15P_CS8;C20_H15P;C20_H15P_CS1;C20_H15P_CS2;C20_H15P_CS3;"
    "C20_H15P_CS4;C20_H15P_CS5;C20_H15P_CS6;C20_H15P_CS7;C20_H15P_CS8;C20_F15P;C20_F15P_CS1;C20_F15P_CS2;"
    "C20_F15P_CS3;C20_F15P_CS4;C20_F15P_CS5;C20_F15P_CS6;C20_F15P_CS7;C20_F15P_CS8;P20_POP_FR;P20_POP_ETR;"
    "P20_POP_IMM;P20_PMEN;P20_PHORMEN")
# base-ic-evol-struct-pop-2022 (PCS 2020): the « Entete exacte observee (76 colonnes) » of the
# paris-bins-ml « API Exploration Report » (2026-03-12), read through the code index (id 54359201169).
HEADER_POP_2022 = (
    "IRIS;COM;TYP_IRIS;LAB_IRIS;P22_POP;P22_POP0002;P22_POP0305;P22_POP0610;P22_POP1117;P22_POP1824;P22_POP2539;"
    "P22_POP4054;P22_POP5564;P22_POP6579;P22_POP80P;P22_POP0014;P22_POP1529;P22_POP3044;P22_POP4559;P22_POP6074;"
    "P22_POP75P;P22_POP0019;P22_POP2064;P22_POP65P;P22_POPH;P22_H0014;P22_H1529;P22_H3044;P22_H4559;P22_H6074;"
    "P22_H75P;P22_H0019;P22_H2064;P22_H65P;P22_POPF;P22_F0014;P22_F1529;P22_F3044;P22_F4559;P22_F6074;P22_F75P;"
    "P22_F0019;P22_F2064;P22_F65P;C22_POP15P;C22_POP15P_STAT_GSEC11_21;C22_POP15P_STAT_GSEC12_22;"
    "C22_POP15P_STAT_GSEC13_23;C22_POP15P_STAT_GSEC14_24;C22_POP15P_STAT_GSEC15_25;C22_POP15P_STAT_GSEC16_26;"
    "C22_POP15P_STAT_GSEC32;C22_POP15P_STAT_GSEC40;C22_H15P;C22_H15P_STAT_GSEC11_21;C22_H15P_STAT_GSEC12_22;"
    "C22_H15P_STAT_GSEC13_23;C22_H15P_STAT_GSEC14_24;C22_H15P_STAT_GSEC15_25;C22_H15P_STAT_GSEC16_26;"
    "C22_H15P_STAT_GSEC32;C22_H15P_STAT_GSEC40;C22_F15P;C22_F15P_STAT_GSEC11_21;C22_F15P_STAT_GSEC12_22;"
    "C22_F15P_STAT_GSEC13_23;C22_F15P_STAT_GSEC14_24;C22_F15P_STAT_GSEC15_25;C22_F15P_STAT_GSEC16_26;"
    "C22_F15P_STAT_GSEC32;C22_F15P_STAT_GSEC40;P22_POP_FR;P22_POP_ETR;P22_POP_IMM;P22_PMEN;P22_PHORMEN")
# Columns only (full header not found), names as public code reads them from the published files:
# logement — bpineau/gazetteer (base-ic-logement-2021: P21_RP, P21_RP_LOC, P21_RP_LOCHLMV) and the
# Lille script reading base-ic-logement-2019 (P19_RP_PROP); diplômes — that script (P19_NSCOL15P,
# P19_NSCOL15P_SUP2/SUP34/SUP5, P19_NSCOL15P_DIPLMIN); activité — that script (P19_CHOM1564, C19_ACT1564)
# and public code reading base-ic-activite-residents-2021 (P21_ACT1564, P21_CHOM1564).
HEADER_LOG_2021 = "IRIS;COM;TYP_IRIS;LAB_IRIS;P21_LOG;P21_RP;P21_RP_PROP;P21_RP_LOC;P21_RP_LOCHLMV;P21_RP_GRAT"
HEADER_DIPL_2021 = ("IRIS;COM;TYP_IRIS;LAB_IRIS;P21_NSCOL15P;P21_NSCOL15P_DIPLMIN;P21_NSCOL15P_BEPC;"
                    "P21_NSCOL15P_CAPBEP;P21_NSCOL15P_BAC;P21_NSCOL15P_SUP2;P21_NSCOL15P_SUP34;P21_NSCOL15P_SUP5")
HEADER_ACT_2021 = "IRIS;COM;TYP_IRIS;LAB_IRIS;P21_POP1564;P21_ACT1564;P21_ACTOCC1564;P21_CHOM1564"

PARIS, SOUTH = {"75056"}, {"92002", "92014", "92019", "92071"}


def row(header: str, values: dict[str, float | str]) -> str:
    """One data line of ``header``: the given values, 0 elsewhere (INSEE writes decimals with a point)."""
    return ";".join(str(values.get(col, 0)) for col in header.split(";"))


def insee_zip(folder: Path, stem: str, year: int, header: str, rows: list[dict]) -> Path:
    """A table as INSEE publishes it: ``<stem>-<year>_csv.zip`` holding the CSV and its ``meta_`` file."""
    path = folder / f"{stem}-{year}_csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"meta_{stem}-{year}.CSV", "COD_VAR;LIB_VAR\nIRIS;Code IRIS\n")
        zf.writestr(f"{stem}-{year}.CSV", "\n".join([header, *(row(header, r) for r in rows)]) + "\n")
    return path


def pop(iris: str, **counts: float) -> dict:
    return {"IRIS": iris, "COM": iris[:5], "TYP_IRIS": "H", "LAB_IRIS": 1, **counts}


# ------------------------------------------------------------------------------------- readers

def test_the_population_table_is_read_from_insee_zip_cropped_to_the_territory(tmp_path):
    path = insee_zip(tmp_path, "base-ic-evol-struct-pop", 2020, HEADER_POP_2020, [
        pop("751010101", P20_POP=1200.5, C20_POP15P_CS3=300), pop("751200301", P20_POP=2500),
        pop("920020101", P20_POP=2000), pop("010010000", P20_POP=859)])
    paris = census.read_iris_table(path, Crop(PARIS))
    assert list(paris.index) == ["751010101", "751200301"]  # arrondissements count for Paris (75056)
    assert paris.attrs["year"] == 2020 and paris.at["751010101", "P_POP"] == 1200.5
    assert paris.at["751010101", "cadres"] == 300  # C20_POP15P_CS3
    assert list(census.read_iris_table(path, Crop(SOUTH)).index) == ["920020101"]


def test_from_2022_the_social_groups_are_read_in_pcs_2020(tmp_path):
    path = insee_zip(tmp_path, "base-ic-evol-struct-pop", 2022, HEADER_POP_2022, [
        pop("920140101", C22_POP15P=1000, C22_POP15P_STAT_GSEC13_23=250, C22_POP15P_STAT_GSEC15_25=150,
            C22_POP15P_STAT_GSEC16_26=50)])
    table = census.read_iris_table(path, Crop(SOUTH))
    assert table.attrs["year"] == 2022
    assert table.loc["920140101", ["cadres", "employes", "ouvriers"]].tolist() == [250, 150, 50]


def test_a_plain_csv_with_decimal_commas_is_read_too(tmp_path):
    path = tmp_path / "base-ic-logement-2021.CSV"
    path.write_text(HEADER_LOG_2021 + "\n" + row(HEADER_LOG_2021, {"IRIS": "920710102", "P21_RP": "1413,2"}) + "\n",
                    encoding="latin-1")
    assert census.read_iris_table(path, Crop(SOUTH)).at["920710102", "P_RP"] == pytest.approx(1413.2)


def test_a_table_missing_a_variable_names_it_in_french(tmp_path):
    header = HEADER_LOG_2021.replace(";P21_RP_LOCHLMV", "")
    path = insee_zip(tmp_path, "base-ic-logement", 2021, header, [{"IRIS": "920020101"}])
    with pytest.raises(BuildError, match="variables manquantes : P_RP_LOCHLMV"):
        census.read_iris_table(path, Crop(SOUTH))


def test_a_csv_that_is_no_insee_table_is_refused_in_french(tmp_path):
    path = tmp_path / "base-ic-logement-2021.csv"
    path.write_text("code;valeur\n1;2\n", encoding="utf-8")
    with pytest.raises(BuildError, match="préfixe d'année"):
        census.read_iris_table(path, Crop(SOUTH))


# ------------------------------------------------------------------------ synthetic geography

ORIGIN = (650_000, 6_860_000)  # Lambert-93, in Paris


def boxes(rows: dict[str, tuple[float, float, float, float]], column: str) -> gpd.GeoDataFrame:
    """Boxes given in metres from ORIGIN (Lambert-93), returned in WGS84 like the readers' output."""
    x, y = ORIGIN
    shapes = [shapely.box(x + a, y + b, x + c, y + d) for a, b, c, d in rows.values()]
    return gpd.GeoDataFrame({column: list(rows)}, geometry=shapes, crs=geo.LAMBERT93).to_crs(geo.WGS84)


BUREAUX = boxes({"75056_0101": (0, 0, 100, 100), "75056_0102": (100, 0, 200, 100)}, "bureau_id")
IRIS = boxes({"751010101": (0, 0, 150, 100), "751010102": (150, 0, 200, 100)}, "iris")


def points(coords: list[tuple[float, float]]) -> pd.DataFrame:
    pts = gpd.GeoSeries([shapely.Point(ORIGIN[0] + a, ORIGIN[1] + b) for a, b in coords], crs=geo.LAMBERT93)
    pts = pts.to_crs(geo.WGS84)
    return pd.DataFrame({"lon": pts.x, "lat": pts.y})


def weights_of(w: census_criteria.Weights) -> dict[tuple[str, str], float]:
    return {(i, b): round(v, 6) for i, b, v in w.table[["iris", "bureau_id", "weight"]].itertuples(index=False)}


def test_without_addresses_an_iris_is_split_by_area():
    w = census_criteria.iris_weights(IRIS, BUREAUX, None)
    # 751010101 (150 m wide): 100 m in 0101, 50 m in 0102; 751010102 wholly in 0102
    assert weights_of(w) == {("751010101", "75056_0101"): pytest.approx(2 / 3, abs=1e-5),
                             ("751010101", "75056_0102"): pytest.approx(1 / 3, abs=1e-5),
                             ("751010102", "75056_0102"): pytest.approx(1.0, abs=1e-5)}
    assert "surface" in w.method


def test_with_addresses_an_iris_is_split_by_its_addresses_and_by_area_when_it_has_none():
    # 751010101: three addresses in 0101, one in 0102; 751010102: none (split by area)
    w = census_criteria.iris_weights(IRIS, BUREAUX, points([(10, 10), (20, 50), (90, 90), (120, 50)]))
    assert weights_of(w) == {("751010101", "75056_0101"): 0.75, ("751010101", "75056_0102"): 0.25,
                             ("751010102", "75056_0102"): pytest.approx(1.0, abs=1e-5)}
    assert "adresses BAN" in w.method


def test_counts_are_allocated_then_divided_never_rates_averaged():
    w = census_criteria.iris_weights(IRIS, BUREAUX, None)
    counts = pd.DataFrame({"P_RP": [60.0, 40.0], "P_RP_LOC": [30.0, 10.0]}, index=["751010101", "751010102"])
    per_bureau = census_criteria.allocate(counts, w)
    share = next(s for s in census_criteria.SHARES if s.id == "renters_share")
    values = census_criteria.share_indicator(share, per_bureau, 2021, w).values
    # 0101: 2/3 of (30 of 60) → 20 of 40 = 50 %; 0102: 1/3 of (30 of 60) + (10 of 40) → 20 of 60 = 33.33 %
    assert values["75056_0101"] == pytest.approx(50.0, abs=0.01)
    assert values["75056_0102"] == pytest.approx(33.33, abs=0.01)


def test_the_registration_gap_is_adult_french_residents_minus_registered_voters():
    w = census_criteria.iris_weights(IRIS, BUREAUX, None)
    population = pd.DataFrame({
        "P_POP": [1500.0, 500.0], "P_POP_FR": [1200.0, 500.0], "P_POP1824": [150.0, 50.0],
        "P_POP2539": [600.0, 100.0], "P_POP4054": [300.0, 100.0], "P_POP5564": [150.0, 100.0],
        "P_POP6579": [0.0, 50.0], "P_POP80P": [0.0, 0.0]}, index=["751010101", "751010102"])
    adults = census_criteria.allocate(census_criteria.adults_french(population).to_frame(), w)["adults_fr"]
    gap = census_criteria.gap_indicator(adults, pd.Series({"75056_0101": 600.0, "75056_0102": 500.0}),
                                        2021, "Municipales 2026, 1er tour", w)
    # 751010101: 1,200 adults × 1,200/1,500 French = 960 → 640 in 0101, 320 in 0102; 751010102: 400, all French
    assert gap.values["75056_0101"] == pytest.approx(100 * (640 - 600) / 640, abs=0.01)
    assert gap.values["75056_0102"] == pytest.approx(100 * (720 - 500) / 720, abs=0.01)
    assert "Estimation, pas une mesure" in gap.description and "répartition spatiale" in gap.source


# ------------------------------------------------------------- national build (92-13, real bureaux)

HDS = Path(__file__).resolve().parent.parent / "raw" / "hds_9213_viz"
COLUMNS = ("P20_POP", "P20_POP_FR", "P20_POP1824", "P20_POP2539", "P20_POP4054", "P20_POP5564", "P20_POP6579",
           "P20_POP80P", "P20_POP65P", "C20_POP15P", "C20_POP15P_CS3", "C20_POP15P_CS5", "C20_POP15P_CS6")
COUNTS = {commune: dict(zip(COLUMNS, values, strict=True)) for commune, values in {  # one synthetic IRIS per commune
    "92002": (60000, 54000, 6000, 12000, 12000, 8000, 7000, 3000, 10000, 50000, 12500, 7500, 2500),
    "92014": (20000, 18000, 2000, 4000, 4000, 3000, 2000, 1000, 3000, 17000, 5100, 1700, 850),
    "92019": (34000, 27200, 4000, 7000, 7000, 4000, 3000, 1000, 4000, 28000, 5600, 5600, 2800),
    "92071": (19000, 17100, 3000, 3000, 3500, 2500, 2000, 1000, 3000, 16000, 6400, 1600, 480),
}.items()}
HOUSING = {"92002": (26000, 14000, 9000, 4000), "92014": (9000, 4500, 4200, 1000),
           "92019": (14000, 5000, 8600, 6000), "92071": (8000, 4000, 3800, 1500)}  # RP, PROP, LOC, LOCHLMV
DIPLOMAS = {"92002": (45000, 6000, 9000, 7000, 10000), "92014": (15000, 1500, 3000, 2500, 4500),
            "92019": (25000, 5000, 4000, 3000, 4000), "92071": (13000, 1000, 2500, 2500, 5000)}  # NSCOL15P, DIPLMIN, SUP2, SUP34, SUP5
ACTIVITY = {"92002": (30000, 2400), "92014": (10000, 700), "92019": (17000, 2040), "92071": (9000, 630)}  # ACT1564, CHOM1564


def commune_iris(bureaux: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Synthetic IRIS contours: one IRIS per commune, the union of its bureaux (code <commune>0101)."""
    merged = bureaux.dissolve(by="codeCommune").reset_index()
    return gpd.GeoDataFrame({"code_iris": merged["codeCommune"] + "0101"}, geometry=merged.geometry, crs=merged.crs)


def ign_archive(dest: Path, iris: gpd.GeoDataFrame) -> Path:
    """IGN's delivery shape: a .7z holding the IRIS GeoPackage (Lambert-93) in a sub-folder."""
    work = dest.parent / "ign_work"
    work.mkdir()
    iris.to_crs(geo.LAMBERT93).to_file(work / "CONTOURS-IRIS.gpkg", driver="GPKG")
    with py7zr.SevenZipFile(dest, "w") as archive:
        archive.write(work / "CONTOURS-IRIS.gpkg", "CONTOURS-IRIS_3-0/1_DONNEES_LIVRAISON/CONTOURS-IRIS.gpkg")
    return dest


@pytest.fixture(scope="module")
def south_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nationaux")
    (folder / "contours-france-entiere-latest-v2.geojson").write_bytes((HDS / "bv_contours_etalab_9213.geojson").read_bytes())
    (folder / "resultats-definitifs-par-bureau-de-vote.csv").write_bytes((HDS / "legislatives2024_t2_9213.csv").read_bytes())
    insee_zip(folder, "base-ic-evol-struct-pop", 2020, HEADER_POP_2020,
              [pop(f"{c}0101", **counts) for c, counts in COUNTS.items()])
    insee_zip(folder, "base-ic-logement", 2021, HEADER_LOG_2021, [
        {"IRIS": f"{c}0101", "P21_RP": rp, "P21_RP_PROP": prop, "P21_RP_LOC": loc, "P21_RP_LOCHLMV": hlm}
        for c, (rp, prop, loc, hlm) in HOUSING.items()])
    insee_zip(folder, "base-ic-diplomes-formation", 2021, HEADER_DIPL_2021, [
        {"IRIS": f"{c}0101", "P21_NSCOL15P": n, "P21_NSCOL15P_DIPLMIN": none, "P21_NSCOL15P_SUP2": s2,
         "P21_NSCOL15P_SUP34": s34, "P21_NSCOL15P_SUP5": s5} for c, (n, none, s2, s34, s5) in DIPLOMAS.items()])
    contours = gpd.read_file(HDS / "bv_contours_etalab_9213.geojson")
    ign_archive(folder / "CONTOURS-IRIS_3-0__SHP__FRA_2023-01-01.7z", commune_iris(contours))
    return folder


@pytest.fixture(scope="module")
def south_build(south_folder):
    from lib.datasets import national
    return national.read(national.Selector("circonscription", "92-13"), south_folder, log=lambda *_: None)


def by_id(raw) -> dict:
    return {i.id: i for i in raw.indicators}


def test_the_national_build_reads_the_insee_tables_and_ign_contours_as_published(south_build):
    found = by_id(south_build)
    for cid in ("registration_gap", "workers_employees_share", "executives_share", "young_adults_share",
                "seniors_share", "renters_share", "social_renters_share", "owners_share"):
        assert found[cid].values is not None and found[cid].values.notna().sum() == 91, cid
    assert found["executives_share"].year == 2020 and found["renters_share"].year == 2021
    assert "pas la table « Liaison IRIS / Bureaux de vote »" in found["renters_share"].source
    assert "surface" in found["renters_share"].source  # no BAN file in this folder
    assert {s.id for s in south_build.sources} >= {"iris_population", "iris_logement", "iris_contours"}


def test_a_table_not_given_is_declared_with_the_file_to_add(south_build):
    found = by_id(south_build)
    reason = found["unemployment_rate"].reason
    assert found["unemployment_rate"].values is None
    assert "base-ic-activite-residents-2021_csv.zip" in reason and "insee.fr/fr/statistiques/8268843" in reason


@pytest.mark.parametrize("bureau", ["92002_0001", "92019_0008", "92071_0007"])
def test_in_a_one_iris_commune_every_bureau_has_the_iris_rates(south_build, bureau):
    found, commune = by_id(south_build), bureau[:5]
    c, (rp, _prop, loc, hlm) = COUNTS[commune], HOUSING[commune]
    assert found["executives_share"].values[bureau] == pytest.approx(100 * c["C20_POP15P_CS3"] / c["C20_POP15P"], abs=0.01)
    workers = 100 * (c["C20_POP15P_CS5"] + c["C20_POP15P_CS6"]) / c["C20_POP15P"]
    assert found["workers_employees_share"].values[bureau] == pytest.approx(workers, abs=0.01)
    assert found["young_adults_share"].values[bureau] == pytest.approx(100 * c["P20_POP1824"] / c["P20_POP"], abs=0.01)
    assert found["seniors_share"].values[bureau] == pytest.approx(100 * c["P20_POP65P"] / c["P20_POP"], abs=0.01)
    assert found["renters_share"].values[bureau] == pytest.approx(100 * loc / rp, abs=0.01)
    assert found["social_renters_share"].values[bureau] == pytest.approx(100 * hlm / rp, abs=0.01)
    n, none, s2, s34, s5 = DIPLOMAS[commune]
    assert found["no_diploma_share"].values[bureau] == pytest.approx(100 * none / n, abs=0.01)
    assert found["higher_education_share"].values[bureau] == pytest.approx(100 * (s2 + s34 + s5) / n, abs=0.01)


@pytest.mark.parametrize("bureau", ["92002_0001", "92019_0008", "92071_0007"])
def test_the_gap_of_a_bureau_by_hand(south_build, bureau):
    """Adult French residents of the commune's IRIS × the bureau's share of its area − registered."""
    contours = gpd.read_file(HDS / "bv_contours_etalab_9213.geojson").to_crs(geo.LAMBERT93)
    commune = bureau[:5]
    mine = contours[contours["codeCommune"] == commune]
    share = mine.set_index("codeBureauVote").area[bureau] / mine.area.sum()
    c = COUNTS[commune]
    adults = sum(c[f"P20_POP{band}"] for band in ("1824", "2539", "4054", "5564", "6579", "80P"))
    residents = adults * c["P20_POP_FR"] / c["P20_POP"] * share
    results = south_build.results
    registered = results[(results["election"] == "leg2024t2") & (results["bureau_id"] == bureau)]["registered"].iloc[0]
    assert by_id(south_build)["registration_gap"].values[bureau] == pytest.approx(
        100 * (residents - registered) / residents, abs=0.05)


def test_without_the_files_every_census_criterion_names_what_to_add(tmp_path):
    from lib.datasets import national
    (tmp_path / "contours-france-entiere-latest-v2.geojson").write_bytes((HDS / "bv_contours_etalab_9213.geojson").read_bytes())
    (tmp_path / "resultats-definitifs-par-bureau-de-vote.csv").write_bytes((HDS / "legislatives2024_t2_9213.csv").read_bytes())
    raw = national.read(national.Selector("commune", "92002"), tmp_path, log=lambda *_: None)
    gap = by_id(raw)["registration_gap"]
    assert gap.values is None
    assert "base-ic-evol-struct-pop-2021_csv.zip" in gap.reason and "CONTOURS-IRIS" in gap.reason
    assert all(by_id(raw)[cid].values is None for cid in census_criteria.CENSUS_IDS)


# ------------------------------------------------------------------- recognition, bad contours

def test_an_insee_zip_of_any_year_is_recognised_by_its_member_not_taken_for_filosofi(tmp_path):
    path = insee_zip(tmp_path, "base-ic-logement", 2019, HEADER_LOG_2021, [])
    (tmp_path / "telechargement.zip").write_bytes(path.read_bytes())
    assert examine(tmp_path / "telechargement.zip").source == "iris_logement"


def test_an_insee_csv_is_recognised_by_its_header(tmp_path):
    path = tmp_path / "donnees.csv"
    path.write_text(HEADER_POP_2022 + "\n", encoding="utf-8")
    assert examine(path).source == "iris_population"


def test_ign_contours_are_recognised_by_their_published_name(tmp_path):
    path = tmp_path / "CONTOURS-IRIS_3-0__GPKG_LAMB93_FXX_2024-01-01.7z"
    path.write_bytes(b"7z\xbc\xaf\x27\x1c")
    assert examine(path).source == "iris_contours"


def test_contours_without_an_iris_code_are_refused_in_french(tmp_path):
    path = tmp_path / "iris.geojson"
    IRIS.rename(columns={"iris": "code"}).to_file(path, driver="GeoJSON")
    with pytest.raises(BuildError, match="colonne CODE_IRIS absente"):
        census.read_iris_contours(path, Crop(PARIS))


def test_the_contours_reader_keeps_the_territory_iris_of_a_shapefile_with_ign_columns(tmp_path):
    path = tmp_path / "CONTOURS-IRIS.shp"
    IRIS.rename(columns={"iris": "CODE_IRIS"}).to_crs(geo.LAMBERT93).to_file(path)
    assert census.read_iris_contours(path, Crop(PARIS))["iris"].tolist() == ["751010101", "751010102"]
    assert census.read_iris_contours(path, Crop(SOUTH)).empty


def test_an_available_indicator_wins_and_two_reasons_are_joined():
    from lib.datasets.raw import Indicator
    filosofi = [Indicator("seniors_share", "65+", "%", "Filosofi", 2019, "", values=pd.Series({"b": 1.0})),
                Indicator("owners_share", "Propriétaires", "", "", None, "", reason="pas de carreaux")]
    iris = [Indicator("seniors_share", "65+", "%", "INSEE", 2021, "", values=pd.Series({"b": 2.0})),
            Indicator("owners_share", "Propriétaires", "", "", None, "", reason="pas de table"),
            Indicator("renters_share", "Locataires", "", "", None, "", reason="pas de table")]
    merged = {i.id: i for i in census_criteria.prefer_available(filosofi, iris)}
    assert merged["seniors_share"].source == "Filosofi"
    assert merged["owners_share"].reason == "pas de carreaux ; pas de table"
    assert list(merged) == ["seniors_share", "owners_share", "renters_share"]


# ------------------------------------------------------------------------- shipped territories

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize("territory", ["paris", "antony"])
def test_the_shipped_territories_say_which_file_is_missing_and_where_to_get_it(territory):
    import json
    meta = json.loads((DATA / territory / "metadata.json").read_text(encoding="utf-8"))
    declared = {i["id"]: i for i in meta["indicators"]}
    for cid in census_criteria.CENSUS_IDS:
        if territory == "antony" and cid in ("young_adults_share", "seniors_share", "owners_share"):
            assert declared[cid]["available"]  # the real Filosofi squares give them
            continue
        entry = declared[cid]
        assert not entry["available"], cid
        assert "insee.fr/fr/statistiques/" in entry["reason"] and "geoservices.ign.fr/contoursiris" in entry["reason"]
        assert f"raw/insee_iris/ puis reconstruisez (python -m lib.datasets {territory})" in entry["reason"]


def test_a_shipped_build_reads_the_files_a_user_puts_in_raw_insee_iris(tmp_path):
    from lib.datasets import antony
    from lib.datasets.raw import RAW_DIR
    folder = tmp_path / "insee_iris"
    folder.mkdir()
    insee_zip(folder, "base-ic-logement", 2021, HEADER_LOG_2021, [
        {"IRIS": f"{c}0101", "P21_RP": rp, "P21_RP_PROP": prop, "P21_RP_LOC": loc, "P21_RP_LOCHLMV": hlm}
        for c, (rp, prop, loc, hlm) in HOUSING.items()])
    insee_zip(folder, "base-ic-activite-residents", 2021, HEADER_ACT_2021, [
        {"IRIS": f"{c}0101", "P21_ACT1564": act, "P21_CHOM1564": chom} for c, (act, chom) in ACTIVITY.items()])
    ign_archive(folder / "CONTOURS-IRIS_3-0__SHP__FRA_2023-01-01.7z",
                commune_iris(gpd.read_file(HDS / "bv_contours_etalab_9213.geojson")))
    bureaux = antony.read_bureaux(RAW_DIR)
    found, sources = census_criteria.shipped_census(tmp_path, "antony", bureaux, None, antony.read_results(RAW_DIR),
                                                    "leg2024t2")
    renters = {i.id: i for i in found}["renters_share"]
    rp, _, loc, _ = HOUSING["92014"]
    assert renters.values["92014_0005"] == pytest.approx(100 * loc / rp, abs=0.01)
    act, chom = ACTIVITY["92019"]
    assert {i.id: i for i in found}["unemployment_rate"].values["92019_0008"] == pytest.approx(100 * chom / act, abs=0.01)
    assert {s.id for s in sources} == {"iris_logement", "iris_activite", "iris_contours"}
    assert "base-ic-evol-struct-pop-2021_csv.zip" in {i.id: i for i in found}["registration_gap"].reason


def test_iris_of_a_table_without_a_contour_are_said_not_silently_dropped():
    counts = pd.DataFrame({"P_RP": [60.0, 40.0, 5.0], "P_RP_PROP": 0.0, "P_RP_LOC": [30.0, 10.0, 5.0],
                           "P_RP_LOCHLMV": 0.0}, index=["751010101", "751010102", "751010199"])
    counts.attrs["year"] = 2021
    found = census_criteria.census_indicators({"iris_logement": counts}, IRIS, BUREAUX, None, pd.Series(dtype=float),
                                              "Municipales 2026, 1er tour", lambda sids: "absent")
    renters = {i.id: i for i in found}["renters_share"]
    assert "1 IRIS de la table sans contour" in renters.description and "751010199" in renters.description
    assert renters.values["75056_0101"] == pytest.approx(50.0, abs=0.01)


def test_iris_contours_in_geojson_are_recognised_by_their_iris_code(tmp_path):
    path = tmp_path / "decoupage.geojson"
    IRIS.rename(columns={"iris": "code_iris"}).to_file(path, driver="GeoJSON")
    assert examine(path).source == "iris_contours"


def test_a_csv_saved_with_a_utf8_bom_is_read(tmp_path):
    path = tmp_path / "base-ic-activite-residents-2021.csv"
    text = HEADER_ACT_2021 + "\n" + row(HEADER_ACT_2021, {"IRIS": "920190101", "P21_ACT1564": 900, "P21_CHOM1564": 90})
    path.write_text(text + "\n", encoding="utf-8-sig")
    table = census.read_iris_table(path, Crop(SOUTH))
    assert table.loc["920190101", ["P_ACT1564", "P_CHOM1564"]].tolist() == [900, 90]
