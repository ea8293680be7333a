"""Every file a user can download, in one table: label, file name, MIME type, builder.

Pages read this registry instead of wiring each export by hand, so a new export is one entry.
A builder takes the page's inputs as keywords and returns bytes (built in memory, on click).
Inputs used here: ``ranking``, ``scored``, ``outlines``, ``legend``, ``provenance``, ``title``,
``stations``, ``figures`` (the briefing's key figures, optional), ``turfs``, ``summary``, ``territory``,
``streets`` and ``network`` (the OpenStreetMap layer and its walkable network, optional).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lib import fr, mapexport, offline_map, walk_exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Export:
    """One downloadable file."""

    label: str
    file_name: str  # may hold ``{territory}``
    mime: str
    builder: Callable[[Mapping[str, Any]], bytes]
    icon: str | None = None

    def build(self, **inputs: Any) -> bytes:
        """The file's bytes for these inputs."""
        return self.builder(inputs)


def _map(render: Callable[..., bytes]) -> Callable[[Mapping[str, Any]], bytes]:
    return lambda i: render(i["scored"], i["outlines"], i["legend"], i["provenance"], title=i["title"],
                            stations=i.get("stations"), figures=i.get("figures"), qpv=i.get("qpv"))


DOWNLOAD = ":material/download:"
EXPORTS: dict[str, Export] = {
    # Priority map (map page, briefing page)
    "ranking_csv": Export("Classement CSV", "terrain_classement_{territory}.csv", "text/csv",
                          lambda i: fr.csv_bytes(i["ranking"])),
    "ranking_xlsx": Export("Classement Excel", "terrain_classement_{territory}.xlsx", XLSX,
                           lambda i: mapexport.ranking_xlsx(i["ranking"], i["provenance"])),
    "map_png": Export("Diapositive PNG 1920×1080", "terrain_carte.png", "image/png",
                      _map(mapexport.static_map_png)),
    "map_pdf": Export("Carte PDF A4 (300 dpi)", "terrain_carte.pdf", "application/pdf",
                      _map(mapexport.static_map_pdf)),
    "map_html": Export("Carte interactive HTML (hors ligne)", "terrain_carte.html", "text/html",
                       _map(offline_map.interactive_html)),
    "bureaux_geojson": Export("Bureaux GeoJSON", "terrain_bureaux.geojson", "application/geo+json",
                              lambda i: mapexport.scored_geojson(i["scored"], i["provenance"])),
    "bureaux_gpkg": Export("Bureaux GeoPackage", "terrain_bureaux.gpkg", "application/geopackage+sqlite3",
                           lambda i: mapexport.scored_gpkg(i["scored"], i["provenance"])),
    # Walk lists
    "walk_csv": Export("CSV", "terrain_parcours.csv", "text/csv",
                       lambda i: walk_exports.turfs_csv(i["turfs"]), DOWNLOAD),
    "walk_xlsx": Export("Excel", "terrain_parcours.xlsx", XLSX,
                        lambda i: walk_exports.turfs_xlsx(i["turfs"], i["summary"], i["provenance"]), DOWNLOAD),
    "walk_pdf": Export("PDF terrain (A4)", "terrain_dossier.pdf", "application/pdf",
                       lambda i: walk_exports.field_packet_pdf(i["turfs"], i["summary"], title=i["title"],
                                                               provenance=i["provenance"], streets=i.get("streets"),
                                                               network=i.get("network")), ":material/print:"),
    "walk_gpx": Export("GPX", "terrain_parcours.gpx", "application/gpx+xml",
                       lambda i: walk_exports.turfs_gpx(i["turfs"], i["provenance"], i.get("network")), DOWNLOAD),
    "walk_geojson": Export("GeoJSON", "terrain_parcours.geojson", "application/geo+json",
                           lambda i: walk_exports.turfs_geojson(i["turfs"], i["provenance"], i.get("network")),
                           DOWNLOAD),
    "walk_html": Export("Carte HTML (hors ligne)", "terrain_parcours.html", "text/html",
                        lambda i: offline_map.walk_html(i["turfs"], i["summary"], i["provenance"], title=i["title"],
                                                        streets=i.get("streets"), network=i.get("network")), DOWNLOAD),
}
MAP_EXPORTS = ["map_png", "map_pdf", "map_html", "ranking_xlsx", "bureaux_geojson", "bureaux_gpkg", "ranking_csv"]
WALK_EXPORTS = ["walk_csv", "walk_xlsx", "walk_pdf", "walk_gpx", "walk_geojson", "walk_html"]
