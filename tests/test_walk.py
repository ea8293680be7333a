"""Walk lists: turfs cover every address once, balanced, compact, routed."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from lib import capacity, holdout, opposition, walk, walk_exports
from lib.dataset import load_territory
from lib.doors import DOOR_STATUSES, STATUS_COLUMN, TURF_TOTALS
from lib.errors import TerrainError

from .helpers import DATA_DIR, requires_dataset

PROVENANCE = {"Territoire": "Test", "Date": "2026-11-22", "Pondération": "Priorité = 100 % abstention"}


@pytest.fixture
def streets() -> pd.DataFrame:
    """Two bureaux; three parallel streets each, 40 numbers per street (odd and even sides),
    10 m between numbers, streets 60 m apart (lon/lat near Paris)."""
    rows = []
    for b, (lon0, bureau) in enumerate(((2.3500, "75056_0101"), (2.3600, "75056_0102"))):
        for s in range(3):
            for n in range(1, 41):
                lon = lon0 + (n // 2) * 10 / 73_000
                lat = 48.85 + s * 60 / 111_000 + (0.00008 if n % 2 else 0)
                rows.append({"address_id": f"{bureau}_{s}_{n}", "bureau_id": bureau, "number": str(n),
                             "street": f"Rue {chr(65 + s)}{b}", "postcode": "75001", "commune_code": "75101",
                             "label": f"{n} Rue {chr(65 + s)}{b}, 75001 Paris", "lon": lon, "lat": lat})
    return pd.DataFrame(rows)


@pytest.fixture
def bureaux() -> pd.DataFrame:
    return pd.DataFrame({"bureau_id": ["75056_0101", "75056_0102"], "registered": [960.0, 960.0]})


@pytest.fixture
def turfs(streets, bureaux) -> pd.DataFrame:
    est = walk.estimate_voters(streets, bureaux, registered_per_door=1.0)
    return walk.cut_turfs(est, target=160)


def test_every_address_is_in_exactly_one_turf(streets, turfs):
    assert sorted(turfs["address_id"]) == sorted(streets["address_id"])
    assert turfs["turf_id"].notna().all()


def test_turf_sizes_stay_within_25_percent_of_the_target(turfs):
    sizes = turfs.groupby("turf_id")["est_doors"].sum()
    assert ((sizes - 160).abs() <= 0.25 * 160).all(), sizes.to_dict()


def test_turfs_never_span_bureaux(turfs):
    assert (turfs.groupby("turf_id")["bureau_id"].nunique() == 1).all()


def test_stops_are_numbered_from_one_in_each_turf(turfs):
    for _, t in turfs.groupby("turf_id"):
        assert sorted(t["stop"]) == list(range(1, len(t) + 1))


def test_routes_are_much_shorter_than_a_shuffled_order(turfs):
    for _, t in turfs.groupby("turf_id"):
        shuffled = t.sample(frac=1, random_state=1).assign(stop=np.arange(1, len(t) + 1))
        assert walk.route_length_m(t) <= 0.5 * walk.route_length_m(shuffled)


def test_each_stretch_of_a_street_side_is_walked_in_number_order(turfs):
    t = turfs.sort_values(["turf_id", "stop"])
    side = t["turf_id"] + t["street"] + (t["number"].astype(int) % 2).astype(str)
    for _, run in t.groupby((side != side.shift()).cumsum()):
        numbers = run["number"].astype(int).tolist()
        assert numbers in (sorted(numbers), sorted(numbers, reverse=True))
    # and a side is not cut into many pieces: on average a stretch covers several numbers
    assert len(t) / (side != side.shift()).sum() >= 4


def test_estimates_spread_registered_voters_over_addresses(streets, bureaux):
    est = walk.estimate_voters(streets, bureaux, registered_per_door=1.6)
    assert est["est_voters"].iloc[0] == pytest.approx(960 / 120)
    assert est["est_doors"].iloc[0] == pytest.approx(5.0)
    assert set(est["housing"]) == {"collectif"}


def test_choose_bureaux_modes():
    table = pd.DataFrame({"score": [90.0, 50.0, np.nan, 70.0], "rank": pd.array([1, 3, pd.NA, 2], dtype="Int64"),
                          "class_id": pd.array([2, 0, pd.NA, 1], dtype="Int64")}, index=["a", "b", "c", "d"])
    assert walk.choose_bureaux(table, mode="top_n", n=2) == ["a", "d"]
    assert walk.choose_bureaux(table, mode="top_classes", classes=[1, 2]) == ["a", "d"]
    assert walk.choose_bureaux(table, mode="manual", ids=["b", "a"]) == ["a", "b"]


def test_empty_target_is_refused(streets):
    with pytest.raises(TerrainError, match="positive"):
        walk.cut_turfs(streets.assign(est_doors=1.0), target=0)


# ------------------------------------------------------------------------------ capacity

def test_teams_and_team_outings_are_hand_computed():
    crew = capacity.Crew(volunteers=13, outings_per_volunteer=2, hours_per_outing=3.0, team_size=2)
    assert (crew.teams, crew.team_outings, crew.outing_minutes, crew.volunteer_hours) == (6, 12, 180.0, 78.0)
    assert "1 bénévole sans binôme n'est pas compté" in capacity.crew_text(crew)


def test_bureau_workload_is_hand_computed():
    work = pd.DataFrame({"bureau_id": ["a", "a", "b"], "est_doors": [50.0, 50.0, 24.0],
                         "est_voters": [80.0, 80.0, 40.0], "housing": ["collectif", "collectif", "individuel"]})
    load = capacity.bureau_workload(work, doors_per_hour_collective=25, doors_per_hour_individual=12)
    assert load.loc["a", "heures"] == pytest.approx(4.0) and load.loc["b", "heures"] == pytest.approx(2.0)


def cut_of(turfs_per_bureau: dict[str, int], minutes: float = 150.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A cut as plan_turfs returns it: ``n`` turfs of ``minutes`` per bureau, numbered T01… in dict order."""
    bureaux = [b for b, n in turfs_per_bureau.items() for _ in range(n)]
    ids = [f"T{i + 1:02d}" for i in range(len(bureaux))]
    turfs = pd.DataFrame({"turf_id": ids, "bureau_id": bureaux, "stop": 1})
    summary = pd.DataFrame({"turf_id": ids, "bureaux": bureaux, "portes_estimees": 100, "inscrits_estimes": 160,
                            "minutes_estimees": minutes})
    return turfs, summary


