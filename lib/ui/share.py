"""« Copier le lien »: the address of the page, which carries the whole view (territory, campaign,
side, weights, classes, selection), copied in one click to be pasted to a colleague."""

from __future__ import annotations

import streamlit as st

from lib.ui.maps import FOLDERS

_button = st.components.v2.component("terrain.copy_link", js=(FOLDERS["web"] / "copylink.js").read_text(encoding="utf-8"),
                                     isolate_styles=False)


def copy_link_button(*, key: str = "copy-link") -> None:
    """A button that copies the current address (the URL is rewritten after every run: it is the view)."""
    _button(key=key, data={"label": "Copier le lien", "done": "Lien copié : collez-le à un collègue.",
                           "manual": "Copie automatique impossible ici ; copiez ce lien :",
                           "help": "Le lien reproduit cette vue : territoire, campagne, camp, poids, classes, bureau."})
