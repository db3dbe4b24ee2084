"""Write a whole-network output straight from its GeoPackage input: one SQLite INSERT … SELECT.

A GDAL copy followed by an UPDATE of PipeNet's columns by feature id writes every row twice, and
an UPDATE that lengthens a row moves it: about 25 s for the 2.3M pipes of a 100x county. When the
input is itself a GeoPackage table, the pn_ values are staged in a private SQLite file instead and
SQLite copies each input row once, joined with them, into the empty output table, a chunk at a
time while the next chunk is staged.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .atomic import checkpoint
from .gpkg_rtree import quoted
from .gpkg_staging import Staging, insert_columns

OGR_KINDS = {"string": "OFTString", "int": "OFTInteger", "double": "OFTReal"}


@dataclass(frozen=True)
class SourceTable:
    """A GeoPackage feature table SQLite can read rows from as they are."""

    path: str
    table: str
    key: str
    geometry: str
    srs_id: int


def sqlite_source(origin: tuple, geometry_type: str) -> Optional[SourceTable]:
    """The GeoPackage table a bulk-read layer came from, when its rows can be copied as they are.

    ``origin`` is (path, layer, subset, encoding) of the bulk reader; a subset string, an
    encoding, another format or geometries other than plain 2D ``geometry_type`` give None (the
    GDAL copy handles those).
    """
    path, layer, subset, encoding = origin
    if subset or encoding or not str(path).lower().endswith(".gpkg") or not os.path.isfile(path):
        return None
    try:
        with closing(sqlite3.connect(path)) as connection:
            tables = connection.execute(
                "SELECT c.table_name, g.column_name, upper(g.geometry_type_name), g.srs_id, g.z, g.m "
                "FROM gpkg_contents c JOIN gpkg_geometry_columns g ON lower(g.table_name) = lower(c.table_name) "
                "WHERE c.data_type = 'features'").fetchall()
            if layer:
                tables = [row for row in tables if row[0].lower() == str(layer).lower()]
            if len(tables) != 1:
                return None
            table, geometry, kind, srs_id, has_z, has_m = tables[0]
            keys = [row[1] for row in connection.execute(f"PRAGMA table_info({quoted(table)})")
                    if row[5] and row[2].upper() == "INTEGER"]
    except sqlite3.Error:
        return None
    if kind != geometry_type.upper() or has_z or has_m or len(keys) != 1:
        return None
    return SourceTable(os.path.abspath(path), table, keys[0], geometry, srs_id)


# a GeoPackage point: "GP", version 0, flags (little-endian, no envelope), srs id, then the WKB point
POINT_BLOB = np.dtype([("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs", "<i4"),
                       ("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def point_blobs(x: np.ndarray, y: np.ndarray, srs_id: int) -> list[Optional[bytes]]:
    """GeoPackage geometry blobs of points (None where x or y is NaN).

    >>> first, unknown = point_blobs(np.array([1.0, np.nan]), np.array([2.0, 0.0]), 4549)
    >>> first[:4], len(first), unknown
    (b'GP\\x00\\x01', 29, None)
    """
    records = np.zeros(len(x), dtype=POINT_BLOB)
    records["magic"], records["flags"], records["srs"] = b"GP", 1, srs_id
    records["order"], records["type"] = 1, 1
    records["x"], records["y"] = x, y
    raw, width = records.tobytes(), POINT_BLOB.itemsize
    located = (np.isfinite(x) & np.isfinite(y)).tolist()
    return [raw[at:at + width] if here else None for at, here in zip(range(0, len(raw), width), located)]


def add_points(connection: sqlite3.Connection, table: str, names: Sequence[str],
               points: Sequence[tuple[list, float, float]]) -> None:
    """Append points (values of the columns ``names``, x, y) to a GeoPackage table; other columns stay NULL."""
    if not points:
        return
    srs_id = connection.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                                (table,)).fetchone()[0]
    _, geometry = _key_and_geometry(connection, table)
    x, y = (np.array([point[axis] for point in points], dtype=float) for axis in (1, 2))
    columns = [[value.item() if isinstance(value, np.generic) else value for value in column]
               for column in zip(*(values for values, _, _ in points))]
    with connection:
        insert_columns(connection, table, [geometry, *names], [point_blobs(x, y, srs_id), *columns])


def add_columns(path: str, table: str, columns: list[tuple[str, str]]) -> None:
    """Add PipeNet's columns (name, kind) to a GeoPackage table through OGR (its metadata kept right)."""
    from osgeo import ogr

    dataset = ogr.Open(path, 1)
    layer = dataset.GetLayerByName(table)
    for name, kind in columns:
        layer.CreateField(ogr.FieldDefn(name, getattr(ogr, OGR_KINDS[kind])))
    layer = dataset = None


