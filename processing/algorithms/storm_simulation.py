"""pipenet:stormsimulation: the storm network exported to SWMM and run by the real SWMM 5 engine for each design
storm (or a rainfall series); flooding (waterlogging warnings), surcharge and overflow back on the map."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...network import PipeNetInputError
from ...network.capacity.design_storm import chicago, read_rainfall
from ...network.capacity.manning import roughness
from ...network.capacity.simulation import FLOOD_MIN_M3, EngineMissing, engine_version, simulate
from ...network.io.swmm_export import model_name, write_swmm
from ..base import FeedbackProgress, PipeNetAlgorithm
from ..outputs.atomic import staged_folder
from ..outputs.csv_rows import safe_text
from ..report.storm_report import simulation_map, write_warnings_page
from ..storm_common import StormParameters, storm_nodes

# the files the run writes into OUTPUT_FOLDER, by output key
OUTPUT_FILES = {"OUTPUT_NODES": "simulation_nodes.gpkg", "OUTPUT_PIPES": "simulation_pipes.gpkg",
                "OUTPUT_OUTFALLS": "simulation_outfalls.gpkg", "OUTPUT_CONTINUITY": "continuity.csv",
                "OUTPUT_WARNINGS": "waterlogging_warnings.csv", "OUTPUT_HTML": "waterlogging_warnings.html",
                "OUTPUT_MAP": "simulation_map.png", "OUTPUT_PROJECT": "simulation.qgz"}


@dataclass
class Drawn:
    """What the map and the warnings page show: per storm (smallest first) the nodes' and pipes' classes as
    (filter expression, legend label, count), the warning rows and (label, rain mm, continuity error %, nodes
    flooding) per storm."""

    floods: list = field(default_factory=list)
    surcharges: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    storms: list = field(default_factory=list)

class StormSimulationAlgorithm(StormParameters, PipeNetAlgorithm):
    """SWMM 5 runs of Chicago storms of several return periods: which nodes flood first."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "stormsimulation"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Storm simulation (SWMM 5 engine)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Exports the storm network (as Export to SWMM does) with a Chicago design storm for each return period "
            "of RETURN_PERIODS, or one RAINFALL series (CSV: time in minutes or hh:mm, then mm or mm/h), and runs "
            "each through the EPA SWMM 5 engine (swmm-toolkit; `make setup` installs it). In OUTPUT_FOLDER: "
            "nodes with flooding volume (m³) and hours per storm and pn_flood_p, the lowest return period at which "
            "the node floods (the waterlogging warning); pipes with max Q / Q_full per storm and pn_surcharge_p; "
            "outfalls with their volume; the continuity errors; a warning list ranked by flooding volume (CSV, "
            "and HTML with the map); a PNG map and a styled QGIS project of the flooded nodes and surcharged pipes. "
            "Flooding under MIN_FLOOD_VOLUME is not counted. See docs/storm-capacity.md.<br><br>"
            "暴雨模拟：用 EPA SWMM 5 引擎对各重现期芝加哥雨型（或实测降雨序列）逐一模拟雨水管网，输出检查井"
            "溢流量与时长及开始积水的最低重现期（内涝预警）、管段最大流量/满管流量及开始超载的重现期、排放口"
            "水量、连续性误差、按溢流量排序的预警清单（CSV 及附地图的 HTML），以及溢流检查井与超载管段的 PNG "
            "地图和 QGIS 工程。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.add_formula_parameters(period=False)
        self.addParameter(QgsProcessingParameterString(
            "RETURN_PERIODS", self.tr("Return periods P (years, comma separated)"), defaultValue="1,2,3,5,10"))
        self.addParameter(QgsProcessingParameterFile(
            "RAINFALL", self.tr("Or: a rainfall series (CSV: time, mm or mm/h) instead of design storms"),
            optional=True, fileFilter="CSV (*.csv *.CSV)"))
        self.add_storm_shape_parameters()
        self.add_catchment_parameters()
        self.addParameter(QgsProcessingParameterNumber(
            "MIN_FLOOD_VOLUME", self.tr("Flooding counted from (m³ at a node)"), QgsProcessingParameterNumber.Double,
            FLOOD_MIN_M3, minValue=0.0))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", self.tr("Output folder")))
        for key, label in (("OUTPUT_NODES", self.tr("Nodes with flooding")),
                           ("OUTPUT_PIPES", self.tr("Pipes with max Q / Q_full")),
                           ("OUTPUT_OUTFALLS", self.tr("Outfalls with overflow volume")),
                           ("OUTPUT_CONTINUITY", self.tr("Continuity errors (CSV)")),
                           ("OUTPUT_WARNINGS", self.tr("Waterlogging warnings (CSV)")),
                           ("OUTPUT_HTML", self.tr("Waterlogging warnings with the map (HTML)")),
                           ("OUTPUT_MAP", self.tr("Map of flooded nodes and surcharged pipes (PNG)")),
                           ("OUTPUT_PROJECT", self.tr("Styled QGIS project (.qgz)"))):
            self.addOutput(QgsProcessingOutputFile(key, label))
        self.addOutput(QgsProcessingOutputNumber("FLOODED_NODES", self.tr("Nodes flooding in the largest storm")))
        self.addOutput(QgsProcessingOutputNumber("MAX_CONTINUITY_ERROR",
                                                 self.tr("Largest flow-routing continuity error (%)")))

    def process(self, parameters, context, feedback):
        try:
            version = engine_version()
        except EngineMissing as error:
            raise QgsProcessingException(str(error)) from None
        storms = self._storms(parameters, context)
        folder = Path(self.parameterAsString(parameters, "OUTPUT_FOLDER", context))
        run = self.build_from_parameters(parameters, context, feedback)
        # every file is written aside and moved in only when the run is complete (atomic.py)
        with staged_folder(folder) as staged:
            written, drawn = self._simulate(run, storms, version, staged, parameters, context, feedback)
            for jobs in self.background:  # the layers' last writes (their indexes), before they are drawn and move
                jobs.wait_all()
            feedback.pushInfo(self.tr("Drawing the map..."))
            label, _, _, flooded = drawn.storms[-1] if drawn.storms else ("", 0.0, 0.0, 0)
            storm = self.tr("the rainfall") if _period(label) is None else \
                self.tr("the {:g}-year storm").format(_period(label))
            simulation_map(written["OUTPUT_NODES"], written["OUTPUT_PIPES"], drawn.floods, drawn.surcharges,
                           written["OUTPUT_MAP"], written["OUTPUT_PROJECT"],
                           self.tr("Storm simulation (EPA SWMM {}): {:,} nodes flood in {}").format(
                               version, flooded, storm), run.frame.output_crs)
            write_warnings_page(written["OUTPUT_HTML"], drawn.warnings, drawn.storms,
                                Path(written["OUTPUT_MAP"]).name, version)
        return {key: str(folder / Path(value).name) if key in OUTPUT_FILES else value for key, value in written.items()}

    def _simulate(self, run, storms, version, folder: Path, parameters, context, feedback) -> tuple[dict, Drawn]:
        """Each storm exported and run in ``folder``, then the results written there (and what to draw)."""
        table = run.network.table()
        catchments = self.catchments(run, parameters, context, feedback)
        codes, distinct = table.edge_codes("material")
        n = np.append(roughness(distinct), roughness([None]))[codes]
        results = {}
        for number, (label, storm) in enumerate(storms):
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Cancelled by the user."))
            inp = os.path.join(folder, f"storm_{label}.inp")
            written = write_swmm(inp, table, n, catchments, storm, title=f"PipeNet storm simulation, {label}")
            if number == 0:
                for assumption in written.assumptions:
                    feedback.pushWarning(assumption)
            span = 30.0 + 60.0 * number / len(storms), 30.0 + 60.0 * (number + 1) / len(storms)
            results[label] = simulate(inp, progress=FeedbackProgress(feedback, *span))
            feedback.pushInfo(self.tr("SWMM {}, storm {}: {:.2f} mm; continuity error {:.3f} % (runoff {:.3f} %); "
                                      "{} nodes flood; {:.1f} s.").format(
                version, label, storm.total, results[label].routing_error, results[label].runoff_error,
                len(results[label].flooded(self._minimum(parameters, context))), results[label].seconds))
        return self._write(run, table, storms, results, folder, parameters, context, feedback)

    def _minimum(self, parameters, context) -> float:
        return self.parameterAsDouble(parameters, "MIN_FLOOD_VOLUME", context)

    def _storms(self, parameters, context) -> list:
        """(label, storm) per run: the rainfall series, or a Chicago storm per return period, smallest first."""
        rainfall = self.parameterAsFile(parameters, "RAINFALL", context)
        try:
            if rainfall:
                return [("rain", read_rainfall(rainfall))]
            text = self.parameterAsString(parameters, "RETURN_PERIODS", context)
            periods = sorted({float(part) for part in text.replace("，", ",").split(",") if part.strip()})
        except ValueError as error:
            raise QgsProcessingException(self.tr("Return periods: give numbers separated by commas ({}).").format(
                error)) from None
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        if not periods or periods[0] <= 0:
            raise QgsProcessingException(self.tr("Give one or more positive return periods, e.g. 1,2,3,5,10."))
        formula = self.formula(parameters, context)
        shape = [self.parameterAsDouble(parameters, key, context) for key in ("DURATION", "PEAK_POSITION", "TIME_STEP")]
        try:
            return [(f"p{period:g}".replace(".", "_"), chicago(formula, period, *shape)) for period in periods]
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None

    def _write(self, run, table, storms, results, folder, parameters, context, feedback) -> tuple[dict, Drawn]:
        labels = [label for label, _ in storms if label in results]
        periods = {label: _period(label) for label in labels}
        minimum = self._minimum(parameters, context)
        flood_p = {}
        for label in labels:  # smallest period first
            for name in results[label].flooded(minimum):
                flood_p.setdefault(name, periods[label])
        paths = {key: os.path.join(folder, name) for key, name in OUTPUT_FILES.items()}
        targets = {**parameters, **{key: paths[key] for key in ("OUTPUT_NODES", "OUTPUT_PIPES", "OUTPUT_OUTFALLS")}}
        self._write_nodes(run, table, labels, results, flood_p, targets, context)
        surcharge_p = self._write_pipes(run, table, labels, results, periods, targets, context, feedback)
        self._write_outfalls(run, table, labels, results, targets, context)
        _write_csv(paths["OUTPUT_CONTINUITY"], ["storm", "rain_mm", "routing_error_pct", "runoff_error_pct",
                                                "flooding_loss_m3", "seconds"],
                   [[label, round(storm.total, 3), results[label].routing_error, results[label].runoff_error,
                     results[label].flooding_loss, round(results[label].seconds, 3)]
                    for label, storm in storms if label in results])
        warnings = self._warnings(labels, results, flood_p)
        _write_csv(paths["OUTPUT_WARNINGS"], ["rank", "node", "flood_p", "storm", "flood_m3", "flood_hours",
                                              "warning_en", "warning_zh"], warnings)
        last = results[labels[-1]] if labels else None
        errors = [abs(results[label].routing_error) for label in labels]
        drawn = self._drawn(labels, periods, flood_p, surcharge_p, minimum, results)
        drawn.warnings = warnings
        drawn.storms = [(label, storm.total, results[label].routing_error, len(results[label].flooded(minimum)))
                        for label, storm in storms if label in results]
        return {**paths, "FLOODED_NODES": len(last.flooded(minimum)) if last else 0,
                "MAX_CONTINUITY_ERROR": max(errors) if errors else None}, drawn

    def _drawn(self, labels, periods, flood_p: dict, surcharge_p: np.ndarray, minimum: float, results) -> Drawn:
        """The map's classes: per storm the nodes that first flood and the pipes that first surcharge in it (a
        rainfall series: the nodes flooding, the pipes at capacity)."""
        drawn = Drawn()
        for label in labels:
            period = periods[label]
            if period is None:
                drawn.floods.append((f'"pn_flood_m3_{label}" >= {minimum!r}', self.tr("Floods in the rainfall"),
                                     len(flood_p)))
                full = sum(1 for link in results[label].links.values() if link.max_over_full_flow >= 1.0)
                drawn.surcharges.append((f'"pn_qq_{label}" >= 1',
                                         self.tr("At capacity in the rainfall (Q/Q_full >= 1)"), full))
                continue
            drawn.floods.append((f'"pn_flood_p" = {period!r}',
                                 self.tr("Floods from the {:g}-year storm").format(period),
                                 sum(1 for value in flood_p.values() if value == period)))
            drawn.surcharges.append((f'"pn_surcharge_p" = {period!r}',
                                     self.tr("Surcharged from the {:g}-year storm").format(period),
                                     int(np.count_nonzero(surcharge_p == period))))
        return drawn

    def _write_nodes(self, run, table, labels, results, flood_p, targets, context) -> None:
        columns = [("node", "string"), ("pn_flood_p", "double")]
        for label in labels:
            columns += [(f"pn_flood_m3_{label}", "double"), (f"pn_flood_h_{label}", "double"),
                        (f"pn_surch_h_{label}", "double")]
        xy = table.node_coordinates()
        rows = []
        for position in storm_nodes(table).tolist():
            name = model_name(table.names[position])
            values = [table.names[position], flood_p.get(name)]
            for label in labels:
                node = results[label].nodes.get(name)
                values += [node.flood_volume, node.flood_hours, node.surcharge_hours] if node else [0.0, 0.0, 0.0]
            rows.append((values, (float(xy[position, 0]), float(xy[position, 1]))))
        self.write_points(run, targets, "OUTPUT_NODES", context, columns, rows)

    def _write_pipes(self, run, table, labels, results, periods, targets, context, feedback) -> np.ndarray:
        names = [model_name(key) for key in table.keys]
        ratios, flows = {}, {}
        surcharge_p = np.full(len(names), np.nan)
        for label in reversed(labels):  # the smallest period written last wins
            links = results[label].links
            ratios[label] = np.array([links[name].max_over_full_flow if name in links else np.nan for name in names])
            flows[label] = np.array([links[name].max_flow if name in links else np.nan for name in names])
            full = np.array([name in links and links[name].surcharged for name in names])
            surcharge_p[full] = periods[label]
        fields = [("pn_surcharge_p", "double")]
        for label in labels:
            fields += [(f"pn_qq_{label}", "double"), (f"pn_qmax_{label}", "double")]

        def columns(rows):
            out = [surcharge_p[rows]]
            for label in labels:
                out += [ratios[label][rows], flows[label][rows]]
            return out
        self.write_pipes(run, targets, context, feedback, fields, extra_columns=columns)
        return surcharge_p

    def _write_outfalls(self, run, table, labels, results, targets, context) -> None:
        columns = [("node", "string")]
        for label in labels:
            columns += [(f"pn_volume_m3_{label}", "double"), (f"pn_qmax_{label}", "double")]
        xy = table.node_coordinates()
        rows = []
        outfalls = set().union(*(results[label].outfalls for label in labels)) if labels else set()
        for position in range(table.node_count):
            name = model_name(table.names[position])
            if name in outfalls:
                values = [table.names[position]]
                for label in labels:
                    values += [results[label].outfalls.get(name), results[label].outfall_max_flow.get(name)]
                rows.append((values, (float(xy[position, 0]), float(xy[position, 1]))))
        self.write_points(run, targets, "OUTPUT_OUTFALLS", context, columns, rows)

    def _warnings(self, labels, results, flood_p) -> list:
        if not labels:
            return []
        label = labels[-1]  # the largest storm: what each warned node would spill
        nodes = results[label].nodes
        ranked = sorted(flood_p, key=lambda name: (-nodes[name].flood_volume if name in nodes else 0.0, name))
        rows = []
        for rank, name in enumerate(ranked, start=1):
            node = nodes.get(name)
            volume, hours = (node.flood_volume, node.flood_hours) if node else (0.0, 0.0)
            period = flood_p[name]
            when = f"{period:g}-year" if period is not None else label
            rows.append([rank, name, period, label, volume, hours,
                         f"Node {name} floods from the {when} storm; {volume:g} m³ over {hours:g} h in storm {label}.",
                         f"检查井 {name} 自{period:g}年一遇暴雨起溢流（内涝预警）；{label} 暴雨下溢流 {volume:g} m³，"
                         f"历时 {hours:g} 小时。" if period is not None else
                         f"检查井 {name} 溢流（内涝预警）：{volume:g} m³，历时 {hours:g} 小时。"])
        return rows


def _period(label: str):
    """The return period of a storm label (p2, p0_5), None for a rainfall series."""
    return float(label[1:].replace("_", ".")) if label.startswith("p") else None


def _write_csv(path: str, header: list, rows: list) -> None:
    """A small CSV (Excel reads the BOM); text cells spreadsheet-safe, as every CSV PipeNet writes."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if isinstance(v, float) and math.isnan(v) else safe_text(v) if isinstance(v, str) else v
                           for v in row] for row in rows])
