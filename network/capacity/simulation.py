"""A SWMM 5 model run by the real engine (swmm-toolkit's solver, EPA SWMM 5.2), and its report read back:
per-node flooding volume and duration and surcharge, per-link max flow and Q/Q_full, outfall volumes and
the continuity errors. Nothing of SWMM is re-implemented here: the figures are the engine's own .rpt tables.

The engine is imported when a run starts, so the rest of PipeNet works without it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator, Optional

from ..model.records import Cancelled, Progress

INSTALL_COMMAND = ('/usr/bin/python3 -m pip install --user --break-system-packages --no-deps '
                   '"swmm-toolkit==0.17.*" "aenum>=3.1.11"')
# Flooding below this (m³) is not waterlogging: on the sample, spills of ≤ 1 m³ for 0.01 h at P = 1 year are
# dynamic-wave transients that are gone at P = 2. Above it, flooding on the sample grows with P at every node.
FLOOD_MIN_M3 = 5.0
START_DATE, END_DATE = 0, 1  # swmm.toolkit.shared_enum.TimeProperty
M3 = {"10^6 ltr": 1000.0, "10^6 gal": 3785.411784}  # a report's volume unit, in m³


class EngineMissing(ImportError):
    """swmm-toolkit (the SWMM 5 engine) is not installed where this Python finds it."""


class SimulationFailed(RuntimeError):
    """The engine stopped with an error; the message carries its code and the report's error lines."""


@dataclass
class NodeResult:
    """One node's figures from the report (volumes in m³, times in hours)."""

    flood_volume: float = 0.0
    flood_hours: float = 0.0
    flood_max_rate: float = 0.0
    surcharge_hours: float = 0.0
    above_crown: float = 0.0


@dataclass
class LinkResult:
    """One link's figures: max |flow| (model flow units), max/full flow and depth (nan where SWMM gives none)."""

    max_flow: float = math.nan
    max_over_full_flow: float = math.nan
    max_over_full_depth: float = math.nan

    @property
    def surcharged(self) -> bool:
        """Full at its peak: SWMM's max/full depth (to 2 decimals) reaches 1."""
        return self.max_over_full_depth >= 1.0


@dataclass
class SimulationResult:
    """What the engine reported for one run."""

    report: str
    nodes: dict[str, NodeResult] = field(default_factory=dict)
    links: dict[str, LinkResult] = field(default_factory=dict)
    outfalls: dict[str, float] = field(default_factory=dict)  # total volume, m³
    outfall_max_flow: dict[str, float] = field(default_factory=dict)
    routing_error: float = math.nan  # flow-routing continuity error, %
    runoff_error: float = math.nan  # runoff-quantity continuity error, %
    flooding_loss: float = math.nan  # the system's flooding loss, m³
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def flooded(self, min_volume: float = FLOOD_MIN_M3) -> set[str]:
        """Nodes that flooded at least ``min_volume`` m³ (0: any flooding the report lists)."""
        return {name for name, node in self.nodes.items()
                if node.flood_hours > 0 and node.flood_volume >= min_volume}


def engine():
    """The swmm-toolkit solver module; EngineMissing, naming the install command, when it is absent."""
    try:
        from swmm.toolkit import solver
    except ImportError as error:
        raise EngineMissing(
            "The SWMM 5 engine (swmm-toolkit) is not installed for this Python. Install it where QGIS's Python "
            f"finds it: {INSTALL_COMMAND} (or run `make setup`). ({error})") from None
    return solver


def engine_version() -> str:
    """The engine's version, e.g. '5.2.4'."""
    number = int(engine().swmm_get_version())
    return f"{number // 10000}.{number // 1000 % 10}.{number % 1000}"


def simulate(inp: str, report: Optional[str] = None, output: Optional[str] = None,
             progress: Optional[Progress] = None) -> SimulationResult:
    """Run ``inp`` through SWMM (open, start, step, end, report, close) and read
    its report. Between steps ``progress`` gets the share of simulated time and may cancel (Cancelled).
    The report and binary output go beside the .inp unless named."""
    import time

    solver = engine()
    stem = os.path.splitext(inp)[0]
    report, output = report or stem + ".rpt", output or stem + ".out"
    started = time.perf_counter()
    _call(solver.swmm_open, report, inp, report, output)
    try:
        _call(solver.swmm_start, report, 1)
        try:
            _steps(solver, progress)
        finally:
            solver.swmm_end()
        solver.swmm_report()
    finally:
        solver.swmm_close()
    result = read_report(report)
    result.seconds = time.perf_counter() - started
    return result


