"""Results files in the national build: what each file was recognised as and on what evidence, the
user's confirmation (``--election FILE=ID``), and every file named with why it was not used when no
results file is usable (issue 22, items 2 and 3).

Real files: the 92-13 and Brest extracts (raw/), Toulouse's municipales 2026 rows (tests/data),
written in the Ministry's per-bureau layout where the published header is needed.
"""

from __future__ import annotations

import itertools
import re
import shutil

import geopandas as gpd
import pandas as pd
import pytest

from lib.config import load_sources
from lib.datasets import national
from lib.datasets.__main__ import main as build_cli
from lib.datasets.metadata import election_label
from lib.datasets.recognition import examine
from lib.errors import BuildError

from .helpers import MUN2026_BLOCK, PROJECT, RAW_DIR, TEST_DATA, open_page, toulouse_ministry_csv

HDS = RAW_DIR / "hds_9213_viz"
BREST = RAW_DIR / "brest_lfi"
QUIET = {"log": lambda *_: None}
NO_SEATS = [c for c in MUN2026_BLOCK if c not in ("Elu", "Sièges au CM", "Sièges au CC")]
T2_PUBLISHED = "municipales-2026-resultats-bureau-de-vote-2026-03-23-16h15.csv"


@pytest.mark.parametrize(("rnd", "block"), [(1, MUN2026_BLOCK), (1, NO_SEATS), (2, MUN2026_BLOCK), (2, NO_SEATS)])
def test_a_municipal_file_is_never_taken_for_legislatives_2024(tmp_path, rnd, block):
    """Toulouse's 10-list 1st round and 2-list 2nd round, with and without the seat columns."""
    seen = examine(toulouse_ministry_csv(tmp_path / "resultats.csv", rnd, block=block))
    assert seen.source is None and seen.candidates == ("mun2026t1", "mun2026t2")
    assert "municipales 2026" in seen.evidence and "« Libellé de liste k »" in seen.evidence


def test_each_recognition_says_its_evidence():
    seen = examine(HDS / "legislatives2024_t1_9213.csv")
    assert seen.source == "leg2024t1" and "Code BV" in seen.evidence and "Nuance candidat" in seen.evidence


def test_the_municipal_second_round_is_found_under_its_published_name(tmp_path):
    toulouse_ministry_csv(tmp_path / T2_PUBLISHED, 2)
    found = national.locate(tmp_path, load_sources())
    assert found["mun2026t2"].how == "nom publié" and "mun2026t1" not in found
    assert election_label("mun2026t2") == "Municipales 2026, 2e tour"


def test_the_user_s_choice_wins_over_the_content(tmp_path):
    shutil.copy(HDS / "legislatives2024_t2_9213.csv", tmp_path / "t2.csv")
    found = national.locate(tmp_path, load_sources(), {"t2.csv": "leg2024t1"})
    assert found["leg2024t1"].how == national.USER_CHOICE and "leg2024t2" not in found


@pytest.mark.parametrize(("choice", "said"), [
    ({"absent.csv": "mun2026t2"}, "fichier « absent.csv » absent du dossier (fichiers : t2.csv)"),
    ({"t2.csv": "mun2027t2"}, "élection « mun2027t2 » inconnue ; possibles : "),
    ({"t2.csv": "ban"}, "élection « ban » inconnue"),
])
def test_a_wrong_election_choice_is_refused_in_french(tmp_path, choice, said):
    shutil.copy(HDS / "legislatives2024_t2_9213.csv", tmp_path / "t2.csv")
    with pytest.raises(BuildError, match=said.replace("(", "\\(").replace(")", "\\)")):
        national.locate(tmp_path, load_sources(), choice)


def toulouse_folder(folder):
    """Toulouse's real contours (the bureau without a shape left out: another item's subject)."""
    folder.mkdir()
    contours = gpd.read_file(RAW_DIR / "toulouse_2026" / "toulouse_bureaux_vote.geojson")
    contours[~contours.geometry.is_empty & contours.geometry.notna()].to_file(folder / "bureaux.geojson",
                                                                               driver="GeoJSON")
    return folder


def test_municipal_second_round_builds_once_confirmed_on_the_command_line(tmp_path, capsys):
    folder = toulouse_folder(tmp_path / "toulouse")
    toulouse_ministry_csv(folder / "resultats-t2.csv", 2)
    argv = ["--commune", "31555", "--from", str(folder), "--commune-code", "31555", "--contours-bureau", "uniq_bdv",
            "--out", str(tmp_path / "out")]
    assert build_cli(argv) == 1
    assert "resultats-t2.csv — " in capsys.readouterr().err
    assert build_cli([*argv, "--election", "resultats-t2.csv=mun2026t2"]) == 0
    out = capsys.readouterr().out
    assert "(mun2026t2)" in out
    assert "Reconnu : resultats-t2.csv → Municipales 2026, 2e tour (choix de l'utilisateur" in out


@pytest.fixture
def unusable(tmp_path):
    """The 92-13 contours and results files none of which can be used for Antony (92002)."""
    folder = tmp_path / "dossier"
    folder.mkdir()
    shutil.copy(HDS / "bv_contours_etalab_9213.geojson", folder / "contours-france-entiere-latest-v2.geojson")
    shutil.copy(TEST_DATA / "toulouse_2026" / "resultats-elections-municipales-2026-2nd-tour_head.parquet",
                folder / "resultats-2nd-tour.parquet")
    pd.read_csv(HDS / "legislatives2024_t2_9213.csv", sep=";", dtype=str).to_excel(folder / "legislatives.xlsx")
    (folder / "vide.csv").write_bytes(b"")
    shutil.copy(BREST / "Legislatives2022_tour1_circo2.csv", folder / "brest-page.csv")  # a city's own columns
    shutil.copy(BREST / "Legislatives2024_circos23-tour1.csv", folder / "brest-t1.csv")  # Brest, not Antony
    toulouse_ministry_csv(folder / "municipales.csv", 2)
    return folder


