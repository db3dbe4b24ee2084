"""The one-command network audit: every check, condition scores, hotspots and the risk register."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .condition import Defect, PipeCondition, score_all
from .findings import Finding, count_by_check, make_finding
from .hotspots import PipeHotspot, hotspots, make_lixels
from .model import Network
from .risk import PipeRisk, RiskWeights, pipe_risk


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


@dataclass
class AuditResult:
    """Everything the audit found, per pipe and as findings, plus the summary."""

    findings: list[Finding]
    reaches_outlet: set[str]
    upstream_length: dict[str, float]
    condition: dict[str, PipeCondition]
    breakage: dict[str, PipeHotspot]
    overflow: dict[str, PipeHotspot]
    risk: dict[str, PipeRisk]
    summary: dict[str, Any]


def score_network(network: Network, defects: list[Defect],
                  area_importance: float = 0.0) -> tuple[dict[str, PipeCondition], list[Finding]]:
    """Condition scores of every pipe with defects, and findings for defects that cannot be scored."""
    edges = {key: data for _, _, key, data in network.graph.edges(keys=True, data=True)}
    findings = [make_finding("defect_pipe_unknown", d.pipe_id, None, value=d.code)
                for d in defects if d.pipe_id not in edges]
    condition = score_all([d for d in defects if d.pipe_id in edges],
                          {k: d.get("length", 1.0) for k, d in edges.items()},
                          {k: d.get("diameter") for k, d in edges.items()}, area_importance)
    for pipe_id, scored in condition.items():
        findings += [make_finding("unknown_defect_code", pipe_id, edges[pipe_id].get("fid"), value=code)
                     for code in scored.unknown]
    return condition, findings


def risk_register(network: Network, condition: dict[str, PipeCondition], weights: Optional[RiskWeights] = None,
                  upstream_length: Optional[dict[str, float]] = None) -> dict[str, PipeRisk]:
    """Likelihood × consequence of every pipe (upstream length served is accumulated when not given)."""
    upstream = upstream_length if upstream_length is not None else network.accumulate().length
    most_upstream = max(upstream.values(), default=0.0)
    risk = {}
    table = network.table()
    years = [None if y != y else int(y) for y in table.edge_numbers("install_year").tolist()]
    diameters = [None if d != d else d for d in table.edge_numbers("diameter").tolist()]
    for key, year, material, diameter, system in zip(table.keys, years, table.edge_values("material").tolist(),
                                                    diameters, table.edge_values("system").tolist()):
        scored = condition.get(key)
        risk[key] = pipe_risk(scored.structural_grade if scored else None, year, material,
                              scored.defects if scored else 0, diameter, upstream.get(key, 0.0), most_upstream,
                              system, weights)
    return risk


def run_audit(network: Network, defects: Optional[list[Defect]] = None,
              events: Optional[list[tuple[float, float, float]]] = None,
              options: Optional[AuditOptions] = None, progress=None) -> AuditResult:
    """build → topology → connectivity → hydraulics → illicit → (condition → hotspots → risk)."""
    options = options or AuditOptions()
    graph = network.graph
    step = (lambda percent: progress.set_progress(percent)) if progress else (lambda percent: None)
    check = progress.check if progress else (lambda: None)
    findings = list(network.findings)
    connectivity = network.components(options.fragment_size)
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
    edges = {key: data for _, _, key, data in graph.edges(keys=True, data=True)}
    condition: dict[str, PipeCondition] = {}
    breakage: dict[str, PipeHotspot] = {}
    overflow: dict[str, PipeHotspot] = {}
    lixels = make_lixels(graph, network.pipe_coords, options.lixel_length, network.table()) \
        if defects or events else None
    if defects:
        condition, defect_findings = score_network(network, defects, options.area_importance)
        findings += defect_findings
        known = [d for d in defects if d.pipe_id in edges]
        step(55)
        breakage = hotspots(graph, network.pipe_coords, [(d.pipe_id, d.distance, float(d.grade)) for d in known],
                            lixel_length=options.lixel_length, bandwidth=options.bandwidth,
                            neighbour_distance=options.neighbour_distance, check=check, lixels=lixels)
    step(70)
    if events:
        overflow = hotspots(graph, network.pipe_coords, event_points=events, lixel_length=options.lixel_length,
                            bandwidth=options.bandwidth, neighbour_distance=options.neighbour_distance,
                            snap_distance=options.event_snap_distance, check=check, lixels=lixels)
    step(85)
    risk = risk_register(network, condition, options.risk, accumulation.length)
    summary = network.summary()
    summary["findings"] = count_by_check(findings)
    summary["severity"] = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    summary["cross_connections"] = illicit.cross_by_class
    summary["no_outlet_pipes"] = sum(1 for f in connectivity.findings if f.check == "no_outlet" and f.kind == "pipe")
    summary["breakage_hotspot_pipes"] = sum(1 for h in breakage.values() if h.hot_class.startswith("hot"))
    summary["overflow_hotspot_pipes"] = sum(1 for h in overflow.values() if h.hot_class.startswith("hot"))
    summary["risk_classes"] = {name: sum(1 for r in risk.values() if r.risk_class == name)
                               for name in ("very high", "high", "medium", "low")}
    top = sorted(risk.items(), key=lambda item: -item[1].risk)[:20]
    summary["top_risk"] = [{"pipe": key, "risk": r.risk, "class": r.risk_class, "likelihood": r.likelihood,
                            "consequence": r.consequence, "system": edges[key].get("system"),
                            "reasons": ", ".join(r.reasons)} for key, r in top]
    step(100)
    return AuditResult(findings, connectivity.reaches_outlet, accumulation.length, condition, breakage, overflow,
                       risk, summary)
