"""New territory: build a commune, circonscription or département from the official national files."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import streamlit as st

from lib import fr, ui
from lib.config import load_sources
from lib.datasets import citymap, national
from lib.datasets.citymap import ContourMap
from lib.datasets.metadata import election_label
from lib.errors import TerrainError

ui.page_setup("Nouveau territoire")
conf = ui.settings()
st.title("Nouveau territoire")
st.markdown(
    "Construisez le jeu de données d'une **commune**, d'une **circonscription** ou d'un **département** à "
    "partir des fichiers officiels nationaux : contours des bureaux (Etalab), résultats par bureau du "
    "Ministère de l'Intérieur, et en option BAN du département, gares IDFM/SNCF, Filosofi 200 m. "
    "Les fichiers attendus et leurs pages de téléchargement sont listés ci-dessous. Le même contrôle que "
    "pour Paris et Antony s'applique : ce qui manque est signalé, rien n'est inventé.")

sources = load_sources()
with st.expander("Fichiers attendus (noms, éditeurs, pages officielles)"):
    ui.table([{"Fichier": s["file"], "Contenu": s["title"], "Éditeur": s["publisher"], "Licence": s["licence"],
                   "Page": s.get("page", "")} for s in sources.values()])

kinds = {"commune": "Commune (code INSEE, ex. 92002)", "circonscription": "Circonscription (ex. 92-13)",
         "departement": "Département (ex. 92)"}
c1, c2 = st.columns([1, 1])
kind = c1.selectbox("Type de territoire", list(kinds), format_func=kinds.get, key="w_new_kind")
code = c2.text_input("Code", key="w_new_code", placeholder="92002")
origin = st.radio("Fichiers", ["upload", "folder"], horizontal=True, key="w_new_origin",
                  format_func={"upload": "Je téléverse les fichiers",
                               "folder": "Ils sont déjà dans un dossier du serveur"}.get)
uploads, folder = [], ""
if origin == "upload":
    uploads = st.file_uploader("Fichiers nationaux (noms comme dans la liste ci-dessus)", accept_multiple_files=True,
                               key="w_new_files", type=["csv", "txt", "geojson", "gz", "json", "shp", "dbf",
                                                               "shx", "prj", "cpg", "gpkg", "zip", "parquet",
                                                               "xlsx"])
else:
    folder = st.text_input("Dossier sur le serveur", key="w_new_folder", placeholder="/srv/terrain/nationaux")


def column_mapping(candidates: dict[str, Path | bytes]) -> ContourMap | None:
    """When the contours are a city's own file, offer its columns: the user picks the commune and
    bureau columns (or types the INSEE code) and names the file's publisher and licence."""
    found = national.contours_to_map(candidates)
    if found is None:
        return None
    name, fields = found
    st.info(f"« {fr.markdown_text(name)} » n'a pas les colonnes des contours Etalab. Indiquez quelles colonnes "
            "donnent la commune et le numéro de bureau, et d'où vient ce fichier (crédité tel quel).")
    guess = citymap.suggest(fields)
    none = "(aucune : je saisis le code INSEE)"
    m1, m2 = st.columns(2)
    commune = m1.selectbox("Colonne du code INSEE de la commune", [none, *fields], key="w_new_commune_col",
                           index=fields.index(guess.commune) + 1 if guess.commune else 0)
    bureau = m2.selectbox("Colonne du numéro de bureau", fields, key="w_new_bureau_col",
                          index=fields.index(guess.bureau) if guess.bureau else 0)
    typed = m1.text_input("Code INSEE de la commune", key="w_new_commune_code", placeholder="31555",
                          value=code.strip() if kind == "commune" else "") if commune == none else ""
    commune_name = m2.text_input("Nom de la commune (si le fichier ne le donne pas)", key="w_new_commune_name")
    p1, p2 = st.columns(2)
    publisher = p1.text_input("Éditeur des contours", key="w_new_publisher", placeholder="Brest métropole")
    licence = p2.text_input("Licence des contours", key="w_new_licence", placeholder="ODbL")
    title = st.text_input("Titre des contours (repris sous la carte)", key="w_new_contours_title",
                          placeholder=f"par défaut : {citymap.default_title(name, publisher)}")
    return ContourMap().merged(commune="" if commune == none else commune, bureau=bureau, commune_code=typed,
                               commune_name=commune_name, publisher=publisher, licence=licence, title=title)