def test_turfs_are_taken_in_bureau_priority_order_until_the_team_outings_run_out():
    turfs, summary = cut_of({"a": 2, "b": 3})
    crew = capacity.Crew(4, 1, 3.0, 2)  # 2 binômes × 1 outing
    cov = capacity.fill_outings(turfs, summary, ["b", "a"], crew)
    assert cov.plan == ["T03", "T04"] and cov.reserve == ["T05", "T01", "T02"]
    assert cov.bureaux["statut"].tolist() == ["en partie", "hors capacité"]
    assert capacity.coverage_text(cov) == "Le 1er bureau en partie (2 parcours sur 3) ; 1 bureau hors capacité."
    assert capacity.shortfall_text(cov) == ("Pour tout couvrir, il faudrait 3 sorties de binôme de plus : "
                                            "6 bénévoles de plus (1 sortie chacun) ou 2 sorties de plus pour chacun.")


def test_partial_coverage_is_said_plainly():
    turfs, summary = cut_of({f"b{i}": 5 if i == 8 else 1 for i in range(1, 11)})
    cov = capacity.fill_outings(turfs, summary, [f"b{i}" for i in range(1, 11)], capacity.Crew(20, 1, 3.0, 2))
    assert capacity.coverage_text(cov) == ("7 bureaux couverts en entier, le 8e en partie (3 parcours sur 5) ; "
                                           "2 bureaux hors capacité.")
    assert cov.outings_missing == 4 and cov.doors == 1000 and cov.volunteer_hours == 60.0
    assert capacity.shortfall_text(cov).startswith("Pour tout couvrir, il faudrait 4 sorties de binôme de plus")


