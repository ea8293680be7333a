"""User-facing errors.

Every error a campaign user can trigger (bad upload, broken dataset, impossible settings) is
raised as a :class:`TerrainError` whose message is French, says what is wrong and what to do.
The UI shows ``str(err)`` as-is; anything else that escapes is a bug and is shown as a generic
French message by ``lib.ui`` without a traceback.
"""

from __future__ import annotations

import logging
import re
import traceback

LOG = logging.getLogger("terrain")
# A temporary upload or export folder in a message: the user sees the file's name, not the server's paths.
TEMP_FOLDER = re.compile(r"(?:[A-Za-z]:)?[^\s«»:;,()]*[/\\](?:terrain_upload_|terrain_export_|tmp)[^/\\\s]*[/\\]")


class TerrainError(Exception):
    """An error whose message (French) can be shown to the user verbatim."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(f"{source} : {message}" if source else message)


class DataContractError(TerrainError):
    """A territory dataset (or an upload) does not follow ``docs/data.md``."""


class BuildError(TerrainError):
    """A territory build cannot go on (missing or malformed raw file, unknown territory)."""


def user_message(err: BaseException, what: str) -> str:
    """The one French sentence a user sees for ``err`` (the one way errors reach a user).

    A :class:`TerrainError` says itself, without server internals (a file in a temporary
    folder is named by its file name only); anything else is a bug: logged with its traceback
    for the server's journal, and told in a sentence that names ``what`` failed and promises
    nothing was lost.
    """
    if isinstance(err, TerrainError):
        return TEMP_FOLDER.sub("", str(err))
    LOG.error("unexpected error in %s\n%s", what, "".join(traceback.format_exception(err)))
    return (f"Une erreur inattendue a empêché {what}. Vos réglages et vos données sont conservés ; "
            "réessayez dans un instant. Le détail technique est dans le journal du serveur.")
