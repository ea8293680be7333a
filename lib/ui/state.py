"""State that users share: the view (URL ↔ session ↔ widgets).

The canonical view (:class:`lib.viewstate.ViewState`) lives in ``st.session_state["view"]``;
widgets have their own keys (``w_…``), seeded from the view, and the view is written back to
``st.query_params`` at the end of each run so the URL always reproduces the screen.

Why :func:`enter_page`: Streamlit keeps a widget's value only while the page that drew it runs.
Reached through the sidebar, a page found the previous page's stale keys and its widgets fell
back to their defaults (5 classes became 3, the vote reserve pair became the first election,
the open campaign « Aucune »). On a page's first run, every widget key is dropped and seeded
again from the view: the view, not the widgets, carries the scenario from page to page.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from urllib.parse import urlsplit

import streamlit as st

from lib.ui.loaders import settings
from lib.viewstate import ViewState, WalkView, default_view, from_query, to_query

# Widget keys that belong to one territory's choices: dropped when the territory changes.
TERRITORY_WIDGETS = ("w_ours_", "w_election", "w_blocs", "w_high", "w_low", "w_sel", "w_campaign")
WIDGET_PREFIX = "w_"  # every widget key starts with it (the rest of the session state is ours)
PAGE_KEY = "_page"  # the page this session ran last


def drop_widgets(keep: tuple[str, ...] = ()) -> None:
    """Forget every widget value but ``keep``: the widgets are then drawn from the view."""
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX) and k not in keep]:
        del st.session_state[key]


def enter_page(page: str) -> None:
    """On a page's first run in this session (sidebar, Back, a link), seed its widgets from the view."""
    if st.session_state.get(PAGE_KEY) != page:
        st.session_state[PAGE_KEY] = page
        drop_widgets()


def app_base_url(page: str = "") -> str | None:
    """The app's address in the user's browser (scheme, host, base path) without ``page``; None if unknown.

    Exports carry absolute links (:func:`lib.fr.view_link`): a file has no server to be relative to.
    """
    with contextlib.suppress(Exception):  # no browser context (AppTest, warm-up): unknown
        parts = urlsplit(st.context.url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            path = parts.path.rstrip("/")
            if page and path.endswith("/" + page):
                path = path[: -len(page) - 1]
            return f"{parts.scheme}://{parts.netloc}{path}"
    return None


def view() -> ViewState:
    """The current view (loaded from the URL on the session's first run)."""
    if "view" not in st.session_state:
        st.session_state["view"] = from_query(dict(st.query_params), settings())
    return st.session_state["view"]


def set_view(new: ViewState) -> None:
    """Replace the view (widgets read it back through their seeded keys)."""
    st.session_state["view"] = new


def update_view(**changes: object) -> ViewState:
    """The view with ``changes`` applied, stored and returned."""
    new = replace(view(), **changes)
    set_view(new)
    return new


def publish_view() -> None:
    """Write the view into the URL (only when it changed, to keep browser history clean)."""
    wanted = to_query(view(), settings())
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def seed(key: str, value: object) -> None:
    """Give a widget key its value from the view when the key is missing (e.g. after a page change)."""
    if key not in st.session_state:
        st.session_state[key] = value


def reset_to_default(territory: str) -> ViewState:
    """The default view of ``territory`` (a link naming an unknown territory, a first visit)."""
    new = default_view(settings(), territory)
    set_view(new)
    return new


def on_territory_change() -> None:
    """Territory selector callback: keep the weights and options, drop per-territory choices."""
    old = view()
    fresh = default_view(settings(), st.session_state["w_territory"])
    set_view(replace(fresh, weights=old.weights, directions=old.directions, preset=old.preset,
                     normalisation=old.normalisation, scheme=old.scheme, k=old.k, missing=old.missing))
    for key in [k for k in st.session_state if str(k).startswith(TERRITORY_WIDGETS)]:
        del st.session_state[key]  # a campaign belongs to one territory: none is open on the new one


def select_bureau(bureau_id: str) -> None:
    """Make ``bureau_id`` the selected bureau (map click or list)."""
    update_view(selected=bureau_id)
    st.session_state.pop("w_sel", None)


UNSET_WALK = WalkView()


def walk_widget(key: str, name: str, default: object) -> None:
    """Seed a walk-list widget from the view's setting ``name`` (else the page's ``default``)."""
    value = getattr(view().walk, name)
    chosen = default if value == getattr(UNSET_WALK, name) else value
    seed(key, list(chosen) if isinstance(chosen, tuple) else chosen)


def keep_walk(**values: tuple[object, object]) -> None:
    """Write the walk-list settings into the view (hence the link): ``name=(value, default)``;
    a value equal to its default stays unset, so links stay short."""
    def unset_or(name: str, value: object, default: object) -> object:
        value, default = (tuple(x) if isinstance(x, list) else x for x in (value, default))
        return getattr(UNSET_WALK, name) if value == default or value is None else value
    update_view(walk=replace(view().walk, **{n: unset_or(n, v, d) for n, (v, d) in values.items()}))
