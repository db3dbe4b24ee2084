"""The GDAL copy of an input layer into a GeoPackage output, then one UPDATE of PipeNet's columns.

Any file GDAL reads (shapefile, GeoJSON ...) is copied this way, in a thread as soon as it is read;
a GeoPackage input goes through gpkg_insert instead (one SQLite pass).
"""

from __future__ import annotations

import os
import sqlite3
import struct
from typing import Optional

from .gpkg_insert import add_columns
from .gpkg_rtree import add_spatial_index, connect


def copy_layer(origin: tuple, path: str, table: str, append: bool, fields: list, multi: bool,
               own_file: bool, stopping=None, empty: bool = False) -> None:
    """Copy a layer's ``fields`` (layers.KeptField) into a GeoPackage table and index it; ``empty``:
    only the table and its fields."""
    from osgeo import gdal

    gdal.UseExceptions()
    source_path, source_layer, where, encoding = origin
    if not append and os.path.exists(path):
        os.remove(path)  # overwrite, as QGIS does
    source = gdal.OpenEx(source_path, gdal.OF_VECTOR, open_options=[f"ENCODING={encoding}"] if encoding else [])
    # the spatial index is packed afterwards: GDAL would insert every feature into it one at a time
    options = dict(format="GPKG", layerName=table, SQLDialect="OGRSQL",
                   SQLStatement=select_statement(source, source_layer, fields, "0 = 1" if empty else where),
                   layerCreationOptions=["SPATIAL_INDEX=NO"],
                   geometryType="LINESTRING" if multi else None,
                   accessMode="update" if append and os.path.exists(path) else None,
                   # a run that failed or was cancelled stops a copy made beside it
                   callback=(lambda *_: 0 if stopping.is_set() else 1) if stopping is not None else None)
    # -unsetFid: output features are numbered 1, 2 ... in input order, whatever ids the input had
    dataset = gdal.VectorTranslate(path, source, options=gdal.VectorTranslateOptions(
        options=["-unsetFid"], **{name: value for name, value in options.items() if value is not None}))
    if dataset is None:
        raise OSError(f"could not write {path}")
    dataset = None
    if not empty and (stopping is None or not stopping.is_set()):
        add_spatial_index(path, table, own_file=own_file)


def ogr_sql_name(name: str) -> str:
    """A name quoted for OGR SQL: in double quotes, a quote inside escaped with a backslash.

    >>> ogr_sql_name('a "b", c')
    '"a \\"b\\", c"'
    """
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def select_statement(source, layer_name: Optional[str], fields: list, where: Optional[str] = None) -> str:
    """The OGR SQL that copies ``fields`` under their output names, with the geometry, the rows
    ``where`` selects (the layer's subset string).

    An SQL statement rather than ogr2ogr's ``-select``, which splits names at commas and cannot
    rename (and ``-where``, which GDAL ignores beside ``-sql``). The input's key column (a
    GeoPackage's ``objectid``) is no attribute to OGR: it is read as OGR SQL's FID under its own
    name, the value QGIS shows for it.
    """
    layer = source.GetLayerByName(layer_name) if layer_name else source.GetLayer(0)
    key = (layer.GetFIDColumn() or "").lower()
    selected = [f"FID AS {ogr_sql_name(field.name)}" if key and field.source.lower() == key
                else f"{ogr_sql_name(field.source)} AS {ogr_sql_name(field.name)}" for field in fields]
    # OGR SQL carries the geometry along with any field; with none it is named (shapefiles have no name for it)
    selected = selected or [ogr_sql_name(layer.GetGeometryColumn() or "_ogr_geometry_")]
    statement = f"SELECT {', '.join(selected)} FROM {ogr_sql_name(layer.GetName())}"
    return f"{statement} WHERE {where}" if where else statement


def update_columns(path: str, table: str, columns: list[tuple[str, str]], rows, expected: int,
                   own_file: bool = False) -> None:
    """Add the pn_ columns and set them by feature id (``rows``: values then feature id, any iterable).

    ``own_file``: the GeoPackage is this run's own (removed if the run fails), so SQLite may skip
    its rollback journal.
    """
    from osgeo import ogr

    dataset = ogr.Open(path, 1)
    copied = dataset.GetLayerByName(table).GetFeatureCount()
    dataset = None
    if copied != expected:
        raise OSError(f"{path}: copied {copied} pipes, expected {expected}")
    add_columns(path, table, columns)
    connection = connect(path, own_file)
    _add_geometry_functions(connection)
    try:
        # the copy numbers features 1, 2, ... in input order: check before relying on it
        first, last, total = connection.execute(f'SELECT min(fid), max(fid), count(*) FROM "{table}"').fetchone()
        if (first, last, total) != (1, expected, expected) and expected:
            raise OSError(f"{path}: unexpected feature ids {first}..{last}")
        assignments = ", ".join(f'"{name}" = ?' for name, _ in columns)
        with connection:
            connection.executemany(f'UPDATE "{table}" SET {assignments} WHERE fid = ?', rows)
    finally:
        connection.close()


def _add_geometry_functions(connection: sqlite3.Connection) -> None:
    """The functions the GeoPackage R-tree triggers name, so plain SQLite can prepare an UPDATE.

    An update of attributes only never runs them (they fire when the geometry or the feature id
    changes); they read the envelope of the GeoPackage geometry header all the same, so a trigger
    that did fire would index correctly.
    """
    def header(blob):
        if not isinstance(blob, bytes) or len(blob) < 8 or blob[:2] != b"GP":
            return None, None
        flags = blob[3]
        empty, kind = bool((flags >> 4) & 1), (flags >> 1) & 7
        if kind:
            return empty, struct.unpack(("<" if flags & 1 else ">") + "4d", blob[8:40])
        if empty:
            return empty, None
        from osgeo import ogr  # no envelope in the header (points): measure the geometry

        geometry = ogr.CreateGeometryFromWkb(blob[8:])
        return empty, geometry.GetEnvelope() if geometry is not None else None

    def bound(position):
        def function(blob):
            envelope = header(blob)[1]
            return envelope[position] if envelope else None
        return function

    connection.create_function("ST_IsEmpty", 1, lambda blob: header(blob)[0])
    for name, position in (("ST_MinX", 0), ("ST_MaxX", 1), ("ST_MinY", 2), ("ST_MaxY", 3)):
        connection.create_function(name, 1, bound(position))