def test_spare_team_outings_are_said_when_everything_is_covered():
    turfs, summary = cut_of({"a": 2})
    cov = capacity.fill_outings(turfs, summary, ["a"], capacity.Crew(6, 1, 3.0, 2))
    assert capacity.coverage_text(cov) == "1 bureau couvert en entier."
    assert capacity.shortfall_text(cov) == ("Tous les parcours sont dans le plan. Il reste 1 sortie de binôme "
                                            "sans parcours : ajoutez des bureaux.")


def test_an_address_longer_than_an_outing_takes_several_team_outings():
    turfs, summary = cut_of({"a": 1, "b": 1}, minutes=200.0)
    cov = capacity.fill_outings(turfs, summary, ["a", "b"], capacity.Crew(6, 1, 3.0, 2))
    assert cov.turfs["sorties"].tolist() == [2, 2] and cov.plan == ["T01"]
    assert "T01, T02" in capacity.long_turfs_text(cov)


@pytest.mark.parametrize(("volunteers", "outings"), [(0, 2), (1, 3), (8, 0)])
def test_no_team_outing_gives_a_french_message_and_no_turf(volunteers, outings):
    turfs, summary = cut_of({"a": 2})
    crew = capacity.Crew(volunteers, outings, 3.0, 2)
    assert "il faut au moins 2 bénévoles et une sortie" in capacity.crew_problem(crew)
    cov = capacity.fill_outings(turfs, summary, ["a"], crew)
    assert cov.plan == [] and capacity.coverage_text(cov) == "Aucun bureau couvert ; 1 bureau hors capacité."


def test_a_negative_crew_is_refused_in_french():
    with pytest.raises(TerrainError, match="positifs"):
        capacity.Crew(-1, 1, 3.0, 2)


# Turfs cut to fit one outing ----------------------------------------------------------------------

def test_every_turf_fits_the_outing_and_keeps_street_sides_in_number_order(streets, bureaux):
    plan = walk.TurfPlan(outing_minutes=180, registered_per_door=1.0, doors_per_hour_collective=25.0,
                         doors_per_hour_individual=12.0)
    turfs, summary = walk.plan_turfs(streets, bureaux, ["75056_0102", "75056_0101"], plan)
    assert sorted(turfs["address_id"]) == sorted(streets["address_id"])
    assert (summary["minutes_estimees"] <= 180).all() and summary["minutes_estimees"].mean() >= 0.7 * 180
    firsts = turfs.groupby("turf_id")["bureau_id"].first()
    assert firsts.iloc[0] == "75056_0102" and firsts.is_monotonic_decreasing  # the first bureau given first
    test_each_stretch_of_a_street_side_is_walked_in_number_order(turfs)


def test_the_turf_time_is_the_knocking_and_the_walk(turfs):
    times = walk.turf_minutes(turfs, doors_per_hour_collective=25.0, doors_per_hour_individual=12.0, team_size=2)
    t01 = turfs[turfs["turf_id"] == "T01"]
    assert times.loc["T01", "metres"] == pytest.approx(walk.route_length_m(t01))
    knock = 60 * t01["est_doors"].sum() / 25.0 / 2  # all « collectif » here, two volunteers in parallel
    assert times.loc["T01", "minutes"] == pytest.approx(knock + walk.route_length_m(t01) / 70.0)


@st.composite
def territories(draw) -> tuple[pd.DataFrame, list[str]]:
    """1–3 bureaux of a few streets with random numbers, spacing and doors per address."""
    rows, order = [], []
    for b in range(draw(st.integers(1, 3))):
        bureau = f"99001_{b + 1:04d}"
        order.append(bureau)
        for s in range(draw(st.integers(1, 3))):
            numbers = draw(st.lists(st.integers(1, 120), min_size=1, max_size=25, unique=True))
            gap = draw(st.floats(3.0, 80.0))
            for n in numbers:
                rows.append({"address_id": f"{bureau}_{s}_{n}", "bureau_id": bureau, "number": str(n),
                             "street": f"Rue {s}", "label": f"{n} Rue {s}", "est_voters": 1.0,
                             "est_doors": draw(st.sampled_from([1.0, 2.5, 6.0, 20.0])),
                             "lon": 2.30 + b * 0.02 + n * gap / 73_000, "lat": 48.85 + s * 0.001 + (n % 2) * 1e-4})
    frame = pd.DataFrame(rows)
    frame["housing"] = np.where(frame["est_doors"] >= 3, "collectif", "individuel")
    return frame, draw(st.permutations(order))


