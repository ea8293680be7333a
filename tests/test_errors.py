"""One way an error reaches a user: a French sentence, without server internals nor traceback."""

from __future__ import annotations

import logging

from lib.errors import BuildError, TerrainError, user_message


def test_a_build_error_names_the_uploaded_file_not_the_server_folder():
    err = BuildError("colonnes manquantes : codeCommune.", source="/tmp/terrain_upload_x1y2/contours.geojson")
    assert user_message(err, "de construire le territoire") == "contours.geojson : colonnes manquantes : codeCommune."


def test_an_export_folder_is_hidden_too():
    err = TerrainError("écriture impossible", source="/var/tmp/terrain_export_ab12/carte.gpkg")
    assert user_message(err, "d'exporter") == "carte.gpkg : écriture impossible"


def test_an_unexpected_error_is_a_french_sentence_saying_what_failed_and_that_nothing_is_lost(caplog):
    with caplog.at_level(logging.ERROR, logger="terrain"):
        text = user_message(KeyError("bureau_id"), "d'afficher la carte")
    assert text.startswith("Une erreur inattendue a empêché d'afficher la carte.")
    assert "conservés" in text and "KeyError" not in text and "Traceback" not in text
    assert "KeyError" in caplog.text  # the detail goes to the server's journal


def test_the_pages_and_the_workspace_use_the_one_helper():
    """shell.guard, workspace.act and the volunteers' API turn errors into sentences the same way."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in ("lib/ui/shell.py", "lib/ui/workspace.py", "lib/field/api.py"):
        code = (root / path).read_text()
        assert "user_message(" in code and "import traceback" not in code, path
