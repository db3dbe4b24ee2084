"""A GeoPackage spatial index built packed, in bulk: the same R-tree GDAL makes, written node by node.

GDAL before 3.8 (Debian 12 has 3.6) fills a GeoPackage R-tree one feature at a time through SQLite's
R*Tree module (about 10 µs a feature: 22 s of the 30 s GDAL needs to copy 2.3 million pipes); GDAL 3.8
and later build it in bulk themselves (in a scratch database whose R-tree tables are then copied in),
so with them ``add_spatial_index`` lets GDAL do it (``gdal_spatial_index``), and the packing below is
the workaround kept beside it for older GDALs. Here the boxes are read from the
geometry headers with numpy, sorted along a Z-order curve, packed 51 to a node and written straight
into the R-tree's node, parent and rowid tables. The virtual table, its triggers and the extension
row are the ones GDAL writes for a table of the same name (taken from a throw-away GeoPackage GDAL
makes), so later edits keep the index up to date as usual. ``SELECT rtreecheck(...)`` checks it.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np

from ...network.io.arrow import gather_doubles

CELL = np.dtype([("id", ">i8"), ("minx", ">f4"), ("maxx", ">f4"), ("miny", ">f4"), ("maxy", ">f4")])
CHUNK = 100_000  # geometries read at a time (bounded memory on a county)
GDAL_BULK_RTREE = 3080000  # GDAL 3.8.0 (as gdal.VersionInfo() numbers it): R-trees built in bulk by GDAL


def gdal_builds_rtree() -> bool:
    """Whether the GDAL at hand builds a GeoPackage R-tree in bulk itself (3.8 and later)."""
    from osgeo import gdal

    return int(gdal.VersionInfo()) >= GDAL_BULK_RTREE


def add_spatial_index(path: str, table: str, own_file: bool = False, extent: bool = False,
                      known_boxes: Optional[tuple[np.ndarray, np.ndarray]] = None,
                      by_gdal: Optional[bool] = None) -> None:
    """Give a GeoPackage table without a spatial index GDAL's R-tree, built in bulk: by GDAL itself
    where it does so (``by_gdal``; by default gdal_builds_rtree()), else packed here.

    ``own_file``: the file was made by this run (and is removed if it fails): no rollback journal.
    ``extent``: also set the table's extent in gpkg_contents (rows were written by SQLite, not OGR).
    ``known_boxes``: (feature ids, (minx, maxx, miny, maxy)) of every geometry when the caller
    already has its coordinates (reading a county's geometries back costs seconds).
    """
    if gdal_builds_rtree() if by_gdal is None else by_gdal:
        gdal_spatial_index(path, table)
        if extent:
            connection = connect(path, own_file)
            try:
                with connection:
                    set_extent(connection, table, known_boxes[1] if known_boxes is not None else
                               _boxes(connection, table, *_geometry_and_key(connection, table))[1])
            finally:
                connection.close()
        return
    connection = connect(path, own_file)
    try:
        end_index(connection, index_rows(connection, table, known_boxes), extent)
    finally:
        connection.close()


def gdal_spatial_index(path: str, table: str) -> None:
    """The table's R-tree made by GDAL (its SQL function ``CreateSpatialIndex``, what ogr2ogr and QGIS make):
    the virtual table, triggers and extension row, filled from the rows (in bulk from GDAL 3.8, one by one
    before)."""
    from osgeo import gdal

    connection = sqlite3.connect(path)
    try:
        geometry, _ = _geometry_and_key(connection, table)
    finally:
        connection.close()
    dataset = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_UPDATE)
    try:
        literal = "'{}'".format
        result = dataset.ExecuteSQL(f"SELECT CreateSpatialIndex({literal(table.replace(chr(39), chr(39) * 2))}, "
                                    f"{literal(geometry.replace(chr(39), chr(39) * 2))})")
        made = result is not None and result.GetNextFeature().GetField(0) == 1
        if result is not None:
            dataset.ReleaseResultSet(result)
        if not made:
            raise RuntimeError(f"GDAL could not index {table} in {path}: {gdal.GetLastErrorMsg()}")
    finally:
        dataset = None


def set_extent(connection: sqlite3.Connection, table: str, boxes: np.ndarray) -> None:
    """The table's extent in gpkg_contents: of its geometries' boxes (minx, maxx, miny, maxy)."""
    if len(boxes):
        connection.execute("UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ? "
                           "WHERE lower(table_name) = lower(?)",
                           (float(boxes[:, 0].min()), float(boxes[:, 1].max()),
                            float(boxes[:, 2].min()), float(boxes[:, 3].max()), table))


def _geometry_and_key(connection: sqlite3.Connection, table: str) -> tuple[str, str]:
    """(geometry column, primary key column) of a GeoPackage table."""
    geometry = connection.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                  (table,)).fetchone()[0]
    return geometry, next(row[1] for row in connection.execute(f"PRAGMA table_info({quoted(table)})") if row[5])


@dataclass
class PendingIndex:
    """An R-tree written but not yet kept up to date: its triggers and extension row still to add."""

    table: str
    statements: list[str]
    extension: tuple
    boxes: np.ndarray


def index_rows(connection: sqlite3.Connection, table: str,
               known_boxes: Optional[tuple[np.ndarray, np.ndarray]] = None) -> PendingIndex:
    """Write a table's packed R-tree (``known_boxes`` or the boxes of its rows), without the triggers.

    With known boxes this may come before the rows themselves: until ``end_index`` adds the
    triggers, inserted rows leave the R-tree alone. The index is always made from the boxes, never
    copied from an input's own R-tree: an input index whose root and row count looked right hid 37
    of 1,776 features from spatial queries, and checking every node of one costs more than packing.
    """
    geometry, key = _geometry_and_key(connection, table)
    statements, extension = _gdal_index_sql(table, geometry, key)
    rtree = f"rtree_{table}_{geometry}"
    with connection:
        connection.execute(statements[0])  # the virtual table: its shadow tables, an empty root
    node_size = connection.execute(f"SELECT length(data) FROM {quoted(rtree + '_node')} WHERE nodeno = 1"
                                   ).fetchone()[0]
    ids, boxes = known_boxes if known_boxes is not None else _boxes(connection, table, geometry, key)
    nodes, parents, leaf_of = _pack(ids, boxes, (node_size - 4) // CELL.itemsize, node_size)
    with connection:
        connection.execute(f"DELETE FROM {quoted(rtree + '_node')}")
        connection.executemany(f"INSERT INTO {quoted(rtree + '_node')} VALUES (?, ?)", nodes)
        connection.executemany(f"INSERT INTO {quoted(rtree + '_parent')} VALUES (?, ?)", parents)
        _insert_leaves(connection, rtree + "_rowid", ids, leaf_of)
    return PendingIndex(table, statements[1:], extension, boxes)


def end_index(connection: sqlite3.Connection, index: PendingIndex, extent: bool = False) -> None:
    """Add the triggers and extension row that keep an R-tree up to date (and the extent, if asked)."""
    with connection:
        for statement in index.statements:
            connection.execute(statement)
        connection.execute(index.extension[0])  # a GeoPackage without extensions has no table for them yet
        connection.execute("INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", index.extension[1])
        if extent:
            set_extent(connection, index.table, index.boxes)


def connect(path: str, own_file: bool, any_thread: bool = False) -> sqlite3.Connection:
    """A SQLite connection to a GeoPackage, unjournaled when the file is the run's own.

    ``any_thread``: the connection may be handed to another thread (never used by two at once).
    """
    connection = sqlite3.connect(path, check_same_thread=not any_thread)
    if own_file:
        unjournaled(connection)
    return connection


def unjournaled(connection: sqlite3.Connection) -> None:
    """Write without SQLite's rollback journal and syncs: only for a file this run made and removes
    if it fails (a user's own GeoPackage keeps its journal, so nothing it held can be lost)."""
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")


def _insert_leaves(connection: sqlite3.Connection, table: str, ids: np.ndarray, leaf_of: np.ndarray,
                   chunk: int = 500_000) -> None:
    """The R-tree's rowid table (feature id, leaf node). When the ids run 1, 2 ... (written by
    PipeNet) SQLite reads the leaves from JSON arrays, without a Python row each (2 s less GIL for
    a county's pipes), else one row at a time."""
    if len(ids) and bool((np.diff(ids) == 1).all()):
        try:
            for start in range(0, len(ids), chunk):
                leaves = "[" + ",".join(map(str, leaf_of[start:start + chunk].tolist())) + "]"
                connection.execute(f"INSERT INTO {quoted(table)} SELECT key + ?, value FROM json_each(?)",
                                   (int(ids[start]), leaves))
            return
        except sqlite3.OperationalError as error:  # a SQLite built without JSON: nothing was inserted
            if start or "json_each" not in str(error):
                raise
    connection.executemany(f"INSERT INTO {quoted(table)} VALUES (?, ?)", _pairs(ids, leaf_of))


def _pairs(*columns: np.ndarray, chunk: int = 100_000):
    """Rows of columns, a chunk of Python objects at a time (millions of them at once cost GBs)."""
    for start in range(0, len(columns[0]), chunk):
        yield from zip(*(column[start:start + chunk].tolist() for column in columns))


def _gdal_index_sql(table: str, geometry: str, key: str) -> tuple[list[str], tuple]:
    """The SQL of the R-tree GDAL makes for this table (virtual table first, then triggers) and
    (the gpkg_extensions table, its row), from an empty table of the same names in a throw-away
    GeoPackage."""
    from osgeo import ogr

    with tempfile.TemporaryDirectory() as folder:
        template = os.path.join(folder, "template.gpkg")
        dataset = ogr.GetDriverByName("GPKG").CreateDataSource(template)
        dataset.CreateLayer(table, None, ogr.wkbUnknown,
                            options=["SPATIAL_INDEX=YES", f"FID={key}", f"GEOMETRY_NAME={geometry}"])
        dataset = None
        connection = sqlite3.connect(template)
        try:
            rtree = f"rtree_{table}_{geometry}"
            virtual = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                         (rtree,)).fetchone()[0]
            triggers = [row[0] for row in connection.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE ? "
                "ORDER BY name", (table, f"{rtree}%"))]
            extension = connection.execute("SELECT * FROM gpkg_extensions WHERE extension_name = "
                                           "'gpkg_rtree_index' AND table_name = ?", (table,)).fetchone()
            extensions_table = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                                                  "name = 'gpkg_extensions'").fetchone()[0]
        finally:
            connection.close()
    extensions_table = extensions_table.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)
    return [virtual, *triggers], (extensions_table, extension)


