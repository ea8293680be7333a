"""Command line.

    python -m lib.datasets paris antony                  # shipped territories, from raw/
    python -m lib.datasets --commune 92002 --from DIR    # any territory, from the national files in DIR
    python -m lib.datasets --departement 92 --download   # … downloaded (resumable, cached, checksummed)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lib.config import PROJECT_ROOT, load_settings, load_sources
from lib.datasets import BUILDERS, build
from lib.datasets.raw import RAW_DIR
from lib.errors import TerrainError

PROGRESS_WIDTH = 30  # characters of the download progress bar


def _progress_bar(sid: str, fraction: float) -> None:
    filled = int(fraction * PROGRESS_WIDTH)
    print(f"\r  {sid:<14} [{'#' * filled}{'.' * (PROGRESS_WIDTH - filled)}] {fraction:5.0%}", end="", file=sys.stderr)
    if fraction >= 1:
        print(file=sys.stderr)


def _report(territory: str, meta: dict) -> None:
    cov = meta["coverage"]
    shapeless = cov.get("bureaux_without_contour")
    print(f"« {territory} » : {cov['bureaux']} bureaux"
          + (f" (et {shapeless} sans contour, signalé(s))" if shapeless else "")
          + f", {len(meta['elections'])} élections "
          f"({', '.join(e['id'] for e in meta['elections'])}), "
          f"{sum(i['available'] for i in meta['indicators'])} indicateurs, {cov['stations']} gares, "
          f"adresses : {cov['addresses'] if cov['addresses'] is not None else 'absentes'}"
          + (f" (hors bureaux : {cov['addresses_unassigned']})" if cov["addresses_unassigned"] else "")
          + f" — {meta['build_seconds']} s")
    for ind in meta["indicators"]:
        if not ind["available"]:
            print(f"   indicateur absent : {ind['id']} — {ind['reason']}")
    for note in meta.get("notes", []):
        if note.startswith(("Reconnu", "Absent", "Ignoré", "Correspondance", "bureau ", "…")):
            print(f"   {note}")


def _contour_map(args: argparse.Namespace):
    """The contour mapping the flags give (completes the folder's terrain_contours.toml)."""
    from lib.datasets.citymap import ContourMap

    return ContourMap().merged(commune=args.contours_commune, bureau=args.contours_bureau,
                               commune_code=args.commune_code, commune_name=args.commune_name,
                               publisher=args.contours_publisher, licence=args.contours_licence,
                               page=args.contours_page, title=args.contours_title)


def _parser() -> argparse.ArgumentParser:
    """The command line: shipped territories, or any territory from the national files."""
    parser = argparse.ArgumentParser(prog="python -m lib.datasets",
                                     description="Construit un territoire Terrain depuis les fichiers officiels.")
    parser.add_argument("territories", nargs="*", metavar="TERRITOIRE",
                        help=f"territoire(s) livrés : {', '.join(sorted(BUILDERS))} ; « all » pour tous")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--commune", metavar="CODE", help="code INSEE de la commune (ex. 92002)")
    where.add_argument("--circonscription", metavar="DD-NN", help="circonscription législative (ex. 92-13)")
    where.add_argument("--departement", metavar="DD", help="département (ex. 92)")
    parser.add_argument("--from", dest="source_dir", type=Path, help="dossier des fichiers nationaux")
    parser.add_argument("--download", action="store_true", help="télécharger les fichiers nationaux (reprise, cache)")
    parser.add_argument("--mirror", help="URL d'un miroir servant les fichiers sous leurs noms (tests, réseau interne)")
    parser.add_argument("--cache", type=Path, default=PROJECT_ROOT / "data" / "_cache",
                        help="dossier du cache de téléchargement (défaut : data/_cache)")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="dossier des fichiers des territoires livrés")
    city = parser.add_argument_group("contours d'une ville (voir docs/national_build.md)")
    city.add_argument("--contours-commune", metavar="COLONNE", help="colonne du code INSEE de la commune (ex. DEPCO)")
    city.add_argument("--contours-bureau", metavar="COLONNE", help="colonne du numéro de bureau (ex. BVOTE)")
    city.add_argument("--commune-code", metavar="CODE", help="code INSEE quand le fichier n'a pas de colonne commune")
    city.add_argument("--commune-name", metavar="NOM", help="nom de la commune quand le fichier n'en a pas")
    city.add_argument("--contours-publisher", metavar="EDITEUR", help="éditeur des contours (ex. Brest métropole)")
    city.add_argument("--contours-licence", metavar="LICENCE", help="licence des contours (ex. ODbL)")
    city.add_argument("--contours-page", metavar="URL", help="page de téléchargement des contours")
    city.add_argument("--contours-title", metavar="TITRE",
                      help="titre des contours, repris sous la carte (ex. « Bureaux de vote 2026, Brest métropole »)")
    results = parser.add_argument_group("résultats republiés par un tiers (colonnes propres, autre licence)")
    results.add_argument("--results-publisher", metavar="EDITEUR", default="",
                         help="éditeur des fichiers de résultats republiés (ex. Toulouse Métropole)")
    results.add_argument("--results-licence", metavar="LICENCE", default="", help="leur licence (ex. ODbL)")
    parser.add_argument("--election", action="append", default=[], metavar="FICHIER=ID",
                        help="élection d'un fichier de résultats, quand son contenu ne suffit pas à la dire ou pour "
                             "corriger la reconnaissance (ex. resultats.csv=mun2026t2) ; répétable")
    parser.add_argument("--out", type=Path, default=None, help="dossier des jeux construits (défaut : data/)")
    return parser


