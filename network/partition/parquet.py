"""Partitions as GeoParquet (pyarrow): each row's global position and whether the partition owns it."""

from __future__ import annotations

import json
import os
from typing import Optional

import numpy as np

from ..io.arrow import WkbColumn, decode_lines, decode_points
from ..io.wkb import multilinestrings_wkb
from ..model.columns import LineColumns, PointColumns, object_array, ranges

GLOBAL, OWNED, GEOMETRY = "pn_global", "pn_owned", "geometry"


def take_lines(pipes: LineColumns, rows: np.ndarray, repeat: bool = False) -> LineColumns:
    """The features ``rows`` (ascending; in any order and repeated with ``repeat``) of a line layer,
    their fids (global positions) kept."""
    rows = np.asarray(rows, dtype=np.int64)
    if repeat:
        counts = np.bincount(pipes.part_feature, minlength=pipes.count)
        first = np.cumsum(counts) - counts
        order = np.argsort(pipes.part_feature, kind="stable")  # parts by feature
        parts = order[ranges(first[rows], counts[rows])]
        new_feature = np.repeat(np.arange(len(rows)), counts[rows])
    else:
        position = np.full(pipes.count, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        parts = np.flatnonzero(position[pipes.part_feature] >= 0) if len(pipes.part_feature) else np.empty(0, np.int64)
        new_feature = position[pipes.part_feature[parts]]
    sizes = np.diff(pipes.offsets)[parts]
    return LineColumns(name=pipes.name, field_names=list(pipes.field_names), fids=pipes.fids[rows],
                       attrs={name: values[rows] for name, values in pipes.attrs.items()},
                       part_feature=new_feature, part_number=pipes.part_number[parts],
                       offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                       xy=pipes.xy[ranges(pipes.offsets[:-1][parts], sizes)])


def take_points(nodes: PointColumns, rows: np.ndarray) -> PointColumns:
    """The features ``rows`` (ascending) of a point layer, their fids kept."""
    rows = np.asarray(rows, dtype=np.int64)
    return PointColumns(name=nodes.name, field_names=list(nodes.field_names), fids=nodes.fids[rows],
                        attrs={name: values[rows] for name, values in nodes.attrs.items()}, xy=nodes.xy[rows])


def line_wkb(pipes: LineColumns) -> list:
    """WKB MultiLineString of every feature (None for a feature without geometry)."""
    parts_per_feature = np.bincount(pipes.part_feature, minlength=pipes.count)
    data, bounds = multilinestrings_wkb(pipes.xy, pipes.offsets, np.cumsum(parts_per_feature) - parts_per_feature)
    return [data[start:end] if parts else None
            for start, end, parts in zip(bounds[:-1].tolist(), bounds[1:].tolist(), parts_per_feature.tolist())]


def point_wkb(xy: np.ndarray) -> list:
    """WKB Point of every x/y (None where x or y is NaN)."""
    record = np.zeros(len(xy), dtype=np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")]))
    record["order"], record["kind"], record["x"], record["y"] = 1, 1, xy[:, 0], xy[:, 1]
    raw = record.tobytes()
    located = np.isfinite(xy).all(axis=1).tolist()
    return [raw[21 * i:21 * i + 21] if ok else None for i, ok in enumerate(located)]


def _arrow_column(values: np.ndarray):
    import pyarrow

    if values.dtype.kind in "fiub":
        return pyarrow.array(values)
    try:
        return pyarrow.array(values.tolist())
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError):  # mixed kinds: text, as GDAL would give it
        return pyarrow.array([None if v is None else str(v) for v in values.tolist()], type=pyarrow.string())


def arrow_table(columns, owned: np.ndarray, crs_wkt: Optional[str]):
    """A layer's rows (LineColumns or PointColumns) as a GeoParquet 1.0 table: the attributes, the global
    position (``pn_global``, the fid), ``pn_owned`` (False: a halo row, read-only) and WKB geometry."""
    import pyarrow

    lines = isinstance(columns, LineColumns)
    blobs = line_wkb(columns) if lines else point_wkb(columns.xy)
    arrays = [_arrow_column(columns.attrs[name]) for name in columns.field_names]
    arrays += [pyarrow.array(np.asarray(columns.fids, dtype=np.int64)), pyarrow.array(np.asarray(owned, dtype=bool)),
               pyarrow.array(blobs, type=pyarrow.binary())]
    names = list(columns.field_names) + [GLOBAL, OWNED, GEOMETRY]
    geo = {"version": "1.0.0", "primary_column": GEOMETRY,
           "columns": {GEOMETRY: {"encoding": "WKB", "geometry_types": ["MultiLineString"] if lines else ["Point"],
                                  **({"crs": None} if crs_wkt is None else {})}}}
    return pyarrow.table(arrays, names=names).replace_schema_metadata(
        {"geo": json.dumps(geo), "pipenet": json.dumps({"layer": columns.name, "fields": columns.field_names})})


class BatchFiles:
    """The partitions' input as GeoParquet, written batch by batch: each batch of a layer is one file
    whose row groups are the partitions' rows of that batch (owned and halo, ascending), so a worker
    reads its row group of every file. ``pieces[kind][partition]``: its (file, row group) list."""

    def __init__(self, folder: str, partitions: int, crs_wkt: Optional[str]):
        os.makedirs(folder, exist_ok=True)
        self.folder, self.partitions, self.crs_wkt = folder, partitions, crs_wkt
        self.pieces = {kind: [[] for _ in range(partitions)] for kind in ("line", "point")}
        self.batches = {"line": 0, "point": 0}
        self.fields: dict = {}  # kind -> the layer's field names (a partition without nodes gets none of them)

    def write(self, kind: str, batch, plan) -> None:
        """Write one batch (LineColumns or PointColumns, fids global and consecutive)."""
        import pyarrow.parquet

        self.fields.setdefault(kind, list(batch.field_names))
        position, partition = plan.destinations(kind, batch.fids)
        order = np.lexsort((position, partition))
        position, partition = position[order], partition[order]
        taken = take_lines(batch, position, repeat=True) if kind == "line" else take_points(batch, position)
        owner = (plan.pipe_partition if kind == "line" else plan.node_partition)[batch.fids[position]]
        table = arrow_table(taken, owner == partition, self.crs_wkt)
        path = os.path.join(self.folder, f"{'pipes' if kind == 'line' else 'nodes'}_{self.batches[kind]:04d}.parquet")
        self.batches[kind] += 1
        bounds = np.searchsorted(partition, np.arange(self.partitions + 1))
        with pyarrow.parquet.ParquetWriter(path, table.schema) as writer:
            group = 0
            for number in range(self.partitions):
                start, stop = int(bounds[number]), int(bounds[number + 1])
                if stop > start:
                    writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
                    self.pieces[kind][number].append((path, group))
                    group += 1


def read_partition(pieces: list, kind: str) -> tuple:
    """(LineColumns or PointColumns with fids = global positions, owned mask) of a partition's pieces
    ((file, row group) pairs of BatchFiles); (None, None) when it has none."""
    import pyarrow.parquet

    from ..model.columns import concat_columns

    parts, owned = [], []
    for path, group in pieces:
        table = pyarrow.parquet.ParquetFile(path).read_row_group(group)
        columns, mask = _columns_of(table, kind)
        parts.append(columns)
        owned.append(mask)
    if not parts:
        return None, None
    return concat_columns(parts), np.concatenate(owned)


def _columns_of(table, kind: str) -> tuple:
    meta = json.loads(table.schema.metadata[b"pipenet"])
    attrs = {}
    for name in meta["fields"]:
        values = table.column(name).to_numpy(zero_copy_only=False)
        attrs[name] = values if values.dtype.kind in "fiub" else object_array(values.tolist())
    fids = table.column(GLOBAL).to_numpy().astype(np.int64)
    owned = table.column(OWNED).to_numpy(zero_copy_only=False).astype(bool)
    blobs = WkbColumn.of_list(table.column(GEOMETRY).to_pylist())
    if kind == "line":
        part_feature, part_number, offsets, xy = decode_lines(blobs)
        columns = LineColumns(meta["layer"], meta["fields"], fids, attrs, part_feature, part_number, offsets, xy)
    else:
        columns = PointColumns(meta["layer"], meta["fields"], fids, attrs, decode_points(blobs))
    return columns, owned
