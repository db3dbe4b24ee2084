"""The GDAL copy of an input layer into a GeoPackage table (gpkg_writer's only use of GDAL's copy).

Two uses: a file that is no GeoPackage SQLite can read (shapefile, GeoJSON ...) is copied whole into a
GeoPackage of the run's staging folder, in a thread as soon as it is read, for gpkg_insert to copy
from; and every bulk-written output table is made empty this way, from its source, so its fields
and geometry column are those GDAL gives the input's.
"""

from __future__ import annotations

import os
from typing import Optional


def copy_layer(origin: tuple, path: str, table: str, append: bool, fields: list, multi: bool,
               stopping=None, empty: bool = False) -> None:
    """Copy a layer's ``fields`` (layers.KeptField) into a GeoPackage table, without a spatial index
    (the output's is packed once its rows are in: gpkg_rtree); ``empty``: only the table and its fields."""
    from osgeo import gdal

    gdal.UseExceptions()
    source_path, source_layer, where, encoding = origin
    if not append and os.path.exists(path):
        os.remove(path)  # overwrite, as QGIS does
    source = gdal.OpenEx(source_path, gdal.OF_VECTOR, open_options=[f"ENCODING={encoding}"] if encoding else [])
    # no spatial index: GDAL would insert every feature into it one at a time
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
    if stopping is not None and stopping.is_set():
        raise RuntimeError("stopped")  # GDAL's copy gave up part way: no table to copy from


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