def _steps(solver, progress: Optional[Progress]) -> None:
    """swmm_step to the end (swmm_stride would cut the routing steps at its boundaries and change the results);
    progress told at each whole per cent of simulated time, cancel checked every step."""
    if progress is None:
        while solver.swmm_step() > 0:
            pass
        return
    total, told = _total_days(solver), -1
    while True:
        elapsed = solver.swmm_step()
        if elapsed <= 0:
            break
        percent = int(100.0 * elapsed / total) if total > 0 else 0
        if percent > told:
            progress.set_progress(min(100.0, float(percent)))
            told = percent
        if progress.is_cancelled():
            raise Cancelled("cancelled")


def _total_days(solver) -> float:
    start, end = (datetime(*solver.simulation_get_datetime(kind)) for kind in (START_DATE, END_DATE))
    return (end - start).total_seconds() / 86400.0


def _call(function, report: str, *args) -> None:
    try:
        function(*args)
    except Exception as error:  # the toolkit raises a bare Exception carrying SWMM's error code
        raise SimulationFailed(f"SWMM stopped: {error}. {' '.join(_errors(report))}".strip()) from None


def _errors(report: str) -> list[str]:
    try:
        with open(report, encoding="utf-8", errors="replace") as handle:
            return [line.strip() for line in handle if line.lstrip().startswith("ERROR")][:5]
    except OSError:
        return []


def read_report(path: str) -> SimulationResult:
    """The summary tables and continuity errors of a SWMM 5 report (.rpt)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    result = SimulationResult(report=path)
    result.warnings = [line.strip() for line in lines if line.lstrip().startswith("WARNING")]
    unit = _volume_unit(lines)
    for name, row in _table(lines, "Node Flooding Summary"):
        # Hours, max rate, days, hh:mm, total flood volume, max ponded (volume or depth)
        node = result.nodes.setdefault(name, NodeResult())
        node.flood_hours, node.flood_max_rate, node.flood_volume = _number(row[0]), _number(row[1]), _m3(row[4], unit)
    for name, row in _table(lines, "Node Surcharge Summary"):  # type, hours, above crown, below rim
        node = result.nodes.setdefault(name, NodeResult())
        node.surcharge_hours, node.above_crown = _number(row[1]), _number(row[2])
    for name, row in _table(lines, "Link Flow Summary"):  # type, max |flow|, days, hh:mm, |veloc|, max/full q, d
        link = LinkResult(max_flow=_number(row[1]))
        if row[0] == "CONDUIT" and len(row) >= 7:
            link.max_over_full_flow, link.max_over_full_depth = _number(row[5]), _number(row[6])
        result.links[name] = link
    for name, row in _table(lines, "Outfall Loading Summary"):  # freq %, avg flow, max flow, total volume
        result.outfalls[name] = _m3(row[3], unit)
        result.outfall_max_flow[name] = _number(row[2])
    result.runoff_error = _continuity(lines, "Runoff Quantity Continuity")
    result.routing_error = _continuity(lines, "Flow Routing Continuity")
    result.flooding_loss = round(_line_value(lines, "Flow Routing Continuity", "Flooding Loss") * unit, 3)
    return result


def _m3(text: str, unit: float) -> float:
    """A report volume in m³, to the litre (16.255·10^6 ltr is 16255 m³, not 16254.999999999998)."""
    return round(_number(text) * unit, 3)


def _volume_unit(lines: list[str]) -> float:
    """m³ per report volume unit, from the Flow Routing Continuity heading (10^6 ltr or 10^6 gal)."""
    for line in lines:
        if "Flow Routing Continuity" in line:
            for unit, factor in M3.items():
                if unit in line:
                    return factor
    return M3["10^6 ltr"]


def _table(lines: list[str], title: str) -> Iterator[tuple[str, list[str]]]:
    """(name, the other columns) of each row of a summary table: rows lie between its second and third
    dashed rules (the first two frame the heading)."""
    start = next((i for i, line in enumerate(lines) if line.strip() == title), None)
    if start is None:
        return
    rules = 0
    for line in lines[start + 1:]:
        text = line.strip()
        if text.startswith("---"):
            rules += 1
            if rules == 3:
                return
            continue
        if rules == 2:
            if not text:
                return
            parts = text.split()
            yield parts[0], parts[1:]
        elif rules == 0 and text.startswith("No "):
            return  # "No nodes were flooded." and the like


def _continuity(lines: list[str], section: str) -> float:
    return _line_value(lines, section, "Continuity Error (%)")


def _line_value(lines: list[str], section: str, label: str) -> float:
    inside = False
    for line in lines:
        if section in line:
            inside = True
        elif inside and line.strip().startswith(label):
            return _number(line.split()[-1])
    return math.nan


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        match = re.match(r"-?\d+(\.\d*)?", text)
        return float(match.group(0)) if match else math.nan
