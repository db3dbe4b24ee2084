"""Write point layers (findings, events) into a GeoPackage by SQLite, without a feature object each.

A QGIS sink costs about 15 µs per feature (17 s for the million findings of a 2.3M-pipe county).
Here OGR creates the empty layer, the rows with their GeoPackage point blobs made by numpy are
staged (gpkg_staging) and copied in by one statement, and the spatial index is packed once at the end.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from typing import Callable, Optional, Sequence

import numpy as np

from ..runtime.memory import release_free_memory
from .gpkg_insert import add_columns, count_triggers_off, point_blobs
from .gpkg_rtree import add_spatial_index, connect, quoted
from .gpkg_staging import ColumnChunks, Staging
from .gpkg_writer import gpkg_destination, owned, remove_output


def write_points_in_bulk(parameters: dict, key: str, columns: list[tuple[str, str]], values: Sequence[list],
                         x: np.ndarray, y: np.ndarray, crs, own_files=frozenset(),
                         wait: Callable[[], None] = lambda: None) -> Optional[str]:
    """Write points (``values``: one list or gpkg_staging column per column; x/y in ``crs``) to a
    GeoPackage output and return its destination, or None when the output is not a GeoPackage (use the sink).

    ``own_files``: the GeoPackages this run made (gpkg_writer.owned). The rows are staged in a
    private file (Coded columns as one key per row: far fewer values bound) while ``wait()``
    returns when the output's file is free of other writers (the audit's other layers), then
    copied in by one statement.
    """
    target = gpkg_destination(parameters, key)
    if target is None:
        return None
    release_free_memory()
    path, table, append = target
    own_file = owned(path, append, own_files)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    names = ["geom"] + [name for name, _ in columns]
    # the spatial reference id of the blobs is the layer's, set when copied
    staging = Staging(names, np.arange(1, len(x) + 1, dtype=np.int64))
    try:
        staging.stage(ColumnChunks(lambda: iter([[point_blobs(x, y, 0), *values]])))
        wait()
        _create_layer(path, table, append, crs, columns)
        connection = connect(path, own_file)
        try:
            srs_id = connection.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                        (table,)).fetchone()[0]
            with connection, count_triggers_off(connection, table) as counting:
                _copy_staged(connection, table, names, staging, srs_id)
                counting.count = len(x)
        finally:
            connection.close()
    finally:
        staging.close()
    # the fresh table numbers its rows 1, 2 ... in insert order: the boxes are the points themselves
    located = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    add_spatial_index(path, table, own_file=own_file, extent=True,
                      known_boxes=(located + 1, np.stack([x, x, y, y], axis=1)[located]))
    return f"{path}|layername={table}" if append else path


def _create_layer(path: str, table: str, append: bool, crs, columns: list[tuple[str, str]]) -> None:
    """An empty point layer with the columns (replacing a file, or a table of that name, as QGIS does)."""
    from osgeo import ogr, osr

    ogr.UseExceptions()
    if os.path.exists(path):
        remove_output(path, table, append)
    dataset = ogr.Open(path, 1) if os.path.exists(path) else ogr.GetDriverByName("GPKG").CreateDataSource(path)
    reference = None
    if crs is not None and crs.isValid():
        reference = osr.SpatialReference()
        authority = crs.authid()
        if authority.upper().startswith("EPSG:"):
            reference.ImportFromEPSG(int(authority.split(":")[1]))
        else:
            reference.ImportFromWkt(crs.toWkt(crs.WKT_PREFERRED_GDAL))
    dataset.CreateLayer(table, reference, ogr.wkbPoint, options=["SPATIAL_INDEX=NO", "FID=fid", "GEOMETRY_NAME=geom"])
    dataset = None
    add_columns(path, table, columns)


def _copy_staged(connection: sqlite3.Connection, table: str, names: list[str], staging: Staging,
                 srs_id: int) -> None:
    """Copy staged point rows in order, their blobs given the layer's spatial reference id."""
    connection.commit()  # ATTACH needs no open transaction
    connection.execute("ATTACH DATABASE ? AS pipenet_stage", (staging.path,))
    try:
        # || makes text of the bytes; CAST gives the blob back, byte for byte
        expressions, joins = staging.sources()
        blob = expressions[names[0]]
        selected = ", ".join([f"CAST(substr({blob}, 1, 4) || ? || substr({blob}, 9) AS BLOB)",
                              *(expressions[name] for name in names[1:])])
        connection.execute(f"INSERT INTO {quoted(table)} ({', '.join(map(quoted, names))}) SELECT {selected} "
                           f"FROM pipenet_stage.pipenet_values v{joins} ORDER BY v.pipenet_fid",
                           (struct.pack("<i", srs_id),))
        connection.commit()
    finally:
        connection.execute("DETACH DATABASE pipenet_stage")
