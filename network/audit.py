"""The one-command network audit: every check, condition scores, hotspots and the risk register."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from ._errors import PipeNetInputError
from .hotspots.lixels import make_lixels
from .hotspots.statistics import PipeHotspot, hotspots, place_events
from .model.findings import Check, Finding, count_by_check, make_finding
from .model.network import Network
from .model.records import check_distance
from .monitoring import MonitorResult, Thresholds, monitor, place_sensors, read_readings, sensors_from_rows
from .monitoring.sensors import SNAP_DISTANCE, Sensor
from .parallel import started
from .scoring.condition import Defect, PipeCondition, score_all
from .scoring.risk import RiskRegister, RiskWeights, raise_for_alarms, risk_many


@dataclass
class AuditOptions:
    """Parameters of the audit's analyses (metres unless named otherwise)."""

    fragment_size: int = 2
    evidence_distance: float = 5.0
    lixel_length: float = 50.0
    bandwidth: float = 150.0
    neighbour_distance: float = 150.0
    event_snap_distance: float = 50.0
    area_importance: float = 0.0
    risk: RiskWeights = field(default_factory=RiskWeights)
    # with sensors and readings (run_audit): the monitor's rules, how far a sensor point snaps to a node, and
    # how recent an alarm's end must be (hours before the last reading) to count as active in the risk register
    monitoring: Thresholds = field(default_factory=Thresholds)
    sensor_snap_distance: float = SNAP_DISTANCE
    alarm_hours: float = 24.0
    # keep each hotspot table's per-piece Gi* sums (GiSums): a partitioned audit scores Gi* with the moments
    # of the whole network rather than a partition's
    keep_hotspot_sums: bool = False
    # whether dead ends count as outlets (checks/connectivity.outlet_positions); None: where no node of the
    # network is typed as an outlet. A partition of a layer is told the whole layer's answer.
    sinks_as_outlets: Optional[bool] = None

    def validate(self) -> None:
        """Raise PipeNetInputError for a distance that is not a finite number >= 0 (lixels > 0)."""
        for name in ("evidence_distance", "lixel_length", "bandwidth", "neighbour_distance", "event_snap_distance",
                     "area_importance", "sensor_snap_distance", "alarm_hours"):
            setattr(self, name, check_distance(name, getattr(self, name)))
        if self.lixel_length <= 0:
            raise PipeNetInputError(f"lixel_length must be over 0 m, not {self.lixel_length:g}.",
                                    field_name="lixel_length")


@dataclass
class AuditResult:
    """Everything the audit found, per pipe and as findings, plus the summary."""

    findings: list[Finding]
    reaches_outlet: Set[str]
    upstream_length: dict[str, float]
    condition: dict[str, PipeCondition]
    breakage: Mapping[str, PipeHotspot]
    overflow: Mapping[str, PipeHotspot]
    risk: RiskRegister
    summary: dict[str, Any]
    reached_nodes: Optional[np.ndarray] = None  # reaches_outlet per node of the network's table
    monitoring: Optional[MonitorResult] = None  # the monitor's alarms, when sensors and readings were given


def _pieces_scores_and_events(network: Network, defects: Optional[list[Defect]],
                               events: Optional[list[tuple[float, float, float]]], options: AuditOptions,
                               check: Callable[[], None] = lambda: None) -> tuple:
    """(the pipes cut into pieces, the defects' condition scores and findings, the events placed on the pieces)."""
    lixels = make_lixels(None, network.pipe_coords, options.lixel_length, network.table())
    check()  # a cancel stops this thread too
    scored = score_network(network, defects, options.area_importance) if defects else None
    check()
    placed = place_events(lixels, network.pipe_coords, event_points=events,
                          snap_distance=options.event_snap_distance) if events else None
    return lixels, scored, placed


