"""The pipes output's own columns, from the network's table, a chunk of rows at a time."""

from __future__ import annotations

import numpy as np

from .gpkg_staging import Coded, coded, listed

CODED_SIZES = 64  # at most, for the diameters to be coded


def pipe_columns(table, extra_columns=None, chunk: int = 100_000):
    """PIPE_OUTPUT_FIELDS values (plus ``extra_columns(rows)``) of every pipe in table order, as
    columns a chunk of rows at a time (feature ids 1, 2 ... implied; see gpkg_staging.ColumnChunks)."""
    names = np.asarray(table.names, dtype=object)
    # each column gathered once: an object column made per chunk cost seconds on a county; columns
    # of few distinct values are Coded (they stage as one value per row together, gpkg_staging)
    parts, directions = coded(table.edge_values("part")), coded(table.edge_values("direction_source"))
    components, systems = table.edge_values("component"), coded(table.edge_codes("system"))
    reversed_ = coded(table.edge_values("reversed").astype(bool).astype(np.int64))
    lengths, diameters = np.round(table.edge_numbers("length"), 3), table.edge_numbers("diameter")
    sizes = coded(diameters)
    # a county's diameters are a few sizes (DN300 ... DN2000): coded, as the classes are (a survey of
    # odd sizes stays plain: each combination of coded values met is staged once)
    diameters = sizes if len(sizes.values) <= CODED_SIZES else diameters
    for first in range(0, len(table.keys), chunk):
        rows = np.arange(first, min(len(table.keys), first + chunk))
        columns = [
            table.keys[first:first + chunk] if isinstance(table.keys, list) else [table.keys[r] for r in rows.tolist()],
            parts.take(rows), names[table.source[rows]], names[table.target[rows]], reversed_.take(rows),
            directions.take(rows), lengths[rows], components[rows], systems.take(rows),
            diameters.take(rows) if isinstance(diameters, Coded) else diameters[rows],  # NaN is written as NULL
        ]
        if extra_columns is not None:
            columns += extra_columns(rows)
        yield columns


def rows_from_columns(table, extra_columns, width: int):
    """An ``extra_rows(result)`` function over ``extra_columns`` (for the feature-by-feature writer)."""
    columns: list = []

    def extra_rows(result) -> list:
        if result.from_node is None:
            return [[None] * width]
        if not columns:  # made when first needed: the bulk writer may never ask
            columns.extend(listed(column) for column in extra_columns(np.arange(len(table.keys))))
        row = table.edge_position(result.pipe_id)
        # MISSING (NaN) is written as NULL, as None is
        return [[None if value != value else value for value in (column[row] for column in columns)]]
    return extra_rows
