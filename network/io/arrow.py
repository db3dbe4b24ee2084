"""Read a whole vector layer into columns in bulk: GDAL's Arrow stream plus numpy WKB decoding.

Feature-by-feature reading costs 10-20 µs per feature in Python; a GeoPackage of 2.4 million pipes
comes through the Arrow stream in a few seconds. Other readers (PyQGIS providers, GeoDataFrames)
produce the same columns, so the build never knows where its data came from.
"""

from __future__ import annotations

import itertools
import struct
from typing import Any, Iterator, Optional, Union

import numpy as np

from .._errors import PipeNetInputError
from ..model.columns import LineColumns, PointColumns, group_starts, object_array, ranges
from ..model.records import gc_paused

LINE_TYPES = {2: 2, 1002: 3, 2002: 3, 3002: 4}  # WKB type -> doubles per vertex
MULTILINE_TYPES = {5, 1005, 2005, 3005}
POINT_TYPES = {1: 2, 1001: 3, 2001: 3, 3001: 4}
MULTIPOINT_TYPES = {4, 1004, 2004, 3004}
EWKB_Z, EWKB_M = 0x80000000, 0x40000000


def has_arrow() -> bool:
    """Whether the installed GDAL can stream layers as numpy arrays (GDAL >= 3.6)."""
    try:
        from osgeo import ogr
    except ImportError:
        return False
    return hasattr(ogr.Layer, "GetArrowStreamAsNumPy")


def read_columns(path: str, layer: Optional[str] = None, kind: str = "line", encoding: Optional[str] = None,
                 where: Optional[str] = None) -> tuple[Any, Optional[str]]:
    """(LineColumns or PointColumns, layer CRS as WKT) of a file layer, in the layer's own coordinates.

    ``fids`` are positions (0, 1, ...), as everywhere in the core; the file's own feature ids are in
    the attribute ``source_fids`` of the result.
    """
    with gc_paused():
        return _read_columns(path, layer, kind, encoding, where)


def open_layer(path: str, layer: Optional[str], encoding: Optional[str]) -> tuple[Any, Any]:
    """(GDAL dataset, OGR layer) of ``path`` (its first layer unless ``layer`` is named); a
    shapefile's text in ``encoding`` when given. Keep the dataset while the layer is used."""
    from osgeo import gdal

    gdal.UseExceptions()
    options = [f"ENCODING={encoding}"] if encoding and str(path).lower().endswith((".shp", ".dbf")) else []
    dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR, open_options=options)
    source = dataset.GetLayerByName(layer) if layer else dataset.GetLayer(0)
    if source is None:
        raise ValueError(f"{path} has no layer '{layer}'")
    return dataset, source


def iter_columns(path: str, layer: Optional[str] = None, kind: str = "line", encoding: Optional[str] = None,
                 batch_rows: int = 1_000_000, fields: Optional[list] = None) -> Iterator[Any]:
    """The layer as read_columns reads it, in batches of about ``batch_rows`` features: LineColumns or
    PointColumns whose ``fids`` are the features' positions in the whole layer. ``fields``: only these
    attribute fields are read (all when None). A layer the Arrow stream must not read comes in one batch.

    A column's values are typed batch by batch as read_columns types the whole layer's (numbers,
    text, None), so a batch of a column holding numbers and text in different batches may differ in kind.
    """
    from osgeo import gdal, ogr

    dataset, source = open_layer(path, layer, encoding)
    _check_geometry_type(source, kind, ogr)
    definition = source.GetLayerDefn()
    raw_names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    fid_name = source.GetFIDColumn() or "OGC_FID"
    geometry_name = source.GetGeometryColumn() or "wkb_geometry"
    if arrow_refusal(raw_names, gdal.VersionInfo(), (fid_name, geometry_name)) is not None:
        del source, dataset
        columns, _ = read_columns(path, layer, kind, encoding)
        if fields is not None:
            columns.attrs = {name: columns.attrs[name] for name in fields}
            columns.field_names = list(fields)
        yield columns
        return
    wanted = [name for name in raw_names if fields is None or text_name(name) in fields]
    source.SetIgnoredFields([name for name in raw_names if name not in wanted])
    field_names = [text_name(name) for name in wanted]
    stream = source.GetArrowStreamAsNumPy(options=["INCLUDE_FID=YES",
                                                   f"MAX_FEATURES_IN_BATCH={min(batch_rows, 65536)}"])
    try:
        yield from _batched(stream, layer, kind, field_names, fid_name, geometry_name, batch_rows, ogr)
    finally:
        # a generator left before its end (the first batch only) is closed here: the stream, then the
        # layer, then the dataset, or GDAL 3.6 frees a layer whose dataset is gone (a crash)
        del stream
        del source
        del dataset


