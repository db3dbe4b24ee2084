"""Sensors and where they are on the network: a node id, a pipe id, or a point snapped to the nearest node."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import numpy as np

from .._errors import PipeNetInputError

KINDS = ("level", "flow", "velocity", "rain")
KIND_ALIASES = {"level": ("level", "depth", "液位", "水位", "h"), "flow": ("flow", "流量", "q"),
                "velocity": ("velocity", "speed", "流速", "v"), "rain": ("rain", "rainfall", "雨量", "降雨", "p")}
SNAP_DISTANCE = 10.0  # metres: a sensor point further than this from every node stays off the network


@dataclass
class Sensor:
    """One gauge. Readings of a level sensor are ``value + offset`` above ``datum`` (an elevation, m);
    without a datum they are depths above the invert of the node or pipe it is on."""

    sensor_id: str
    kind: str
    node_id: Optional[str] = None
    pipe_id: Optional[str] = None
    x: Optional[float] = None
    y: Optional[float] = None
    datum: Optional[float] = None
    offset: float = 0.0
    # filled by place_sensors
    system: str = ""
    outfall: bool = False
    ground: float = math.nan
    invert: float = math.nan
    crown: float = math.nan
    crown_pipe: str = ""

    @property
    def placed(self) -> bool:
        return self.node_id is not None

    @property
    def base(self) -> float:
        """The elevation a reading of zero means."""
        return (self.datum if self.datum is not None else self.invert) + self.offset


def normalise_kind(text: Any) -> str:
    """'液位' -> 'level'; an unknown kind raises naming the known ones."""
    word = str(text or "").strip().lower()
    for kind, aliases in KIND_ALIASES.items():
        if word in aliases:
            return kind
    raise PipeNetInputError(f"Unknown sensor kind {text!r}: use one of {', '.join(KINDS)}.",
                            layer="sensors", field_name="kind")


def _number(value: Any) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value: Any) -> Optional[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text if text and text.upper() != "NULL" else None


def sensors_from_rows(rows: Iterable[dict]) -> list[Sensor]:
    """Sensors from dicts with sensor_id, kind and node_id, pipe_id or x/y; datum and offset optional."""
    sensors = []
    for row in rows:
        sensor_id = _text(row.get("sensor_id"))
        if sensor_id is None:
            raise PipeNetInputError("A sensor has no sensor_id.", layer="sensors", field_name="sensor_id")
        sensors.append(Sensor(sensor_id, normalise_kind(row.get("kind")), _text(row.get("node_id")),
                              _text(row.get("pipe_id")), _number(row.get("x")), _number(row.get("y")),
                              _number(row.get("datum")), _number(row.get("offset")) or 0.0))
    return sensors


def place_sensors(sensors: list[Sensor], graph, snap_distance: float = SNAP_DISTANCE) -> list[str]:
    """Put each sensor on a node of the network graph; return warnings for those left off.

    A sensor with a pipe id sits at the pipe's upstream node and takes its crown from that pipe; one with only a
    point goes to the nearest node within ``snap_distance``. Rain gauges need no place.
    """
    edge_index = graph.graph.get("edge_index") or {key: (u, v, key) for u, v, key in graph.edges(keys=True)}
    names = list(graph.nodes)
    xy = np.array([(graph.nodes[n].get("x", math.nan), graph.nodes[n].get("y", math.nan)) for n in names],
                  dtype=float).reshape(-1, 2)
    warnings = []
    for sensor in (s for s in sensors if s.kind != "rain" or s.node_id or s.pipe_id):
        pipe = None
        if sensor.node_id is not None and sensor.node_id not in graph:
            warnings.append(f"{sensor.sensor_id}: node {sensor.node_id} is not in the network")
            sensor.node_id = None
        if sensor.node_id is None and sensor.pipe_id is not None:
            pipe = edge_index.get(sensor.pipe_id)
            if pipe is None:
                warnings.append(f"{sensor.sensor_id}: pipe {sensor.pipe_id} is not in the network")
            else:
                sensor.node_id = pipe[0]
        if sensor.node_id is None and sensor.x is not None and sensor.y is not None and len(names):
            distance = np.hypot(xy[:, 0] - sensor.x, xy[:, 1] - sensor.y)
            nearest = int(np.nanargmin(distance)) if np.isfinite(distance).any() else -1
            if nearest >= 0 and distance[nearest] <= snap_distance:
                sensor.node_id = names[nearest]
            else:
                warnings.append(f"{sensor.sensor_id}: no node within {snap_distance:g} m")
        if sensor.node_id is not None:
            _describe(sensor, graph, pipe)
    return warnings


def _describe(sensor: Sensor, graph, pipe) -> None:
    """Ground, invert, crown, system and location of the sensor's node (and pipe)."""
    data = graph.nodes[sensor.node_id]
    if pipe is None:  # the lowest pipe leaving the node in its own system carries what the gauge sees
        own = str(data.get("system") or "")
        leaving = [(d.get("system") != own, _number(d.get("up_invert")) or math.inf, key, d)
                   for _, _, key, d in graph.out_edges(sensor.node_id, keys=True, data=True)]
        chosen = min(leaving, key=lambda item: item[:2]) if leaving else None
        key, edge = (chosen[2], chosen[3]) if chosen else ("", {})
        if chosen is None:  # an outlet: the pipe arriving, at its downstream end
            entering = [(key, d) for _, _, key, d in graph.in_edges(sensor.node_id, keys=True, data=True)]
            key, edge = entering[0] if entering else ("", {})
            edge = dict(edge, up_invert=edge.get("down_invert")) if edge else {}
    else:
        key, edge = pipe[2], graph.edges[pipe]
    invert = _number(data.get("invert_elev"))
    if invert is None:
        invert = _number(edge.get("up_invert") if pipe is None or edge else None)
    sensor.invert = invert if invert is not None else math.nan
    sensor.ground = _number(data.get("ground_elev")) if _number(data.get("ground_elev")) is not None else math.nan
    up_invert = _number(edge.get("up_invert")) if edge else None
    diameter = _number(edge.get("diameter")) if edge else None
    if diameter is not None:
        sensor.crown = (up_invert if up_invert is not None else sensor.invert) + diameter / 1000.0
        sensor.crown_pipe = str(key)
    sensor.system = str(edge.get("system") or data.get("system") or "")
    sensor.outfall = str(data.get("type") or "") == "outfall"
    if sensor.x is None or sensor.y is None:
        sensor.x, sensor.y = _number(data.get("x")), _number(data.get("y"))
