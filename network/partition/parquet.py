"""Partitions as GeoParquet (pyarrow): each row's global position and whether the partition owns it."""

from __future__ import annotations

import json
from typing import Optional

import numpy as np

from ..io.arrow import WkbColumn, decode_lines, decode_points
from ..io.wkb import multilinestrings_wkb
from ..model.columns import LineColumns, PointColumns, object_array, ranges

GLOBAL, OWNED, GEOMETRY = "pn_global", "pn_owned", "geometry"


def take_lines(pipes: LineColumns, rows: np.ndarray) -> LineColumns:
    """The features ``rows`` (ascending) of a line layer, their fids (global positions) kept."""
    rows = np.asarray(rows, dtype=np.int64)
    position = np.full(pipes.count, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    parts = np.flatnonzero(position[pipes.part_feature] >= 0) if len(pipes.part_feature) else np.empty(0, np.int64)
    sizes = np.diff(pipes.offsets)[parts]
    return LineColumns(name=pipes.name, field_names=list(pipes.field_names), fids=pipes.fids[rows],
                       attrs={name: values[rows] for name, values in pipes.attrs.items()},
                       part_feature=position[pipes.part_feature[parts]], part_number=pipes.part_number[parts],
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


def write_geoparquet(path: str, columns, owned: np.ndarray, crs_wkt: Optional[str]) -> None:
    """One partition's layer (LineColumns or PointColumns) as GeoParquet 1.0: the attributes, the global
    position (``pn_global``, the fid), ``pn_owned`` (False: a halo row, read-only) and WKB geometry."""
    import pyarrow
    import pyarrow.parquet

    lines = isinstance(columns, LineColumns)
    blobs = line_wkb(columns) if lines else point_wkb(columns.xy)
    arrays = [_arrow_column(columns.attrs[name]) for name in columns.field_names]
    arrays += [pyarrow.array(np.asarray(columns.fids, dtype=np.int64)), pyarrow.array(np.asarray(owned, dtype=bool)),
               pyarrow.array(blobs, type=pyarrow.binary())]
    names = list(columns.field_names) + [GLOBAL, OWNED, GEOMETRY]
    geo = {"version": "1.0.0", "primary_column": GEOMETRY,
           "columns": {GEOMETRY: {"encoding": "WKB", "geometry_types": ["MultiLineString"] if lines else ["Point"],
                                  **({"crs": None} if crs_wkt is None else {})}}}
    table = pyarrow.table(arrays, names=names).replace_schema_metadata(
        {"geo": json.dumps(geo), "pipenet": json.dumps({"layer": columns.name, "fields": columns.field_names})})
    pyarrow.parquet.write_table(table, path)


def read_geoparquet(path: str, kind: str) -> tuple:
    """(LineColumns or PointColumns with fids = global positions, owned mask) of a partition file."""
    import pyarrow.parquet

    table = pyarrow.parquet.read_table(path)
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