def _batched(stream, layer, kind: str, field_names: list, fid_name: str, geometry_name: str, batch_rows: int,
             ogr) -> Iterator[Any]:
    """The stream's chunks gathered into batches of about ``batch_rows`` features."""
    done, held = 0, 0
    batches: dict[str, list] = {}
    for batch in itertools.chain(stream, [None]):
        if batch is not None:
            for name, values in batch.items():
                batches.setdefault(name, []).append(values)
            held += len(batch[geometry_name])
        if held and (held >= batch_rows or batch is None):
            fids = _concatenate(batches.get(fid_name, []), np.int64)
            attrs = {name: _plain_column(batches.get(name, [])) for name in field_names}
            blobs = WkbColumn.of_chunks(batches.get(geometry_name, []))
            yield _columns(layer, kind, field_names, np.arange(done, done + len(blobs), dtype=np.int64), attrs,
                           blobs, {"bulk_refusal": None, "source_fids": fids}, ogr)
            done += len(blobs)
            batches, held = {}, 0


def _columns(layer: Optional[str], kind: str, field_names: list, positions: np.ndarray, attrs: dict, blobs,
             read: dict, ogr) -> Any:
    """LineColumns or PointColumns of decoded WKB and attribute columns."""
    if kind == "line":
        part_feature, part_number, offsets, xy = decode_lines(blobs, ogr)
        return LineColumns(name=layer or "", field_names=field_names, fids=positions, attrs=attrs,
                           part_feature=part_feature, part_number=part_number, offsets=offsets, xy=xy, **read)
    return PointColumns(name=layer or "", field_names=field_names, fids=positions, attrs=attrs,
                        xy=decode_points(blobs, ogr), **read)


def _read_columns(path: str, layer: Optional[str], kind: str, encoding: Optional[str],
                  where: Optional[str]) -> tuple[Any, Optional[str]]:
    from osgeo import gdal, ogr

    dataset, source = open_layer(path, layer, encoding)
    _check_geometry_type(source, kind, ogr)
    if where:
        source.SetAttributeFilter(where)
    definition = source.GetLayerDefn()
    raw_names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    field_names = [text_name(name) for name in raw_names]
    spatial_ref = source.GetSpatialRef()
    crs_wkt = spatial_ref.ExportToWkt() if spatial_ref is not None else None
    fid_name = source.GetFIDColumn() or "OGC_FID"
    geometry_name = source.GetGeometryColumn() or "wkb_geometry"
    refusal = arrow_refusal(raw_names, gdal.VersionInfo(), (fid_name, geometry_name))
    if refusal is None:
        expected = source.GetFeatureCount()
        batches: dict[str, list] = {}
        stream = source.GetArrowStreamAsNumPy(options=["INCLUDE_FID=YES"])
        for batch in stream:
            for name, values in batch.items():
                batches.setdefault(name, []).append(values)
        del stream
        fids = _concatenate(batches.get(fid_name, []), np.int64)
        attrs = {name: _plain_column(batches.get(name, [])) for name in field_names}
        blobs = WkbColumn.of_chunks(batches.get(geometry_name, []))
        if expected >= 0 and len(blobs) != expected:  # never trust a short (or long) bulk read
            refusal = f"the bulk reader gave {len(blobs)} of its {expected} features"
    if refusal is not None:
        fids, attrs, blobs = read_features(source, field_names)
    del source, dataset
    positions = np.arange(len(blobs), dtype=np.int64)
    read = {"bulk_refusal": refusal, "source_fids": fids if len(fids) == len(blobs) else positions}
    return _columns(layer, kind, field_names, positions, attrs, blobs, read, ogr), crs_wkt


