"""AppTest: the pages render on the shipped data, react to sliders and restore shared links."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from lib import fr
from lib.dataset import load_territory

from .helpers import (
    DATA_DIR,
    PROJECT,
    TIMEOUT,
    bureau_colours,
    map_payload,
    open_page,
    requires_dataset,
)

pytestmark = requires_dataset("paris")


def test_home_page_shows_the_territory_and_its_map():
    at = open_page("pages/accueil.py")
    assert any("Paris" in h.value for h in at.header)
    assert len(bureau_colours(at, "territoire")) == 903
    assert not at.get("deck_gl_json_chart")  # one map engine: never Streamlit's own deck.gl beside ours


def test_priority_map_renders_903_bureaux_without_error():
    at = open_page("pages/carte.py")
    assert len(bureau_colours(at)) == 903
    assert not at.error


def test_moving_a_slider_changes_the_map_colours():
    at = open_page("pages/carte.py")
    before = bureau_colours(at)
    at.slider(key="w_w_abstention").set_value(0).run()
    at.slider(key="w_w_registered").set_value(100).run()
    assert not at.exception
    assert bureau_colours(at) != before


def test_all_weights_at_zero_show_a_message_not_a_blank_map():
    at = open_page("pages/carte.py", {"p": "custom", "w": ""})
    assert any("Tous les poids sont à zéro" in w.value for w in at.warning)
    assert not at.exception


def test_query_parameters_restore_the_view():
    query = {"t": "paris", "e": "pres2017t1", "camp": "gauche", "p": "custom",
             "w": "our_share:70,station_distance:30", "k": "4", "cl": "equal_interval",
             "sel": "75056_0327"}
    at = open_page("pages/carte.py", query)
    assert at.selectbox(key="w_election").value == "pres2017t1"
    assert at.slider(key="w_w_our_share").value == 70
    assert at.slider(key="w_k").value == 4
    assert at.selectbox(key="w_sel").value == "75056_0327"
    assert at.query_params["w"] == "our_share:70,station_distance:30"


def test_choosing_a_bloc_ticks_its_candidates_and_enables_our_share():
    at = open_page("pages/carte.py", {"e": "pres2017t1"})
    assert not [s for s in at.slider if s.key == "w_w_our_share"]  # listed as unavailable, no slider
    at.multiselect(key="w_blocs").select("centre").run()
    ticked = [c.label for c in at.checkbox if c.value and c.key.startswith("w_ours_")]
    assert any("MACRON" in label for label in ticked)
    assert not at.slider(key="w_w_our_share").disabled


def test_weights_survive_a_page_change():
    at = open_page("pages/carte.py")
    at.slider(key="w_w_social_housing").set_value(55).run()
    at.switch_page("pages/accueil.py").run()
    at.switch_page("pages/carte.py").run()
    assert at.slider(key="w_w_social_housing").value == 55


def test_unknown_territory_in_a_link_falls_back_with_a_message():
    at = open_page("pages/carte.py", {"t": "atlantide"})
    assert not at.exception
    assert len(bureau_colours(at)) == 903


def test_briefing_page_shows_the_same_view_as_the_map():
    query = {"t": "paris", "p": "custom", "w": "social_housing:40,abstention:60", "k": "4"}
    at = open_page("pages/briefing.py", query)
    text = " ".join(m.value for m in at.markdown)
    assert "Priorité = 60 % abstention + 40 % logement social" in text
    assert "Les 10 premiers bureaux" in text
    colours = {tuple(c) for c in bureau_colours(at)}
    atypical = (244, 244, 244, 200)  # lib.priority.ATYPICAL_COLOUR: 75056_1599 is set aside
    assert atypical in colours
    assert len(colours - {atypical}) == 4  # k=4 classes (no missing values for these criteria)


def test_briefing_side_column_lists_the_ten_first_bureaux_numbered_in_rank_order():
    query = {"t": "paris", "p": "custom", "w": "social_housing:40,abstention:60", "k": "4"}
    at = open_page("pages/briefing.py", query)
    side = next(m.value for m in at.markdown if 'class="brief-side"' in m.value)
    rows = re.findall(r'<li class="brief-row" title="([^"]*)"><span class="brief-n">(\d+)</span>', side)
    assert [int(n) for _, n in rows] == list(range(1, 11))
    assert all(" — bureau " in label for label, _ in rows)
    assert "bureaux en priorité maximale" in side and "Chiffres clés" in side


def test_a_link_naming_our_side_by_its_bloc_gives_the_briefing_the_map_s_scenario():
    """``camp=gauche`` alone: the map's checkboxes tick the bloc's candidates; the briefing, which
    has none, must count the same ones (same formula, same colours) and name them."""
    query = {"t": "paris", "p": "mobilisation", "camp": "gauche"}
    on_map = open_page("pages/carte.py", query)
    view = on_map.session_state["view"]
    sentence = next(m.value for m in on_map.markdown if "Priorité =" in m.value).split("</b>")[0].removeprefix("<b>")
    at = open_page("pages/briefing.py", query)
    text = " ".join(m.value for m in at.markdown)
    assert view.ours and sentence in text
    assert f"notre camp : {', '.join(view.ours)}" in text
    election = load_territory(DATA_DIR, "paris").election(view.election)["label"]
    assert f"élection de référence : {fr.escape(election)}" in text
    assert bureau_colours(at) == bureau_colours(on_map, "priority")


def test_walk_list_page_cuts_turfs_on_paris():
    at = open_page("pages/listes.py")
    assert not at.error
    assert any(m.label == "Bureaux couverts" for m in at.metric)
    meta, arrays, _ = map_payload(at, "parcours")
    assert len(arrays["m.points.xy"]) > 0 and meta["view"]["frame"]


def test_walk_list_page_on_a_territory_without_addresses_says_so():
    at = open_page("pages/listes.py", {"t": "antony"})
    assert any("Adresses indisponibles" in i.value for i in at.info)


def test_import_page_renders():
    at = open_page("pages/resultats.py")
    assert any("Importer des résultats" in t.value for t in at.title)


def test_password_gate_blocks_until_the_right_password():
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["terrain"] = {"password": "s3cret"}
    at.run()
    assert any("accès réservé" in t.value for t in at.title)
    assert not at.get("bidi_component")
    at.text_input(key="w_password").input("wrong").run()
    assert any("incorrect" in e.value for e in at.error)
    at.text_input(key="w_password").input("s3cret").run()
    assert map_payload(at, "territoire")


def test_an_imported_election_becomes_a_reference_election():
    from lib.results_import import import_results

    at = open_page("pages/carte.py")
    content = "bureau;candidat;voix;inscrits;votants\n75056_0101;A;10;100;50\n75056_0101;B;30;100;50\n"
    imported = import_results(content.encode(), "x.csv", election_label="Partielle 2025",
                              known_bureaux={"75056_0101"}, max_bytes=10**6)
    at.session_state["imports"] = {"paris": [imported]}
    at.run()
    assert "Partielle 2025 (import)" in at.selectbox(key="w_election").options
    at.selectbox(key="w_election").select("import_partielle_2025").run()
    assert not at.exception


def test_new_territory_page_renders_and_refuses_a_bad_code():
    at = open_page("pages/nouveau_territoire.py")
    assert any("Nouveau territoire" in t.value for t in at.title)
    at.text_input(key="w_new_code").input("12").run()
    at.radio(key="w_new_origin").set_value("folder").run()
    at.text_input(key="w_new_folder").input("/tmp").run()
    at.button(key="w_new_build").click().run()
    assert not at.exception
    assert any("invalide" in e.value for e in at.error)


# Regression tests (issue 11) and end-to-end paths ----------------------------------------------

def imported(rows: str, label: str = "Partielle 2025"):
    from lib.results_import import import_results

    content = "bureau;candidat;voix;inscrits;votants\n" + rows
    return import_results(content.encode(), "x.csv", election_label=label,
                          known_bureaux={"75056_0101", "75056_0102"}, max_bytes=10**6)


def score_metric(at: AppTest) -> str:
    """The « Score » figure of the bureau panel (one HTML row of figures)."""
    import re

    body = next(e.proto.body for e in at.get("html") if "tl-figs" in e.proto.body)
    return re.search(r"<i>Score</i><b>(.*?)</b>", body).group(1)


def test_a_corrected_import_under_the_same_name_is_not_served_from_a_stale_cache():
    query = {"p": "custom", "w": "abstention:100", "sel": "75056_0101", "e": "import_partielle_2025"}
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    # 0101 abstains more than 0102 in the first file, less in the corrected one.
    at.session_state["imports"] = {"paris": [imported("75056_0101;A;40;100;50\n75056_0102;A;70;100;80\n")]}
    at.run()
    at.switch_page("pages/carte.py").run()
    assert score_metric(at) == "100 / 100"
    at.session_state["imports"] = {"paris": [imported("75056_0101;A;70;100;80\n75056_0102;A;40;100;50\n")]}
    at.run()
    assert score_metric(at) == "0 / 100"


def turf_durations(at: AppTest) -> list:
    table = next(d.value for d in at.dataframe if "Durée de la sortie (min, est.)" in d.value.columns)
    return table["Durée de la sortie (min, est.)"].tolist()


def doors_covered(at: AppTest) -> float:
    return float(next(m.value for m in at.metric if m.label == "Portes couvertes (est.)").replace("\u202f", ""))


def test_faster_door_rates_cover_more_doors_with_the_same_volunteers():
    at = open_page("pages/listes.py")
    before = doors_covered(at)
    at.number_input(key="w_cap_coll").set_value(60.0).run()
    at.number_input(key="w_cap_ind").set_value(40.0).run()
    assert doors_covered(at) > before
    assert max(turf_durations(at)) <= 120  # every turf still fits one outing of 2 h (config.toml)


def test_home_page_caption_keeps_its_own_punctuation():
    at = open_page("pages/accueil.py")
    caption = next(c.value for c in at.caption if "hors de tout bureau" in c.value)
    assert "(bois, cimetières, limites)" in caption


def test_candidate_labels_keep_their_dots():
    from lib.ui.controls import _candidate_label

    assert _candidate_label("J.-L. MÉLENCHON", "FI", 19.58) == "J.-L. MÉLENCHON · FI (19,6\u00a0%)"


def test_import_page_submit_adds_the_election_to_the_map():
    at = open_page("pages/resultats.py")
    at.text_input(key="w_import_label").input("Partielle 2025")
    at.file_uploader(key="w_import_file").set_value(
        ("partielle.csv", b"bureau;candidat;voix;inscrits;votants\n75056_0101;A;100;1100;500\n75056_0101;B;300;1100;500\n",
         "text/csv"))
    at.button[0].click().run()  # the form's submit button
    assert any("« Partielle 2025 » ajoutée : 1 bureau(x) reconnus" in s.value for s in at.success)
    at.switch_page("pages/carte.py").run()
    assert "Partielle 2025 (import)" in at.selectbox(key="w_election").options


def test_import_page_explains_a_file_without_results():
    at = open_page("pages/resultats.py")
    at.text_input(key="w_import_label").input("Essai")
    at.file_uploader(key="w_import_file").set_value(("x.csv", b"id;numero;nom_voie\n1;2;Rue\n", "text/csv"))
    at.button[0].click().run()
    assert not at.exception
    assert any("x.csv" in e.value for e in at.error)


def test_the_paris_phantom_bureau_is_set_aside_by_default_and_can_be_included():
    """75056_1599 (a 1 m² contour, 97.5 % abstention) topped the default ranking before the anomaly pass."""
    at = open_page("pages/carte.py", {"sel": "75056_1599"})
    assert score_metric(at) == "—"
    assert any("Bureau atypique, écarté" in w.value for w in at.warning)
    at.toggle(key="w_atypical").set_value(True).run()
    assert score_metric(at) != "—"
    assert at.query_params["aty"] == "1"


def test_home_page_lists_the_data_checks():
    at = open_page("pages/accueil.py")
    flagged = next(d.value for d in at.dataframe if "Contrôle" in d.value.columns)
    assert "75056_1599" in set(flagged["Bureau"])
    assert any("1 bureau(x) atypique(s)" in m.value for m in at.markdown)


def test_new_territory_asks_before_replacing_an_existing_one():
    existing = PROJECT / "data" / "commune-99999"
    existing.mkdir()
    try:
        (existing / "metadata.json").write_text("{}", encoding="utf-8")
        at = open_page("pages/nouveau_territoire.py")
        at.text_input(key="w_new_code").input("99999").run()
        assert any("existe déjà" in w.value for w in at.warning)
        assert at.button(key="w_new_build").disabled
        at.checkbox(key="w_new_replace").check().run()
        assert not at.button(key="w_new_build").disabled
    finally:
        (existing / "metadata.json").unlink()
        existing.rmdir()


def test_the_briefing_names_the_reference_election_even_when_the_link_names_none():
    at = open_page("pages/briefing.py")
    header = " ".join(m.value for m in at.markdown)
    assert "élection de référence : Municipales 2026, 1er tour" in header


def test_the_briefing_offers_the_way_back_to_the_map():
    at = open_page("pages/briefing.py")
    assert any(link.label == "← Retour à la carte" for link in at.get("page_link"))


def test_until_a_bureau_is_picked_the_panel_follows_the_current_first():
    at = open_page("pages/carte.py")
    first = at.selectbox(key="w_sel").value
    assert "sel" not in at.query_params  # nothing picked: the link names no bureau
    at.slider(key="w_w_abstention").set_value(0).run()
    at.slider(key="w_w_registered").set_value(100).run()
    assert at.selectbox(key="w_sel").value != first and "sel" not in at.query_params


def test_a_picked_bureau_stays_selected_and_shows_its_new_rank_after_a_weight_change():
    at = open_page("pages/carte.py")
    at.selectbox(key="w_sel").set_value(at.selectbox(key="w_sel").options[3]).run()
    picked = at.selectbox(key="w_sel").value
    ranks = [h.proto.body for h in at.get("html") if "tl-figs" in h.proto.body]
    at.slider(key="w_w_abstention").set_value(0).run()
    at.slider(key="w_w_registered").set_value(100).run()
    assert at.selectbox(key="w_sel").value == picked and at.query_params["sel"] == picked
    assert [h.proto.body for h in at.get("html") if "tl-figs" in h.proto.body] != ranks


def test_tables_write_numbers_and_dates_the_french_way():
    import pandas as pd

    from lib.ui.panels import french_columns

    frame = pd.DataFrame({"Score": [69.75], "Rang": [1], "Libellé": ["Paris 20e"], "Écarté": [True],
                          "Créé": pd.to_datetime(["2026-12-03 10:00"])})
    config = french_columns(frame)
    assert {c: v["type_config"].get("format") for c, v in config.items()} == \
        {"Score": "localized", "Rang": "localized", "Créé": "DD/MM/YYYY HH:mm"}


def test_the_ranking_table_is_written_the_french_way():
    at = open_page("pages/carte.py")
    at.button_group(key="w_panel").set_value("Classement").run()
    spec = at.dataframe[0].proto.columns
    assert '"Score"' in spec and "localized" in spec


ANTONY_LEFT = {"t": "antony", "p": "mobilisation", "camp": "gauche"}  # leg2024t2: GAILLARD Brice (UG)


def test_the_bureau_panel_shows_its_potential_category_and_movement():
    at = open_page("pages/carte.py", {**ANTONY_LEFT, "sel": "92002_0002"})
    figures = next(h.proto.body for h in at.get("html") if "tl-figs" in h.proto.body)
    assert "<i>Potentiel</i><b>disputé ↑</b>" in figures  # hand-checked in tests/test_potential.py


def test_the_map_can_be_coloured_by_potential_category():
    at = open_page("pages/carte.py", ANTONY_LEFT)
    at.toggle(key="w_potential").set_value(True).run()
    meta, arrays, _ = map_payload(at, "potentiel")
    assert any("depuis Législatives 2022, 2e tour" in t for t in meta["view"]["texts"])
    assert len(arrays["m.focus"]) == 18  # 7 bureaux up, 11 down since 2022


def test_the_briefing_top_ten_names_each_bureau_potential_category():
    at = open_page("pages/briefing.py", ANTONY_LEFT)
    side = next(m.value for m in at.markdown if 'class="brief-side"' in m.value)
    shown = re.findall(r'<span class="brief-lab">([^<]*)</span>', side)
    assert len(shown) == 10 and all(re.search(r"\((?:bastion|favorable|disputé|difficile)(?: [↑↓])?\)$", s)
                                    for s in shown)


def test_the_bureau_panel_names_the_quartier_prioritaire_of_a_bureau_in_one():
    at = open_page("pages/carte.py", {"t": "paris", "sel": "75056_1957"})
    panel = next(h.proto.body for h in at.get("html") if "tl-figs" in h.proto.body)
    assert "Quartier prioritaire : Stalingrad Riquet (QN07513M)" in panel


def test_the_qpv_outlines_are_drawn_on_the_map_when_asked_and_on_the_briefing():
    at = open_page("pages/carte.py")
    _, arrays, _ = map_payload(at, "priority")
    assert "m.paths.xy" not in arrays  # off by default: a slider move never carries them
    at.toggle(key="w_qpv").set_value(True).run()
    _, arrays, _ = map_payload(at, "priority")
    assert len(arrays["m.paths.start"]) >= 21  # one ring per QPV at least (21 in Paris)
    briefing = open_page("pages/briefing.py")
    assert "m.paths.xy" in map_payload(briefing, "priority")[1]


def test_accueil_shows_a_datasets_texts_as_text(app_data_dir):
    """A reference-map title, a build note and a source address come from the user's build (page
    fields, file names): written as Markdown they must not become an image request or a link."""
    import json
    import shutil

    shutil.copytree(PROJECT / "data" / "antony", app_data_dir / "hostile")
    meta_path = app_data_dir / "hostile" / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(territory_id="hostile", reference_map="![](https://track.example/p.png)",
                notes=["[Relevé](https://phish.example/)"])
    meta["sources"][0]["url"] = "javascript:alert(1)"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    at = open_page(query={"t": "hostile"})
    shown = " ".join(e.value for e in [*at.caption, *at.markdown])
    assert "![](" not in shown and "](https://phish" not in shown and "](javascript" not in shown
    assert r"\!\[\]\(https\:" in shown  # the title is there, as text
