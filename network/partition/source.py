"""The driver's reads of the input layers, in batches, so that no pass holds a whole layer's attributes.

1. ``first_batches``: the fields are detected on the first batch of each layer (a national layer's
   first million features show which column holds what as well as all of them do; a layer of one
   batch is detected exactly as the single-machine audit detects it).
2. ``read_skeleton``: geometry and the id fields only (from/to ids, node ids, the pipe id), the ids
   as fixed-width bytes numbered by ``distinct_rows``, so a national layer's tens of millions of ids are
   never Python strings; duplicate ids found over the whole layer: the later copies of an id are
   renamed ``id#dupN`` exactly as the build renames them (and reported, ``duplicate_id``), so no
   partition sees a clash. The same pass settles what the build judges on a whole layer, which a
   partition's few rows could judge otherwise: whether the id columns name anything (mostly repeated:
   no), whether a node is typed as an outlet (then no dead end is one), and the unit 'auto' reads the
   diameters in (the median); each partition's build and audit are told.
3. ``route``: every batch read once more, whole, each row written to the partition owning it and to the
   partitions taking it along as halo (parquet.BatchFiles).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import numpy as np

from ..build.attributes import (
    blank_diameters_finding,
    blank_values,
    diameter_unit,
    id_texts,
    node_ids_name_nothing,
    pipe_ids_name_nothing,
)
from ..io.arrow import distinct_rows
from ..model.columns import LineColumns, PointColumns, midpoints
from ..model.findings import Check, Finding, make_finding
from ..model.records import BuildOptions
from .skeleton import IdLinks

BATCH_ROWS = 1_000_000  # features per batch: a batch of pipes with its attributes is about 1 GB


def layer_batches(source: Any, kind: str, fields: Optional[list] = None,
                  batch_rows: int = BATCH_ROWS) -> Iterator[Any]:
    """The layer (a path GDAL opens, or a GeoDataFrame) as columns in batches, fids the global positions,
    in its own CRS."""
    from ..io.arrow import has_arrow, iter_columns
    from ..io.frames import detect_dbf_encoding, is_path, read_source, split_source

    if is_path(source) and has_arrow():
        path, layer = split_source(source)
        encoding = detect_dbf_encoding(path) if path.lower().endswith(".shp") else None
        for columns in iter_columns(path, layer, kind, encoding, batch_rows, fields):
            columns.name = layer or os.path.splitext(os.path.basename(path))[0]
            yield columns
        return
    columns = read_source(source, kind)[0]
    if fields is not None:
        columns.attrs = {name: columns.attrs[name] for name in fields if name in columns.attrs}
        columns.field_names = list(columns.attrs)
    yield columns


def layer_crs(source: Any) -> tuple[Any, tuple]:
    """(CRS as GDAL or GeoPandas gives it, extent minx, miny, maxx, maxy) of a layer."""
    from ..io.arrow import open_layer
    from ..io.frames import is_path, split_source

    if not is_path(source):
        return source.crs, tuple(source.total_bounds.tolist())
    path, layer = split_source(source)
    dataset, opened = open_layer(path, layer, None)
    reference = opened.GetSpatialRef()
    minx, maxx, miny, maxy = opened.GetExtent()
    crs = reference.ExportToWkt() if reference is not None else None
    del opened, dataset
    return crs, (minx, miny, maxx, maxy)


def first_batches(pipes: Any, nodes: Any, options: BuildOptions, batch_rows: int = BATCH_ROWS) -> BuildOptions:
    """The build options with the field mapping detected on the layers' first batches."""
    from .plan import fixed_fields

    return fixed_fields(_first(pipes, "line", batch_rows), _first(nodes, "point", batch_rows) if nodes is not None
                        else None, options)


def _first(source: Any, kind: str, batch_rows: int) -> Any:
    """The layer's first batch; the reading closed at once (not whenever the garbage collector comes)."""
    batches = layer_batches(source, kind, batch_rows=batch_rows)
    try:
        return next(batches)
    finally:
        batches.close()