def _national(args: argparse.Namespace, kind: str, out: Path, parser: argparse.ArgumentParser) -> int:
    """Any territory from the national files (--from or --download); a French sentence on failure."""
    from lib.datasets import national

    try:
        selector = national.Selector(kind, getattr(args, kind))
        if args.download:
            folder = national.fetch(load_sources(), args.cache, mirror=args.mirror,
                                    departement=selector.departement, progress=_progress_bar)
        elif args.source_dir:
            folder = args.source_dir
        else:
            parser.error("indiquez --from DOSSIER ou --download")
        print(f"Construction de « {selector.territory_id} » depuis {folder}")
        meta = national.build(selector, folder=folder, out_dir=out, contour_map=_contour_map(args),
                              elections=national.parse_elections(args.election),
                              credit=national.Credit(args.results_publisher.strip(), args.results_licence.strip()))
    except TerrainError as err:
        print(f"Échec : {err}", file=sys.stderr)
        print("Les jeux de données existants n'ont pas été modifiés.", file=sys.stderr)
        return 1
    except Exception as err:  # a user sees a sentence, never a traceback
        where = args.source_dir or args.cache
        print(f"Échec inattendu ({type(err).__name__}) en lisant les fichiers de {where} : vérifiez qu'ils "
              "sont les fichiers officiels complets. Les jeux de données existants n'ont pas été modifiés. "
              "Signalez ce cas avec la commande lancée.", file=sys.stderr)
        return 1
    _report(selector.territory_id, meta)
    return 0


def _shipped(territories: list[str], raw: Path, out: Path) -> int:
    """The shipped territories (paris, antony), from raw/."""
    for territory in sorted(BUILDERS) if territories in ([], ["all"]) else territories:
        try:
            meta = build(territory, raw_dir=raw, out_dir=out)
        except TerrainError as err:
            print(f"Échec de la construction de « {territory} » : {err}", file=sys.stderr)
            print("Le jeu de données précédent, s'il existe, n'a pas été modifié.", file=sys.stderr)
            return 1
        _report(territory, meta)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build, print a French report; exit 1 with a clear message on failure."""
    parser = _parser()
    args = parser.parse_args(argv)
    out = args.out or load_settings().data_dir
    kind = next((k for k in ("commune", "circonscription", "departement") if getattr(args, k)), None)
    if kind:
        return _national(args, kind, out, parser)
    return _shipped(args.territories, args.raw, out)


if __name__ == "__main__":
    sys.exit(main())
