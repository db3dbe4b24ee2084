"""Writing PipeNet's outputs: pipes, nodes, points, tables and findings, styled when loaded."""

from __future__ import annotations

import weakref
from operator import attrgetter
from typing import Optional

import numpy as np
from qgis.core import (
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureSink,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)

from ...network.model.findings import count_by_check
from ..inputs.layers import (
    add_feature,
    field_changes,
    kept_indices,
    kept_values,
    line_parts,
    output_fields,
    piece_geometry,
    to_output_geometry,
)
from ..report.styles import style_on_load
from ..runtime.background import Finishing, same_file
from ..runtime.run import NetworkRun
from .atomic import StagedOutput, checkpoint
from .gpkg_points import write_points_in_bulk
from .gpkg_staging import Coded, ColumnChunks, coded
from .gpkg_writer import gpkg_destination, nodes_in_input_order, start_copies, write_nodes_in_bulk, write_pipes_in_bulk
from .pipe_columns import pipe_columns, rows_from_columns

FINDING_ATTRIBUTES = attrgetter("check", "severity", "kind", "feature_id", "fid", "value", "message_en", "message_zh",
                                "fix", "fix_zh", "x", "y")


PIPE_OUTPUT_FIELDS = [("pn_id", "string"), ("pn_part", "int"), ("pn_from", "string"),
                      ("pn_to", "string"), ("pn_reversed", "int"), ("pn_dir_src", "string"),
                      ("pn_length", "double"), ("pn_comp", "int"), ("pn_system", "string"),
                      ("pn_diam_mm", "double")]
NODE_CHUNK = 100_000  # nodes staged at a time (bulk writer)
NODE_OUTPUT_FIELDS = [("pn_id", "string"), ("pn_virtual", "int"), ("pn_type", "string"),
                      ("pn_degree", "int"), ("pn_in", "int"), ("pn_out", "int"), ("pn_comp", "int")]
# monitoring alarms (network/monitoring): where and why, and the PNG plot of each when one was made
ALARM_OUTPUT_FIELDS = [("sensor_id", "string"), ("rule", "string"), ("severity", "string"), ("start", "string"),
                       ("end", "string"), ("value", "double"), ("node_id", "string"), ("pipe_id", "string"),
                       ("kind", "string"), ("candidate_pipes", "string"), ("candidate_sources", "string"),
                       ("message_en", "string"),
                       ("message_zh", "string"), ("plot", "string")]
FINDING_OUTPUT_FIELDS = [("check", "string"), ("severity", "string"), ("kind", "string"),
                         ("feature_id", "string"), ("src_fid", "int"), ("value", "string"),
                         ("message_en", "string"), ("message_zh", "string"), ("fix", "string"),
                         ("fix_zh", "string")]


def written_columns(pipe_extra: Optional[list] = None, node_extra: Optional[list] = None) -> dict[str, list[str]]:
    """The PipeNet columns of the whole-network pipes and nodes outputs, by output key (the names an
    input copied into them must not take: layers.kept_fields)."""
    return {"OUTPUT_PIPES": [name for name, _ in PIPE_OUTPUT_FIELDS + (pipe_extra or [])],
            "OUTPUT_NODES": [name for name, _ in NODE_OUTPUT_FIELDS + (node_extra or [])]}


