"""The only Streamlit helpers of ``lib``, one module per job.

- :mod:`lib.ui.loaders` — cached data loaders and the session's own imports;
- :mod:`lib.ui.state` — the shared view (URL ↔ session ↔ widgets);
- :mod:`lib.ui.shell` — page setup, access gate, error guard, timing;
- :mod:`lib.ui.controls` — our side, options and weights (collect choices, then compute once);
- :mod:`lib.ui.panels` — legend, bureau panel, ranking, download buttons;
- :mod:`lib.ui.workspace` — the campaign workspace (database engine, current campaign, saving).
- :mod:`lib.ui.maps` — every map, one call per kind, all drawn by one deck.gl element.

Pages use ``from lib import ui`` and the names re-exported here, never a module of this package
directly (tests/test_layering.py checks it). The campaign workspace's storage, pure of Streamlit,
is :mod:`lib.store`: pages call its functions with the engine of :func:`engine`.
"""

from lib.ui.controls import (
    Controls,
    current_priority,
    priority_or_stop,
    side_controls,
    weight_controls,
)
from lib.ui.loaders import (
    available_territories,
    imports_key,
    session_imports,
    settings,
    street_network_of,
    territory_data,
    territory_name,
    turfs_for,
    with_imports,
)
from lib.ui.maps import (
    coverage_map,
    department_map,
    door_status_map,
    potential_map,
    priority_map,
    swatch_legend,
    territory_map,
    turf_map,
)
from lib.ui.panels import (
    bureau_label_map,
    bureau_notes,
    bureau_panel,
    door_value_panel,
    download_buttons,
    legend_html,
    panel_styles,
    ranking_table,
    table,
)
from lib.ui.share import copy_link_button
from lib.ui.shell import (
    FAVICON,
    access_gate,
    guard,
    hand_over_to_router,
    page_setup,
    sources_caption,
    timed,
)
from lib.ui.state import (
    app_base_url,
    keep_walk,
    publish_view,
    seed,
    select_bureau,
    set_view,
    update_view,
    view,
    walk_widget,
)
from lib.ui.workspace import (
    act,
    campaign_manager,
    campaign_or_stop,
    campaign_sidebar,
    dim_covered,
    done_to_skip,
    engine,
    flash,
    forget_import,
    item_manager,
    keep_import,
    keep_opposition,
    link_for,
    new_id,
    opposition_state,
    organiser,
    retention_notice,
    save_plan_form,
    scenario_controls,
    scenario_manager,
    unmatched_opposition,
)

__all__ = [
    "Controls", "access_gate", "app_base_url", "available_territories", "bureau_label_map", "bureau_panel",
    "current_priority", "download_buttons", "guard", "imports_key", "legend_html", "page_setup", "panel_styles",
    "priority_map", "priority_or_stop", "publish_view", "ranking_table", "seed",
    "select_bureau", "session_imports", "set_view", "settings", "side_controls", "sources_caption",
    "territory_data", "territory_name", "timed", "turfs_for", "update_view", "view",
    "weight_controls", "with_imports",
]
__all__ += ["copy_link_button", "keep_walk", "table", "walk_widget"]
__all__ += ["street_network_of"]
__all__ += [  # maps
    "coverage_map", "department_map", "door_status_map", "swatch_legend", "territory_map", "turf_map",
]
__all__ += ["bureau_notes", "door_value_panel", "potential_map"]
__all__ += ["FAVICON", "hand_over_to_router"]
__all__ += [  # campaign workspace
    "act",
    "campaign_manager",
    "campaign_or_stop",
    "campaign_sidebar",
    "dim_covered",
    "done_to_skip",
    "engine",
    "flash",
    "forget_import",
    "item_manager",
    "keep_import",
    "keep_opposition",
    "link_for",
    "new_id",
    "opposition_state",
    "organiser",
    "retention_notice",
    "save_plan_form",
    "scenario_controls",
    "scenario_manager",
    "unmatched_opposition",
]
