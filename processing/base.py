"""Shared parameters, network reading and sink writing for every PipeNet algorithm."""

from __future__ import annotations

import math
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProviderRegistry,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..network import BuildOptions, Cancelled, PipeNetInputError, Progress
from ..network.build.builder import build_network
from ..network.model.columns import Provenance
from ..network.model.records import gc_paused
from .inputs.bulk import bulk_columns, bulk_reader
from .inputs.encoding import decoded_source
from .inputs.layers import WorkingFrame, note_reprojection, read_nodes, read_pipes, working_frame
from .outputs.atomic import IncompleteOutput, StagedOutputs, storage_problem
from .outputs.gpkg_writer import ogr_destination, start_early_copies
from .outputs.writers import OutputWriters
from .runtime.background import Beside
from .runtime.cache import NETWORK_CACHE
from .runtime.compat import set_advanced, tr_noop
from .runtime.console import on_own_lines
from .runtime.memory import release_free_memory
from .runtime.run import NetworkRun

ICONS = Path(__file__).resolve().parent.parent / "icons"

# (parameter key, canonical field, label) of the advanced field-mapping parameters.
PIPE_FIELD_PARAMETERS = [
    ("PIPE_ID_FIELD", "id", tr_noop("Pipe id field")),
    ("FROM_NODE_FIELD", "from_node", tr_noop("From-node id field (起点点号)")),
    ("TO_NODE_FIELD", "to_node", tr_noop("To-node id field (终点点号)")),
    ("SYSTEM_FIELD", "system", tr_noop("System field (YS/WS/HS/JS)")),
    ("DIAMETER_FIELD", "diameter", tr_noop("Diameter field (管径)")),
    ("MATERIAL_FIELD", "material", tr_noop("Material field (材质)")),
    ("UP_INVERT_FIELD", "up_invert", tr_noop("Start invert field (起点管底高程)")),
    ("DOWN_INVERT_FIELD", "down_invert", tr_noop("End invert field (终点管底高程)")),
    ("UP_DEPTH_FIELD", "up_depth", tr_noop("Start depth field (起点埋深)")),
    ("DOWN_DEPTH_FIELD", "down_depth", tr_noop("End depth field (终点埋深)")),
    ("YEAR_FIELD", "install_year", tr_noop("Install year field (敷设年代)")),
    ("STATUS_FIELD", "status", tr_noop("Status field")),
    ("DIRECTION_FIELD", "direction", tr_noop("Flow direction field (流向)")),
]
NODE_FIELD_PARAMETERS = [
    ("NODE_ID_FIELD", "id", tr_noop("Node id field (点号)")),
    ("NODE_TYPE_FIELD", "type", tr_noop("Node type field (附属物)")),
    ("NODE_SYSTEM_FIELD", "system", tr_noop("Node system field")),
    ("GROUND_FIELD", "ground_elev", tr_noop("Ground elevation field (地面高程)")),
    ("NODE_INVERT_FIELD", "invert_elev", tr_noop("Node invert field (井底高程)")),
    ("NODE_DEPTH_FIELD", "depth", tr_noop("Node depth field (井深)")),
]

def _remove_output(path: str) -> None:
    """Delete a file or folder output (and a GeoPackage's journal files)."""
    import shutil

    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    for candidate in (path, path + "-wal", path + "-shm", path + "-journal"):
        if os.path.exists(candidate):
            try:
                os.remove(candidate)
            except OSError:
                pass


def is_data_source_uri(value: str) -> bool:
    """Whether a destination names a provider's data source ("postgis:dbname=...", "memory:") rather
    than a file ("C:\\data\\out.gpkg" has a one-letter drive, not a provider)."""
    return re.match(r"[A-Za-z][A-Za-z0-9_]+:", value) is not None


