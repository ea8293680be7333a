"""Import a campaign's own results file: validated, joined to the bureaux, usable by the scoring."""

from __future__ import annotations

import streamlit as st

from lib import fr, results_import, ui
from lib.config import BYTES_PER_MB

data = ui.page_setup("Importer des résultats")
if data is None:
    st.stop()
conf = ui.settings()
with ui.guard("la campagne"):
    ui.campaign_sidebar(data)
st.title("Importer des résultats")
st.markdown(
    "Ajoutez une élection absente des données : un fichier officiel du Ministère de l'Intérieur "
    "« résultats par bureau de vote » (séparateur « ; », UTF-8 ou Latin-1, virgule décimale) ou un "
    "CSV simple `bureau;candidat;voix;inscrits;votants` (bureau au format `75056_0327`). "
    "L'élection importée sert au calcul des priorités **pendant cette session** ; si une campagne "
    "est ouverte (barre latérale), elle est enregistrée avec la campagne et peut être retirée à tout moment. "
    "**Ce que les exports en gardent** : le score et le rang des bureaux calculés avec elle ; jamais une valeur "
    "par bureau lue dans le fichier (score de notre camp, abstention…) : ces colonnes restent vides dans le "
    "classement, les cartes et les fichiers de données, qui le disent.")

with st.form("import-form", clear_on_submit=False):
    label = st.text_input("Nom de l'élection", placeholder="ex. Législatives 2022, 1er tour", key="w_import_label")
    upload = st.file_uploader(f"Fichier de résultats (CSV, {conf.max_upload_mb} Mo au plus)", type=["csv", "txt"],
                              key="w_import_file")
    submitted = st.form_submit_button("Vérifier et ajouter", type="primary")

if submitted:
    if upload is None:
        st.warning("Choisissez un fichier avant de valider.")
    else:
        with ui.guard("l'import"):
            imported = results_import.import_results(
                upload.getvalue(), upload.name, election_label=label,
                known_bureaux=set(data.bureaux["bureau_id"]), max_bytes=conf.max_upload_mb * BYTES_PER_MB,
                registered=data.bureaux.set_index("bureau_id")["registered"].to_dict())
            store = ui.session_imports(data.id)
            store[:] = [e for e in store if e.id != imported.id] + [imported]
            if ui.keep_import(imported):
                st.info("Élection enregistrée avec la campagne.")
            st.success(f"« {fr.markdown_text(imported.label)} » ajoutée : {imported.matched} bureau(x) reconnus sur "
                       f"{len(data.bureaux)}. Elle apparaît dans « Élection de référence » de la carte.")
            for warning in imported.warnings:
                st.info(warning)
            if imported.unmatched:
                with st.expander(f"Bureaux du fichier hors du territoire ({len(imported.unmatched)})"):
                    st.write(fr.markdown_text(", ".join(imported.unmatched[:200])))

imports = ui.session_imports(data.id)
if imports:
    st.subheader("Élections importées pendant cette session")
    for e in imports:
        # No download: imported results are the campaign's sensitive data, never part of any export.
        cols = st.columns([4, 1])
        cols[0].markdown(f"**{fr.markdown_text(e.label)}** — {e.matched} bureaux, {e.results['candidate'].nunique()} "
                         "candidats ou listes")
        if cols[1].button("Retirer", key=f"rm-{e.id}"):
            ui.forget_import(e.id)
            imports[:] = [x for x in imports if x.id != e.id]
            st.rerun()
    with st.expander("Aperçu de la dernière élection importée"):
        ui.table(imports[-1].results.head(200))

ui.publish_view()
