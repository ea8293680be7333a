"""User-facing errors.

Every error a campaign user can trigger (bad upload, broken dataset, impossible settings) is
raised as a :class:`TerrainError` whose message is French, says what is wrong and what to do.
The UI shows ``str(err)`` as-is; anything else that escapes is a bug and is shown as a generic
French message by ``lib.ui`` without a traceback.
"""

from __future__ import annotations


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