@dataclass
class Insert:
    """An empty output table filled from its GeoPackage source joined with staged pn_ values."""

    connection: sqlite3.Connection
    table: str
    target: list[str]  # the output's key, geometry, copied fields, then the staged names
    copied: list[str]  # the source's expressions for the key, geometry and copied fields
    joined: str  # the staged rows v and the source rows s
    source: SourceTable
    staging: Staging
    schema: str  # where the source table is: "main" or the attached source file

    def statement(self) -> str:
        """The INSERT of a chunk of feature ids (once the staging knows its layout)."""
        expressions, joins = self.staging.sources()
        selected = ", ".join([*self.copied, *(expressions[name] for name in self.staging.names)])
        return (f"INSERT INTO {quoted(self.table)} ({', '.join(map(quoted, self.target))}) SELECT {selected} "
                f"FROM {self.joined}{joins} WHERE v.pipenet_fid BETWEEN ? AND ?")

    def fill(self) -> None:
        """Copy each staged chunk into the output as it comes (any thread), then check the count."""
        connection = self.connection
        connection.execute("ATTACH DATABASE ? AS pipenet_stage", (self.staging.path,))
        inserted, statement = 0, None
        with count_triggers_off(connection, self.table) as counting:
            for chunk in self.staging.chunks():
                statement = statement or self.statement()
                inserted += connection.execute(statement, chunk).rowcount
                connection.commit()  # ends the read of the staging file: the next chunk becomes visible
                checkpoint("rows_inserting")
            counting.count = inserted  # the table was empty: no count(*) over a county's rows
        connection.commit()
        if inserted != self.staging.count:
            raise OSError(f"{self.source.path}: {inserted} of {self.staging.count} features of "
                          f"{self.source.table} found (was the layer changed while PipeNet ran?)")


def plan_insert(source: SourceTable, connection: sqlite3.Connection, table: str, fields: list,
                staging: Staging) -> Optional[Insert]:
    """How the empty ``table`` gets its rows: output feature n is source feature n of the staging's
    feature ids, with its ``fields`` (layers.KeptField) and geometry, and the pn_ values staged for it.

    None when the output geometries would need another spatial reference id than the source's or
    SQLite cannot open the source (GDAL copies it then).
    """
    key, geometry = _key_and_geometry(connection, table)
    srs_id = connection.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                                (table,)).fetchone()[0]
    if srs_id != source.srs_id:
        return None
    main = connection_path(connection)
    schema = "main" if os.path.exists(main) and os.path.samefile(main, source.path) else "pipenet_source"
    if schema != "main":
        try:  # a file SQLite cannot open beside GDAL (a read-only folder in WAL mode ...): GDAL copies it
            connection.execute("ATTACH DATABASE ? AS pipenet_source", (source.path,))
            connection.execute("SELECT count(*) FROM pipenet_source.sqlite_master").fetchone()
        except sqlite3.Error:
            return None
    copied = ["v.pipenet_fid", f"s.{quoted(source.geometry)}", *(f"s.{quoted(field.source)}" for field in fields)]
    # CROSS JOIN keeps the staged rows outermost: rows go into the output in feature id order
    joined = (f"pipenet_stage.pipenet_values v CROSS JOIN {schema}.{quoted(source.table)} s "
              f"ON s.{quoted(source.key)} = v.pipenet_fid" if staging.in_order else
              f"pipenet_stage.pipenet_values v CROSS JOIN pipenet_stage.pipenet_fids f USING (pipenet_fid) "
              f"CROSS JOIN {schema}.{quoted(source.table)} s ON s.{quoted(source.key)} = f.source_fid")
    return Insert(connection, table, [key, geometry, *(field.name for field in fields), *staging.names], copied,
                  joined, source, staging,
                  schema)


def pipe_boxes(run, count: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(feature ids, boxes) of the pipes written by SQLite, from the coordinates in memory when
    they are the file's own (not reprojected), else None: read back from the output."""
    if not run.network.sources.get("pipes_in_source_crs"):
        return None
    boxes = run.network.pipe_coords.boxes()
    return (np.arange(1, count + 1), boxes) if len(boxes) == count else None


def node_boxes(run, count: int, virtual: list) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(feature ids, boxes) of the input nodes and virtual junctions written, as ``pipe_boxes``."""
    if not run.network.sources.get("nodes_in_source_crs"):
        return None
    xy = run.network.table().node_coordinates()[:count]
    if virtual:
        xy = np.concatenate([xy, np.array([(x, y) for _, x, y in virtual], dtype=float)])
    if len(xy) != count + len(virtual) or not np.isfinite(xy).all():
        return None
    return np.arange(1, len(xy) + 1), xy[:, [0, 0, 1, 1]]


class count_triggers_off:  # noqa: N801 (used as a context manager, like contextlib's)
    """Drop OGR's feature-count triggers of a table for a bulk insert, then set the count once and
    put them back (they cost a row update per inserted feature)."""

    def __init__(self, connection: sqlite3.Connection, table: str):
        self.connection, self.table = connection, table
        self.count: Optional[int] = None  # the table's row count when the caller knows it

    def __enter__(self):
        self.triggers = self.connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND lower(tbl_name) = lower(?) "
            "AND name LIKE 'trigger_%_feature_count_%'", (self.table,)).fetchall()
        for name, _ in self.triggers:
            self.connection.execute(f"DROP TRIGGER {quoted(name)}")
        return self

    def __exit__(self, *error):
        for _, statement in self.triggers:
            self.connection.execute(statement)
        if error[0] is None:
            set_feature_count(self.connection, self.table, self.count)
        return False


def set_feature_count(connection: sqlite3.Connection, table: str, count: Optional[int] = None) -> None:
    """Keep OGR's cached feature count right (rows inserted behind its back): ``count`` or counted."""
    try:
        if count is None:
            count = connection.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0]
        connection.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)",
                           (count, table))
    except sqlite3.OperationalError:  # a GeoPackage without OGR's count table
        pass


def connection_path(connection: sqlite3.Connection) -> str:
    """The file of a connection's main database."""
    return next(row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main")


def _key_and_geometry(connection: sqlite3.Connection, table: str) -> tuple[str, str]:
    geometry = connection.execute("SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                                  (table,)).fetchone()[0]
    key = next(row[1] for row in connection.execute(f"PRAGMA table_info({quoted(table)})") if row[5])
    return key, geometry
