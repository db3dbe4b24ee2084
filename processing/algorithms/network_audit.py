"""pipenet:networkaudit: the main job — every check, condition, hotspots and risk, in one folder."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsVectorFileWriter,
)

from ...network._errors import PipeNetInputError
from ...network.audit import AuditOptions, run_audit
from ...network.hotspots.statistics import hotspot_class_codes
from ...network.model.columns import rounded
from ..base import FeedbackProgress, PipeNetAlgorithm
from ..inputs.observations import read_defects, read_events
from ..inputs.sensors import readings_frame, sensor_rows
from ..outputs.atomic import FolderInUse, checkpoint, folder_lock, partial_path, storage_problem
from ..outputs.gpkg_staging import Coded, Sparse, coded, small_codes
from ..outputs.writers import written_columns
from ..report.audit_report import PipesMap, write_project_and_map, write_risk_csv, write_summary
from ..report.stand_ins import DrawnPipes
from ..runtime.background import Beside, wait_for_file
from ..runtime.compat import tr_noop
from ..runtime.gdal_config import unsynced_writes

AUDIT_FIELDS = [("pn_reach", "int"), ("pn_up_len", "double"), ("pn_s", "double"), ("pn_f", "double"),
                ("pn_sm", "double"), ("pn_ri", "double"), ("pn_sgrade", "string"), ("pn_fgrade", "string"),
                ("pn_rgrade", "string"), ("pn_mgrade", "string"), ("pn_pacp_s", "int"), ("pn_pacp_om", "int"),
                ("pn_quick", "string"), ("pn_defects", "int"), ("pn_brk_z", "double"), ("pn_brk_cls", "string"),
                ("pn_brk_dens", "double"), ("pn_ovf_z", "double"), ("pn_ovf_cls", "string"), ("pn_lof", "double"),
                ("pn_cof", "double"), ("pn_risk", "double"), ("pn_risk_cls", "string"), ("pn_reasons", "string")]


CONDITION_FIELDS = ("S", "F", "SM", "RI", "structural_grade", "functional_grade", "repair_grade",
                    "maintenance_grade", "pacp_structural", "pacp_om", "quick_rating", "defects")
LAYERS = {"OUTPUT_PIPES": "pipes", "OUTPUT_NODES": "nodes", "OUTPUT_FINDINGS": "findings",
          "OUTPUT_EVENTS": "events", "OUTPUT_ALARMS": "alarms"}


def save_layer(layer, path: str, table: str, context) -> None:
    """Write a layer as a table of a GeoPackage (created when missing)."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = table
    options.fileEncoding = "UTF-8"
    if os.path.exists(path):
        options.actionOnExistingFile = QgsVectorFileWriter.CreateOrOverwriteLayer
    writer = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None)
    if writer is not None:
        outcome = writer(layer, path, context.transformContext(), options)
    else:  # QGIS < 3.20
        outcome = QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, context.transformContext(), options)
    if outcome[0] != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"Could not write {table} to {path}: {outcome[1]}")


@dataclass
class AuditFiles:
    """One audit run's folder, files and the work it started, so a failure can stop and remove it."""

    folder: Path
    final: Path  # the GeoPackage
    partial: Path  # where it is written until complete
    files: dict[str, str]  # output key -> path
    targets: dict[str, str]  # layer output key -> OGR URI (or memory layer when the path cannot be quoted)
    direct: bool  # layers written straight into the GeoPackage
    nodes: Optional[Beside] = None
    nodes_written: dict = dataclasses.field(default_factory=dict)
    text_folder: Optional[Path] = None
    text_files: Optional[Beside] = None
    drawn: Optional[DrawnPipes] = None
    pipes_map: Optional[PipesMap] = None
    map_classes: Optional[dict[str, Coded]] = None