ARROW_MAX_FIELDS = 125  # GDAL before 3.8 grows without end (or reads no row) past this many fields


def text_name(name: str) -> str:
    """A field name as valid text: bytes that are not UTF-8 (a name cut mid-character) become U+FFFD,
    as QGIS shows them."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def arrow_refusal(names: list, version: Union[str, int], other_names: tuple = ()) -> Optional[str]:
    """Why GDAL's Arrow stream must not read a layer with these field names (and FID and geometry
    column names, ``other_names``), or None when it may.

    GDAL 3.6's ``_RecordBatchAsNumpy`` crashes the process on a field name that is not UTF-8 text
    (ogr2ogr cuts ``起点埋深`` mid-character to fit a dBase name); before 3.8 it grows to many GB, or
    reads no row, past 125 fields.

    >>> arrow_refusal(["pipe_id", "起点埋深"], "3060200") is None
    True
    >>> arrow_refusal(["起点埋\\udce6"], "3060200")
    "the field name '起点埋\ufffd' is not valid UTF-8 text"
    >>> arrow_refusal([f"f{i}" for i in range(130)], "3060200")
    '130 fields (GDAL before 3.8 reads at most 125 in bulk)'
    """
    for name in [*names, *other_names]:
        if text_name(name) is not name:
            return f"the field name {text_name(name)!r} is not valid UTF-8 text"
    if int(version) < 3080000 and len(names) > ARROW_MAX_FIELDS:
        return f"{len(names)} fields (GDAL before 3.8 reads at most {ARROW_MAX_FIELDS} in bulk)"
    return None


def read_features(source, field_names: list) -> tuple[np.ndarray, dict, WkbColumn]:
    """(file feature ids, attribute columns, WKB) of an OGR layer read feature by feature: slower
    than the Arrow stream, but it reads any layer OGR opens."""
    from osgeo import ogr

    definition = source.GetLayerDefn()
    count = definition.GetFieldCount()
    types = [definition.GetFieldDefn(i).GetType() for i in range(count)]
    values: list[list] = [[] for _ in range(count)]
    fids, blobs = [], []
    source.ResetReading()
    feature = source.GetNextFeature()
    while feature is not None:
        fids.append(feature.GetFID())
        geometry = feature.GetGeometryRef()
        blobs.append(bytes(geometry.ExportToIsoWkb(ogr.wkbNDR)) if geometry is not None else None)
        for i in range(count):
            values[i].append(_feature_value(feature, i, types[i], ogr) if feature.IsFieldSetAndNotNull(i) else None)
        feature = source.GetNextFeature()
    source.ResetReading()
    attrs = {name: _list_column(column, kind, ogr) for name, column, kind in zip(field_names, values, types)}
    return np.asarray(fids, dtype=np.int64), attrs, WkbColumn.of_list(blobs)


def _feature_value(feature, i: int, kind: int, ogr) -> Any:
    if kind == ogr.OFTString:
        return bytes(feature.GetFieldAsBinary(i)).decode("utf-8", "replace")
    if kind in (ogr.OFTDate, ogr.OFTDateTime, ogr.OFTTime):
        year, month, day, hour, minute, second, _ = feature.GetFieldAsDateTime(i)
        date, clock = f"{year:04d}-{month:02d}-{day:02d}", f"{hour:02d}:{minute:02d}:{second:06.3f}"
        return date if kind == ogr.OFTDate else clock if kind == ogr.OFTTime else f"{date}T{clock}"
    return feature.GetField(i)


def _list_column(values: list, kind: int, ogr) -> np.ndarray:
    """A column of one field's Python values, typed as the Arrow reader types it."""
    if kind in (ogr.OFTInteger, ogr.OFTInteger64):
        if any(v is None for v in values):
            return np.array([np.nan if v is None else v for v in values], dtype=float)
        return np.array(values, dtype=np.int64)
    if kind == ogr.OFTReal:
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return object_array(values)


