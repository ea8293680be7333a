"""Formula injection: a name starting like a formula reaches no spreadsheet as a live formula.

Every CSV/XLSX export of the registry (lib.exports) is built from inputs carrying a hostile
candidate, bureau label and provenance value, then read back cell by cell.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from lib import exports, fr, geo, mapexport, walk

from .helpers import requires_dataset

HOSTILE = ['=HYPERLINK("http://evil.example","clic")', "+33 6 00 00 00 00", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]


@pytest.fixture
def inputs(grid_bureaux):
    labels = (HOSTILE * 2)[:6]
    bureaux = grid_bureaux.assign(label=labels)
    table = pd.DataFrame({"score": [90.0, 70.0, 50.0, 40.0, 20.0, 10.0],
                          "rank": pd.array([1, 2, 3, 4, 5, 6], dtype="Int64"),
                          "class_id": pd.array([2, 2, 1, 1, 0, 0], dtype="Int64"),
                          "colour": ["#f03b20"] * 2 + ["#feb24c"] * 2 + ["#ffeda0"] * 2},
                         index=bureaux["bureau_id"])
    scored = mapexport.scored_frame(bureaux, table, pd.DataFrame(index=bureaux["bureau_id"]))
    ranking = pd.DataFrame({"Rang": [1, 2], "Bureau": ["99001_0001", "99001_0002"], "Libellé": HOSTILE[:2],
                            "Score": [90.0, 70.0], "Pèsent le plus": [HOSTILE[2], HOSTILE[3]]})
    addresses = pd.DataFrame({"address_id": ["a1", "a2"], "bureau_id": ["99001_0001"] * 2,
                              "number": ["1", "3"], "street": [HOSTILE[0], HOSTILE[0]], "postcode": ["99000"] * 2,
                              "commune_code": ["99001"] * 2, "label": HOSTILE[:2],
                              "lon": [2.35, 2.3501], "lat": [48.85, 48.8501]})
    turfs, summary = walk.plan_turfs(addresses, pd.DataFrame({"bureau_id": ["99001_0001"], "registered": [10.0]}),
                                     ["99001_0001"], walk.TurfPlan(100, 1.6, 25.0, 12.0))
    legend = pd.DataFrame({"classe": [1, 2, 3], "couleur": ["#ffeda0", "#feb24c", "#f03b20"],
                           "min": [0, 30, 60], "max": [30, 60, 90], "bureaux": [2, 2, 2],
                           "libelle": ["1", "2", "3"]})
    outlines = geo.dissolve_outlines(grid_bureaux, by="commune_code",
                                     names=pd.Series({"99001": HOSTILE[0], "99002": "Deux"}), kind="commune")
    provenance = fr.provenance(territory=HOSTILE[0], date="2026-11-25", sentence=HOSTILE[2],
                               sources=HOSTILE[3], details={"Notre camp": HOSTILE[1]})
    return {"ranking": ranking, "scored": scored, "outlines": outlines, "legend": legend,
            "provenance": provenance, "title": HOSTILE[0], "stations": None, "turfs": turfs,
            "summary": summary, "territory": "t"}


def _cells_csv(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    return [cell for row in rows for cell in row]


def _live_formulas(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


SPREADSHEETS = [k for k, e in exports.EXPORTS.items() if e.mime in ("text/csv", exports.XLSX)]


def test_every_spreadsheet_export_is_checked():
    assert {"ranking_csv", "ranking_xlsx", "walk_csv", "walk_xlsx"} <= set(SPREADSHEETS)


@pytest.mark.parametrize("export_id", SPREADSHEETS)
def test_no_spreadsheet_cell_is_a_live_formula(export_id, inputs):
    export = exports.EXPORTS[export_id]
    data = export.build(**inputs)
    if export.mime == "text/csv":
        risky = [c for c in _cells_csv(data) if c.startswith(fr.FORMULA_START)]
        assert risky == []
        assert any(c.startswith("'=HYPERLINK") for c in _cells_csv(data))  # text kept, readable
    else:
        assert _live_formulas(data) == []
        wb = load_workbook(io.BytesIO(data))
        texts = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
        assert any("HYPERLINK" in t for t in texts)  # text kept, readable


def test_holdout_and_import_csvs_go_through_the_same_writer():
    frame = pd.DataFrame({"bureau_id": ["99001_0001"], "candidate": [HOSTILE[0]], "votes": [np.float64(3.5)]})
    cells = _cells_csv(fr.csv_bytes(frame))
    assert "'" + HOSTILE[0] in cells and "3,5" in cells


# Imported results never reach an export ---------------------------------------------------------

def _imported(bureau_ids: list[str]) -> pd.DataFrame:
    """A campaign's own results file, two lists per bureau, with values found nowhere else."""
    rows = []
    for k, bid in enumerate(bureau_ids):
        registered, voters = 1000.0 + k, 417.0 + (37 * k) % 311
        ours = 61.0 + (13 * k) % 97
        for name, nuance, votes in (("DUPONT Ana", "UG", ours), ("MARTIN Léo", "RN", voters - ours)):
            rows.append({"bureau_id": bid, "election": "import_partielle", "registered": registered,
                         "voters": voters, "expressed": voters, "blank": 0.0, "null": 0.0, "candidate": name,
                         "nuance": nuance, "votes": votes, "share": 100 * votes / voters, "value_kind": "votes",
                         "carried": False})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def with_import():
    """Paris ranked with an imported reference election (our share and abstention weighted)."""
    from dataclasses import replace

    from lib import criteria, priority
    from lib.config import load_settings
    from lib.dataset import load_territory
    from lib.results_import import ImportedElection
    from lib.scoring import normalise_criteria
    from lib.viewstate import default_view

    from .helpers import DATA_DIR

    conf = load_settings()
    data = load_territory(DATA_DIR, "paris")
    results = _imported(data.bureaux["bureau_id"].tolist())
    election = ImportedElection("import_partielle", "Partielle", results, data.bureaux.shape[0])
    territory = replace(data, results=pd.concat([data.results, results], ignore_index=True),
                        metadata={**data.metadata, "elections": [*data.metadata["elections"], election.descriptor()]})
    view = replace(default_view(conf, "paris"), preset="custom", election="import_partielle", ours=("DUPONT Ana",),
                   weights={"our_share": 50, "abstention": 30, "social_housing": 20})
    frame = criteria.build_criteria(territory, criteria.Choices("import_partielle", ("DUPONT Ana",)), conf.criteria)
    result = priority.compute(normalise_criteria(frame.values), view, conf, frame.unavailable)
    secrets = {"our_share": criteria.our_share(results, "import_partielle", ["DUPONT Ana"]),
               "abstention": criteria.abstention(results, "import_partielle")}
    return {"conf": conf, "data": territory, "result": result, "values": frame.values, "secrets": secrets}


