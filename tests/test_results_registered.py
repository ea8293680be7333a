"""An imported results file is compared with the territory's registered voters (issue 22 item
15): a file whose every bureau is inflated ×10 is refused in French, even though each bureau is
plausible against the file's own median; a single bureau far off is listed."""

from __future__ import annotations

import pandas as pd
import pytest

from lib import results_import
from lib.dataset import load_territory
from lib.errors import TerrainError

from .helpers import DATA_DIR, requires_dataset

pytestmark = requires_dataset("paris")


@pytest.fixture(scope="module")
def paris_bureaux() -> pd.DataFrame:
    """Twenty real Paris bureaux with their registered voters."""
    return load_territory(DATA_DIR, "paris").bureaux[["bureau_id", "registered"]].head(20).reset_index(drop=True)


def _file(bureaux: pd.DataFrame, factor: pd.Series | float = 1.0) -> bytes:
    """A simple long results file for these bureaux, inscrits (votants, voix) times ``factor``."""
    inscrits = (bureaux["registered"] * factor).round().astype(int)
    rows = [f"{b};{cand};{int(n * share)};{n};{int(n * 0.6)}" for b, n in zip(bureaux["bureau_id"], inscrits, strict=True)
            for cand, share in (("A", 0.35), ("B", 0.2))]
    return ("bureau;candidat;voix;inscrits;votants\n" + "\n".join(rows) + "\n").encode()


def _import(bureaux: pd.DataFrame, data: bytes):
    return results_import.import_results(data, "resultats.csv", election_label="Municipales 2020 T1",
                                         known_bureaux=set(bureaux["bureau_id"]), max_bytes=10**6,
                                         registered=bureaux.set_index("bureau_id")["registered"].to_dict())


def test_a_file_whose_every_bureau_is_inflated_ten_times_is_refused(paris_bureaux):
    with pytest.raises(TerrainError, match=r"10,0 fois ceux des données.*rien n'a été importé"):
        _import(paris_bureaux, _file(paris_bureaux, 10))


def test_a_file_matching_the_territory_s_registered_voters_is_accepted_without_warning(paris_bureaux):
    imported = _import(paris_bureaux, _file(paris_bureaux, 1.03))
    assert imported.matched == 20 and not [w for w in imported.warnings if "inscrits" in w]


def test_one_bureau_far_from_its_registered_voters_is_listed(paris_bureaux):
    factor = pd.Series(1.0, index=paris_bureaux.index)
    factor.iloc[3] = 8.0
    imported = _import(paris_bureaux, _file(paris_bureaux, factor))
    far = [w for w in imported.warnings if "inscrits s'écartent" in w]
    assert len(far) == 1 and paris_bureaux.loc[3, "bureau_id"] in far[0] and "1 bureau " in far[0]
