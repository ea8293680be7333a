"""The layout registry: ``config.toml`` ``[sources.*].layout`` → the reader the build calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.datasets.addresses import read_ban
from lib.datasets.census import read_iris_contours, read_iris_table
from lib.datasets.contours import read_contours
from lib.datasets.crop import Crop
from lib.datasets.filosofi import read_filosofi_squares
from lib.datasets.qpv import read_qpv
from lib.datasets.results import read_wide
from lib.datasets.stations import read_idfm_stations, read_sncf_stations
from lib.errors import BuildError

Reader = Callable[[Path, Crop], Any]
LAYOUTS: dict[str, Reader] = {
    "etalab_contours": read_contours,
    "minint_wide": read_wide,  # 2024–2026: numbered blocks (« Voix 1 »…)
    "minint_wide_unnamed": read_wide,  # 2017–2022 .txt: later blocks unnamed; Latin-1
    "minint_wide_tab": read_wide,  # municipales 2020: tabulations, « Code B.Vote », « N.Pan. » blocks
    "ban_csv": lambda path, crop: read_ban(path, crop.communes),
    "idfm_csv": lambda path, crop: read_idfm_stations(path),
    "sncf_csv": lambda path, crop: read_sncf_stations(path),
    "filosofi_grid": read_filosofi_squares,
    "qpv_geojson": lambda path, crop: read_qpv(path, crop.communes),
    "insee_iris_csv": read_iris_table,  # the four INSEE IRIS tables, any census year
    "ign_iris_contours": read_iris_contours,
}
RESULT_LAYOUTS = ("minint_wide", "minint_wide_unnamed", "minint_wide_tab")  # the results files' layouts


def reader_for(layout: str, *, source: str) -> Reader:
    """The reader of a layout, or a French error naming the unknown layout."""
    if layout not in LAYOUTS:
        raise BuildError(f"mise en forme « {layout} » inconnue ; connues : {', '.join(sorted(LAYOUTS))}. "
                         "Corrigez config.toml.", source=source)
    return LAYOUTS[layout]
