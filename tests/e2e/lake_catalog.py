"""Reads a strata project's catalog the way an outside tool would: the metadata file of a table."""

import sqlite3


def metadata_location(project, table):
    """The Iceberg metadata file strata's catalog names as `table`'s ("namespace.name") current."""
    space, name = table.split(".")
    with sqlite3.connect(f"file:{project}/.strata/catalog.db?mode=ro", uri=True) as db:
        return db.execute("SELECT metadata_location FROM tables WHERE namespace = ? AND name = ?",
                          (space, name)).fetchone()[0]
