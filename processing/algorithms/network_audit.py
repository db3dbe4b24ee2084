"""pipenet:networkaudit: the main job — every check, condition, hotspots and risk, in one folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsVectorFileWriter,
)

from ...network.audit import AuditOptions, run_audit
from ...network.hotspots.statistics import hotspot_class_codes
from ...network.model.columns import rounded
from ..base import FeedbackProgress, PipeNetAlgorithm
from ..inputs.observations import read_defects, read_events
from ..outputs.gpkg_staging import Coded, Sparse, coded, small_codes
from ..report.audit_report import PipesMap, write_project_and_map, write_risk_csv, write_summary
from ..report.stand_ins import DrawnPipes
from ..runtime.background import Beside
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
          "OUTPUT_EVENTS": "events"}


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
            "length served and system).<br><b>Output folder</b> receives: pipenet_audit.gpkg (pipes with every "
            "score, nodes, findings, events), pipenet_audit.qgz (styled project opening on the network), "
            "overview.png (map with legend, scale bar, north arrow), risk_register.csv, summary.json and "
            "summary.html (counts per finding type, top risk pipes).<br><br>"
            "管网体检（一键运行）：构建管网并完成拓扑、连通性、水力和雨污混接检查；提供检测缺陷时按 CJJ 181/PACP "
            "评分并识别破损热点；提供溢流/积水事件时识别溢流热点；最后生成风险清单。输出文件夹包含 GeoPackage、"
            "已配置样式的 QGIS 工程、概览图 PNG、风险清单 CSV 及汇总（JSON/HTML）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (points or table, optional)"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "EVENTS", self.tr("Overflow / waterlogging events (points, optional)"), [QgsProcessing.TypeVectorPoint],
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
        folder = Path(self.parameterAsString(parameters, "OUTPUT_FOLDER", context))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise QgsProcessingException(
                self.tr("Cannot create the output folder {}: {}").format(folder, error)) from None
        if not os.access(folder, os.W_OK):
            raise QgsProcessingException(self.tr("The output folder {} is not writable.").format(folder))
        final = folder / "pipenet_audit.gpkg"
        if final.exists():
            final.unlink()  # overwrite, as QGIS does
        self.own_files.add(os.path.abspath(final))  # made here and removed if the run fails
        # Each layer is written straight into the GeoPackage by its own writer, closed when its
        # write returns, so the GeoPackage is complete before the project and map are made. A path
        # the OGR URI cannot quote goes through memory layers and a copy instead.
        files = {"GPKG": str(final), "PROJECT": str(folder / "pipenet_audit.qgz"),
                 "PNG": str(folder / "overview.png"), "HTML": str(folder / "summary.html"),
                 "CSV": str(folder / "risk_register.csv")}
        text_files = text_folder = nodes = pipes_map = None
        direct = "'" not in str(final)
        targets = {key: f"ogr:dbname='{final}' table=\"{table}\" (geom)" if direct else f"memory:{table}"
                   for key, table in LAYERS.items()}
        try:
            # the input layers go into the GeoPackage while the network is built and checked
            run = self.build_from_parameters(parameters, context, feedback,
                                             copy_outputs=(targets, ("OUTPUT_PIPES", "OUTPUT_NODES")))
            defects_source = self.parameterAsSource(parameters, "DEFECTS", context)
            events_source = self.parameterAsSource(parameters, "EVENTS", context)
            defects = read_defects(defects_source, "DEFECTS", run, context, feedback, bulk=self.observations_in_bulk(
                parameters, "DEFECTS", context, defects_source, run)) if defects_source else None
            events = read_events(events_source, run, context, bulk=self.observations_in_bulk(
                parameters, "EVENTS", context, events_source, run)) if events_source else None
            bandwidth = self.parameterAsDouble(parameters, "BANDWIDTH", context)
            options = AuditOptions(bandwidth=bandwidth, neighbour_distance=bandwidth)
            # the nodes need nothing the audit finds: written beside its hotspots (the file is idle
            # then; beside the checks they would add to the run's peak memory)
            nodes_written: dict = {}
            table = run.network.table()
            drawn: Optional[DrawnPipes] = None
            map_classes: Optional[dict[str, Coded]] = None

            def write_nodes_beside() -> None:
                nonlocal nodes

                def write() -> None:
                    with unsynced_writes():
                        nodes_written.update(OUTPUT_NODES=self.write_nodes(run, targets, context, feedback))
                nodes = Beside(write)

            def draw_pipes_beside(breakage, overflow) -> None:
                # the map's pipes are drawn from memory while the risk is scored and the layers are
                # written (QGIS's C++ beside the Python)
                nonlocal drawn, pipes_map, map_classes
                map_classes = self._map_classes(table, breakage, overflow)
                drawn = DrawnPipes(run.network.pipe_coords, len(table.keys), run.frame.working_crs,
                                   {field: column.array() for field, column in map_classes.items()})
                pipes_map = PipesMap.start(drawn, run.frame.output_crs, self._known_values(set(), map_classes))
            result = run_audit(run.network, defects, events, options, FeedbackProgress(feedback, 40, 75),
                               checked=write_nodes_beside if direct else None, hot=draw_pipes_beside)
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Cancelled by the user."))
            classes, reasons = self._pipe_classes(result, table, map_classes), self._reasons(result.risk)
            finding_count, severities = len(result.findings), {finding.severity for finding in result.findings}
            known_values = self._known_values(severities, classes)
            if nodes is not None:  # its copy may still run: the pipes are staged meanwhile
                nodes.join()
            written = {"OUTPUT_PIPES": self.write_pipes(run, targets, context, feedback, AUDIT_FIELDS,
                                                        extra_columns=self._columns(result, table, classes, reasons))}
            # the text files are written beside the other layers (their SQLite copies leave Python's
            # lock free) and the map (QGIS's C++), into a folder of their own that is moved in when
            # the run succeeds: a user's earlier files stay until then
            text_folder = Path(tempfile.mkdtemp(prefix=".pipenet-", dir=folder))
            text_files = Beside(lambda: (
                write_risk_csv(result.risk, table, str(text_folder / "risk_register.csv"), classes["pn_risk_cls"],
                               reasons),
                write_summary(result.summary, text_folder, files)))
            # the findings before the nodes: then their hundreds of thousands of objects can go
            written["OUTPUT_FINDINGS"] = self.write_findings(run, result.findings, targets, context)
            result.findings.clear()
            written["OUTPUT_NODES"] = nodes_written["OUTPUT_NODES"] if nodes is not None else \
                self.write_nodes(run, targets, context, feedback)
            if events:
                written["OUTPUT_EVENTS"] = self.write_points(run, targets, "OUTPUT_EVENTS", context,
                                                             [("weight", "double")],
                                                             (([weight], (x, y)) for x, y, weight in events))
            for key, layer_id in written.items():
                if feedback.isCanceled():
                    raise QgsProcessingException(self.tr("Cancelled by the user."))
                if not direct:
                    save_layer(QgsProcessingUtils.mapLayerFromString(layer_id, context), str(final), LAYERS[key],
                               context)
            feedback.setProgress(85)
            title = self.tr("PipeNet network audit: {} pipes, {:.0f} km").format(
                result.summary["pipes"], result.summary["length_m"] / 1000)
            write_project_and_map(files["GPKG"], files["PROJECT"], files["PNG"], title, run.frame.output_crs,
                                  known_values, drawn=drawn, pipes_map=pipes_map)
            text_files.join()
            for made in text_folder.iterdir():
                os.replace(made, folder / made.name)
        except Exception:
            for beside in (nodes, text_files):  # made by a run that failed: not left behind either
                if beside is not None:
                    beside.join(raise_error=False)
            if pipes_map is not None:
                pipes_map.stop()
            self.stop_background()
            if final.exists():  # never leave a half-written GeoPackage behind
                final.unlink()
            raise
        finally:
            if text_folder is not None:
                shutil.rmtree(text_folder, ignore_errors=True)
        for check, count in result.summary["findings"].items():
            feedback.pushInfo(f"  {check}: {count}")
        feedback.pushInfo(self.tr("Audit written to {}").format(folder))
        return dict(files, FINDING_COUNT=finding_count,
                    HOTSPOT_PIPES=result.summary["breakage_hotspot_pipes"])

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