@settings(max_examples=30, deadline=None)
@given(territories(), st.sampled_from([30.0, 60.0, 90.0, 180.0]), st.integers(0, 12), st.integers(0, 3))
def test_no_plan_exceeds_its_team_outings_and_every_turf_fits_one_outing(territory, outing, volunteers, outings):
    addresses, order = territory
    plan = walk.TurfPlan(outing, 1.0, 25.0, 12.0, team_size=2)
    turfs = walk.fit_turfs(addresses, plan, order)
    summary = walk.turf_summary(turfs, **plan.pace)
    assert sorted(turfs["address_id"]) == sorted(addresses["address_id"])
    assert (turfs.groupby("turf_id")["bureau_id"].nunique() == 1).all()
    times = walk.turf_minutes(turfs, **plan.pace)
    alone = turfs.groupby("turf_id").size() == 1  # an address longer than an outing is never split
    assert ((times["minutes"] <= outing + 1e-6) | (alone & (times["knock"] > outing))).all()
    crew = capacity.Crew(volunteers, outings, outing / 60, 2)
    cov = capacity.fill_outings(turfs, summary, order, crew)
    assert len(cov.plan) <= cov.outings_used <= crew.team_outings
    assert cov.plan == summary["turf_id"].tolist()[:len(cov.plan)]  # the first turfs, bureaux in priority order
    assert turfs.groupby("turf_id")["bureau_id"].first().map(order.index).is_monotonic_increasing
    more = capacity.fill_outings(turfs, summary, order, capacity.Crew(volunteers + 2, outings, outing / 60, 2))
    assert more.plan[:len(cov.plan)] == cov.plan  # more volunteers add turfs, never reshuffle the first


@requires_dataset("paris")
def test_twelve_volunteers_for_one_three_hour_outing_walk_six_turfs_of_the_top_bureaux():
    data = load_territory(DATA_DIR, "paris")
    bureaux = data.bureaux.reset_index(drop=True)
    order = bureaux.sort_values("registered", ascending=False)["bureau_id"].head(10).tolist()  # any priority
    crew = capacity.Crew(volunteers=12, outings_per_volunteer=1, hours_per_outing=3.0, team_size=2)
    plan = walk.TurfPlan(crew.outing_minutes, 1.6, 25.0, 12.0, team_size=crew.team_size)
    turfs, summary = walk.plan_turfs(data.addresses, bureaux, order, plan)
    cov = capacity.fill_outings(turfs, summary, order, crew)
    kept, kept_summary = cov.keep(turfs, summary)
    assert len(cov.plan) == 6 and kept["turf_id"].nunique() == 6 and kept_summary["turf_id"].tolist() == cov.plan
    assert (summary["minutes_estimees"] <= 180).all()
    assert set(kept["bureau_id"]) == {order[0]}  # the top bureau needs more than 6 outings of 3 h
    assert cov.bureaux.loc[order[0], "statut"] == "en partie" and cov.count("hors capacité") == 9
    assert kept_summary["portes_estimees"].sum() == cov.doors


# ------------------------------------------------------------------------------ holdout

def test_holdout_keeps_one_control_per_full_stratum_and_none_in_the_partial_one():
    ids = [f"b{i:02d}" for i in range(23)]
    design = holdout.holdout(ids, seed=7)
    controls = design[design["groupe"] == "témoin"]
    assert len(controls) == 4
    assert (controls.groupby("strate").size() == 1).all()
    assert 5 not in set(controls["strate"])


