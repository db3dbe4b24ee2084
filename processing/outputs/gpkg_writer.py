"""Write the pipes and nodes outputs of bulk-read layers in bulk, without a feature object each.

Writing feature by feature through PyQGIS costs about 30 µs per pipe, minutes for a county of
millions. When the pipes came from a file read in bulk, every pipe is one single-part feature
kept in the graph, and the output is a GeoPackage, the output is made in bulk instead: from a
GeoPackage input, SQLite copies each input row joined with PipeNet's columns (gpkg_insert); from
any other file, ``gdal.VectorTranslate`` copies the input (in a thread, beside the build) and one
SQLite ``executemany`` sets PipeNet's columns by feature id. Anything else goes through the sink.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

import numpy as np
from qgis.core import QgsDataSourceUri, QgsWkbTypes

from ..inputs.layers import kept_fields
from ..runtime.background import Jobs, file_busy, finish_beside, wait_for_file
from ..runtime.memory import release_free_memory
from .gpkg_insert import SourceTable, add_columns, add_points, node_boxes, pipe_boxes, plan_insert, sqlite_source
from .gpkg_rtree import PendingIndex, add_spatial_index, connect, end_index, index_rows
from .gpkg_staging import ColumnChunks, Staging
from .gpkg_update import copy_layer, update_columns

GEOMETRY_TYPES = {"OUTPUT_PIPES": "LINESTRING", "OUTPUT_NODES": "POINT"}  # of a GeoPackage input copied by SQLite


def ogr_destination(value: str) -> Optional[tuple[str, str]]:
    """(file, table) of an ``ogr:dbname='…' table="…"`` destination, decoded as QGIS decodes it (a
    quote in the path is escaped there: split by hand, ``q\\'dir`` became a file named ``q\\``)."""
    if not value.startswith("ogr:"):
        return None
    uri = QgsDataSourceUri(value[len("ogr:"):])
    return (uri.database(), uri.table()) if uri.database() and uri.table() else None


def gpkg_destination(parameters: dict, key: str) -> Optional[tuple[str, str, bool]]:
    """(path, table, into an existing file) of a GeoPackage output, or None for any other output."""
    value = parameters.get(key)
    sink = getattr(value, "sink", None)
    value = sink.staticValue() if sink is not None else value
    if not isinstance(value, str):
        return None
    named = ogr_destination(value)
    if named is not None:
        return named[0], named[1], True
    if value.lower().endswith(".gpkg") and "|" not in value and not value.startswith(("memory:", "TEMPORARY")):
        return value, os.path.splitext(os.path.basename(value))[0], False
    return None


@dataclass(frozen=True)
class CopyPlan:
    """An output GeoPackage table made as a copy of its input file's layer (copy_layer), before
    PipeNet's columns are added: where from, where to, which fields, and how many features."""

    origin: tuple  # the input file and layer (sources["pipes_file"] / ["nodes_file"])
    path: str  # the output GeoPackage
    table: str  # its table
    append: bool  # into an existing file (the audit's one GeoPackage)
    fields: list  # the input fields kept (layers.KeptField: input name, output name)
    multi: bool  # multi-line input geometries
    own_file: bool  # made by this run (written unjournaled, removed if the run fails)
    count: int  # the input's feature count

    def copy(self, stopping=None, empty: bool = False) -> None:
        """Copy the input layer into the output table (``empty``: only the table and its fields)."""
        copy_layer(self.origin, self.path, self.table, self.append, self.fields, self.multi, self.own_file,
                   stopping=stopping, empty=empty)

    def remove(self) -> None:
        """Remove the output table (a copy made in vain)."""
        remove_output(self.path, self.table, self.append)


def pipes_copy(run, parameters: dict, key: str, written: Sequence[str]) -> Optional[CopyPlan]:
    """How the pipes output can be a copy of the input file, or None (``written``: PipeNet's columns)."""
    return _pipes_plan(run.network.sources, run.pipes_source, parameters, key, run.own_files, written)


def owned(path: str, append: bool, own_files) -> bool:
    """Whether a GeoPackage is this run's own (made by it, removed if it fails): written unjournaled."""
    return not append or os.path.abspath(path) in own_files


def _pipes_plan(sources: dict, source, parameters: dict, key: str, own_files,
                written: Sequence[str]) -> Optional[CopyPlan]:
    target = gpkg_destination(parameters, key)
    origin = sources.get("pipes_file")
    if target is None or origin is None or QgsWkbTypes.flatType(source.wkbType()) not in (
            QgsWkbTypes.LineString, QgsWkbTypes.MultiLineString) or QgsWkbTypes.hasZ(source.wkbType()) \
            or QgsWkbTypes.hasM(source.wkbType()):
        return None
    path, table, append = target
    return CopyPlan(origin, path, table, append, kept_fields(source.fields(), written),
                    QgsWkbTypes.flatType(source.wkbType()) == QgsWkbTypes.MultiLineString,
                    owned(path, append, own_files), source.featureCount())


def nodes_copy(run, parameters: dict, key: str, written: Sequence[str]) -> Optional[CopyPlan]:
    """How the nodes output can be a copy of the input file, or None (``written``: PipeNet's columns)."""
    return _nodes_plan(run.network.sources, run.nodes_source, run.frame.output_crs, parameters, key, run.own_files,
                       written)


def _nodes_plan(sources: dict, source, output_crs, parameters: dict, key: str, own_files,
                written: Sequence[str]) -> Optional[CopyPlan]:
    target = gpkg_destination(parameters, key)
    origin = sources.get("nodes_file")
    if target is None or origin is None or source is None or source.sourceCrs() != output_crs \
            or QgsWkbTypes.flatType(source.wkbType()) != QgsWkbTypes.Point or not sources.get("nodes_located"):
        return None
    path, table, append = target
    return CopyPlan(origin, path, table, append, kept_fields(source.fields(), written), False,
                    owned(path, append, own_files), source.featureCount())


def start_copies(run, parameters: dict, outputs: Mapping[str, Sequence[str]]) -> Optional[Jobs]:
    """Copy the input layers into their GeoPackage outputs in a thread while the analyses run.

    ``outputs``: the output keys and the PipeNet columns each will get. Only outputs that will
    surely be written as copies start: whole-network pipes (one pipe per input feature) and nodes
    in input order. The writers wait for their copy.
    """
    table = run.network.table()
    plans = {key: pipes_copy(run, parameters, key, written) if key == "OUTPUT_PIPES"
             else nodes_copy(run, parameters, key, written) for key, written in outputs.items()}
    in_order = {key: (one_pipe_per_feature(table, plan.count) if key == "OUTPUT_PIPES"
                      else nodes_in_input_order(table, plan.count)) for key, plan in plans.items() if plan}
    run.copies = _start(plans, [key for key, fits in in_order.items() if fits])
    return run.copies


def start_early_copies(sources: dict, pipes_source, nodes_source, output_crs, parameters: dict,
                       outputs: Mapping[str, Sequence[str]], own_files=frozenset()) -> Optional[Jobs]:
    """Start the copies as soon as the inputs are read, beside the build itself.

    Whether each input feature turns out to be one pipe (or node) in input order is known only
    after the build: a copy that does not fit is removed by its writer, which then uses the sink.
    """
    plans = {key: _pipes_plan(sources, pipes_source, parameters, key, own_files, written) if key == "OUTPUT_PIPES"
             else _nodes_plan(sources, nodes_source, output_crs, parameters, key, own_files, written)
             for key, written in outputs.items()}
    return _start(plans, [key for key, plan in plans.items() if plan])


def _start(plans: dict, keys: list) -> Optional[Jobs]:
    # a GeoPackage input is copied by SQLite once the network is built, in one pass (gpkg_insert)
    keys = [key for key in keys if sqlite_source(plans[key].origin, GEOMETRY_TYPES[key]) is None]
    if not keys:
        return None
    return Jobs([(key, lambda stopping, plan=plans[key]: plan.copy(stopping=stopping)) for key in keys],
                paths={key: plans[key].path for key in keys})


def _take_copy(run, key: str, plan: CopyPlan, eligible: bool) -> bool:
    """Whether the output is already copied (waiting for it); a copy made in vain is removed."""
    copies = run.copies
    if copies is None:
        return False
    # nothing else writes to a GeoPackage while a copy into it runs (a copy into another file may go on)
    for name, path in copies.paths.items():
        if path == plan.path:
            copies.wait(name, raise_error=False)
    if key not in copies:
        return False
    copies.wait(key)
    if not eligible:
        plan.remove()
        return False
    return True


def remove_output(path: str, table: str, append: bool) -> None:
    """Remove an output: its file, or its table when it went into a GeoPackage with other tables."""
    if not append:
        os.remove(path)
        return
    from osgeo import ogr

    dataset = ogr.Open(path, 1)
    for index in range(dataset.GetLayerCount()):
        if dataset.GetLayer(index).GetName() == table:
            dataset.DeleteLayer(index)
            break
    dataset = None


def write_pipes_in_bulk(run, parameters: dict, key: str, columns: list[tuple[str, str]],
                        rows_of_results, rows_in_table_order=None) -> Optional[str]:
    """Write the pipes output in bulk and return its destination, or None when the sink must be used.

    ``rows_of_results(result)`` gives the pn_ values (in ``columns`` order) of one pipe;
    ``rows_in_table_order()``, when given, gives them (``ColumnChunks``) for every pipe of the
    network's table at once, used when each input feature is exactly one pipe in input
    order (no per-pipe objects).
    """
    plan = pipes_copy(run, parameters, key, [name for name, _ in columns])
    if plan is None:
        return None
    release_free_memory()  # what the checks freed: the writing threads would not reuse it
    count = plan.count
    if rows_in_table_order is not None and one_pipe_per_feature(run.network.table(), count):
        rows = rows_in_table_order()
    else:
        rows = _rows_of_results(run.network.pipe_results, count, rows_of_results)
        rows = ColumnChunks.of_rows(rows) if rows is not None else None
    path, table, append = plan.path, plan.table, plan.append
    staging = _stage_then_wait(run, key, plan, columns, rows, count)
    if _take_copy(run, key, plan, rows is not None):
        update_columns(path, table, columns, rows, count, own_file=plan.own_file)
    elif rows is None:
        return None
    elif not _insert(run, key, plan, columns, rows, count, lambda: pipe_boxes(run, count), staging=staging):
        plan.copy()
        update_columns(path, table, columns, rows, count, own_file=plan.own_file)
    return f"{path}|layername={table}" if append else path


def one_pipe_per_feature(table, count: int) -> bool:
    """Whether the table's pipes are the input features one to one, in input order (feature ids are positions)."""
    if len(table.keys) != count:
        return False
    positions = table.edge_numbers("fid")
    return bool(np.array_equal(positions, np.arange(count))) and bool((table.edge_numbers("part") == 1).all())


def _rows_of_results(results, count: int, rows_of_results) -> Optional[list]:
    if len(results) != count:
        return None
    rows = []
    for position in range(count):
        parts = results.get(position)
        if not parts or len(parts) != 1 or parts[0].part != 1 or parts[0].from_node is None:
            return None  # split, skipped or missing pipes: the sink writes one feature per part
        values = rows_of_results(parts[0])
        if values is None:
            return None  # a pipe written several times or not at all (traces): the sink does that
        rows.append(list(values) + [position + 1])
    return rows


def write_nodes_in_bulk(run, parameters: dict, key: str, columns: list[tuple[str, str]], rows, rows_count: int,
                        virtual: list[tuple[list, float, float]]) -> Optional[str]:
    """Write the nodes output in bulk: the input nodes copied and updated by feature id, then the
    virtual junctions added. ``rows`` (``ColumnChunks``, ``rows_count`` rows) holds the pn_ values
    of every input node in input order; ``virtual`` the pn_ values and
    x/y (output CRS) of each virtual junction. None: use the sink."""
    plan = nodes_copy(run, parameters, key, [name for name, _ in columns])
    if plan is None:
        return None
    count = plan.count
    path, table, append = plan.path, plan.table, plan.append
    staging = _stage_then_wait(run, key, plan, columns, rows if rows_count == count else None, count)

    def add_virtual_junctions() -> None:
        _add_points_by_ogr(path, table, len(columns), virtual)

    if _take_copy(run, key, plan, rows_count == count):
        update_columns(path, table, columns, rows, rows_count, own_file=plan.own_file)
    elif rows_count != count:
        return None
    elif _insert(run, key, plan, columns, rows, count, lambda: node_boxes(run, count, virtual),
                 after_rows=lambda connection: add_points(connection, table, [name for name, _ in columns], virtual),
                 staging=staging):
        return f"{path}|layername={table}" if append else path
    else:
        plan.copy()
        update_columns(path, table, columns, rows, rows_count, own_file=plan.own_file)
    add_virtual_junctions()
    return f"{path}|layername={table}" if append else path


def _add_points_by_ogr(path: str, table: str, column_count: int, points: list[tuple[list, float, float]]) -> None:
    """Append points (the values of the table's last ``column_count`` fields, x, y) through OGR."""
    if points:
        from osgeo import ogr

        dataset = ogr.Open(path, 1)
        layer = dataset.GetLayerByName(table)
        definition = layer.GetLayerDefn()
        first = definition.GetFieldCount() - column_count
        layer.StartTransaction()
        for values, x, y in points:
            feature = ogr.Feature(definition)
            for offset, value in enumerate(values):
                if value is not None:
                    feature.SetField(first + offset, value)
            point = ogr.Geometry(ogr.wkbPoint)
            point.AddPoint_2D(x, y)
            feature.SetGeometry(point)
            layer.CreateFeature(feature)
        layer.CommitTransaction()
        layer = dataset = None


def _insert(run, key: str, plan: CopyPlan, columns: list[tuple[str, str]], rows, count: int,
            known_boxes: Callable[[], Optional[tuple]],
            after_rows: Optional[Callable[[sqlite3.Connection], None]] = None,
            staging: Optional[Staging] = None) -> bool:
    """Write the output by SQLite from a GeoPackage input (gpkg_insert), call ``after_rows`` (more
    rows, by the same connection) and give it its spatial index; False: not possible, nothing written.

    The values are staged here (unless ``staging`` holds them already) while SQLite's copy (in C,
    without Python's lock) and the index run in a thread, which goes on while the run writes its
    other outputs (``finish_beside``). When ``known_boxes()`` gives the boxes of every feature to be
    written, the R-tree is packed and written first, while the values are still being staged (the
    copy soon catches up), and only its triggers wait for the rows.
    """
    path, table, append, fields = plan.path, plan.table, plan.append, plan.fields
    source_plan = _sqlite_plan(run, key, plan, count)
    if source_plan is None:
        if staging is not None:
            staging.close()
        return False
    source, source_fids = source_plan
    staging = staging or Staging([name for name, _ in columns], source_fids)
    connection = None
    try:
        plan.copy(empty=True)
        add_columns(path, table, columns)
        connection = connect(path, plan.own_file, any_thread=True)
        insert = plan_insert(source, connection, table, fields, staging)
    except BaseException:
        if connection is not None:
            connection.close()
        staging.close()
        raise
    if insert is None:
        connection.close()
        staging.close()
        remove_output(path, table, append)
        return False

    def finish() -> None:
        try:
            boxes = known_boxes()
            index = index_rows(connection, table, boxes) if boxes is not None else None
            insert.fill()
            if after_rows is not None:
                after_rows(connection)
        finally:
            connection.close()
            staging.close()
        finish_index(path, table, plan.own_file, index)
    background = run.background
    if background is None:  # no thread to fill beside the staging: one after the other
        try:
            if not staging.finished:
                staging.stage(rows)
        except BaseException:
            connection.close()
            staging.close()
            raise
        finish()
        return True
    finish_beside(background, path, finish)
    if not staging.finished:
        staging.stage(rows)  # the fill copies each chunk as soon as it is staged
    return True


def finish_index(path: str, table: str, own_file: bool, index: Optional[PendingIndex]) -> None:
    """Make the output's R-tree complete: its triggers when it was written before the rows (index),
    else the whole index from the rows' geometries."""
    if index is None:
        add_spatial_index(path, table, own_file=own_file, extent=True)
        return
    connection = connect(path, own_file)
    try:
        end_index(connection, index, extent=True)
    finally:
        connection.close()


def _sqlite_plan(run, key: str, plan: CopyPlan, count: int) -> Optional[tuple[SourceTable, np.ndarray]]:
    """(GeoPackage source table, its feature id of each output feature) when SQLite can copy it."""
    source = sqlite_source(plan.origin, GEOMETRY_TYPES[key])
    source_fids = run.network.sources.get("pipes_fids" if key == "OUTPUT_PIPES" else "nodes_fids")
    if source is None or source_fids is None or len(source_fids) != count:
        return None
    return source, np.asarray(source_fids, dtype=np.int64)


def _stage_then_wait(run, key: str, plan: CopyPlan, columns: list[tuple[str, str]], rows,
                     count: int) -> Optional[Staging]:
    """Wait until no other output is being finished into the output's file; while one is (the
    audit's one GeoPackage), stage ``rows``: staging needs only a private file, so it overlaps
    that work, and the rest is staged while this output's own copy runs. The staging made, if
    any (``rows`` None: nothing to stage)."""
    background, copies = run.background, run.copies
    staging = None
    if isinstance(rows, ColumnChunks) and file_busy(background, plan.path) and \
            (copies is None or key not in copies):
        source_plan = _sqlite_plan(run, key, plan, count)
        staging = Staging([name for name, _ in columns], source_plan[1]) if source_plan is not None else None
    try:
        if staging is not None:
            staging.stage(rows, until=lambda: not file_busy(background, plan.path))
        wait_for_file(background, plan.path)
    except BaseException:
        if staging is not None:
            staging.close()
        raise
    return staging


def nodes_in_input_order(table, count: int) -> bool:
    """Whether the table's first ``count`` nodes are the input nodes in input order and the rest virtual."""
    virtual = table.node_numbers("virtual") > 0
    return len(virtual) >= count and not virtual[:count].any() and bool(virtual[count:].all()) \
        and bool(np.array_equal(table.node_numbers("fid")[:count], np.arange(count)))  # None: NaN, unequal
