"""Command line: ``python -m lib.build TERRITORY [--raw DIR] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.build import BUILDERS, build
from lib.build.common import RAW_DIR
from lib.config import load_settings
from lib.errors import TerrainError


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build, print a French report; exit 1 with a clear message on failure."""
    parser = argparse.ArgumentParser(prog="python -m lib.build",
                                     description="Construit un territoire Terrain depuis les fichiers officiels.")
    parser.add_argument("territories", nargs="*", metavar="TERRITOIRE",
                        help=f"territoire(s) à construire : {', '.join(sorted(BUILDERS))} ; "
                             "« all » pour tous")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="dossier des fichiers sources (défaut : raw/)")
    parser.add_argument("--out", type=Path, default=None, help="dossier des jeux construits (défaut : data/)")
    args = parser.parse_args(argv)
    out = args.out or load_settings().data_dir
    wanted = sorted(BUILDERS) if args.territories in ([], ["all"]) else args.territories
    for territory in wanted:
        try:
            meta = build(territory, raw_dir=args.raw, out_dir=out)
        except TerrainError as err:
            print(f"Échec de la construction de « {territory} » : {err}", file=sys.stderr)
            print("Le jeu de données précédent, s'il existe, n'a pas été modifié.", file=sys.stderr)
            return 1
        cov = meta["coverage"]
        print(f"« {territory} » : {cov['bureaux']} bureaux, {len(meta['elections'])} élections, "
              f"{sum(i['available'] for i in meta['indicators'])} indicateurs, "
              f"{cov['stations']} gares, adresses : {cov['addresses']} "
              f"(hors bureaux : {cov['addresses_unassigned']}) — {meta['build_seconds']} s")
        missing = [i for i in meta["indicators"] if not i["available"]]
        for ind in missing:
            print(f"   indicateur absent : {ind['id']} — {ind['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