def _as_written(value: float) -> str:
    """A value as the CSV writes it (rounded to 2 decimals, decimal comma)."""
    return str(round(float(value), 2)).replace(".", ",")


@requires_dataset("paris")
def test_the_ranking_csv_of_an_imported_reference_election_holds_none_of_its_values(with_import):
    from lib import priority

    w = with_import
    ranking = priority.ranking(w["result"], w["data"].bureaux["label"], w["values"], w["conf"])
    rows = list(csv.DictReader(io.StringIO(exports.EXPORTS["ranking_csv"].build(ranking=ranking).decode("utf-8-sig")),
                               delimiter=";"))
    public = w["conf"].criteria["social_housing"].label  # the dataset's own values: may equal one by chance
    derived = {"Rang", "Score", "Classe"}  # computed with the import: exported on purpose
    leaks = [(row["Bureau"], col) for row in rows for col, cell in row.items() if col not in {*derived, public}
             and cell in {_as_written(s[row["Bureau"]]) for s in w["secrets"].values()}]
    assert leaks == []
    assert any(row[public] for row in rows)  # the public data stays
    assert [c for c in rows[0] if "élection importée" in c] == ["Score de notre camp (élection importée : non exporté)",
                                                             "Abstention (élection importée : non exporté)"]


@requires_dataset("paris")
def test_the_map_exports_of_an_imported_reference_election_leave_its_points_out_and_say_so(with_import):
    import json

    from lib import priority

    w = with_import
    result = w["result"]
    scored = mapexport.scored_frame(w["data"].bureaux, result.table, result.contributions, result.withheld)
    note = priority.export_note(result, w["conf"])
    provenance = fr.provenance(territory="Paris", date="2026-12-03", sentence=result.sentence, sources="s",
                               details={"Élection importée": note})
    doc = json.loads(mapexport.scored_geojson(scored, provenance))
    props = [f["properties"] for f in doc["features"]]
    assert all(p["contrib_our_share"] is None and p["contrib_abstention"] is None for p in props)
    assert any(p["contrib_social_housing"] is not None for p in props)
    assert "jamais exportées" in doc["terrain"]["Élection importée"]