def score_network(network: Network, defects: list[Defect],
                  area_importance: float = 0.0) -> tuple[dict[str, PipeCondition], list[Finding]]:
    """Condition scores of every pipe with defects, and findings for defects that cannot be scored."""
    table = network.table()
    findings = [make_finding(Check.DEFECT_PIPE_UNKNOWN, d.pipe_id, None, value=d.code)
                for d in defects if not table.has_edge_key(d.pipe_id)]
    known = [d for d in defects if table.has_edge_key(d.pipe_id)]
    rows = sorted({table.edge_position(d.pipe_id) for d in known})
    keys = [table.keys[row] for row in rows]
    lengths = [1.0 if v != v else v for v in table.edge_numbers("length")[rows].tolist()]
    diameters = [None if v != v else v for v in table.edge_numbers("diameter")[rows].tolist()]
    condition = score_all(known, dict(zip(keys, lengths)), dict(zip(keys, diameters)), area_importance)
    for pipe_id, scored in condition.items():
        fid = table.edge_get(table.edge_position(pipe_id), "fid")
        findings += [make_finding(Check.UNKNOWN_DEFECT_CODE, pipe_id, fid, value=code) for code in scored.unknown]
    return condition, findings


def risk_register(network: Network, condition: dict[str, PipeCondition], weights: Optional[RiskWeights] = None,
                  upstream_length: Optional[dict[str, float]] = None) -> RiskRegister:
    """Likelihood × consequence of every pipe (upstream length served is accumulated when not given)."""
    upstream = upstream_length if upstream_length is not None else network.accumulate().length
    table = network.table()
    grades, defects = np.full(len(table.keys), None, dtype=object), np.zeros(len(table.keys))
    for key, scored in (condition or {}).items():  # the few pipes with CCTV scores
        if table.has_edge_key(key):
            row = table.edge_position(key)
            grades[row], defects[row] = scored.structural_grade, scored.defects
    return risk_many(table.keys, grades, table.edge_numbers("install_year"), table.edge_values("material"),
                     defects, table.edge_numbers("diameter"),
                     upstream.values_list if getattr(upstream, "keys_list", None) is table.keys
                     else [upstream.get(key, 0.0) for key in table.keys], table.edge_values("system"), weights)


def network_findings(network, options: Optional[AuditOptions] = None) -> list[Finding]:
    """The findings of the audit's whole-network checks, in the audit's order: what run_audit reports
    before any CCTV defects are scored (the panel's findings browser lists these, so its counts are
    the audit's)."""
    options = options or AuditOptions()
    findings = list(network.findings)
    findings += network.components(options.fragment_size, options.sinks_as_outlets).findings
    findings += network.hydraulic_checks()
    findings += network.illicit_connections(options.evidence_distance).findings
    findings += network.accumulate().findings
    return findings


def monitor_network(network: Network, sensors, readings, options: Optional[AuditOptions] = None,
                    catchments: Optional[dict] = None,
                    condition: Optional[dict[str, PipeCondition]] = None) -> MonitorResult:
    """The monitor (network.monitoring) on the audited network: ``sensors`` as Sensor objects or dicts
    (sensors_from_rows), ``readings`` a path or a DataFrame, long or wide (read_readings); sensors left off the
    network are named in the result's warnings. ``condition`` (the audit's scores) ranks a blockage's candidate
    pipes by their functional score F."""
    options = options or AuditOptions()
    # fresh Sensor objects: placing fills them in, and a caller's list is not changed
    placed = sensors_from_rows([vars(s) if isinstance(s, Sensor) else s for s in sensors])
    long = read_readings(readings)
    warnings = place_sensors(placed, network.graph, options.sensor_snap_distance)
    scores = {pipe: scored.F for pipe, scored in (condition or {}).items()}
    result = monitor(long, placed, network.graph, options.monitoring, catchments=catchments, pipe_scores=scores,
                     pipe_coords=network.pipe_coords)
    result.warnings[:0] = warnings
    return result


