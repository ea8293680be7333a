"""The campaign workspace on a real database (SQLite by default, PostgreSQL for a team).

Pure of Streamlit: pages reach it through :mod:`lib.ui.workspace`. Every function takes the
engine first and runs its own short transaction (:func:`lib.store.db.write`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from lib.doors import DOOR_STATUSES
from lib.store import retention
from lib.store.backup import duplicate_campaign, export_campaign, import_campaign
from lib.store.campaigns import (
    archive,
    create_campaign,
    duplicate_scenario,
    get_campaign,
    list_campaigns,
    list_scenarios,
    rename,
    save_scenario,
    scenario_query,
    set_retention,
)
from lib.store.coverage import (
    bureau_coverage,
    covered_bureaux,
    done_addresses,
    stop_statuses,
    team_figures,
    turf_coverage,
)
from lib.store.db import current_revision, default_url, failure, make_engine, upgrade
from lib.store.keys import duplicate_with_key, key_opens, protected_campaigns, set_access_key
from lib.store.links import (
    BAD_LINK,
    active_links,
    issue_link,
    issue_plan_links,
    link_label,
    list_links,
    revoke_link,
    revoke_links,
)
from lib.store.paper import PaperReturns, record_paper_returns
from lib.store.plans import (
    TURF_STATUSES,
    duplicate_plan,
    get_plan,
    holdout_design,
    list_plans,
    plan_addresses,
    plan_turfs,
    save_plan,
    update_turfs,
)
from lib.store.returns import (
    record_report,
    record_tap,
    record_taps,
    take_turf,
    turf_sheet,
)
from lib.store.sensitive import (
    OppositionSummary,
    erase_all_opposed_taps,
    load_imports,
    load_opposition,
    match_unmatched_lists,
    opposed_addresses,
    opposition_summary,
    purge,
    purge_expired_returns,
    rematch_opposition,
    remove_import,
    save_import,
    save_opposition,
)


def open_store(url: str, *, today: date | None = None) -> Engine:
    """Engine for ``url`` with the schema upgraded in place, expired field returns purged and no
    door status left at an address of an opposition list."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        purge_expired_returns(engine, today)
        match_unmatched_lists(engine)
        erase_all_opposed_taps(engine)
    except (DBAPIError, OSError) as err:  # damaged file, read-only folder, server unreachable
        engine.dispose()
        raise failure(url, err) from None
    return engine


__all__ = [
    "BAD_LINK",
    "DOOR_STATUSES",
    "TURF_STATUSES",
    "OppositionSummary",
    "PaperReturns",
    "active_links",
    "archive",
    "bureau_coverage",
    "covered_bureaux",
    "create_campaign",
    "current_revision",
    "default_url",
    "done_addresses",
    "duplicate_campaign",
    "duplicate_plan",
    "duplicate_scenario",
    "duplicate_with_key",
    "export_campaign",
    "failure",
    "get_campaign",
    "get_plan",
    "holdout_design",
    "import_campaign",
    "issue_link",
    "issue_plan_links",
    "key_opens",
    "link_label",
    "list_campaigns",
    "list_links",
    "list_plans",
    "list_scenarios",
    "load_imports",
    "load_opposition",
    "make_engine",
    "match_unmatched_lists",
    "open_store",
    "opposed_addresses",
    "opposition_summary",
    "plan_addresses",
    "plan_turfs",
    "protected_campaigns",
    "purge",
    "purge_expired_returns",
    "record_paper_returns",
    "record_report",
    "record_tap",
    "record_taps",
    "rematch_opposition",
    "remove_import",
    "rename",
    "retention",
    "revoke_link",
    "revoke_links",
    "save_import",
    "save_opposition",
    "save_plan",
    "save_scenario",
    "scenario_query",
    "set_access_key",
    "set_retention",
    "stop_statuses",
    "take_turf",
    "team_figures",
    "turf_coverage",
    "turf_sheet",
    "update_turfs",
    "upgrade",
]