def _check_geometry_type(source, kind: str, ogr) -> None:
    """PipeNetInputError when a layer declares geometries of the wrong kind (points as pipes ...)."""
    lines = (ogr.wkbLineString, ogr.wkbMultiLineString, ogr.wkbCircularString, ogr.wkbCompoundCurve,
             ogr.wkbMultiCurve)
    allowed = (lines if kind == "line" else (ogr.wkbPoint, ogr.wkbMultiPoint)) + (ogr.wkbUnknown,
                                                                                   ogr.wkbGeometryCollection)
    flat = ogr.GT_Flatten(source.GetGeomType())
    if flat not in allowed:
        role = "pipes" if kind == "line" else "nodes"
        raise PipeNetInputError(
            f"Layer '{source.GetName()}' holds {ogr.GeometryTypeToName(flat)} geometries where "
            f"{'lines' if kind == 'line' else 'points'} are expected: give the "
            f"{'line' if kind == 'line' else 'point'} layer as {role}.", layer=source.GetName())


def _concatenate(chunks: list, dtype) -> np.ndarray:
    return np.concatenate([np.asarray(c) for c in chunks]).astype(dtype) if chunks else np.empty(0, dtype)


def _plain_column(chunks: list) -> np.ndarray:
    """One attribute column: numbers as numbers (NaN for null), text decoded, nulls as None."""
    if not chunks:
        return object_array([])
    parts = []
    for chunk in chunks:
        mask = np.ma.getmaskarray(chunk) if isinstance(chunk, np.ma.MaskedArray) else None
        data = np.asarray(chunk.data if isinstance(chunk, np.ma.MaskedArray) else chunk)
        if data.dtype.kind in "iu" and mask is not None and mask.any():
            data = data.astype(float)
        if data.dtype.kind == "f":
            data = data.astype(float)
            if mask is not None:
                data[mask] = np.nan
        elif data.dtype.kind in "iub":
            pass
        else:
            data = _decoded(data)
            if mask is not None and mask.any():
                data[mask] = None
        parts.append(data)
    kinds = {p.dtype.kind for p in parts}
    if len(kinds) > 1:
        parts = [p.astype(object) for p in parts]
    return np.concatenate(parts)


def _decoded(data: np.ndarray) -> np.ndarray:
    """Text (and dates) as an object array of str, decoding each distinct value once."""
    if data.dtype.kind == "M":
        return object_array(np.datetime_as_string(data).tolist())
    if data.dtype.kind == "S":
        sample = data[:2000]
        if len(data) > 10_000 and len(np.unique(sample)) > 0.5 * len(sample):
            # ids: nearly every value distinct, so decoding each beats sorting them first
            return object_array([value.decode("utf-8", errors="replace") for value in data.tolist()])
        first, inverse = distinct_rows(data)
        text = object_array([value.decode("utf-8", errors="replace") for value in data[first].tolist()])
        return text[inverse]
    if data.dtype.kind == "U":
        return data.astype(object)
    return object_array([v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in data.tolist()])