def local_file(value) -> Optional[str]:
    """The file a destination names when it is a plain local path (given as text or in a
    QgsProcessingOutputLayerDefinition), else None: a temporary output, a provider's data source
    (``memory:``, ``ogr:``, ``postgres:``), a layer inside a file (``|layername=``), an append to an
    existing layer (field mapping), a path made by an expression."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        if value.useRemapping():
            return None
        value = value.sink.staticValue()
    if not isinstance(value, str) or not value or value.startswith("TEMPORARY") or "|" in value \
            or is_data_source_uri(value):
        return None
    return value


def make_output_folders(parameters: dict, context) -> None:
    """Create the folders of file outputs, as a technician expects from a save dialog."""
    for key, value in parameters.items():
        if not key.startswith("OUTPUT"):
            continue
        sink = getattr(value, "sink", None)
        path = sink.staticValue() if sink is not None else value
        if isinstance(path, str) and not is_data_source_uri(path) and not path.startswith("TEMPORARY") \
                and ("/" in path or "\\" in path):
            folder = os.path.dirname(path.split("|")[0])
            if folder:
                os.makedirs(folder, exist_ok=True)


@contextmanager
def layer_paths_as_final(staging: StagedOutputs) -> Iterator[None]:
    """While a run writes a project among its outputs, the project names its layers by their final
    paths, not those they are written at (QgsPathResolver writes every project's paths through this;
    only this run's partial paths change)."""
    if not any(output.final.lower().endswith((".qgz", ".qgs")) for output in staging.outputs.values()):
        yield
        return
    from qgis.core import QgsPathResolver

    writer = QgsPathResolver.setPathWriter(staging.final)
    try:
        yield
    finally:
        QgsPathResolver.removePathWriter(writer)


class FeedbackProgress(Progress):
    """Core progress mapped into a span of a QgsProcessingFeedback."""

    def __init__(self, feedback, start: float = 30.0, end: float = 80.0):
        self.feedback, self.start, self.end = feedback, start, end

    def set_progress(self, percent: float) -> None:
        self.feedback.setProgress(self.start + (self.end - self.start) * percent / 100.0)
        release_free_memory()  # the core reports progress between stages: what one stage freed goes back

    def info(self, message: str) -> None:
        self.feedback.pushInfo(message)

    def warning(self, message: str) -> None:
        self.feedback.pushWarning(message)

    def is_cancelled(self) -> bool:
        return self.feedback.isCanceled()


@dataclass
class BuildInputs:
    """What the parameters ask the build for: the sources, their text encoding, the options and frame."""

    pipes_source: Any
    nodes_source: Any
    encoding: str
    options: BuildOptions
    frame: WorkingFrame
    pipes_name: str
    nodes_name: str


def source_facts(pipes, nodes) -> dict:
    """What the writers need to know of the layers read: their files, whether every node has a
    location (the nodes output may then be written in bulk), the file's own feature id of each
    feature read (written outputs are joined on it) and whether they were read in their own CRS."""
    # layers read feature by feature (LayerData records) or not given carry no provenance
    of_pipes, of_nodes = (layer if isinstance(layer, Provenance) else Provenance() for layer in (pipes, nodes))
    return {"pipes_file": of_pipes.origin, "nodes_file": of_nodes.origin,
            "nodes_located": hasattr(nodes, "xy") and bool(np.isfinite(nodes.xy).all()),
            "pipes_fids": of_pipes.source_fids, "nodes_fids": of_nodes.source_fids,
            "pipes_in_source_crs": of_pipes.in_source_crs, "nodes_in_source_crs": of_nodes.in_source_crs}


class PipeNetAlgorithm(OutputWriters, QgsProcessingAlgorithm):
    """Base of every PipeNet algorithm: naming, icons and the shared network parameters."""

    GROUP_ID = "network"
    GROUPS = {"network": "Network", "analysis": "Analysis", "data": "Data"}

    def __init__(self):
        super().__init__()
        # The state of one run, set by processAlgorithm. The panel calls build_from_parameters outside a
        # run: it finds no background list (outputs are then finished in line) and no staging.
        self.background: Optional[list] = None  # outputs finished in threads, waited for before the run reports
        self.own_files: set[str] = set()  # output files this run made: removed if it fails
        self.staging: Optional[StagedOutputs] = None  # outputs written under names of this run until complete
        self.given_parameters: dict = {}  # the parameters as the user gave them, before staging
        self.staged_sinks: list = []  # weak references to the sinks writing staged files, closed before renames

    def tr(self, text: str) -> str:
        """Translate a literal string in the PipeNet context."""
        return QCoreApplication.translate("PipeNet", text)

    def createInstance(self):  # noqa: N802 (QGIS API)
        return type(self)()

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def group(self) -> str:
        return {"network": self.tr("Network"), "analysis": self.tr("Analysis"),
                "data": self.tr("Data")}[self.GROUP_ID]

    def icon(self) -> QIcon:
        return QIcon(str(ICONS / f"group_{self.GROUP_ID}.svg"))

    # -- running: clean failures, nothing half-written left behind ---------------------------------
    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API)
        """QGIS's checks, and numbers that QGIS lets through (nan, inf) refused with a clear message."""
        problem = self.number_problem(parameters, context) or self.overwrite_problem(parameters, context)
        if problem:
            return False, problem
        return super().checkParameterValues(parameters, context)

    def number_problem(self, parameters, context) -> Optional[str]:
        """Why a numeric parameter cannot be used (not finite, below its minimum), or None."""
        for definition in self.parameterDefinitions():
            name = definition.name()
            if not isinstance(definition, QgsProcessingParameterNumber) or parameters.get(name) is None:
                continue
            given = parameters.get(name)
            value = self.parameterAsDouble(parameters, name, context)
            if isinstance(given, str) and given.strip():
                try:
                    value = float(given)  # 'nan', 'inf' and '-1' as typed (QGIS may read them otherwise)
                except ValueError:
                    return self.tr("{} ({}) must be a number, not '{}'.").format(
                        definition.description(), name, given)
            if not math.isfinite(value):
                return self.tr("{} ({}) must be a finite number, not {}.").format(
                    definition.description(), name, value)
            if value < definition.minimum():
                return self.tr("{} ({}) must be at least {:g}, not {:g}.").format(
                    definition.description(), name, definition.minimum(), value)
            if value > definition.maximum():
                return self.tr("{} ({}) must be at most {:g}, not {:g}.").format(
                    definition.description(), name, definition.maximum(), value)
        return None

    def _input_layers(self, parameters, context) -> dict[str, tuple[str, str]]:
        """(file, layer name) of every input layer read from a file, by parameter."""
        inputs = {}
        for definition in self.parameterDefinitions():
            if definition.type() not in ("source", "vector"):
                continue
            layer = self.parameterAsVectorLayer(parameters, definition.name(), context)
            if layer is None or layer.providerType() != "ogr":
                continue
            parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
            if parts.get("path"):
                inputs[definition.name()] = (os.path.realpath(parts["path"]),
                                             (parts.get("layerName") or _first_layer(parts["path"])).lower())
        return inputs

    def input_files(self, parameters, context) -> list[str]:
        """The files the input layers are read from."""
        return list(dict.fromkeys(path for path, _ in self._input_layers(parameters, context).values()))

    def overwrite_problem(self, parameters, context) -> Optional[str]:
        """Why an output would overwrite an input layer (the file, or its table in a GeoPackage), or None.

        QGIS replaces a whole file named as an output, and a table named in an ``ogr:`` destination:
        the input would be gone before it was read to the end.
        """
        inputs = self._input_layers(parameters, context)
        for definition in self.destinationParameterDefinitions():
            value = parameters.get(definition.name())
            sink = getattr(value, "sink", None)
            value = sink.staticValue() if sink is not None else value
            if not isinstance(value, str):
                continue
            named = ogr_destination(value)
            path, table = named if named is not None else (value.split("|")[0], None)
            if not path or not os.path.exists(path):
                continue
            for key, (input_path, layer_name) in inputs.items():
                if os.path.realpath(path) == input_path and (table is None or table.lower() == layer_name):
                    return self.tr("{} would overwrite the input {} ({}): choose another file or table.").format(
                        definition.name(), key, value)
        return None

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API)
        """Run ``process`` on its outputs staged (stage_outputs) and move them in when complete; on
        failure or cancel, remove what this run wrote and explain in one line."""
        problem = self.number_problem(parameters, context) or self.overwrite_problem(parameters, context)
        if problem:
            raise QgsProcessingException(problem)
        feedback = on_own_lines(feedback)  # under qgis_process no message runs into the progress ticks
        given = parameters
        created = [path for path in self._output_paths(given, context) if not os.path.exists(path)]
        self.background = []
        self.own_files = {os.path.abspath(path) for path in created}
        self.staging, self.given_parameters = StagedOutputs(), given
        try:
            parameters = self.stage_outputs(given)
            with gc_paused(), layer_paths_as_final(self.staging):
                # a county's objects are acyclic: collections would only walk them again and again
                results = self.process(parameters, context, feedback)
                for jobs in self.background:  # outputs still being finished in threads (gpkg_writer)
                    jobs.wait_all()
            self.stop_background()  # all done: removes the staged input copies no writer took
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Cancelled by the user."))
            return self.commit_outputs(results, context)
        except Exception as error:
            self.stop_background()  # before removing what it may still be writing
            self.close_sinks()
            # a full disk has its space back once the partial outputs are gone: looked at before
            problem = None if isinstance(error, (QgsProcessingException, PipeNetInputError, Cancelled,
                                                 IncompleteOutput)) else \
                storage_problem(error, self._output_paths(given, context), self.input_files(given, context))
            self.staging.discard()
            for path in created:
                _remove_output(path)
            raise self._failure(error, problem, feedback) from None

    def _failure(self, error: Exception, problem: Optional[str], feedback) -> QgsProcessingException:
        """The one-line error a failed run reports (paths it wrote under names of its own as the user's)."""
        if problem is not None:
            return QgsProcessingException(problem)
        if isinstance(error, (QgsProcessingException, PipeNetInputError, IncompleteOutput)):
            return QgsProcessingException(self.staging.final(str(error)))
        if isinstance(error, Cancelled):
            return QgsProcessingException(self.tr("Cancelled by the user."))
        import traceback

        feedback.pushDebugInfo(traceback.format_exc())  # for a bug report; the user sees one line
        return QgsProcessingException(self.tr("PipeNet could not finish {}: {} ({})").format(
            self.name(), self.staging.final(str(error)), type(error).__name__))

    def stage_outputs(self, parameters: dict) -> dict:
        """The parameters with each output that names a local file (local_file) replaced by where this
        run writes it until complete (atomic.StagedOutputs); folders are left to the algorithm.

        A layer given as a QgsProcessingOutputLayerDefinition keeps its options (the file encoding)
        but not its project: the writers ask for the final file to be loaded (register_output), so
        Processing loads it only once it is there.
        """
        staged = dict(parameters)
        for definition in self.destinationParameterDefinitions():
            key = definition.name()
            path = local_file(parameters.get(key))
            if path is None or definition.type() == "folderDestination":
                continue
            partial = self.staging.stage(key, path, layer=definition.type() != "fileDestination")
            self.own_files.add(os.path.abspath(partial))  # made by this run, removed if it fails
            value = parameters[key]
            if isinstance(value, QgsProcessingOutputLayerDefinition):
                substitute = QgsProcessingOutputLayerDefinition(partial)
                substitute.createOptions = value.createOptions
                substitute.destinationName = value.destinationName
                staged[key] = substitute
            else:
                staged[key] = partial
        return staged

    def commit_outputs(self, results: dict, context) -> dict:
        """The run is complete: every staged output closed, checked and moved in; the results name them."""
        if not self.staging.outputs:
            return results
        self.close_sinks()
        store = context.temporaryLayerStore()  # layers read back from a staged file (a map drawn of it)
        store.removeMapLayers([layer for layer in store.mapLayers().values()
                               if self.staging.final(layer.source()) != layer.source()])
        self.staging.commit()
        return {key: self.staging.final(value) if isinstance(value, str) else value
                for key, value in results.items()}

    def process(self, parameters, context, feedback) -> dict:
        """The algorithm's work (what processAlgorithm is elsewhere)."""
        raise NotImplementedError

    def stop_background(self) -> None:
        """Stop and wait for work started beside the run (staged input copies, outputs being finished)."""
        for jobs in self.background or []:
            jobs.stop()
        self.background = []

    def _output_paths(self, parameters, context) -> list[str]:
        """File paths of this run's file outputs (layers, files, folders)."""
        paths = []
        for definition in self.destinationParameterDefinitions():
            value = parameters.get(definition.name())
            sink = getattr(value, "sink", None)
            value = sink.staticValue() if sink is not None else value
            if not isinstance(value, str) or not value or value.startswith("TEMPORARY"):
                continue
            if ogr_destination(value) is not None:
                value = ogr_destination(value)[0]
            elif is_data_source_uri(value):  # postgis:, postgres:, memory: ... name no file
                continue
            path = value.split("|")[0]
            if "/" in path or "\\" in path:
                paths.append(path)
        return paths

    # -- shared parameters -------------------------------------------------------------------
    def add_network_parameters(self) -> None:
        """PIPES, NODES, tolerances and the advanced field-mapping parameters."""
        self.addParameter(QgsProcessingParameterFeatureSource(
            "PIPES", self.tr("Pipes (line layer)"), [QgsProcessing.TypeVectorLine]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "NODES", self.tr("Manholes / nodes (point layer)"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "SNAP_TOLERANCE", self.tr("Snapping tolerance (metres)"),
            QgsProcessingParameterNumber.Double, 0.5, minValue=0.0))
        self.addParameter(set_advanced(QgsProcessingParameterNumber(
            "NEAR_MISS_DISTANCE", self.tr("Near-miss search distance (metres)"),
            QgsProcessingParameterNumber.Double, 2.0, minValue=0.0)))
        self.addParameter(QgsProcessingParameterBoolean(
            "SPLIT_LINES", self.tr("Split lines where a manhole or another pipe's end lies on them"),
            defaultValue=True, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "KEEP_INACTIVE", self.tr("Keep abandoned / proposed pipes (status field) in the network"),
            defaultValue=False, optional=True))
        for key, _, label in PIPE_FIELD_PARAMETERS:
            self.addParameter(set_advanced(QgsProcessingParameterField(
                key, self.tr(label), parentLayerParameterName="PIPES", optional=True)))
        for key, _, label in NODE_FIELD_PARAMETERS:
            self.addParameter(set_advanced(QgsProcessingParameterField(
                key, self.tr(label), parentLayerParameterName="NODES", optional=True)))
        self.addParameter(set_advanced(QgsProcessingParameterString(
            "ENCODING", self.tr("Shapefile text encoding (empty = detect, e.g. GBK, UTF-8)"),
            defaultValue="", optional=True)))

    def add_sink(self, key: str, label: str, kind=QgsProcessing.TypeVectorAnyGeometry,
                 optional: bool = True) -> None:
        """Add an output feature sink (optional, so batch users can skip what they do not need)."""
        self.addParameter(QgsProcessingParameterFeatureSink(key, label, kind, optional=optional,
                                                            createByDefault=True))

    # -- reading -----------------------------------------------------------------------------
    def build_from_parameters(self, parameters, context, feedback,
                              copy_outputs: Optional[tuple[dict, tuple]] = None) -> NetworkRun:
        """Read PIPES/NODES, build the network (from the cache when fresh) and log a summary.

        What runs beside what: when both layers are files read in bulk, the nodes are read beside
        the pipes (_read_layers); with ``copy_outputs`` (destinations, output keys) the inputs that
        those GeoPackage outputs will be copied from by SQLite and that are no GeoPackage themselves
        are copied into the run's staging folder in a thread as soon as they are read, beside the build.
        """
        started = time.perf_counter()
        make_output_folders(parameters, context)
        inputs = self._build_inputs(parameters, context, feedback)
        early: dict = {}

        def build() -> tuple:
            pipes, pipe_fids, nodes, node_fids = self._read_layers(inputs, parameters, context, feedback)
            if feedback.isCanceled():
                raise Cancelled("cancelled")
            sources = source_facts(pipes, nodes)
            if copy_outputs is not None:
                early["copies"] = start_early_copies(sources, inputs.pipes_source, inputs.nodes_source,
                                                     inputs.frame.output_crs, *copy_outputs, frozenset(self.own_files))
                if early["copies"] is not None:
                    self.background.append(early["copies"])
            network = build_network(pipes, nodes, inputs.options, FeedbackProgress(feedback))
            network.sources.update(sources)
            network.set_crs(inputs.frame.output_crs.toWkt() if inputs.frame.output_crs.isValid() else None)
            return network, pipe_fids, node_fids

        try:
            (network, pipe_fids, node_fids), cached = NETWORK_CACHE.get_or_build(
                parameters, context, (inputs.options, inputs.encoding), build)
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        except Cancelled:
            raise QgsProcessingException(self.tr("Cancelled by the user.")) from None
        seconds = time.perf_counter() - started
        self._log_network(network, inputs, cached, seconds, feedback)
        run = NetworkRun(network, inputs.frame, inputs.pipes_source, inputs.nodes_source, seconds, pipe_fids,
                         node_fids, own_files=frozenset(self.own_files), background=self.background)
        if early.get("copies") is not None:
            run.copies = early["copies"]
        elif copy_outputs is not None:
            self.start_copies(run, *copy_outputs)  # a network from the cache: copy beside the analyses
        return run

    def _build_inputs(self, parameters, context, feedback) -> BuildInputs:
        """The sources (decoded), the build options and the working frame the parameters ask for."""
        pipes_source = self.parameterAsSource(parameters, "PIPES", context)
        if pipes_source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, "PIPES"))
        nodes_source = self.parameterAsSource(parameters, "NODES", context)
        encoding = (self.parameterAsString(parameters, "ENCODING", context) or "").strip()
        pipes_source = decoded_source(self, parameters, "PIPES", context, feedback, pipes_source, encoding)
        nodes_source = decoded_source(self, parameters, "NODES", context, feedback, nodes_source, encoding)
        options = BuildOptions(
            snap_tolerance=self.parameterAsDouble(parameters, "SNAP_TOLERANCE", context),
            near_miss_distance=self.parameterAsDouble(parameters, "NEAR_MISS_DISTANCE", context),
            split_at_nodes=self.parameterAsBoolean(parameters, "SPLIT_LINES", context)
            if parameters.get("SPLIT_LINES") is not None else True,
            keep_inactive=self.parameterAsBoolean(parameters, "KEEP_INACTIVE", context)
            if parameters.get("KEEP_INACTIVE") is not None else False,
            pipe_fields={canon: self._field(parameters, key, context)
                         for key, canon, _ in PIPE_FIELD_PARAMETERS},
            node_fields={canon: self._field(parameters, key, context)
                         for key, canon, _ in NODE_FIELD_PARAMETERS},
            release_attributes=True,  # the columns read here are this run's own
        )
        frame = working_frame(pipes_source, context)
        feedback.pushInfo(self.tr("Working CRS: {}").format(frame.description))
        return BuildInputs(pipes_source, nodes_source, encoding, options, frame,
                           self._layer_name(parameters, "PIPES", context),
                           self._layer_name(parameters, "NODES", context))

    def _read_layers(self, inputs: BuildInputs, parameters, context, feedback) -> tuple:
        """(pipes, pipe fids, nodes, node fids): in bulk where the layer is a plain file (the nodes
        beside the pipes when both are), else feature by feature."""
        pipes_reader = bulk_reader(self, parameters, "PIPES", context, inputs.pipes_source, "line", inputs.encoding)
        nodes_reader = bulk_reader(self, parameters, "NODES", context, inputs.nodes_source, "point", inputs.encoding)
        # both files in bulk: the nodes are read beside the pipes (GDAL reads without Python's lock)
        read: dict = {}
        nodes_read = Beside(lambda: read.update(nodes=nodes_reader.read())) \
            if pipes_reader is not None and nodes_reader is not None else None
        try:
            bulk = pipes_reader.finish(pipes_reader.read(), inputs.frame) if pipes_reader is not None else None
        except BaseException:
            if nodes_read is not None:
                nodes_read.join(raise_error=False)  # the pipes failed: their error is the one to report
            raise
        if bulk is not None:
            note_bulk_read(self, feedback, inputs.pipes_name, bulk)
        pipes, pipe_fids = bulk or read_pipes(inputs.pipes_source, inputs.pipes_name, inputs.frame, feedback)
        if inputs.nodes_source is None:
            return pipes, pipe_fids, None, []
        if nodes_read is not None:
            nodes_read.join()
            bulk = nodes_reader.finish(read["nodes"], inputs.frame)
        else:
            bulk = nodes_reader.finish(nodes_reader.read(), inputs.frame) if nodes_reader is not None else None
        if bulk is not None:
            note_reprojection(inputs.nodes_source, inputs.nodes_name, inputs.frame, feedback)
            note_bulk_read(self, feedback, inputs.nodes_name, bulk)
        nodes, node_fids = bulk or read_nodes(inputs.nodes_source, inputs.nodes_name, inputs.frame, context, feedback)
        return pipes, pipe_fids, nodes, node_fids

    def _log_network(self, network, inputs: BuildInputs, cached: bool, seconds: float, feedback) -> None:
        """The fields used and the network's counts, in the log."""
        summary = network.summary()
        # the fields used (those found by their values marked), those not found and what each costs
        reports = {report.kind: report.text() for report in network.field_reports}
        feedback.pushInfo(self.tr("Pipe fields: {}").format(reports.get("pipe", network.pipe_mapping)))
        if inputs.nodes_source is not None:
            feedback.pushInfo(self.tr("Node fields: {}").format(reports.get("node", network.node_mapping)))
        feedback.pushInfo(self.tr("Network {}: {} pipes, {} nodes ({} virtual), {} subnetworks, "
                                  "{:.1f} km in {:.2f} s").format(
            self.tr("reused from cache") if cached else self.tr("built"), summary["pipes"],
            summary["nodes"], summary["virtual_nodes"], summary["components"],
            summary["length_m"] / 1000.0, seconds))
        if summary.get("inactive_pipes_left_out"):
            feedback.pushInfo(self.tr("Inactive pipes left out: {} (status abandoned, proposed ...; "
                                      "KEEP_INACTIVE keeps them)").format(summary["inactive_pipes_left_out"]))

    def observations_in_bulk(self, parameters, key: str, context, source, run: NetworkRun):
        """A point layer of observations (CCTV defects, overflow events) read in bulk when it is a
        plain file (bulk.bulk_columns), else None: read feature by feature."""
        encoding = (self.parameterAsString(parameters, "ENCODING", context) or "").strip()
        return bulk_columns(self, parameters, key, context, source, run.frame, "point", encoding)

    def _field(self, parameters, key, context) -> Optional[str]:
        names = self.parameterAsFields(parameters, key, context)
        return names[0] if names else None

    def _layer_name(self, parameters, key, context) -> str:
        """The name a technician knows the layer by: the table of a GeoPackage, the layer's name."""
        value = parameters.get(key)
        value = getattr(getattr(value, "source", None), "staticValue", lambda: value)()
        if isinstance(value, str) and "layername=" in value:
            return value.split("layername=")[1].split("|")[0]
        layer = self.parameterAsVectorLayer(parameters, key, context)
        if layer is not None:
            return layer.name()
        return str(value or key)


def _first_layer(path: str) -> str:
    """The name of a file's first layer (the one QGIS opens when none is named)."""
    from osgeo import ogr

    dataset = ogr.Open(path)
    return dataset.GetLayer(0).GetName() if dataset is not None and dataset.GetLayerCount() else ""


def note_bulk_read(algorithm, feedback, name: str, bulk: tuple) -> None:
    """Log how a layer was read from its file: in bulk, or feature by feature and why."""
    refusal = bulk[0].bulk_refusal
    if refusal:
        feedback.pushWarning(algorithm.tr("Layer '{}' read feature by feature ({}): {} features.").format(
            name, refusal, len(bulk[1])))
    else:
        feedback.pushInfo(algorithm.tr("Layer '{}' read in bulk: {} features.").format(name, len(bulk[1])))
