"""MinInt layouts on real files (and synthetic encodings/separators)."""

from __future__ import annotations

import pytest

from lib import minint
from lib.errors import TerrainError

from .helpers import PROJECT, RAW_DIR

RAW = PROJECT / "raw" / "hds_9213_viz"
BREST = RAW_DIR / "brest_lfi"


def parse(path, election="x2024", layout="wide"):
    table = minint.read_table(path, name=path.name)
    fn = minint.parse_wide if layout == "wide" else minint.parse_long
    return fn(table, election=election, name=path.name)


def test_legislatives_2024_wide_layout():
    r = parse(RAW / "legislatives2024_t1_9213.csv")
    assert r["bureau_id"].nunique() == 92
    row = r[(r["bureau_id"] == "92002_0001") & (r["candidate"] == "GAILLARD Brice")].iloc[0]
    assert (row["votes"], row["registered"], row["voters"], row["expressed"]) == (237, 965, 797, 789)
    shares = r.groupby("bureau_id")["share"].sum()
    assert shares.between(99.9, 100.1).all()


def test_europeennes_list_blocks_use_list_labels_and_nuances():
    r = parse(RAW / "europeennes2024_9213.csv")
    assert r.groupby("bureau_id")["candidate"].nunique().max() <= 38
    assert "LFI" in set(r["nuance"])


def test_legislatives_2022_long_layout_pads_bureau_codes():
    r = parse(RAW / "legislatives2022_t2_9213.csv", layout="long")
    assert len(r) == 182 and r["bureau_id"].str.fullmatch(r"\d{5}_\d{4}").all()


@pytest.mark.parametrize("name", ["Legislatives2024_circos23-tour1.csv", "Legislatives2024_circos23-tour2.csv"])
def test_brest_files_quoted_or_not_parse(name):
    r = parse(BREST / name)
    assert "29019_0001" in set(r["bureau_id"])


def test_latin1_comma_separated_file_with_decimal_commas():
    text = ("Code département,Code commune,Code BV,Inscrits,Votants,Exprimés,Blancs,Nuls,"
            "Nuance candidat 1,Nom candidat 1,Prénom candidat 1,Voix 1\n"
            '75,75056,0101,"1 000",600,580,15,5,DVG,HÉBERT,Zoé,"290"\n')
    r = minint.parse_wide(minint.read_table(text.encode("cp1252"), name="x.csv"), election="e", name="x.csv")
    assert r.loc[0, "candidate"] == "HÉBERT Zoé" and r.loc[0, "registered"] == 1000
    assert r.loc[0, "share"] == pytest.approx(50.0)


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "vide"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "pas un fichier texte"),
    ("é".encode("utf-16"), "pas un fichier texte"),
    (b"a|b|c\n1|2|3\n", "une seule colonne"),
])
def test_unreadable_files_get_french_messages(content, fragment):
    with pytest.raises(TerrainError, match=fragment):
        minint.read_table(content, name="upload.csv")


def test_2022_layout_with_unnamed_candidate_blocks():
    """MinInt 2017–2022 files name only the first candidate block; the others are bare fields."""
    text = ("Code du département;Libellé du département;Code de la commune;Libellé de la commune;"
            "Code du b.vote;Inscrits;Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;"
            "Voix;% Voix/Ins;% Voix/Exp\n"
            "92;Hauts-de-Seine;002;Antony;1;1000;200;800;10;5;785;1;M;MACRON;Emmanuel;400;40,00;50,96;"
            "2;F;LE PEN;Marine;385;38,5;49,04\n")
    r = minint.parse_wide(minint.read_table(text.encode("cp1252"), name="p.txt"), election="pres2022t2", name="p")
    assert r["candidate"].tolist() == ["MACRON Emmanuel", "LE PEN Marine"]
    assert r["bureau_id"].unique().tolist() == ["92002_0001"]
    assert r["votes"].sum() == 785


def test_an_import_tells_bureaux_without_contour_from_bureaux_elsewhere():
    from lib.results_import import import_results

    content = ("bureau;candidat;voix;inscrits;votants\n"
               "75056_0101;A;10;100;50\n75056_0198;A;10;100;50\n92002_0001;A;10;100;50\n")
    imported = import_results(content.encode(), "x.csv", election_label="Partielle",
                              known_bureaux={"75056_0101", "75056_0102"}, max_bytes=10**6)
    assert any("bureau 75056_0198 : résultats sans contour" in w for w in imported.warnings)
    assert any("1 bureau(x) du fichier hors du territoire" in w for w in imported.warnings)
