"""Write the pipes and nodes outputs of bulk-read layers in bulk, without a feature object each.

Writing feature by feature through PyQGIS costs about 30 µs per pipe, minutes for a county of
millions. PipeNet writes an output one of two ways, chosen in one place (writers.OutputWriters):

- in bulk, here, when the output is a GeoPackage, the input a file read in bulk, and every input
  feature is written once as it is (each pipe one single-part feature kept in the graph, the
  nodes in input order plus the virtual junctions). One path: the output table is made empty by
  GDAL (gpkg_copy), then SQLite copies each source row joined with PipeNet's staged columns
  (gpkg_staging) in one INSERT … SELECT (gpkg_insert), and the R-tree is packed (gpkg_rtree).
  The source is the input GeoPackage table itself, or, for any other file (shapefile, GeoJSON
  ...), a GDAL copy of it into a GeoPackage of the run's staging folder (atomic.staging_folder),
  made in a thread beside the build (``start_early_copies`` / ``start_copies``) and removed once
  written. Every row is written once: a copy into the output followed by an UPDATE of the pn_
  columns wrote it twice and moved each lengthened row.
- through QGIS's feature sink (writers), for everything else: other formats, split or skipped
  pipes, rows written several times or not at all (traces), reprojected or unlocated nodes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import weakref
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Optional, Sequence

import numpy as np
from qgis.core import QgsDataSourceUri, QgsWkbTypes

from ..inputs.layers import kept_fields
from ..runtime.background import Jobs, file_busy, finish_beside, wait_for_file
from ..runtime.memory import release_free_memory
from .atomic import staging_folder
from .gpkg_copy import copy_layer
from .gpkg_insert import SourceTable, add_columns, add_points, node_boxes, pipe_boxes, plan_insert, sqlite_source
from .gpkg_rtree import PendingIndex, add_spatial_index, connect, end_index, gdal_builds_rtree, index_rows
from .gpkg_staging import ColumnChunks, Staging

GEOMETRY_TYPES = {"OUTPUT_PIPES": "LINESTRING", "OUTPUT_NODES": "POINT"}  # of a GeoPackage source copied by SQLite
SOURCE_FIDS = {"OUTPUT_PIPES": "pipes_fids", "OUTPUT_NODES": "nodes_fids"}  # network.sources: the input's own ids
COPY_FILE, COPY_TABLE = "copy.gpkg", "copy"  # a staged copy of an input (in a staging folder of its own)


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
    """An output GeoPackage table written in bulk from its input file's layer: where from, where to,
    which fields, and how many features."""

    origin: tuple  # the input file and layer (sources["pipes_file"] / ["nodes_file"])
    path: str  # the output GeoPackage
    table: str  # its table
    append: bool  # into an existing file (the audit's one GeoPackage)
    fields: list  # the input fields kept (layers.KeptField: input name, output name)
    multi: bool  # multi-line input geometries
    own_file: bool  # made by this run (written unjournaled, removed if the run fails)
    count: int  # the input's feature count

    def stage_copy(self, folder: str, stopping=None) -> None:
        """Copy the input layer whole into ``folder`` (COPY_FILE), its kept fields under their output names."""
        copy_layer(self.origin, os.path.join(folder, COPY_FILE), COPY_TABLE, False, self.fields, self.multi,
                   stopping=stopping)


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


def start_copies(run, parameters: dict, outputs: Mapping[str, Sequence[str]]) -> Optional[StagedCopies]:
    """Copy the input layers that need it (``direct_source``) into the staging folder in a thread
    while the analyses run.

    ``outputs``: the output keys and the PipeNet columns each will get. Only outputs that will
    surely be written in bulk start: whole-network pipes (one pipe per input feature) and nodes
    in input order. The writers take their copy (``StagedCopies.take``).
    """
    table = run.network.table()
    plans = {key: pipes_copy(run, parameters, key, written) if key == "OUTPUT_PIPES"
             else nodes_copy(run, parameters, key, written) for key, written in outputs.items()}
    in_order = {key: (one_pipe_per_feature(table, plan.count) if key == "OUTPUT_PIPES"
                      else nodes_in_input_order(table, plan.count)) for key, plan in plans.items() if plan}
    run.copies = _start(plans, [key for key, fits in in_order.items() if fits])
    return run.copies


def start_early_copies(sources: dict, pipes_source, nodes_source, output_crs, parameters: dict,
                       outputs: Mapping[str, Sequence[str]], own_files=frozenset()) -> Optional[StagedCopies]:
    """Start the copies as soon as the inputs are read, beside the build itself.

    Whether each input feature turns out to be one pipe (or node) in input order is known only
    after the build: a copy that does not fit is removed by its writer, which then uses the sink.
    """
    plans = {key: _pipes_plan(sources, pipes_source, parameters, key, own_files, written) if key == "OUTPUT_PIPES"
             else _nodes_plan(sources, nodes_source, output_crs, parameters, key, own_files, written)
             for key, written in outputs.items()}
    return _start(plans, [key for key, plan in plans.items() if plan])


def _start(plans: dict, keys: list) -> Optional[StagedCopies]:
    # a GeoPackage input SQLite reads as it is needs no copy (direct_source)
    keys = [key for key in keys if sqlite_source(plans[key].origin, GEOMETRY_TYPES[key]) is None]
    return StagedCopies({key: plans[key] for key in keys}) if keys else None


class StagedCopies(Jobs):
    """Input layers copied by GDAL, one after the other in a thread, each into a GeoPackage in a
    staging folder of its own (atomic.staging_folder: a killed run's are removed by the next run).

    A writer ``take``s its copy and removes the folder once written; a copy no writer took is
    removed when the run stops them (``stop``) or, at the latest, with this object.
    """

    def __init__(self, plans: dict[str, CopyPlan]):
        self.folders = {key: staging_folder() for key in plans}  # the copies no writer took yet
        self._remove = weakref.finalize(self, remove_folders, self.folders)
        super().__init__([(key, lambda stopping, plan=plan, folder=self.folders[key]: plan.stage_copy(folder, stopping))
                          for key, plan in plans.items()])

    def take(self, key: str) -> Optional[str]:
        """The staging folder of the copy for output ``key`` once made (the caller removes it), or None
        when none was started; raises what the copy raised."""
        folder = self.folders.pop(key, None)
        if folder is None:
            return None
        try:
            self.wait(key)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return folder

    def stop(self) -> None:
        """Stop the copies not yet made, wait for the thread and remove the copies no writer took."""
        super().stop()
        self._remove()


def remove_folders(folders: dict) -> None:
    """Remove staging folders (and forget them)."""
    while folders:
        shutil.rmtree(folders.popitem()[1], ignore_errors=True)


@dataclass(frozen=True)
class BulkSource:
    """The GeoPackage table an output's rows are copied from by SQLite: the input's own table, or
    a copy of the input in a staging folder (``folder``, removed once the output is written)."""

    table: SourceTable
    origin: tuple  # (path, layer, subset, encoding) the output table is made empty from (gpkg_copy)
    fields: list  # layers.KeptField: the source's column and the output's of each kept field
    multi: bool  # multi-line geometries made single (the staged copy's already are)
    fids: np.ndarray  # the source's feature id of output features 1, 2 ...
    folder: Optional[str] = None

    def create(self, plan: CopyPlan) -> None:
        """Make the output table, empty, with the source's fields and geometry column."""
        copy_layer(self.origin, plan.path, plan.table, plan.append, self.fields, self.multi, empty=True)

    def release(self) -> None:
        """Remove the staged copy, if any."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def direct_source(run, key: str, plan: CopyPlan, count: int) -> Optional[BulkSource]:
    """The input itself as the source, when it is a GeoPackage table SQLite can read as it is."""
    table = sqlite_source(plan.origin, GEOMETRY_TYPES[key])
    fids = run.network.sources.get(SOURCE_FIDS[key])
    if table is None or fids is None or len(fids) != count:
        return None
    return BulkSource(table, plan.origin, plan.fields, plan.multi, np.asarray(fids, dtype=np.int64))


def source_fids(run, key: str, plan: CopyPlan, count: int) -> np.ndarray:
    """The source's feature id of each output feature: the input's own, or 1, 2 ... of a staged
    copy (GDAL numbers the copy's features in input order)."""
    direct = direct_source(run, key, plan, count)
    return direct.fids if direct is not None else np.arange(1, count + 1, dtype=np.int64)


def bulk_source(run, key: str, plan: CopyPlan, count: int) -> Optional[BulkSource]:
    """Where SQLite copies the output's rows from: the input GeoPackage table, else its staged copy
    (started beside the build, else made now). None: no table SQLite can copy (the sink writes it)."""
    direct = direct_source(run, key, plan, count)
    if direct is not None:
        return direct
    folder = run.copies.take(key) if run.copies is not None else None
    if folder is None:
        folder = staging_folder()
        try:
            plan.stage_copy(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    path = os.path.join(folder, COPY_FILE)
    table = sqlite_source((path, COPY_TABLE, None, None), GEOMETRY_TYPES[key])
    if table is None:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    copied = [replace(field, source=field.name) for field in plan.fields]  # the copy has the output's names
    return BulkSource(table, (path, COPY_TABLE, None, None), copied, False,
                      np.arange(1, count + 1, dtype=np.int64), folder)


def drop_copy(run, key: str) -> None:
    """Remove the staged copy of an output the sink writes after all."""
    if run.copies is not None:
        folder = run.copies.take(key)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


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
    staging = _stage_then_wait(run, key, plan, columns, rows, count)
    if rows is None:
        drop_copy(run, key)
        return None
    source = _source_or_close(run, key, plan, count, staging)
    if source is None or not _insert(run, plan, source, columns, rows, lambda: pipe_boxes(run, count),
                                     staging=staging):
        return None
    return f"{plan.path}|layername={plan.table}" if plan.append else plan.path


def _source_or_close(run, key: str, plan: CopyPlan, count: int, staging: Optional[Staging]) -> Optional[BulkSource]:
    """bulk_source, the staging closed when there is none or it fails."""
    try:
        source = bulk_source(run, key, plan, count)
    except BaseException:
        if staging is not None:
            staging.close()
        raise
    if source is None and staging is not None:
        staging.close()
    return source


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
    """Write the nodes output in bulk: the input nodes copied with their pn_ values, then the
    virtual junctions added. ``rows`` (``ColumnChunks``, ``rows_count`` rows) holds the pn_ values
    of every input node in input order; ``virtual`` the pn_ values and
    x/y (output CRS) of each virtual junction. None: use the sink."""
    plan = nodes_copy(run, parameters, key, [name for name, _ in columns])
    if plan is None:
        return None
    count = plan.count
    staging = _stage_then_wait(run, key, plan, columns, rows if rows_count == count else None, count)
    if rows_count != count:
        drop_copy(run, key)
        return None
    source = _source_or_close(run, key, plan, count, staging)
    names = [name for name, _ in columns]
    if source is None or not _insert(run, plan, source, columns, rows, lambda: node_boxes(run, count, virtual),
                                     after_rows=lambda connection: add_points(connection, plan.table, names, virtual),
                                     staging=staging):
        return None
    return f"{plan.path}|layername={plan.table}" if plan.append else plan.path


def _insert(run, plan: CopyPlan, source: BulkSource, columns: list[tuple[str, str]], rows,
            known_boxes: Callable[[], Optional[tuple]],
            after_rows: Optional[Callable[[sqlite3.Connection], None]] = None,
            staging: Optional[Staging] = None) -> bool:
    """Write the output by SQLite from its source (gpkg_insert), call ``after_rows`` (more rows, by
    the same connection) and give it its spatial index; False: not possible, nothing written (the
    staging and the source's staged copy are released either way).

    The values are staged here (unless ``staging`` holds them already) while SQLite's copy (in C,
    without Python's lock) and the index run in a thread, which goes on while the run writes its
    other outputs (``finish_beside``). When ``known_boxes()`` gives the boxes of every feature to be
    written, the R-tree is packed and written first, while the values are still being staged (the
    copy soon catches up), and only its triggers wait for the rows.
    """
    path, table = plan.path, plan.table
    staging = staging or Staging([name for name, _ in columns], source.fids)
    connection = None

    def release() -> None:
        if connection is not None:
            connection.close()
        staging.close()
        source.release()
    try:
        source.create(plan)
        add_columns(path, table, columns)
        connection = connect(path, plan.own_file, any_thread=True)
        insert = plan_insert(source.table, connection, table, source.fields, staging)
    except BaseException:
        release()
        raise
    if insert is None:
        release()
        remove_output(path, table, plan.append)
        return False

    def finish() -> None:
        try:
            boxes = known_boxes()
            # the packed R-tree may be written before the rows; a GDAL that builds it in bulk does so after
            index = index_rows(connection, table, boxes) if boxes is not None and not gdal_builds_rtree() else None
            insert.fill()
            if after_rows is not None:
                after_rows(connection)
        finally:
            release()
        finish_index(path, table, plan.own_file, index, boxes)
    background = run.background
    if background is None:  # no thread to fill beside the staging: one after the other
        try:
            if not staging.finished:
                staging.stage(rows)
        except BaseException:
            release()
            raise
        finish()
        return True
    finish_beside(background, path, finish)
    if not staging.finished:
        staging.stage(rows)  # the fill copies each chunk as soon as it is staged
    return True


def finish_index(path: str, table: str, own_file: bool, index: Optional[PendingIndex],
                 boxes: Optional[tuple] = None) -> None:
    """Make the output's R-tree complete: its triggers when it was written before the rows (index),
    else the whole index from the rows (``boxes``: their ids and boxes, when known)."""
    if index is None:
        add_spatial_index(path, table, own_file=own_file, extent=True, known_boxes=boxes)
        return
    connection = connect(path, own_file)
    try:
        end_index(connection, index, extent=True)
    finally:
        connection.close()


def _stage_then_wait(run, key: str, plan: CopyPlan, columns: list[tuple[str, str]], rows,
                     count: int) -> Optional[Staging]:
    """Wait until no other output is being finished into the output's file; while one is (the
    audit's one GeoPackage), stage ``rows``: staging needs only a private file, so it overlaps
    that work, and the rest is staged while this output's own copy runs. The staging made, if
    any (``rows`` None: nothing to stage)."""
    background = run.background
    staging = None
    if isinstance(rows, ColumnChunks) and file_busy(background, plan.path):
        staging = Staging([name for name, _ in columns], source_fids(run, key, plan, count))
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