EXPECTED_REASONS = {
    "resultats-2nd-tour.parquet": "fichier Parquet : un CSV est attendu",
    "legislatives.xlsx": "classeur tableur (.xlsx) : un CSV est attendu",
    "vide.csv": "pas d'en-tête",
    "brest-page.csv": "en-tête inconnu (colonnes : , Numéro, Bureau, Canton",
    "brest-t1.csv": "aucune ligne pour la commune 92002 ; codes de commune du fichier : 29019",
    "municipales.csv": "élection à confirmer : --election municipales.csv=mun2026t1 ou --election municipales.csv=mun2026t2",
}


def test_without_usable_results_every_file_is_named_with_why(unusable, tmp_path):
    with pytest.raises(BuildError) as err:
        national.build(national.Selector("commune", "92002"), folder=unusable, out_dir=tmp_path / "out", **QUIET)
    said = str(err.value)
    for name, reason in EXPECTED_REASONS.items():
        assert f"- {name}" in said and reason in said, name
    assert "docs/national_build.md" in said


def test_without_usable_results_the_build_log_names_every_file(unusable, tmp_path):
    log: list[str] = []
    with pytest.raises(BuildError):
        national.build(national.Selector("commune", "92002"), folder=unusable, out_dir=tmp_path / "out",
                       log=log.append)
    assert {name for name in EXPECTED_REASONS if any(f"non utilisé : {name}" in line for line in log)} \
        == set(EXPECTED_REASONS)


def test_without_usable_results_the_command_line_names_every_file(unusable, tmp_path, capsys):
    assert build_cli(["--commune", "92002", "--from", str(unusable), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    print(err)  # the failing folder's output, quoted in the closing note
    assert all(name in err and reason in err for name, reason in EXPECTED_REASONS.items())


def test_every_recognised_file_is_said_with_its_evidence_in_the_notes(tmp_path):
    shutil.copy(HDS / "bv_contours_etalab_9213.geojson", tmp_path / "contours-france-entiere-latest-v2.geojson")
    shutil.copy(HDS / "legislatives2024_t1_9213.csv", tmp_path / "resultats (1).csv")
    meta = national.build(national.Selector("commune", "92002"), folder=tmp_path, out_dir=tmp_path / "out", **QUIET)
    assert any(n.startswith("Reconnu : resultats (1).csv → Législatives 2024, 1er tour (contenu : « Code BV » et")
               for n in meta["notes"])


def test_the_page_shows_what_each_file_is_and_builds_with_the_chosen_round(tmp_path, app_data_dir):
    folder = toulouse_folder(tmp_path / "toulouse")
    toulouse_ministry_csv(folder / "resultats-t2.csv", 2)
    at = open_page("pages/nouveau_territoire.py")
    at.text_input(key="w_new_code").input("31555").run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input(str(folder)).run()
    at.selectbox(key="w_new_bureau_col").select("uniq_bdv").run()
    choice = at.selectbox(key="w_new_election_resultats-t2.csv")
    assert choice.value == "" and choice.options[:3] == ["à préciser", "Municipales 2026, 1er tour",
                                                         "Municipales 2026, 2e tour"]
    choice.select("mun2026t2").run()
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    assert any("277 bureaux" in s.value or "276 bureaux" in s.value for s in at.success), [e.value for e in at.error]


def documented_headers() -> list[tuple[str, list[str], str, str]]:
    """(the paragraph before, the ids it names, fixed columns, block) of every ```text block of
    docs/national_build.md « Accepted results layouts »."""
    doc = (PROJECT / "docs" / "national_build.md").read_text(encoding="utf-8")
    section = doc.split("## Accepted results layouts", 1)[1].split("\n## ", 1)[0]
    parts = section.split("```text\n")
    out = []
    for before, block in itertools.pairwise(parts):
        fixed, repeated = block.split("\n```", 1)[0].split("\n")
        out.append((before, re.findall(r"`((?:leg|pres|mun|euro)\d{4}(?:t\d)?)`", before), fixed, repeated))
    return out


def test_every_results_source_has_its_header_documented():
    documented = {sid for _, ids, _, _ in documented_headers() for sid in ids}
    assert set(national.result_ids(load_sources())) - {"pres2022t1", "pres2022t2", "pres2017t1", "leg2022t1",
                                                       "leg2022t2"} <= documented
    assert "Législatives 2022, and présidentielle" in " ".join(before for before, *_ in documented_headers())


@pytest.mark.parametrize("blocks", [2, 6])
def test_every_documented_header_is_recognised_as_documented(tmp_path, blocks):
    for _, ids, fixed, repeated in documented_headers():
        sep = "\t" if "\t" in fixed else ";"
        numbered = [repeated.replace(" k", f" {k}") for k in range(1, blocks + 1)] if " k" in repeated else [repeated]
        path = tmp_path / "resultats.csv"
        path.write_text(sep.join([fixed, *numbered]) + "\n", encoding="utf-8")
        seen = examine(path)
        assert {seen.source, *seen.candidates} & set(ids) if ids else seen.source.startswith(("leg2022", "pres")), fixed


def test_without_usable_results_the_page_names_every_file(unusable, app_data_dir):
    at = open_page("pages/nouveau_territoire.py")
    at.text_input(key="w_new_code").input("92002").run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input(str(unusable)).run()
    at.button(key="w_new_build").click().run()
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert all(name in said and reason in said for name, reason in EXPECTED_REASONS.items()), said