def distinct_rows(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct value, the number of each row's value) of a fixed-width bytes array.

    Rows are hashed from their 8-byte words and the hashes numbered (sorting a county's millions of
    15-byte strings took 0.56 s a column, this 0.1 s); rows that share a hash are then compared
    whole, so a collision only costs the sort.

    >>> first, code = distinct_rows(np.array([b"YS", b"WS", b"YS"]))
    >>> first.tolist(), code.tolist()
    ([0, 1], [0, 1, 0])
    """
    count, width = len(data), data.dtype.itemsize
    matrix = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8).reshape(count, width)
    if width % 8:
        matrix = np.concatenate([matrix, np.zeros((count, 8 - width % 8), dtype=np.uint8)], axis=1)
    words = np.ascontiguousarray(matrix).view("<u8")
    hashed = words[:, 0].copy() if count else np.empty(0, dtype=np.uint64)
    for column in range(1, words.shape[1]):
        hashed = hashed * np.uint64(0x9E3779B97F4A7C15) + words[:, column]  # wraps around: a hash
    codes = _number(hashed)
    first = np.empty(int(codes.max(initial=-1)) + 1, dtype=np.int64)
    first[codes[::-1]] = np.arange(count - 1, -1, -1)  # the last write wins: each value's first row
    if not (words == words[first[codes]]).all():  # two values, one hash
        _, first, codes = np.unique(data, return_index=True, return_inverse=True)
    return first, np.ravel(codes).astype(np.int64)


def _number(values: np.ndarray) -> np.ndarray:
    """0, 1 ... for the distinct values in order of first appearance."""
    if len(values) > 100_000:
        try:  # pandas hashes a county's integers in C, 15x faster than sorting them (but takes
            import pandas  # 0.2 s and 40 MB to import: not worth it for a small layer)

            return np.asarray(pandas.factorize(values)[0], dtype=np.int64)
        except ImportError:
            pass
    distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(distinct))
    return rank[np.ravel(inverse)]


class WkbColumn:
    """A layer's WKB geometries as one byte buffer: where each starts and its size (0: none).

    GDAL hands a geometry column whose geometries all have one size (a county of two-vertex
    pipes) as one fixed-width array: its bytes are used as they are, without a bytes object each.
    """

    def __init__(self, raw: bytes, starts: np.ndarray, sizes: np.ndarray):
        self.raw, self.starts, self.sizes = raw, starts, sizes

    @classmethod
    def of_list(cls, blobs: list) -> WkbColumn:
        """From WKB byte strings (None or b"" for no geometry)."""
        sizes = np.fromiter((len(blob) if blob else 0 for blob in blobs), dtype=np.int64, count=len(blobs))
        return cls(b"".join(blob for blob in blobs if blob), group_starts(sizes), sizes)

    @classmethod
    def of_chunks(cls, chunks: list) -> WkbColumn:
        """From the geometry column's chunks of a GDAL Arrow stream read as numpy."""
        raws, starts, sizes, offset = [], [], [], 0
        for chunk in chunks:
            mask = np.ma.getmaskarray(chunk) if isinstance(chunk, np.ma.MaskedArray) else None
            data = np.asarray(chunk.data if isinstance(chunk, np.ma.MaskedArray) else chunk)
            if data.dtype.kind == "V":
                width = data.dtype.itemsize
                part = cls(data.tobytes(), np.arange(len(data), dtype=np.int64) * width,
                           np.full(len(data), width, dtype=np.int64))
            else:
                part = cls.of_list([bytes(blob) if blob is not None else None for blob in data.tolist()])
            if mask is not None:
                part.sizes[mask] = 0
            raws.append(part.raw)
            starts.append(part.starts + offset)
            sizes.append(part.sizes)
            offset += len(part.raw)
        if not raws:
            return cls(b"", np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        return cls(b"".join(raws), np.concatenate(starts), np.concatenate(sizes))

    def __len__(self) -> int:
        return len(self.sizes)

    def __getitem__(self, row: int) -> Optional[bytes]:
        start, size = int(self.starts[row]), int(self.sizes[row])
        return self.raw[start:start + size] if size else None


def _header(buffer: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(little-endian flag, WKB type without EWKB flags) at each start."""
    little = buffer[starts] == 1
    type_bytes = buffer[(starts + 1)[:, None] + np.arange(4)]
    types = type_bytes.copy().view("<u4").ravel() if len(starts) else np.empty(0, np.uint32)
    return little, (types & ~np.uint32(EWKB_Z | EWKB_M)).astype(np.int64) + \
        np.where(types & EWKB_Z, 1000, 0) + np.where(types & EWKB_M, 2000, 0)


def _uint32(buffer: np.ndarray, at: np.ndarray) -> np.ndarray:
    return buffer[at[:, None] + np.arange(4)].copy().view("<u4").ravel().astype(np.int64) \
        if len(at) else np.empty(0, np.int64)


def gather_doubles(raw: bytes, at: np.ndarray) -> np.ndarray:
    """The little-endian doubles starting at byte offsets ``at`` (any alignment)."""
    values = np.empty(len(at))
    alignment = at % 8
    for shift in np.unique(alignment).tolist():
        view = np.frombuffer(raw, dtype="<f8", offset=shift, count=(len(raw) - shift) // 8)
        chosen = alignment == shift
        values[chosen] = view[(at[chosen] - shift) // 8]
    return values


def _joined(blobs: Union[list, WkbColumn]) -> tuple:
    """(all blobs as one byte string, as uint8, start of each, rows with a blob, little-endian flag, type)."""
    column = blobs if isinstance(blobs, WkbColumn) else WkbColumn.of_list(blobs)
    buffer = np.frombuffer(column.raw, dtype=np.uint8)
    present = np.flatnonzero(column.sizes > 0)
    little, types = _header(buffer, column.starts[present])
    return column.raw, buffer, column.starts, present, little, types


def decode_lines(blobs: Union[list, WkbColumn], ogr=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(part feature, part number, vertex offsets, x/y) of WKB (multi)line strings; curves are segmentised."""
    raw, buffer, starts, present, little, types = _joined(blobs)
    line_start = np.full(len(blobs), -1, dtype=np.int64)
    dims = np.zeros(len(blobs), dtype=np.int64)
    simple = little & np.isin(types, list(LINE_TYPES))
    line_start[present[simple]] = starts[present[simple]]
    multi = present[little & np.isin(types, list(MULTILINE_TYPES))]
    single = multi[_uint32(buffer, starts[multi] + 5) == 1] if len(multi) else multi
    if len(single):
        # a one-part multi line holds a whole line WKB after its 9-byte header
        inner_little, inner_types = _header(buffer, starts[single] + 9)
        ok = inner_little & np.isin(inner_types, list(LINE_TYPES))
        line_start[single[ok]] = starts[single[ok]] + 9
    fast = np.flatnonzero(line_start >= 0)
    if len(fast):
        _, fast_types = _header(buffer, line_start[fast])
        dims[fast] = _line_dims(fast_types)
    counts = np.zeros(len(blobs), dtype=np.int64)
    counts[fast] = _uint32(buffer, line_start[fast] + 5)
    slow = [i for i in present.tolist() if line_start[i] < 0]
    extra_parts: dict[int, list[np.ndarray]] = {i: _parse_slow(blobs[i], ogr) for i in slow}

    within = ranges(np.zeros(len(fast), dtype=np.int64), counts[fast])  # vertex number inside its line
    vertex_at = np.repeat(line_start[fast] + 9, counts[fast]) + 8 * np.repeat(dims[fast], counts[fast]) * within
    xy = np.stack([gather_doubles(raw, vertex_at), gather_doubles(raw, vertex_at + 8)], axis=1) \
        if len(vertex_at) else np.empty((0, 2))
    rows = fast[counts[fast] > 0]
    part_feature, part_number, part_sizes = rows, np.ones(len(rows), dtype=np.int64), counts[rows]
    if slow:
        slow_parts = [(row, number, part) for row in slow for number, part in enumerate(extra_parts[row], start=1)]
        if slow_parts:
            part_feature = np.concatenate([part_feature, [row for row, _, _ in slow_parts]]).astype(np.int64)
            part_number = np.concatenate([part_number, [number for _, number, _ in slow_parts]]).astype(np.int64)
            part_sizes = np.concatenate([part_sizes, [len(part) for _, _, part in slow_parts]]).astype(np.int64)
            xy = np.concatenate([xy] + [part for _, _, part in slow_parts])
            # parts in feature order, as every other reader gives them
            order = np.argsort(part_feature, kind="stable")
            take = ranges(group_starts(part_sizes)[order], part_sizes[order])
            part_feature, part_number, part_sizes, xy = part_feature[order], part_number[order], \
                part_sizes[order], xy[take]
    return (part_feature.astype(np.int64), part_number, np.concatenate([[0], np.cumsum(part_sizes)]).astype(np.int64),
            xy)


def _line_dims(types: np.ndarray) -> np.ndarray:
    """Coordinates per vertex of each line WKB type (LINE_TYPES), one lookup per distinct type."""
    distinct, inverse = np.unique(types, return_inverse=True)
    return np.array([LINE_TYPES[int(kind)] for kind in distinct.tolist()], dtype=np.int64)[np.ravel(inverse)] \
        if len(types) else np.empty(0, dtype=np.int64)


def _parse_slow(blob: bytes, ogr=None) -> list[np.ndarray]:
    """Parts of an unusual geometry: big-endian or multi-part WKB here, curves through OGR."""
    try:
        return _wkb_lines(blob, 0)[0]
    except _Curved:
        pass
    if ogr is None:
        from osgeo import ogr
    geometry = ogr.CreateGeometryFromWkb(blob)
    if geometry is None or geometry.IsEmpty():
        return []
    geometry = geometry.GetLinearGeometry()
    flat = ogr.GT_Flatten(geometry.GetGeometryType())
    lines = [geometry.GetGeometryRef(i) for i in range(geometry.GetGeometryCount())] \
        if flat in (ogr.wkbMultiLineString, ogr.wkbGeometryCollection) else [geometry]
    parts = []
    for line in lines:
        if line is None or line.GetPointCount() == 0:
            continue
        parts.append(np.array(line.GetPoints(), dtype=float)[:, :2])
    return parts


class _Curved(ValueError):
    """A curve type only OGR can segmentise."""


def _wkb_lines(blob: bytes, offset: int) -> tuple[list[np.ndarray], int]:
    """(non-empty line parts, offset after the geometry) of a (multi)line or collection WKB."""
    order = "<" if blob[offset] == 1 else ">"
    kind = struct.unpack_from(order + "I", blob, offset + 1)[0]
    dims = 2 + bool(kind & EWKB_Z) + bool(kind & EWKB_M)
    kind &= 0x0FFFFFFF
    dims += {1: 1, 2: 1, 3: 2}.get(kind // 1000, 0)
    code = kind % 1000
    count = struct.unpack_from(order + "I", blob, offset + 5)[0]
    if code == 2:
        coords = np.frombuffer(blob, dtype=order + "f8", count=count * dims, offset=offset + 9)
        parts = [coords.reshape(count, dims)[:, :2].astype(float)] if count else []
        return parts, offset + 9 + count * dims * 8
    if code in (5, 7):
        parts, position = [], offset + 9
        for _ in range(count):
            found, position = _wkb_lines(blob, position)
            parts.extend(found)
        return parts, position
    raise _Curved(code)


def decode_points(blobs: Union[list, WkbColumn], ogr=None) -> np.ndarray:
    """x/y of WKB points (first point of a multipoint), NaN for null or empty."""
    xy = np.full((len(blobs), 2), np.nan)
    raw, buffer, starts, present, little, types = _joined(blobs)
    point_at = np.full(len(blobs), -1, dtype=np.int64)
    simple = little & np.isin(types, list(POINT_TYPES))
    point_at[present[simple]] = starts[present[simple]] + 5
    multi = present[little & np.isin(types, list(MULTIPOINT_TYPES))]
    if len(multi):
        has_one = _uint32(buffer, starts[multi] + 5) >= 1
        point_at[multi[has_one]] = starts[multi[has_one]] + 9 + 5
    fast = np.flatnonzero(point_at >= 0)
    xy[fast, 0] = gather_doubles(raw, point_at[fast])
    xy[fast, 1] = gather_doubles(raw, point_at[fast] + 8)
    for row in present.tolist():
        if point_at[row] >= 0:
            continue
        if ogr is None:
            from osgeo import ogr
        geometry = ogr.CreateGeometryFromWkb(blobs[row])
        if geometry is not None and not geometry.IsEmpty():
            if geometry.GetGeometryCount() > 0:
                geometry = geometry.GetGeometryRef(0)
            xy[row] = geometry.GetX(), geometry.GetY()
    return xy