def run_audit(network: Network, defects: Optional[list[Defect]] = None,
              events: Optional[list[tuple[float, float, float]]] = None,
              options: Optional[AuditOptions] = None, progress=None,
              checked: Optional[Callable[[], None]] = None,
              hot: Optional[Callable[[Mapping[str, PipeHotspot], Mapping[str, PipeHotspot]], None]] = None,
              sensors: Optional[list] = None, readings=None, catchments: Optional[dict] = None) -> AuditResult:
    """build → topology → connectivity → hydraulics → illicit → (condition → hotspots → risk).

    ``checked()`` is called once the whole-network checks are done, before the hotspots: work
    that needs only the network (an output of its nodes) can start beside them. ``hot(breakage,
    overflow)`` is called with the hotspots (empty when not looked for) before the risk register.
    With ``sensors`` and ``readings`` (see monitor_network; ``catchments``: node -> sub-catchment ha for
    inflow/infiltration) the monitor runs on the network too: its alarms are the result's ``monitoring`` and
    those still active (``options.alarm_hours``) raise the likelihood of the pipes they point at.
    """
    options = options or AuditOptions()
    options.validate()
    step = (lambda percent: progress.set_progress(percent)) if progress else (lambda percent: None)
    check = progress.check if progress else (lambda: None)
    findings = list(network.findings)
    table = network.table()
    # beside the whole-network checks, where the second core was idle: the pipes are cut into
    # pieces (array work, mostly without Python's lock), the defects scored and the events placed
    beside = started(lambda: _pieces_scores_and_events(network, defects, events, options, check)) \
        if defects or events else None
    connectivity = network.components(options.fragment_size, options.sinks_as_outlets)
    findings += connectivity.findings
    step(20)
    check()
    findings += network.hydraulic_checks()
    check()
    illicit = network.illicit_connections(options.evidence_distance)
    findings += illicit.findings
    check()
    accumulation = network.accumulate()
    check()
    findings += accumulation.findings
    step(40)
    if checked is not None:
        checked()
    condition: dict[str, PipeCondition] = {}
    breakage: Mapping[str, PipeHotspot] = {}
    overflow: Mapping[str, PipeHotspot] = {}
    lixels, scored, placed = beside.result() if beside is not None else (None, None, None)
    if defects:
        condition, defect_findings = scored
        findings += defect_findings
        known = [d for d in defects if table.has_edge_key(d.pipe_id)]
        step(55)
        breakage = hotspots(None, network.pipe_coords, [(d.pipe_id, d.distance, float(d.grade)) for d in known],
                            lixel_length=options.lixel_length, bandwidth=options.bandwidth,
                            neighbour_distance=options.neighbour_distance, check=check, lixels=lixels,
                            keep_sums=options.keep_hotspot_sums)
    step(70)
    if events:
        overflow = hotspots(None, network.pipe_coords, event_points=events, lixel_length=options.lixel_length,
                            bandwidth=options.bandwidth, neighbour_distance=options.neighbour_distance,
                            snap_distance=options.event_snap_distance, check=check, lixels=lixels, placed=placed,
                            keep_sums=options.keep_hotspot_sums)
    step(85)
    if hot is not None:
        hot(breakage, overflow)
    risk = risk_register(network, condition, options.risk, accumulation.length)
    monitoring = None
    if sensors and readings is not None:
        monitoring = monitor_network(network, sensors, readings, options, catchments, condition)
        risk = raise_for_alarms(risk, monitoring.active(options.alarm_hours))
    if risk.note:
        findings.append(make_finding(Check.RISK_NO_DATA, "(pipes layer)", None, value=", ".join(risk.missing)))
    summary = network.summary()
    summary["findings"] = count_by_check(findings)
    summary["severity"] = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    summary["cross_connections"] = illicit.cross_by_class
    summary["no_outlet_pipes"] = connectivity.no_outlet_pipes
    summary["no_outlet_parts"] = sum(1 for f in connectivity.findings if f.check == Check.NO_OUTLET)
    summary["breakage_hotspot_pipes"] = breakage.hot_count() if breakage else 0
    summary["overflow_hotspot_pipes"] = overflow.hot_count() if overflow else 0
    summary["risk_classes"] = risk.class_counts()
    summary["risk_note"] = risk.note
    if monitoring is not None:
        summary["alarms"] = dict(Counter(alarm.rule for alarm in monitoring.alarms).most_common())
        summary["active_alarms"] = len(monitoring.active(options.alarm_hours))
    top = risk.ranked(20)
    summary["top_risk"] = [{"pipe": key, "risk": r.risk, "class": r.risk_class, "likelihood": r.likelihood,
                            "consequence": r.consequence,
                            "system": table.edge_get(table.edge_position(key), "system"),
                            "reasons": ", ".join(r.reasons)} for key, r in top]
    step(100)
    return AuditResult(findings, connectivity.reaches_outlet, accumulation.length, condition, breakage, overflow,
                       risk, summary, connectivity.reached_nodes, monitoring)