def test_holdout_is_reproducible_with_a_seed_and_varies_with_another():
    ids = [f"b{i:02d}" for i in range(50)]
    a = holdout.holdout(ids, seed=1)
    assert a.equals(holdout.holdout(ids, seed=1))
    assert not a.equals(holdout.holdout(ids, seed=2))


# ------------------------------------------------------------------------------ opposition

@pytest.mark.parametrize(("typed", "stored"), [
    ("12 bis, Bd de l'Hôpital", "12bis Boulevard de l'Hôpital"),
    ("12B BOULEVARD DE L HOPITAL", "12bis Boulevard de l'Hôpital"),
    ("3 av. Foch", "3 Avenue Foch"),
    ("7 r St-Maur", "7 Rue Saint-Maur"),
])
def test_address_normalisation_handles_case_accents_and_abbreviations(typed, stored):
    number, _, street = stored.partition(" ")
    assert opposition.normalise_address(typed) == opposition.normalise_address(f"{number} {street}")


def test_opposition_csv_in_latin1_matches_and_reports_unmatched(streets):
    content = "adresse;code_postal\n3 rue a0;75001\n999 Rue Inconnue;75001\n".encode("cp1252")
    listed = opposition.read_opposition_csv(content, "opposition.csv")
    match = opposition.match_opposition(streets, listed)
    assert match.opposed_ids == {"75056_0101_0_3"}
    assert match.unmatched["texte"].tolist() == ["999 Rue Inconnue"]


def test_opposition_with_split_columns_and_commas(streets):
    content = b"numero,voie\n5,RUE A0\n"
    match = opposition.match_opposition(streets, opposition.read_opposition_csv(content, "o.csv"))
    assert match.opposed_ids == {"75056_0101_0_5"}


def test_opposed_addresses_are_excluded_from_turfs(streets, bureaux):
    kept = walk.addresses_for(streets, bureaux, ["75056_0101"], registered_per_door=1.0,
                              opposed=frozenset({"75056_0101_0_3"}))
    turfs = walk.cut_turfs(kept, target=160)
    assert "75056_0101_0_3" not in set(turfs["address_id"])
    assert len(turfs) == 119


def test_unusable_opposition_file_gets_a_french_message():
    with pytest.raises(TerrainError, match="colonnes introuvables"):
        opposition.read_opposition_csv(b"nom;prenom\nDupont;Ana\n", "o.csv")


# ------------------------------------------------------------------------------ exports

@pytest.fixture
def summary(turfs) -> pd.DataFrame:
    return walk.turf_summary(turfs)


def test_pdf_has_one_page_per_turf_and_parses_back(turfs, summary):
    pdf = walk_exports.field_packet_pdf(turfs, summary, title="Campagne test", provenance=PROVENANCE)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == turfs["turf_id"].nunique()
    text = reader.pages[0].extract_text()
    assert "T01" in text and "Rue" in text
    assert "abstention" in reader.metadata.subject


def test_the_packet_ticks_the_door_statuses_of_the_phone_and_never_an_opinion_per_address(turfs, summary):
    pdf = walk_exports.field_packet_pdf(turfs, summary, title="Campagne test", provenance=PROVENANCE)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    header = text.split("Portes", 1)[1].split("\n", 1)[0]
    assert header.split() == " ".join(DOOR_STATUSES.values()).split()
    assert "Intéressé" not in text  # no « interested » box per address
    assert all(label in text for label in TURF_TOTALS.values())  # opinions only as turf totals


def test_the_spreadsheet_lists_have_a_status_column_to_fill_with_the_door_statuses(turfs, summary):
    header = walk_exports.turfs_csv(turfs).decode("utf-8-sig").splitlines()[0].split(";")
    assert header[-1] == STATUS_COLUMN
    wb = load_workbook(io.BytesIO(walk_exports.turfs_xlsx(turfs, summary, PROVENANCE)))
    sheet = wb[wb.sheetnames[1]]
    assert sheet.cell(1, sheet.max_column).value == STATUS_COLUMN
    (choices,) = sheet.data_validations.dataValidation
    assert choices.formula1 == '"' + ",".join(DOOR_STATUSES.values()) + '"'