def _boxes(connection: sqlite3.Connection, table: str, geometry: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature ids and (minx, maxx, miny, maxy) of every geometry that is not null or empty."""
    ids, boxes = [], []
    last = None
    query = (f"SELECT {quoted(key)}, {quoted(geometry)} FROM {quoted(table)} "
             f"WHERE {quoted(key)} > ? ORDER BY {quoted(key)} LIMIT {CHUNK}")
    while True:
        rows = connection.execute(query, (-(2 ** 63) if last is None else last,)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        chunk_ids, blobs = zip(*rows)
        found, box = blob_boxes(list(blobs))
        ids.append(np.array(chunk_ids, dtype=np.int64)[found])
        boxes.append(box)
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty((0, 4))
    return np.concatenate(ids), np.concatenate(boxes)


def blob_boxes(blobs: list) -> tuple[np.ndarray, np.ndarray]:
    """(rows with a geometry that is not empty, their (minx, maxx, miny, maxy)) of GeoPackage blobs.

    The header's envelope where it has one; points read from their WKB; anything else measured by OGR.

    >>> point = b"GP\\x00\\x01" + bytes(4) + b"\\x01\\x01\\x00\\x00\\x00" + np.array([3.0, 4.0]).tobytes()
    >>> blob_boxes([point, None])
    (array([0]), array([[3., 3., 4., 4.]]))
    """
    present = [i for i, blob in enumerate(blobs) if isinstance(blob, bytes) and len(blob) >= 8]
    kept = [blobs[i] for i in present]
    sizes = np.array([len(blob) for blob in kept], dtype=np.int64)
    joined = b"".join(kept)
    raw = np.frombuffer(joined, dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if len(kept) else np.empty(0, np.int64)
    flags = raw[starts + 3] if len(kept) else np.empty(0, np.uint8)
    little, envelope, empty = (flags & 1) == 1, (flags >> 1) & 7, ((flags >> 4) & 1) == 1
    box = np.full((len(kept), 4), np.nan)
    with_envelope = little & (envelope >= 1) & (envelope <= 4) & ~empty & (sizes >= 40)
    at = starts[with_envelope] + 8
    for column in range(4):  # minx, maxx, miny, maxy
        box[with_envelope, column] = gather_doubles(joined, at + 8 * column)
    # no envelope: a little-endian WKB point (the common case) right after the 8-byte header
    wkb_type = np.zeros(len(kept), dtype=np.int64)
    plain = little & (envelope == 0) & ~empty & (sizes >= 29)
    if plain.any():
        wkb_type[plain] = raw[(starts[plain] + 9)[:, None] + np.arange(4)].copy().view("<u4").ravel()
    wkb_order = np.zeros(len(kept), dtype=np.uint8)
    wkb_order[plain] = raw[starts[plain] + 8]
    point = plain & (wkb_order == 1) & (wkb_type == 1)
    if point.any():
        x, y = gather_doubles(joined, starts[point] + 13), gather_doubles(joined, starts[point] + 21)
        box[point] = np.stack([x, x, y, y], axis=1)
    rest = np.flatnonzero(~with_envelope & ~point & ~empty)
    if len(rest):
        from osgeo import ogr

        for row in rest.tolist():
            blob = kept[row]
            header = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((blob[3] >> 1) & 7, 0)
            shape = ogr.CreateGeometryFromWkb(blob[header:])
            if shape is not None and not shape.IsEmpty():
                box[row] = shape.GetEnvelope()
    found = np.isfinite(box).all(axis=1)
    return np.array(present, dtype=np.int64)[found], box[found]


def _pack(ids: np.ndarray, boxes: np.ndarray, fanout: int, node_size: int) -> tuple[Iterator, list, np.ndarray]:
    """(node rows, parent rows, leaf node of each id) of a packed R-tree, the root numbered 1."""
    low, high = _float32_down(boxes[:, [0, 2]]), _float32_up(boxes[:, [1, 3]])
    cells = np.stack([low[:, 0], high[:, 0], low[:, 1], high[:, 1]], axis=1)
    order = np.argsort(_z_order((boxes[:, 0] + boxes[:, 1]) / 2, (boxes[:, 2] + boxes[:, 3]) / 2), kind="stable")
    # the cells of each level, leaves first: a level's cells fill its nodes ``fanout`` at a time
    level_boxes = [cells[order]]
    while len(level_boxes[-1]) > fanout:
        below = level_boxes[-1]
        starts = np.arange(0, len(below), fanout)
        level_boxes.append(np.stack([reduce.reduceat(below[:, column], starts) for column, reduce in
                                     enumerate((np.minimum, np.maximum, np.minimum, np.maximum))], axis=1))
    depth = len(level_boxes) - 1
    node_counts = [max(1, -(-len(level) // fanout)) for level in level_boxes]
    first_number = [0] * len(level_boxes)  # the root is node 1, then the levels below it in turn
    number = 1
    for level in reversed(range(len(level_boxes))):
        first_number[level] = number
        number += node_counts[level]
    parents = []
    leaf_of = np.empty(len(ids), dtype=np.int64)
    leaf_of[order] = first_number[0] + np.arange(len(ids)) // fanout
    for level in range(1, len(level_boxes)):
        child = first_number[level - 1] + np.arange(len(level_boxes[level]))
        parents += zip(child.tolist(), (first_number[level] + np.arange(len(child)) // fanout).tolist())

    def nodes():
        # made as SQLite asks for them: the blobs of a county's leaves alone are 50 MB
        if not len(ids):
            yield 1, bytes(node_size)  # an empty root: depth 0, no cells
            return
        for level, member_boxes in enumerate(level_boxes):
            child = ids[order] if level == 0 else first_number[level - 1] + np.arange(len(member_boxes))
            for first in range(0, len(member_boxes), fanout * 1000):
                chosen = slice(first, first + fanout * 1000)
                record = np.zeros(len(member_boxes[chosen]), dtype=CELL)
                record["id"] = child[chosen]
                record["minx"], record["maxx"] = member_boxes[chosen, 0], member_boxes[chosen, 1]
                record["miny"], record["maxy"] = member_boxes[chosen, 2], member_boxes[chosen, 3]
                raw, width = record.tobytes(), CELL.itemsize
                for offset in range(0, len(raw), fanout * width):
                    cells_here = raw[offset:offset + fanout * width]
                    head = (depth if level == depth else 0).to_bytes(2, "big") + \
                        (len(cells_here) // width).to_bytes(2, "big")
                    number = first_number[level] + (first + offset // width) // fanout
                    yield number, head + cells_here + bytes(node_size - 4 - len(cells_here))
    return nodes(), parents, leaf_of


def _float32_down(values: np.ndarray) -> np.ndarray:
    """The float32 SQLite's R-tree stores for a box's lower bound: never above the value, rounded
    the way SQLite rounds it (rtreeValueDown), so the boxes are the ones GDAL's index would hold."""
    rounded = values.astype(np.float32)
    above = rounded.astype(np.float64) > values
    exact = values[above]  # only these move: the factor for them alone (a county's boxes: 0.15 s less)
    rounded[above] = (exact * np.where(exact < 0, 1.0 + 2.0 ** -23, 1.0 - 2.0 ** -23)).astype(np.float32)
    return rounded


def _float32_up(values: np.ndarray) -> np.ndarray:
    """The float32 upper bound SQLite's R-tree stores (rtreeValueUp)."""
    rounded = values.astype(np.float32)
    below = rounded.astype(np.float64) < values
    exact = values[below]
    rounded[below] = (exact * np.where(exact < 0, 1.0 - 2.0 ** -23, 1.0 + 2.0 ** -23)).astype(np.float32)
    return rounded


def _z_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Z-order (Morton) code of points on a 65536 × 65536 grid over their extent."""
    def spread(values: np.ndarray) -> np.ndarray:
        low, span = values.min(initial=0.0), np.ptp(values) if len(values) else 0.0
        grid = ((values - low) / (span or 1.0) * 65535).astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            grid = (grid | (grid << np.uint64(shift))) & np.uint64(mask)
        return grid
    return spread(x) | (spread(y) << np.uint64(1))


def quoted(name: str) -> str:
    """An SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'
