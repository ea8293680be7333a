"""New territory: build a commune, circonscription or département from the official national files."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import streamlit as st

from lib import fr, ui
from lib.build import national
from lib.config import load_sources
from lib.errors import TerrainError

ui.page_setup("Nouveau territoire", icon=":material/add_location_alt:")
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
    st.dataframe([{"Fichier": s["file"], "Contenu": s["title"], "Éditeur": s["publisher"], "Licence": s["licence"],
                   "Page": s.get("page", "")} for s in sources.values()], hide_index=True, width="stretch")

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
                               key="w_new_files", type=["csv", "txt", "geojson", "gz", "json"])
else:
    folder = st.text_input("Dossier sur le serveur", key="w_new_folder", placeholder="/srv/terrain/nationaux")

replace_ok = True
with contextlib.suppress(TerrainError):  # an invalid code is reported when the build is asked for
    territory_id = national.Selector(kind, code.strip()).territory_id
    if territory_id in ui.available_territories():
        st.warning(f"Le territoire « {fr.escape(ui.territory_name(territory_id))} » ({territory_id}) existe déjà. "
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
                st.error(f"Dossier introuvable sur le serveur : {fr.escape(folder)}")
                st.stop()
        meta = national.build(selector, folder=source_dir, out_dir=conf.data_dir, log=report)
        progress.progress(1.0, text="Terminé")
        ui.territory_data.clear()
        st.success(f"« {meta['name']} » construit : {meta['coverage']['bureaux']} bureaux, "
                   f"{len(meta['elections'])} élection(s). Il apparaît maintenant dans le sélecteur de territoire.")
        absent = [n for n in meta.get("notes", []) if n.startswith("Absent")]
        if absent:
            st.info("Ce qui manque pour ce territoire :\n\n" + "\n".join(f"- {fr.escape(a)}" for a in absent))

ui.publish_view()
