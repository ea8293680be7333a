"""What a reader of a national file keeps of it (:class:`Crop`): a territory's communes and bounds,
the contour filter, and the notes on what was left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.datasets import citymap


@dataclass
class Crop:
    """What a reader keeps: the territory's communes and bounds; what it left out is noted here."""

    communes: set[str]
    bounds: tuple[float, float, float, float] | None = None  # lon/lat box of the territory
    where: str | None = None  # OGR SQL attribute filter on the contours
    keep: dict[str, frozenset[str]] = field(default_factory=dict)  # contours: column → accepted values
    contour_map: citymap.ContourMap | None = None  # a city's own contour columns
    election: str = ""
    notes: list[str] = field(default_factory=list)
    commune_names: dict[str, str] = field(default_factory=dict)  # INSEE code → name, as the results files give it
