"""Territory builds: raw official files → ``data/<territory>/`` (see ``docs/data.md``).

Run ``python -m lib.datasets paris`` or ``python -m lib.datasets antony``.

A territory module (``paris``, ``antony``, ``national``) reads its files into a
:class:`~lib.datasets.raw.RawTerritory`; :func:`~lib.datasets.assembly.assemble` does the rest
(``stations``, ``carryover``, ``indicators``, ``metadata``). The territory modules are siblings:
none imports another. What they share are the readers: ``archives`` (opening files, bomb caps),
``stations``, ``addresses`` (BAN), ``filosofi``, ``results`` (Ministère de l'Intérieur),
``contours`` (and ``citymap`` for a city's own columns), each told what to keep by a
:class:`~lib.datasets.crop.Crop`; ``recognition`` tells a file by its content and ``layouts``
maps a ``config.toml`` layout to its reader.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from lib.datasets.assembly import assemble
from lib.datasets.raw import RAW_DIR
from lib.datasets.streets import attach_shipped
from lib.errors import BuildError

BUILDERS: dict[str, str] = {"paris": "lib.datasets.paris", "antony": "lib.datasets.antony"}


def build(territory_id: str, *, raw_dir: Path = RAW_DIR, out_dir: Path, log=print) -> dict:
    """Build one territory; the previous dataset stays in place if anything fails."""
    if territory_id not in BUILDERS:
        raise BuildError(f"territoire inconnu « {territory_id} ». Territoires disponibles : "
                         f"{', '.join(sorted(BUILDERS))} (ou --commune / --departement).")
    log(f"Construction de « {territory_id} » depuis {raw_dir}")
    started = time.perf_counter()
    raw = importlib.import_module(BUILDERS[territory_id]).read(Path(raw_dir), log=log)
    meta = assemble(raw, out_dir=Path(out_dir), log=log, started=started)
    attach_shipped(territory_id, Path(raw_dir), Path(out_dir), log=log)
    return meta