class Batch:
    """Features added to a sink a few thousand at a time (one call into QGIS per batch)."""

    def __init__(self, sink, sink_id: str, size: int = 5000):
        self.sink, self.sink_id, self.size, self.features = sink, sink_id, size, []

    def add(self, feature: QgsFeature) -> None:
        """Queue a feature; the batch goes to the sink when full."""
        self.features.append(feature)
        if len(self.features) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Send the queued features to the sink (or fail with the sink's own error)."""
        if self.features and not self.sink.addFeatures(self.features, QgsFeatureSink.FastInsert):
            error = getattr(self.sink, "lastError", lambda: "")()
            raise QgsProcessingException(f"Could not write to {self.sink_id}: {error}")
        self.features = []
        checkpoint("sink_writing")  # the file half-written (the fault tests stop here)



def part_output(result, parts: list, base: list, length_at: Optional[int], frame) -> tuple:
    """(geometry, input attributes) of one output feature: the input part the result comes from,
    or, for a piece of a line cut at a node or a pipe end, that piece, with an attribute length
    apportioned by its share of the drawn length."""
    part = result.geometry_part
    geometry = parts[part - 1] if 0 < part <= len(parts) else None
    if result.cut is None:
        return geometry, base
    attributes = base
    if length_at is not None and isinstance(base[length_at], (int, float)):
        attributes = list(base)
        attributes[length_at] = base[length_at] * result.share
    return piece_geometry(geometry, result.cut, frame), attributes

class OutputWriters:
    """Mixed into PipeNetAlgorithm: every sink PipeNet writes goes through here.

    The one place where a pipes or nodes output chooses its path (``write_pipes``, ``write_nodes``):
    the bulk GeoPackage path (gpkg_writer: one SQLite INSERT … SELECT from the input GeoPackage or
    from a staged GeoPackage copy of any other input file) whenever it says it can write the output
    (a destination back), else QGIS's feature sink, one feature at a time.
    """

    # -- writing -----------------------------------------------------------------------------
    def start_copies(self, run: NetworkRun, parameters, outputs: dict) -> None:
        """Start copying the inputs the bulk path copies from (any file but a GeoPackage) into the run's
        staging folder now, beside the analyses (see gpkg_writer); ``outputs``: written_columns()."""
        jobs = start_copies(run, parameters, outputs)
        if jobs is not None:
            if self.background is None:  # outside a run (the panel's build): the writers wait for it
                self.background = []
            self.background.append(jobs)

    def note_field_changes(self, feedback, source, written: list, key: str) -> None:
        """Say in the log which input attributes an output renames or replaces (layers.kept_fields)."""
        if source is None:
            return
        renamed, replaced = field_changes(source.fields(), [name for name, _ in written])
        if renamed:
            feedback.pushInfo(self.tr("{}: input fields renamed where their names are taken: {}").format(
                key, ", ".join(renamed)))
        if replaced:
            feedback.pushInfo(self.tr("{}: PipeNet columns of an earlier run replaced: {}").format(
                key, ", ".join(replaced)))

    def sink(self, parameters, key, context, fields, wkb, crs=None):
        """parameterAsSink for declared outputs; a plain destination string otherwise (audit layers)."""
        from qgis.core import QgsCoordinateReferenceSystem, QgsProcessingUtils

        crs = crs if crs is not None else QgsCoordinateReferenceSystem()
        self.wait_for_outputs()  # an output may still be being finished in the same GeoPackage
        if self.parameterDefinition(key) is not None:
            sink, dest = self.parameterAsSink(parameters, key, context, fields, wkb, crs)
            if sink is not None and self.staged_output(parameters, key) is not None:
                # closed before the file is moved in (QgsVectorFileWriter completes it when deleted),
                # not kept open: a writer that reads its output back finds it complete
                self.staged_sinks.append(weakref.ref(sink))
                self.register_output(parameters, key, context, dest)
            return sink, dest
        destination = parameters.get(key)
        if not destination:
            return None, None
        sink, dest = QgsProcessingUtils.createFeatureSink(destination, context, fields, wkb, crs)
        return sink, dest

    def write_pipes(self, run: NetworkRun, parameters, context, feedback,
                    extra_fields: Optional[list] = None, extra_rows=None, key: str = "OUTPUT_PIPES",
                    style: str = "system", extra_columns=None):
        """Write pipes: every input attribute plus pn_ fields, one feature per pipe part.

        ``extra_rows(result)`` returns the extra values of each feature to write for a pipe part:
        [] leaves the part out (traces), several rows repeat it (one per trace start).
        ``extra_columns(rows)`` instead gives the extra values as columns for the table rows ``rows``
        (one feature per pipe): whole-network outputs are then written without an object per pipe.
        """
        table = run.network.table()
        self.note_field_changes(feedback, run.pipes_source, PIPE_OUTPUT_FIELDS + (extra_fields or []), key)
        if extra_columns is not None:
            extra_rows = rows_from_columns(table, extra_columns, len(extra_fields or []))
        pipe_values: dict = {}

        def values_of(result) -> list:
            if not pipe_values:  # made when first needed: a whole-network output written from columns never asks
                diameters = [None if d != d else d for d in table.edge_numbers("diameter").tolist()]
                pipe_values.update(zip(table.keys, zip(table.edge_values("system").tolist(), diameters)))
            system, diameter = pipe_values.get(result.pipe_id, (None, None)) \
                if result.from_node is not None else (None, None)
            return [result.pipe_id, result.part, result.from_node, result.to_node, int(result.reversed),
                    result.direction_source, float(np.round(result.length, 3)), result.component, system, diameter]

        def single_row(result) -> Optional[list]:
            rows = extra_rows(result) if extra_rows is not None else [[]]
            return values_of(result) + list(rows[0]) if len(rows) == 1 else None

        in_table_order = (lambda: ColumnChunks(lambda: pipe_columns(table, extra_columns))) \
            if extra_columns is not None or extra_rows is None else None
        dest = write_pipes_in_bulk(run, parameters, key, PIPE_OUTPUT_FIELDS + (extra_fields or []), single_row,
                                   in_table_order)
        if dest is not None:
            self.register_output(parameters, key, context, dest)
            self.style_output(context, dest, style)
            return dest
        return self._pipes_by_sink(run, parameters, context, feedback, key, extra_fields, values_of, extra_rows,
                                   style)

    def _pipes_by_sink(self, run: NetworkRun, parameters, context, feedback, key: str, extra_fields, values_of,
                       extra_rows, style: str):
        """write_pipes through QGIS's feature sink (any destination), one input feature at a time."""
        source = run.pipes_source
        written = PIPE_OUTPUT_FIELDS + (extra_fields or [])
        fields = output_fields(source.fields(), written)
        wkb = QgsWkbTypes.singleType(source.wkbType())
        sink, dest = self.sink(parameters, key, context, fields, wkb, source.sourceCrs())
        if sink is None:
            return None
        keep = kept_indices(source.fields(), written)
        # an attribute length (管长 ...) is apportioned among a cut line's pieces by their drawn length
        length_name = run.network.pipe_mapping.get("length")
        kept_names = [source.fields().at(index).name() for index in keep]  # as the input names them
        length_at = kept_names.index(length_name) if length_name in kept_names else None
        total = max(source.featureCount(), 1)
        batch = Batch(sink, key)
        for count, feature in enumerate(source.getFeatures()):
            if count % 2000 == 0:
                if feedback.isCanceled():
                    break
                feedback.setProgress(80 + 10 * count / total)
            results = run.network.pipe_results.get(count, [])
            if not results:
                continue
            parts = line_parts(feature.geometry())
            base = kept_values(feature, keep)
            for result in results:
                rows = extra_rows(result) if extra_rows is not None else [[]]
                if not rows:
                    continue
                values = values_of(result)
                geometry, attributes = part_output(result, parts, base, length_at, run.frame)
                for row in rows:
                    out = QgsFeature(fields)
                    if geometry is not None:
                        out.setGeometry(geometry)
                    out.setAttributes(attributes + values + list(row))
                    batch.add(out)
        batch.flush()
        self.style_output(context, dest, style)
        return dest

    def write_nodes(self, run: NetworkRun, parameters, context, feedback,
                    extra_fields: Optional[list] = None, extra_rows=None, key: str = "OUTPUT_NODES"):
        """Write nodes: input nodes plus virtual junctions, with degree and component.

        ``extra_rows(node, data)`` works as in write_pipes.
        """
        source = run.nodes_source
        table = run.network.table()
        self.note_field_changes(feedback, source, NODE_OUTPUT_FIELDS + (extra_fields or []), key)
        if extra_rows is None:
            written = self._node_columns_in_bulk(run, parameters, key, table)
            if written is not None:
                self.register_output(parameters, key, context, written)
                return written
        in_degree, out_degree = (degrees.tolist() for degrees in table.degrees())
        columns = list(zip(table.names, table.node_data, table.node_values("virtual").tolist(),
                           table.node_values("type").tolist(), table.node_values("component").tolist(),
                           table.node_values("fid").tolist(), table.node_numbers("x").tolist(),
                           table.node_numbers("y").tolist(), in_degree, out_degree))
        written = self._nodes_in_bulk(run, parameters, key, extra_fields, extra_rows, columns)
        if written is not None:  # before any sink exists: a sink would hold the file open
            self.register_output(parameters, key, context, written)
            return written
        fields = output_fields(source.fields() if source else None,
                               NODE_OUTPUT_FIELDS + (extra_fields or []))
        sink, dest = self.sink(parameters, key, context, fields,
                                          QgsWkbTypes.Point, run.frame.output_crs)
        if sink is None:
            return None
        input_values = {}
        if source is not None:
            keep = kept_indices(source.fields(), NODE_OUTPUT_FIELDS + (extra_fields or []))
            for position, feature in enumerate(source.getFeatures()):
                input_values[position] = kept_values(feature, keep)
        blank = [None] * (len(fields) - len(NODE_OUTPUT_FIELDS) - len(extra_fields or []))
        batch = Batch(sink, key)
        for node, data, virtual, kind, component, fid, x, y, arriving, leaving in columns:
            rows = extra_rows(node, data) if extra_rows is not None else [[]]
            if not rows:
                continue
            values = [node, int(bool(virtual)), kind, arriving + leaving, arriving, leaving, component]
            geometry = to_output_geometry(run.frame, x, y)
            for row in rows:
                out = QgsFeature(fields)
                out.setGeometry(geometry)
                out.setAttributes(input_values.get(fid, blank) + values + list(row))
                batch.add(out)
        batch.flush()
        return dest

    def _node_columns_in_bulk(self, run, parameters, key, table) -> Optional[str]:
        """Whole-network nodes written in bulk (gpkg_writer) straight from the table's columns (no row per node
        in memory at once), or None when the nodes are not the input nodes in input order."""
        source = run.nodes_source
        if source is None or not run.network.sources.get("nodes_located") or gpkg_destination(parameters, key) is None:
            return None
        count = source.featureCount()
        if not nodes_in_input_order(table, count):
            return None
        names = table.names
        kinds, components = table.node_values("type"), table.node_values("component")
        arriving, leaving = table.degrees()
        degree = arriving + leaving
        # few distinct values: staged as one value per node together (gpkg_staging)
        coded_columns = [coded(column) for column in (kinds, degree, arriving, leaving)]

        def chunks():  # each chunk is copied into the output while the next one is staged
            for part in (slice(first, min(count, first + NODE_CHUNK)) for first in range(0, count, NODE_CHUNK)):
                kind, degrees, arrivals, departures = (column.take(part) for column in coded_columns)
                yield [names[part], Coded(np.zeros(part.stop - part.start, dtype=np.int64), [0]), kind, degrees,
                       arrivals, departures, components[part]]
        rows = ColumnChunks(chunks)
        # the virtual junctions' own: lists of every node's x and y held 0.15 GB on a county
        xs, ys = table.node_numbers("x")[count:].tolist(), table.node_numbers("y")[count:].tolist()
        virtual = []
        for node in range(count, len(names)):
            point = to_output_geometry(run.frame, xs[node - count], ys[node - count]).asPoint()
            virtual.append(([names[node], 1, kinds[node], int(degree[node]), int(arriving[node]),
                             int(leaving[node]), components[node]], point.x(), point.y()))
        return write_nodes_in_bulk(run, parameters, key, NODE_OUTPUT_FIELDS, rows, count, virtual)

    def _nodes_in_bulk(self, run, parameters, key, extra_fields, extra_rows, columns) -> Optional[str]:
        """The nodes output written in bulk (see gpkg_writer), or None to use the sink."""
        if not run.network.sources.get("nodes_located") or gpkg_destination(parameters, key) is None:
            return None
        rows, virtual = [], []
        for position, (node, data, is_virtual, kind, component, fid, x, y, arriving, leaving) in enumerate(columns):
            extra = extra_rows(node, data) if extra_rows is not None else [[]]
            if len(extra) != 1 or (not is_virtual and fid != position):
                return None  # nodes written several times, left out, or out of input order
            values = [node, int(bool(is_virtual)), kind, arriving + leaving, arriving, leaving, component] \
                + list(extra[0])
            if is_virtual:
                point = to_output_geometry(run.frame, x, y).asPoint()
                virtual.append((values, point.x(), point.y()))
            else:
                rows.append(values)
        with_ids = ColumnChunks.of_rows([values + [position + 1] for position, values in enumerate(rows)])
        return write_nodes_in_bulk(run, parameters, key, NODE_OUTPUT_FIELDS + (extra_fields or []), with_ids,
                                   len(rows), virtual)

    def write_points(self, run: NetworkRun, parameters, key: str, context, columns: list[tuple[str, str]],
                     rows) -> Optional[str]:
        """Write points from (values, (x, y) in the working CRS) rows."""
        def as_columns():
            listed = list(rows)
            # SQLite binds Python values only (a numpy number from an analysis would be refused)
            values = [[v.item() if isinstance(v, np.generic) else v for v in column]
                      for column in zip(*(row for row, _ in listed))] or [[] for _ in columns]
            x, y = (np.array([np.nan if xy is None or xy[axis] is None else xy[axis] for _, xy in listed],
                             dtype=float) for axis in (0, 1))
            return values, x, y
        dest = self._points_in_bulk(run, parameters, key, context, columns, as_columns)
        if dest is not None:
            return dest
        fields = output_fields(None, columns)
        sink, dest = self.sink(parameters, key, context, fields, QgsWkbTypes.Point,
                                          run.frame.output_crs)
        if sink is None:
            return None
        batch = Batch(sink, key)
        for row, xy in rows:
            out = QgsFeature(fields)
            out.setGeometry(to_output_geometry(run.frame, *(xy or (None, None))))
            out.setAttributes(list(row))
            batch.add(out)
        batch.flush()
        return dest

    def write_input_points(self, run: NetworkRun, parameters, key: str, context, source) -> Optional[str]:
        """Write a point layer's located features as they are, every input attribute kept (the audit's events)."""
        fields = output_fields(source.fields(), [])
        keep = kept_indices(source.fields(), [])
        sink, dest = self.sink(parameters, key, context, fields, QgsWkbTypes.Point, run.frame.output_crs)
        if sink is None:
            return None
        transform = None
        if source.sourceCrs().isValid() and run.frame.output_crs.isValid() and \
                source.sourceCrs() != run.frame.output_crs:
            transform = QgsCoordinateTransform(source.sourceCrs(), run.frame.output_crs, context.transformContext())
        batch = Batch(sink, key)
        for feature in source.getFeatures():
            geometry = QgsGeometry(feature.geometry())
            if geometry.isNull() or geometry.isEmpty():
                continue  # as the analyses read them: an event without a place is not one
            if transform is not None:
                geometry.transform(transform)
            out = QgsFeature(fields)
            out.setGeometry(QgsGeometry(geometry.constGet().geometryN(0).clone()) if geometry.isMultipart()
                            else geometry)
            out.setAttributes(kept_values(feature, keep))
            batch.add(out)
        batch.flush()
        return dest

    def write_polygons(self, run: NetworkRun, parameters, key: str, context, columns: list[tuple[str, str]],
                       rows) -> Optional[str]:
        """Write polygons from (values, shapely polygon in the working CRS) rows (sub-catchments)."""
        from ..inputs.polygons import to_output_polygon

        fields = output_fields(None, columns)
        sink, dest = self.sink(parameters, key, context, fields, QgsWkbTypes.MultiPolygon, run.frame.output_crs)
        if sink is None:
            return None
        batch = Batch(sink, key)
        for row, shape in rows:
            out = QgsFeature(fields)
            geometry = to_output_polygon(run.frame, shape)
            if not geometry.isNull():
                geometry.convertToMultiType()
            out.setGeometry(geometry)
            out.setAttributes(list(row))
            batch.add(out)
        batch.flush()
        return dest

    def write_table(self, parameters, key: str, context, columns: list[tuple[str, str]], rows) -> Optional[str]:
        """Write a table without geometry (summaries)."""
        fields = output_fields(None, columns)
        sink, dest = self.sink(parameters, key, context, fields, QgsWkbTypes.NoGeometry)
        if sink is None:
            return None
        for row in rows:
            out = QgsFeature(fields)
            out.setAttributes(list(row))
            add_feature(sink, out, key)
        return dest

    def write_alarms(self, run: NetworkRun, alarms, parameters, context, key: str = "OUTPUT_ALARMS",
                     plots: Optional[list] = None) -> Optional[str]:
        """Write monitoring alarms as points at their sensors (ALARM_OUTPUT_FIELDS), styled by rule and
        severity when loaded; ``plots`` gives each alarm's PNG path ("" where none was made)."""
        plots = list(plots or []) + [""] * (len(alarms) - len(plots or []))
        rows = (([a.sensor_id, a.rule, a.severity, f"{a.start:%Y-%m-%d %H:%M}", f"{a.end:%Y-%m-%d %H:%M}",
                  round(float(a.value), 4), a.node_id, a.pipe_id, a.kind, ";".join(a.candidate_pipes),
                  ";".join(a.candidate_sources), a.message_en,
                  a.message_zh, plot or ""], (a.x, a.y) if a.x is not None and a.y is not None else None)
                for a, plot in zip(alarms, plots))
        dest = self.write_points(run, parameters, key, context, ALARM_OUTPUT_FIELDS, rows)
        self.style_output(context, dest, "alarms")
        return dest

    def write_findings(self, run: NetworkRun, findings, parameters, context) -> Optional[str]:
        """Write OUTPUT_FINDINGS as points in the uniform findings schema."""
        dest = self._findings_in_bulk(run, findings, parameters, context)
        if dest is not None:
            self.style_output(context, dest, "findings")
            return dest
        fields = output_fields(None, FINDING_OUTPUT_FIELDS)
        sink, dest = self.sink(parameters, "OUTPUT_FINDINGS", context, fields,
                                          QgsWkbTypes.Point, run.frame.output_crs)
        if sink is None:
            return None
        batch = Batch(sink, "OUTPUT_FINDINGS")
        for finding in findings:
            out = QgsFeature(fields)
            out.setGeometry(to_output_geometry(run.frame, finding.x, finding.y))
            out.setAttributes([finding.check, finding.severity, finding.kind, finding.feature_id,
                               run.source_fid(finding), finding.value, finding.message_en, finding.message_zh,
                               finding.fix, finding.fix_zh])
            batch.add(out)
        batch.flush()
        self.style_output(context, dest, "findings")
        return dest

    def _findings_in_bulk(self, run: NetworkRun, findings, parameters, context) -> Optional[str]:
        """Findings straight into a GeoPackage output (None: not one, or coordinates to transform)."""
        def as_columns():
            # a check's findings share their check, severity, kind and fix, and a message per value
            # (a county's 857,000 findings have 113,000 messages): Coded (gpkg_staging)
            # the attributes of all findings in one pass, as columns (a getattr per value cost 1.5 s)
            (check, severity, kind, feature_id, fid, value, message_en, message_zh, fix, fix_zh, x, y) = \
                zip(*map(FINDING_ATTRIBUTES, findings)) if findings else [()] * 12
            values = [coded(list(column)) for column in (check, severity, kind)]
            values += [list(feature_id), run.source_fids(kind, fid), list(value)]
            values += [coded(list(column)) for column in (message_en, message_zh, fix, fix_zh)]
            return values, np.array(x, dtype=float), np.array(y, dtype=float)  # None: NaN
        return self._points_in_bulk(run, parameters, "OUTPUT_FINDINGS", context, FINDING_OUTPUT_FIELDS, as_columns)

    def _points_in_bulk(self, run: NetworkRun, parameters, key: str, context, columns, as_columns) -> Optional[str]:
        """Points straight into a GeoPackage output by SQLite; None when it is not one or needs a transform.

        ``as_columns()`` gives (one list per column, x, y in the working CRS).
        """
        destination = gpkg_destination(parameters, key)
        if destination is None or run.frame.to_output is not None:
            return None
        values, x, y = as_columns()  # before waiting: another output may still be finishing in the file
        dest = write_points_in_bulk(parameters, key, columns, values, x, y, run.frame.output_crs, run.own_files,
                                    wait=lambda: self.wait_for_outputs(destination[0]))
        self.register_output(parameters, key, context, dest)
        return dest

    def wait_for_outputs(self, path: Optional[str] = None) -> None:
        """Wait for the outputs still being finished in threads (they may share a GeoPackage); with
        ``path``, outputs being finished in other files go on (a findings file beside the pipes').
        The input copies made beside the build write no output (gpkg_writer.StagedCopies): they go on."""
        for jobs in self.background or []:
            if isinstance(jobs, Finishing) and (path is None or same_file(jobs.path, path)):
                jobs.wait_all()

    def staged_output(self, parameters, key: str) -> Optional[StagedOutput]:
        """The output ``key`` of ``parameters`` when it is written under a name of this run until complete
        (base.stage_outputs), else None."""
        staged = self.staging.outputs.get(key) if self.staging is not None else None
        value = parameters.get(key)
        value = value.sink.staticValue() if hasattr(value, "sink") else value
        return staged if staged is not None and value == staged.partial else None

    def final_destination(self, dest: Optional[str]) -> Optional[str]:
        """An output's destination under its final name (where Processing loads it from)."""
        return self.staging.final(dest) if dest and self.staging is not None else dest

    def style_output(self, context, dest: Optional[str], kind: str) -> None:
        """Style an output when Processing loads it (styles.style_on_load), by its final name."""
        style_on_load(context, self.final_destination(dest), kind)

    def close_sinks(self) -> None:
        """Close the sinks of staged outputs still open: each file is complete once its writer is deleted."""
        from qgis.PyQt import sip

        references, self.staged_sinks = self.staged_sinks, []
        for reference in references:
            sink = reference()
            if sink is not None and not sip.isdeleted(sink):
                sip.delete(sink)

    def register_output(self, parameters, key: str, context, dest: Optional[str]) -> None:
        """Load an output written without a QGIS sink on completion, as parameterAsSink does (toolbox runs);
        a staged output by its final name, as the user gave it."""
        from qgis.core import QgsProcessingContext, QgsProcessingOutputLayerDefinition, QgsProcessingUtils

        value = parameters.get(key)
        if self.staged_output(parameters, key) is not None:
            value, dest = self.given_parameters.get(key), self.final_destination(dest)
        definition = self.parameterDefinition(key)
        if dest is None or definition is None or not isinstance(value, QgsProcessingOutputLayerDefinition) \
                or value.destinationProject is None:
            return
        details = QgsProcessingContext.LayerDetails(value.destinationName or definition.description(),
                                                    value.destinationProject, definition.name(),
                                                    QgsProcessingUtils.LayerHint.Vector)
        context.addLayerToLoadOnCompletion(dest, details)

    @staticmethod
    def findings_summary(findings) -> dict[str, int]:
        """Counts per check, for the results dictionary and the log."""
        return count_by_check(findings)