def _text(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes of each id as the build reads it, given) of an id column: stripped, a whole float as an
    integer, blank or None not given (build/attributes.id_texts)."""
    texts = id_texts(values).tolist()
    given = np.array([text is not None for text in texts], dtype=bool)
    return np.array([b"" if text is None else text.encode("utf-8") for text in texts], dtype=bytes), given


@dataclass
class Skeleton:
    """What the plan needs of the whole layers: geometry (working CRS), ids as bytes, duplicate ids."""

    pipes: LineColumns                     # no attributes
    nodes: Optional[PointColumns]
    links: IdLinks                         # from/to and node ids as numbers (skeleton.proximity_groups)
    pipe_ids: Optional[np.ndarray] = None  # bytes of the pipe id (duplicates renamed), b"" where not given
    pipe_id_given: Optional[np.ndarray] = None
    renamed_pipes: dict = field(default_factory=dict)  # row -> 'id#dupN'
    renamed_nodes: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    reserved_names: set = field(default_factory=set)  # real node ids a virtual junction name could take
    outlets_typed: bool = False  # a located node typed as an outlet: dead ends are then no outlets
    pipe_ids_name_nothing: bool = False  # the id columns mostly repeated (the build's rules, whole layers)
    node_ids_name_nothing: bool = False
    diameter_unit: str = "mm"  # what 'auto' reads the whole layer's diameters in
    diameters_blank: bool = False  # the diameter column empty on every pipe: one finding for the layer


def _batches_of(source, kind: str, fields: list, transform, batch_rows: int,
                counted: Optional[str] = None) -> tuple[Any, dict, Counter]:
    """Geometry of every batch (transformed) concatenated, the given fields' text per field, and how often
    each value of the field ``counted`` is given (for points, by the features with a location only, as
    the build reads them), and under BLANK how many rows leave it blank."""
    from ..model.columns import concat_columns

    parts, texts, values = [], {name: [] for name in fields}, Counter()
    read = fields + [counted] if counted and counted not in fields else fields
    for batch in layer_batches(source, kind, read, batch_rows):
        for name in fields:
            texts[name].append(_text(batch.attrs[name]) if name in batch.attrs else
                               (np.zeros(batch.count, dtype="S1"), np.zeros(batch.count, dtype=bool)))
        if counted in batch.attrs:
            column = batch.attrs[counted]
            values.update(_value_counts(column[np.isfinite(batch.xy).all(axis=1)] if kind == "point" else column))
            values[BLANK] += int(blank_values(column).sum())
        batch.attrs, batch.field_names = {}, []
        batch.xy = transform(batch.xy)
        parts.append(batch)
    joined = {name: (np.concatenate([t for t, _ in chunks]), np.concatenate([g for _, g in chunks]))
              for name, chunks in texts.items()}
    return concat_columns(parts), joined, values


BLANK = object()  # the key counting blank rows (build/attributes.blank_values) among a field's values


def _value_counts(values: np.ndarray) -> Counter:
    """How often each value of a column is given (None and NaN left out)."""
    if values.dtype.kind in "fiub":
        kept = values[~np.isnan(values)] if values.dtype.kind == "f" else values
        distinct, counts = np.unique(kept, return_counts=True)
        return Counter(dict(zip(distinct.tolist(), counts.tolist())))
    return Counter(value for value in values.tolist() if value is not None and value == value)


def outlets_typed(values, options: BuildOptions) -> bool:
    """Whether any of the node type ``values`` reads as an outlet (outfall, plant, pump station), as the
    build reads them: then no dead end counts as an outlet anywhere in the network, whichever partition
    it lies in (checks/connectivity.outlet_positions)."""
    from ..build.fields import load_aliases, normalise_node_type
    from ..checks.connectivity import OUTLET_TYPES

    aliases = load_aliases(options.aliases_path)
    return any(normalise_node_type(value, aliases) in OUTLET_TYPES for value in values)


def duplicate_ranks(text: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Rank of each row among the rows of the same given id (0: the first), -1 where not given."""
    rank = np.full(len(text), -1, dtype=np.int64)
    rows = np.flatnonzero(given)
    if not len(rows):
        return rank
    _, codes = distinct_rows(text[rows])
    order = np.argsort(codes, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
    position = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    rank[rows[order]] = position
    return rank


def _distinct_codes(text: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A number per distinct id of the rows ``rows`` of ``text``."""
    return distinct_rows(text[rows])[1] if len(rows) else np.empty(0, dtype=np.int64)


def pipe_ids_say_nothing(text: np.ndarray, given: np.ndarray) -> bool:
    """build/attributes.pipe_ids_name_nothing over the whole pipe layer (``given``: one per feature)."""
    codes = _distinct_codes(text, np.flatnonzero(given))
    return pipe_ids_name_nothing(int(codes.max(initial=-1)) + 1, len(given))


def node_ids_say_nothing(text: np.ndarray, given: np.ndarray, located: np.ndarray) -> bool:
    """build/attributes.node_ids_name_nothing over the whole node layer's nodes with a location."""
    codes = _distinct_codes(text, np.flatnonzero(given & located))
    return node_ids_name_nothing(int((np.bincount(codes)[codes] > 1).sum()) if len(codes) else 0,
                                 int(located.sum()))


def _renamed(text: np.ndarray, rank: np.ndarray, rows: np.ndarray) -> tuple[dict, np.ndarray]:
    """(row -> 'id#dupN' of the later copies ``rows``, the ids with them renamed)."""
    renamed = {int(row): f"{text[row].decode('utf-8')}#dup{int(rank[row]) + 1}" for row in rows.tolist()}
    if renamed:
        width = max(text.dtype.itemsize, max(len(v.encode("utf-8")) for v in renamed.values()))
        text = text.astype(f"S{width}")
        text[rows] = [renamed[row].encode("utf-8") for row in rows.tolist()]
    return renamed, text


def read_skeleton(pipes: Any, nodes: Any, options: BuildOptions, transform_pipes, transform_nodes,
                  batch_rows: int = BATCH_ROWS) -> Skeleton:
    """Geometry and ids of the whole layers; duplicate pipe and node ids renamed and reported as the build
    does (among nodes with a location, and pipes of a single part: a multi-part feature's parts are
    ``id#1``, ``id#2`` ..., no clash)."""
    pipe_map, node_map = options.pipe_fields, options.node_fields
    pipe_fields = [name for name in (pipe_map.get("id"), pipe_map.get("from_node"), pipe_map.get("to_node")) if name]
    line, pipe_text, diameters = _batches_of(pipes, "line", list(dict.fromkeys(pipe_fields)), transform_pipes,
                                             batch_rows, counted=pipe_map.get("diameter"))
    point, node_text, node_types = (None, {}, Counter())
    node_id = node_map.get("id")
    if nodes is not None:
        point, node_text, node_types = _batches_of(nodes, "point", [node_id] if node_id else [], transform_nodes,
                                                   batch_rows, counted=node_map.get("type"))
    findings: list[Finding] = []
    blank = diameters.pop(BLANK, 0)
    node_types.pop(BLANK, None)
    skeleton = Skeleton(line, point, IdLinks.none(), outlets_typed=outlets_typed(node_types, options),
                        diameter_unit=diameter_unit(list(diameters), list(diameters.values())),
                        diameters_blank=bool(pipe_map.get("diameter")) and line.count > 0 and blank == line.count)
    pipe_id = pipe_map.get("id")
    # an id column that names nothing: no duplicates, no joins by it, as the build ignores it
    located = np.isfinite(point.xy).all(axis=1) if point is not None else None
    if node_id and node_id in node_text and node_ids_say_nothing(*node_text[node_id], located):
        del node_text[node_id]
        skeleton.node_ids_name_nothing = True
    if pipe_id and pipe_id in pipe_text and pipe_ids_say_nothing(*pipe_text[pipe_id]):
        del pipe_text[pipe_id]
        skeleton.pipe_ids_name_nothing = True
    if node_id and node_id in node_text:
        text, given = node_text[node_id]
        rank = duplicate_ranks(text, given & located)
        dups = np.flatnonzero(rank > 0)
        for row in dups.tolist():
            value = text[row].decode("utf-8")
            findings.append(make_finding(Check.DUPLICATE_ID, value, row, value=value, xy=tuple(point.xy[row])))
        skeleton.renamed_nodes, text = _renamed(text, rank, dups)
        node_text[node_id] = (text, given)
        # only a name V<n> can clash with a virtual junction's: the rest need not be kept
        first = np.frombuffer(text.tobytes(), dtype=np.uint8)[::text.dtype.itemsize] if len(text) else text
        like = given & (first == ord("V"))
        skeleton.reserved_names = {v.decode("utf-8") for v in text[like].tolist()}
    pipe_id = pipe_map.get("id")
    if pipe_id and pipe_id in pipe_text:
        text, given = pipe_text[pipe_id]
        parts = np.bincount(line.part_feature, minlength=line.count)
        rank = duplicate_ranks(text, given & (parts == 1))
        dups = np.flatnonzero(rank > 0)
        part_of = np.full(line.count, -1, dtype=np.int64)
        part_of[line.part_feature] = np.arange(len(line.part_feature))
        middles = midpoints(line.xy, line.offsets)
        for row in dups.tolist():
            value = text[row].decode("utf-8")
            findings.append(make_finding(Check.DUPLICATE_ID, value, row, value=value, kind="pipe",
                                         xy=tuple(middles[part_of[row]])))
        skeleton.renamed_pipes, text = _renamed(text, rank, dups)
        skeleton.pipe_ids, skeleton.pipe_id_given = text, given
    if skeleton.diameters_blank:
        findings.append(blank_diameters_finding(line.count, pipe_map["diameter"]))
    skeleton.findings = findings
    columns = []
    if pipe_map.get("from_node") in pipe_text and pipe_map.get("to_node") in pipe_text:
        columns += [(np.arange(line.count), *pipe_text[pipe_map["from_node"]]),
                    (np.arange(line.count), *pipe_text[pipe_map["to_node"]])]
    if point is not None and node_id in node_text:
        columns.append((line.count + np.arange(point.count), *node_text[node_id]))
    skeleton.links = IdLinks.of_text(columns)
    return skeleton


def route(pipes: Any, nodes: Any, plan, renamed: tuple[dict, dict], options: BuildOptions, files, transform_pipes,
          transform_nodes, batch_rows: int = BATCH_ROWS) -> None:
    """Read the layers once more, whole, batch by batch: duplicate ids renamed, geometry in the working
    CRS, each row written to its partition and to those taking it along (``files``: parquet.BatchFiles)."""
    for kind, source, new_ids, field_name, transform in (
            ("line", pipes, renamed[0], options.pipe_fields.get("id"), transform_pipes),
            ("point", nodes, renamed[1], options.node_fields.get("id"), transform_nodes)):
        if source is None:
            continue
        for batch in layer_batches(source, kind, batch_rows=batch_rows):
            batch.xy = transform(batch.xy)
            rows = [row for row in new_ids if batch.fids[0] <= row <= batch.fids[-1]] if batch.count else []
            if rows and field_name in batch.attrs:
                values = batch.attrs[field_name].astype(object)
                for row in rows:
                    values[row - batch.fids[0]] = new_ids[row]
                batch.attrs[field_name] = values
            files.write(kind, batch, plan)