def test_gpx_is_valid_with_one_route_per_turf(turfs):
    root = ET.fromstring(walk_exports.turfs_gpx(turfs, PROVENANCE))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    routes = root.findall("g:rte", ns)
    assert len(routes) == turfs["turf_id"].nunique()
    assert sum(len(r.findall("g:rtept", ns)) for r in routes) == len(turfs)
    assert "abstention" in root.find("g:metadata/g:desc", ns).text


def test_geojson_and_xlsx_read_back(turfs, summary):
    doc = json.loads(walk_exports.turfs_geojson(turfs, PROVENANCE))
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == len(turfs) and doc["terrain"]["Territoire"] == "Test"
    wb = load_workbook(io.BytesIO(walk_exports.turfs_xlsx(turfs, summary, PROVENANCE)))
    assert wb.sheetnames[0] == "Résumé" and wb.sheetnames[-1] == "À propos"
    assert len(wb.sheetnames) == turfs["turf_id"].nunique() + 2


def test_csv_opens_as_columns_in_french_excel(turfs):
    text = walk_exports.turfs_csv(turfs).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Équipe;Ordre;Adresse")


# Effort for a set of bureaux (briefing figures) --------------------------------------------------

def test_effort_with_addresses_uses_each_address_housing(streets):
    """Houses are knocked slower than flats: the hours lie between the all-flats and all-houses figures."""
    mixed = pd.DataFrame({"bureau_id": ["75056_0101", "75056_0102"], "registered": [960.0, 240.0]})
    effort = capacity.targeted_effort(["75056_0101", "75056_0102"], mixed, streets, registered_per_door=2.0,
                                      doors_per_hour_collective=25.0, doors_per_hour_individual=12.0)
    assert effort.exact_mix
    assert effort.doors / 25.0 < effort.hours_low < effort.doors / 12.0


def test_effort_without_addresses_is_a_range_not_the_flat_rate(bureaux):
    effort = capacity.targeted_effort(["75056_0101"], bureaux, None, registered_per_door=1.6,
                                      doors_per_hour_collective=25.0, doors_per_hour_individual=12.0)
    assert effort.doors == pytest.approx(600.0)
    assert (effort.hours_low, effort.hours_high) == (pytest.approx(24.0), pytest.approx(50.0))
    assert not effort.exact_mix


def test_lists_and_packets_name_bureaux_and_keep_their_code_apart(turfs, summary):
    labels = {b: f"Ville — bureau {b[-4:]}" for b in turfs["bureau_id"].astype(str).unique()}
    named_turfs, named_summary = walk_exports.with_bureau_names(turfs, summary, labels)
    table = pd.read_csv(io.BytesIO(walk_exports.turfs_csv(named_turfs)), sep=";", encoding="utf-8-sig", dtype=str)
    assert table["Bureau"].str.startswith("Ville — bureau").all() and "Code bureau" in table
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        walk_exports.field_packet_pdf(named_turfs, named_summary, title="T", provenance=PROVENANCE))).pages)
    assert "Ville — bureau" in text and not any(b in text.split("Bureau(x) :")[1][:60] for b in labels)


def test_the_workbook_summary_speaks_french(turfs, summary):
    wb = load_workbook(io.BytesIO(walk_exports.turfs_xlsx(turfs, summary, PROVENANCE)))
    headers = [c.value for c in wb["Résumé"][1]]
    assert headers[:4] == ["Équipe", "Bureaux", "Adresses", "Portes (est.)"]
    assert not {"turf_id", "portes_estimees", "minutes_estimees"} & set(headers)


def test_a_holdout_reads_in_french_for_the_page_and_its_csv():
    design = holdout.holdout([f"75056_{i:04d}" for i in range(1, 7)], seed=holdout.DEFAULT_SEED)
    shown = holdout.shown(design, {"75056_0001": "Paris 1er — bureau 0001"})
    assert list(shown.columns) == ["Bureau", "Code bureau", "Strate", "Groupe"]
    assert shown["Bureau"].iloc[0] == "Paris 1er — bureau 0001"
    assert set(shown["Groupe"]) == {"à visiter", "témoin (non visité)"}