class NetworkAuditAlgorithm(PipeNetAlgorithm):
    """build → topology → connectivity → hydraulics → illicit → condition → hotspots → risk."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "networkaudit"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Network audit (all checks, hotspots, risk)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "The main job in one run: builds the network and runs the topology, connectivity, hydraulic and "
            "illicit-connection checks; with CCTV <b>defects</b> (CJJ 181 or PACP codes; a pipe id field or "
            "points near the pipes) it scores every pipe's condition and finds breakage hotspots; with "
            "overflow / waterlogging <b>events</b> (points) it finds overflow hotspots (network kernel density "
            "and Getis-Ord Gi* with network-distance neighbours); then ranks every pipe in a risk register "
            "(likelihood from condition, age, material and defects × consequence from diameter, upstream "
            "length served and system); with <b>sensors</b> and their <b>readings</b> it runs the sensor monitor "
            "(pipenet:sensormonitor) too: its alarms are written as the alarms layer and those still active raise "
            "the likelihood of the pipes they point at.<br><b>Output folder</b> receives: pipenet_audit.gpkg (pipes "
            "with every score, nodes, findings, events, alarms), pipenet_audit.qgz (styled project opening on the "
            "network), overview.png (map with legend, scale bar, north arrow), risk_register.csv, summary.json and "
            "summary.html (counts per finding type, top risk pipes).<br><br>"
            "管网体检（一键运行）：构建管网并完成拓扑、连通性、水力和雨污混接检查；提供检测缺陷时按 CJJ 181/PACP "
            "评分并识别破损热点；提供溢流/积水事件时识别溢流热点；提供传感器及监测数据时运行传感器监测，"
            "报警写入 alarms 图层，仍在持续的报警提高所指管段的失效可能性；最后生成风险清单。"
            "输出文件夹包含 GeoPackage、"
            "已配置样式的 QGIS 工程、概览图 PNG、风险清单 CSV 及汇总（JSON/HTML）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (points or table, optional)"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "EVENTS", self.tr("Overflow / waterlogging events (points, optional)"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SENSORS", self.tr("Sensors (points or table, optional; with readings: monitoring alarms)"),
            [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "READINGS", self.tr("Sensor readings file (CSV or Excel, optional)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "READINGS_TABLE", self.tr("Or sensor readings table (optional)"), [QgsProcessing.TypeVector],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "BANDWIDTH", self.tr("Hotspot bandwidth and neighbour distance along the network (metres)"),
            QgsProcessingParameterNumber.Double, 150.0, minValue=10.0))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", self.tr("Output folder")))
        outputs = (("GPKG", tr_noop("GeoPackage")), ("PROJECT", tr_noop("QGIS project")),
                   ("PNG", tr_noop("Overview map")), ("HTML", tr_noop("Summary page")),
                   ("CSV", tr_noop("Risk register")))
        for key, label in outputs:
            self.addOutput(QgsProcessingOutputFile(key, self.tr(label)))
        self.addOutput(QgsProcessingOutputNumber("FINDING_COUNT", self.tr("Findings")))
        self.addOutput(QgsProcessingOutputNumber("HOTSPOT_PIPES", self.tr("Breakage hotspot pipes")))

    def process(self, parameters, context, feedback):
        # every file this run writes through GDAL is its own, made new and removed if it fails
        with unsynced_writes():
            return self._audit(parameters, context, feedback)

    def _audit(self, parameters, context, feedback):
        """The audit in named steps. What runs beside what: the input copies into the GeoPackage
        start with the build (build_from_parameters); the nodes are written beside the hotspots and
        the map's pipes drawn beside the risk register (run_audit's callbacks); the risk CSV and the
        summary are written beside the other layers and the map."""
        folder = self._output_folder(parameters, context)
        try:
            with folder_lock(folder):  # one run at a time writes into a folder
                return self._audit_into(folder, parameters, context, feedback)
        except FolderInUse as error:
            raise QgsProcessingException(str(error)) from None

    def _audit_into(self, folder: Path, parameters, context, feedback):
        audit = self._name_files(folder)
        try:
            run = self.build_from_parameters(parameters, context, feedback,
                                             copy_outputs=(audit.targets, written_columns(AUDIT_FIELDS)))
            defects, events, events_source = self._observations(parameters, context, feedback, run)
            sensors, readings = self._monitoring(parameters, context, run)
            bandwidth = self.parameterAsDouble(parameters, "BANDWIDTH", context)
            options = AuditOptions(bandwidth=bandwidth, neighbour_distance=bandwidth)
            table = run.network.table()
            try:
                result = run_audit(run.network, defects, events, options, FeedbackProgress(feedback, 40, 75),
                                   checked=partial(self._write_nodes_beside, audit, run, context, feedback)
                                   if audit.direct else None,
                                   hot=partial(self._draw_pipes_beside, audit, run, table), sensors=sensors,
                                   readings=readings)
            except PipeNetInputError as error:
                raise QgsProcessingException(str(error)) from None
            for warning in result.monitoring.warnings if result.monitoring is not None else []:
                feedback.pushWarning(warning)
            self._check_cancel(feedback)
            classes, reasons = self._pipe_classes(result, table, audit.map_classes), self._reasons(result.risk)
            finding_count = len(result.findings)
            counts = Counter((finding.check, finding.severity) for finding in result.findings)
            severities = {severity for _check, severity in counts}
            known_values = self._known_values(severities, classes)
            self._write_layers(audit, run, result, table, classes, reasons, events_source if events else None,
                               context, feedback)
            # the GeoPackage is complete: under its final name now (the user's earlier one until then)
            wait_for_file(self.background, str(audit.partial))
            checkpoint("gpkg_complete")
            os.replace(audit.partial, audit.final)
            checkpoint("gpkg_renamed")
            feedback.setProgress(85)
            title = self.tr("PipeNet network audit: {} pipes, {:.0f} km").format(
                result.summary["pipes"], result.summary["length_m"] / 1000)
            # the project and map under names of this run beside their final ones (the project's
            # paths to the GeoPackage are relative to its folder), moved in with the text files
            hidden = {key: audit.folder / f".pipenet-{os.getpid()}-{Path(audit.files[key]).name}"
                      for key in ("PROJECT", "PNG")}
            write_project_and_map(audit.files["GPKG"], str(hidden["PROJECT"]), str(hidden["PNG"]), title,
                                  run.frame.output_crs, known_values, drawn=audit.drawn, pipes_map=audit.pipes_map,
                                  counts=counts)
            audit.text_files.join()
            checkpoint("map_written")
            made = [*((path, Path(audit.files[key])) for key, path in hidden.items()),
                    *((path, audit.folder / path.name) for path in audit.text_folder.iterdir())]
            for path, final in made:
                os.replace(path, final)
                checkpoint("file_moved")
        except Exception as error:
            # looked at before the partial GeoPackage goes: a full disk has its space back after
            problem = storage_problem(error, [str(audit.partial)], self.input_files(parameters, context))
            self._abandon(audit)
            if problem is not None and not isinstance(error, QgsProcessingException):
                raise QgsProcessingException(problem) from error
            raise
        finally:
            if audit.text_folder is not None:
                shutil.rmtree(audit.text_folder, ignore_errors=True)
        for check, count in result.summary["findings"].items():
            feedback.pushInfo(f"  {check}: {count}")
        feedback.pushInfo(self.tr("Audit written to {}").format(audit.folder))
        return dict(audit.files, FINDING_COUNT=finding_count,
                    HOTSPOT_PIPES=result.summary["breakage_hotspot_pipes"])

    def _output_folder(self, parameters, context) -> Path:
        """The output folder, made and checked."""
        folder = Path(self.parameterAsString(parameters, "OUTPUT_FOLDER", context))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise QgsProcessingException(
                self.tr("Cannot create the output folder {}: {}").format(folder, error)) from None
        if not os.access(folder, os.W_OK):
            raise QgsProcessingException(self.tr("The output folder {} is not writable.").format(folder))
        return folder

    def _name_files(self, folder: Path) -> AuditFiles:
        """The files of this run. The GeoPackage is written under a hidden name of its own
        (atomic.partial_path) and takes its final name, replacing an earlier run's, only when complete."""
        final = folder / "pipenet_audit.gpkg"
        partial = partial_path(final)
        self.own_files.add(os.path.abspath(partial))  # made here and removed if the run fails
        # Each layer is written straight into the GeoPackage by its own writer, closed when its
        # write returns, so the GeoPackage is complete before the project and map are made. A path
        # the OGR URI cannot quote goes through memory layers and a copy instead.
        files = {"GPKG": str(final), "PROJECT": str(folder / "pipenet_audit.qgz"),
                 "PNG": str(folder / "overview.png"), "HTML": str(folder / "summary.html"),
                 "CSV": str(folder / "risk_register.csv")}
        direct = "'" not in str(partial)
        targets = {key: f"ogr:dbname='{partial}' table=\"{table}\" (geom)" if direct else f"memory:{table}"
                   for key, table in LAYERS.items()}
        return AuditFiles(folder, final, partial, files, targets, direct)

    def _observations(self, parameters, context, feedback, run) -> tuple:
        """(CCTV defects, overflow events, the events' source) from the optional DEFECTS and EVENTS layers,
        or None."""
        defects_source = self.parameterAsSource(parameters, "DEFECTS", context)
        events_source = self.parameterAsSource(parameters, "EVENTS", context)
        defects = read_defects(defects_source, "DEFECTS", run, context, feedback, bulk=self.observations_in_bulk(
            parameters, "DEFECTS", context, defects_source, run)) if defects_source else None
        events = read_events(events_source, run, context, bulk=self.observations_in_bulk(
            parameters, "EVENTS", context, events_source, run)) if events_source else None
        return defects, events, events_source

    def _monitoring(self, parameters, context, run) -> tuple:
        """(sensor rows, readings) from SENSORS and READINGS / READINGS_TABLE, or (None, None) when not given;
        one without the other is an error, not a silently skipped monitor."""
        source = self.parameterAsSource(parameters, "SENSORS", context)
        path = self.parameterAsFile(parameters, "READINGS", context)
        table = self.parameterAsSource(parameters, "READINGS_TABLE", context)
        if source is None and not path and table is None:
            return None, None
        if source is None:
            raise QgsProcessingException(self.tr("Readings were given without SENSORS: give the sensors too."))
        try:
            return sensor_rows(source, run, context), readings_frame(path, table)
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None

    def _write_nodes_beside(self, audit: AuditFiles, run, context, feedback) -> None:
        """run_audit's ``checked``: the nodes need nothing the audit finds, so they are written beside
        its hotspots (the file is idle then; beside the checks they would add to the peak memory)."""
        def write() -> None:
            with unsynced_writes():
                audit.nodes_written.update(OUTPUT_NODES=self.write_nodes(run, audit.targets, context, feedback))
        audit.nodes = Beside(write)

    def _draw_pipes_beside(self, audit: AuditFiles, run, table, breakage, overflow) -> None:
        """run_audit's ``hot``: the map's pipes are drawn from memory while the risk is scored and the
        layers are written (QGIS's C++ beside the Python)."""
        audit.map_classes = self._map_classes(table, breakage, overflow)
        audit.drawn = DrawnPipes(run.network.pipe_coords, len(table.keys), run.frame.working_crs,
                                 {name: column.array() for name, column in audit.map_classes.items()})
        audit.pipes_map = PipesMap.start(audit.drawn, run.frame.output_crs,
                                         self._known_values(set(), audit.map_classes))

    def _write_layers(self, audit: AuditFiles, run, result, table, classes, reasons, events_source, context,
                      feedback) -> None:
        """Pipes, findings, nodes and events into the GeoPackage; the risk CSV and summary beside them."""
        if audit.nodes is not None:  # its copy may still run: the pipes are staged meanwhile
            audit.nodes.join()
        written = {"OUTPUT_PIPES": self.write_pipes(run, audit.targets, context, feedback, AUDIT_FIELDS,
                                                    extra_columns=self._columns(result, table, classes, reasons))}
        # the text files are written beside the other layers (their SQLite copies leave Python's
        # lock free) and the map (QGIS's C++), into a folder of their own that is moved in when
        # the run succeeds: a user's earlier files stay until then
        audit.text_folder = text_folder = Path(tempfile.mkdtemp(prefix=f".pipenet-{os.getpid()}-", dir=audit.folder))
        audit.text_files = Beside(lambda: (
            write_risk_csv(result.risk, table, str(text_folder / "risk_register.csv"), classes["pn_risk_cls"],
                           reasons),
            write_summary(result.summary, text_folder, audit.files)))
        # the findings before the nodes: then their hundreds of thousands of objects can go
        checkpoint("pipes_written")
        written["OUTPUT_FINDINGS"] = self.write_findings(run, result.findings, audit.targets, context)
        checkpoint("findings_written")
        result.findings.clear()
        written["OUTPUT_NODES"] = audit.nodes_written["OUTPUT_NODES"] if audit.nodes is not None else \
            self.write_nodes(run, audit.targets, context, feedback)
        if events_source is not None:  # the events as given, every attribute kept (日期, 溢流量 ...)
            written["OUTPUT_EVENTS"] = self.write_input_points(run, audit.targets, "OUTPUT_EVENTS", context,
                                                               events_source)
        if result.monitoring is not None:  # the monitor's alarms beside the findings (risk: pn_reasons names them)
            written["OUTPUT_ALARMS"] = self.write_alarms(run, result.monitoring.alarms, audit.targets, context)
        for key, layer_id in written.items():
            self._check_cancel(feedback)
            if not audit.direct:
                save_layer(QgsProcessingUtils.mapLayerFromString(layer_id, context), str(audit.partial), LAYERS[key],
                           context)

    def _check_cancel(self, feedback) -> None:
        if feedback.isCanceled():
            raise QgsProcessingException(self.tr("Cancelled by the user."))

    def _abandon(self, audit: AuditFiles) -> None:
        """A failed run: its threads joined or stopped and its GeoPackage removed (never half-written)."""
        for beside in (audit.nodes, audit.text_files):  # made by a run that failed: not left behind either
            if beside is not None:
                beside.join(raise_error=False)
        if audit.pipes_map is not None:
            audit.pipes_map.stop()
        self.stop_background()
        for made in audit.folder.glob(audit.partial.name + "*"):  # never a half-written GeoPackage
            made.unlink(missing_ok=True)
        for made in audit.folder.glob(f".pipenet-{os.getpid()}-*"):  # nor a project or map being written
            if made.is_file():
                made.unlink(missing_ok=True)

    @staticmethod
    def _pipe_classes(result, table, map_classes: Optional[dict[str, Coded]] = None) -> dict[str, Coded]:
        """Per pipe (table order), the written values of the pipes columns the project colours by
        (``map_classes``: those of the map, ``_map_classes``, when already made)."""
        count = len(table.keys)
        risk_classes = result.risk.risk_class_codes(np.arange(count, dtype=np.int64))
        if map_classes is None:
            map_classes = NetworkAuditAlgorithm._map_classes(table, result.breakage, result.overflow)
        return dict(map_classes,
                    pn_risk_cls=Coded(small_codes(risk_classes[0], len(risk_classes[1])), risk_classes[1]))

    @staticmethod
    def _map_classes(table, breakage, overflow) -> dict[str, Coded]:
        """Per pipe (table order), the written values of the pipes columns the overview map colours by."""
        count = len(table.keys)
        classes = {"pn_system": coded(table.edge_codes("system"))}
        for field, register in (("pn_brk_cls", breakage), ("pn_ovf_cls", overflow)):
            codes, values = hotspot_class_codes(register.aligned("z", count) if register else np.full(count, np.nan))
            classes[field] = Coded(small_codes(codes, len(values)), values)
        return classes

    @staticmethod
    def _reasons(risk) -> Coded:
        """Every pipe's risk reasons (table order) as written."""
        codes, texts = risk.reason_text_codes()
        return Coded(small_codes(codes, len(texts)), texts)

    @staticmethod
    def _known_values(severities: set, classes: dict[str, Coded]) -> dict[tuple[str, str], set]:
        """The distinct values of the columns the project's styles classify by (report.project_layers),
        from memory: asking the GeoPackage scans millions of rows."""
        known = {("findings", "severity"): set(severities)}
        known.update({("pipes", field): column.distinct() for field, column in classes.items()})
        return known

    @staticmethod
    def _columns(result, table, classes: dict[str, Coded], reasons: Coded):
        """The AUDIT_FIELDS values as columns for table rows (a function of the rows, so chunks stay small).

        Columns of few distinct values are ``Coded`` and the CCTV scores, which only some pipes
        have, ``Sparse``: both stage far fewer values (gpkg_staging)."""
        count = len(table.keys)
        reaching = result.reached_nodes if result.reached_nodes is not None and \
            len(result.reached_nodes) == len(table.names) else \
            np.array([name in result.reaches_outlet for name in table.names], dtype=bool)
        hotspot_columns = []
        for register, wanted, field in ((result.breakage, ("z", "hot_class", "density"), "pn_brk_cls"),
                                        (result.overflow, ("z", "hot_class"), "pn_ovf_cls")):
            z = register.aligned("z", count) if register else np.full(count, np.nan)
            density = register.aligned("density", count) if register else np.full(count, np.nan)
            hotspot_columns.append((wanted, z, classes[field], density))
        risk = result.risk
        risk_classes = classes["pn_risk_cls"]
        upstream = result.upstream_length
        upstream = np.asarray(upstream.values_list, dtype=float) if getattr(upstream, "keys_list", None) is table.keys \
            else np.array([upstream.get(key, 0.0) for key in table.keys], dtype=float)
        upstream_rounded = rounded(upstream, 1)  # to 0.1 m, as Python's round
        # the few pipes with CCTV scores, by row
        scored = {table.edge_position(key): condition for key, condition in result.condition.items()
                  if table.has_edge_key(key)}
        scored_rows = np.array(sorted(scored), dtype=np.int64)
        conditions = [scored[row] for row in scored_rows.tolist()]

        def columns(rows: np.ndarray) -> list:
            positions = np.flatnonzero(np.isin(rows, scored_rows))
            present = [conditions[at] for at in np.searchsorted(scored_rows, rows[positions]).tolist()]
            values = [Coded(reaching[table.target[rows]].astype(np.int64), [0, 1]),
                      upstream_rounded[rows]]
            values += [Sparse(len(rows), positions, [getattr(condition, name) for condition in present])
                       for name in CONDITION_FIELDS]
            for wanted, z, classes, density in hotspot_columns:
                values += [z[rows], classes.take(rows)]  # NaN: NULL
                if "density" in wanted:
                    values.append(density[rows])
            values += [risk.likelihood[rows], risk.consequence[rows], risk.risk[rows], risk_classes.take(rows),
                       reasons.take(rows)]
            return values
        return columns