def election_choices(folder: Path) -> tuple[dict[str, str], national.Credit]:
    """What each file was recognised as, with the evidence, and a selector per results file to
    confirm or correct its election (a municipal file's round cannot be read in it); who
    republished results files that carry their own columns."""
    rows = national.survey(folder, sources)
    if not rows:
        return {}, national.Credit()
    st.markdown("**Fichiers reconnus** (vérifiez l'élection de chaque fichier de résultats)")
    ui.table([{"Fichier": r.name, "Reconnu comme": sources[r.source]["title"] if r.source else "—",
               "Comment": r.said} for r in rows])
    ids = national.result_ids(sources)
    choices = {}
    for r in (r for r in rows if r.results_like):
        auto = f"comme reconnu : {election_label(r.source)}" if r.source else "à préciser"
        pick = st.selectbox(f"Élection de « {r.name} »", ["", *r.candidates, *(i for i in ids if i not in r.candidates)],
                            format_func=lambda sid, auto=auto: election_label(sid) if sid else auto,
                            key=f"w_new_election_{r.name}")
        if pick:
            choices[r.name] = pick
    return choices, republisher([r for r in rows if r.own_columns])


def republisher(rows: list[national.Surveyed]) -> national.Credit:
    """Results files with their own columns were republished by someone: ask who, and the licence."""
    if not rows:
        return national.Credit()
    st.info("Fichier(s) de résultats republié(s) avec des colonnes propres (" + ", ".join(
        f"« {fr.markdown_text(r.name)} » : {fr.markdown_text(', '.join(r.own_columns[:5]))}" for r in rows)
        + ") : ils sont crédités à leur éditeur, pas au Ministère de l'Intérieur.")
    r1, r2 = st.columns(2)
    return national.Credit(r1.text_input("Éditeur des résultats republiés", key="w_new_results_publisher").strip(),
                           r2.text_input("Licence des résultats republiés", key="w_new_results_licence").strip())


candidates: dict[str, Path | bytes] = {f.name: f.getvalue() for f in uploads or []
                                       if f.name.lower().endswith((".geojson", ".json", ".shp", ".dbf", ".shx",
                                                                   ".prj", ".cpg", ".gpkg", ".zip"))}
if origin == "folder" and folder and Path(folder).is_dir():
    candidates = {p.name: p for p in Path(folder).iterdir() if p.is_file()}
mapping: ContourMap | None = None
with ui.guard("le choix des colonnes"):
    mapping = column_mapping(candidates)
elections: dict[str, str] = {}
credit = national.Credit()
with ui.guard("la reconnaissance des fichiers"), tempfile.TemporaryDirectory(prefix="terrain_upload_") as seen:
    if origin == "upload" and uploads:
        elections, credit = election_choices(national.from_uploads({f.name: f.getvalue() for f in uploads},
                                                                   Path(seen)))
    elif origin == "folder" and folder and Path(folder).is_dir():
        elections, credit = election_choices(Path(folder))

replace_ok = True
with contextlib.suppress(TerrainError):  # an invalid code is reported when the build is asked for
    territory_id = national.Selector(kind, code.strip()).territory_id
    if territory_id in ui.available_territories():
        st.warning(f"Le territoire « {fr.markdown_text(ui.territory_name(territory_id))} » ({territory_id}) existe déjà. "
                   "Le reconstruire remplace ses données (les anciennes restent en place si la construction échoue).")
        replace_ok = st.checkbox("Remplacer le territoire existant", key="w_new_replace")

if st.button("Construire le territoire", type="primary", key="w_new_build", disabled=not replace_ok):
    progress = st.progress(0.0, text="Lecture des fichiers…")
    log = st.empty()
    lines: list[str] = []

    def report(message: str) -> None:
        lines.append(message.strip())
        log.code("\n".join(lines[-12:]), language=None)
        progress.progress(min(0.95, 0.1 + 0.08 * len(lines)), text=message.strip()[:80])

    with ui.guard("la construction"), tempfile.TemporaryDirectory(prefix="terrain_upload_") as tmp:
        selector = national.Selector(kind, code.strip())
        if origin == "upload":
            if not uploads:
                st.warning("Ajoutez au moins le fichier des contours et un fichier de résultats.")
                st.stop()
            source_dir = national.from_uploads({f.name: f.getvalue() for f in uploads}, Path(tmp))
        else:
            source_dir = Path(folder)
            if not source_dir.is_dir():
                st.error(f"Dossier introuvable sur le serveur : {fr.markdown_text(folder)}")
                st.stop()
        meta = national.build(selector, folder=source_dir, out_dir=conf.data_dir, log=report,
                              contour_map=mapping, elections=elections, credit=credit)
        progress.progress(1.0, text="Terminé")
        ui.territory_data.clear()
        st.success(f"« {meta['name']} » construit : {meta['coverage']['bureaux']} bureaux, "
                   f"{len(meta['elections'])} élection(s). Il apparaît maintenant dans le sélecteur de territoire.")
        st.caption(fr.markdown_text(fr.sources_caption(meta["sources"][:1])))
        absent = [n for n in meta.get("notes", []) if n.startswith(("Reconnu", "Absent", "Ignoré", "Correspondance", "bureau "))]
        if absent:
            st.info("Ce qui manque pour ce territoire :\n\n" + "\n".join(f"- {fr.markdown_text(a)}" for a in absent))

ui.publish_view()
