"""Provenance of a national build: the source records of the files actually read, and the map
caption. A city's contours and results a third party republished are credited to their own
publisher and licence, never to Etalab or the Ministry (docs/national_build.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lib.datasets import citymap
from lib.datasets.citymap import ContourMap
from lib.datasets.raw import Source

if TYPE_CHECKING:
    from lib.datasets.national import Located, Sources


@dataclass(frozen=True)
class Credit:
    """Who republished results files with their own columns, and under which licence (flags, page)."""

    publisher: str = ""
    licence: str = ""


def source_records(sources: Sources, used: list[str], files: dict[str, Located],
                   mapping: ContourMap | None = None, republished: Mapping[str, list[str]] | None = None,
                   credit: Credit | None = None) -> list[Source]:
    """Provenance of the files actually used (contours first), named as they were found; a city's
    contours are credited to the publisher and licence the user gave, never to Etalab; so are
    results a third party republished with its own columns, never to the Ministry."""
    records = [Source(sid, sources[sid]["title"], sources[sid]["publisher"], sources[sid]["licence"],
                      sources[sid].get("page", ""), [files[sid].path.name if sid in files else sources[sid]["file"]],
                      note=sources[sid].get("election", ""))
               for sid in ["contours", *used] if sid in sources]
    if mapping is not None and mapping.given and records and records[0].id == "contours":
        records[0] = city_source(mapping, files["contours"].path.name)
    republished = republished or {}
    return [republished_source(r, republished[r.id], credit or Credit()) if r.id in republished else r
            for r in records]


MAX_OWN_NAMED = 8  # own columns of a republished file named in its source note


def republished_source(official: Source, own: list[str], credit: Credit) -> Source:
    """A results file republished with its own columns: its publisher and licence as given (or said
    unknown), the Ministry named as the origin, the added columns listed."""
    named = ", ".join(own[:MAX_OWN_NAMED]) + ("…" if len(own) > MAX_OWN_NAMED else "")
    return Source(official.id, f"{official.title} (republié)", credit.publisher or "republication : éditeur non indiqué",
                  credit.licence or "licence non indiquée", "", official.files,
                  note=f"{official.note} ; d'après le {official.publisher} ; colonnes propres au fichier : {named}")


def city_source(mapping: ContourMap, filename: str) -> Source:
    """The provenance of a city's contours, as given by the sidecar, the flags or the page."""
    return Source("contours", mapping.title or citymap.default_title(filename, mapping.publisher),
                  mapping.publisher or "éditeur non indiqué", mapping.licence or "licence non indiquée",
                  mapping.page, [filename], note=mapping_note(mapping))


def reference_map(mapping: ContourMap, contours: Located, sources: Sources) -> str:
    """The map caption: the title given (``--contours-title``, the page, the sidecar), else a city's
    file named with its publisher, else the Etalab contours' title."""
    if mapping.title:
        return mapping.title
    if mapping.given:
        return citymap.default_title(contours.path.name, mapping.publisher)
    return sources["contours"]["title"]


def mapping_note(mapping: ContourMap) -> str:
    """« commune = DEPCO, bureau = BVOTE »: the correspondence the build used, said in the metadata."""
    commune = f"colonne {mapping.commune}" if mapping.commune else f"code {mapping.commune_code} (saisi)"
    return f"correspondance des colonnes : commune = {commune}, bureau = colonne {mapping.bureau}"
