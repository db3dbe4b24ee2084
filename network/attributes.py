"""Read canonical attribute values (ids, system, diameter, inverts ...) out of raw records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from .fields import (
    diameters_to_mm,
    is_null,
    normalise_direction,
    normalise_node_type,
    normalise_system,
    parse_number,
)
from .findings import Finding, make_finding
from .model import LayerData, PipeResult

MAX_DIAMETER_MM = 6000.0
MAX_DEPTH_M = 15.0


@dataclass
class NodeTable:
    """Node ids, locations and canonical attributes, in input order."""

    ids: list[str]
    fids: list[int]
    xy: np.ndarray
    values: list[dict[str, Any]]
    index: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> NodeTable:
        """A table with no nodes (no node layer given)."""
        return cls([], [], np.empty((0, 2)), [])

    def xy_of(self, node_id: str) -> np.ndarray:
        """Location of a node by id."""
        return self.xy[self.index[node_id]]

    def attributes(self, position: int) -> dict[str, Any]:
        """Graph-node attributes of the node at ``position``."""
        values = dict(self.values[position])
        values.update(id=self.ids[position], fid=self.fids[position], virtual=False,
                      x=float(self.xy[position, 0]), y=float(self.xy[position, 1]))
        return values


def _text(value: Any) -> Optional[str]:
    if is_null(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_node_table(nodes: LayerData, mapping: dict[str, str], aliases: dict,
                    findings: list[Finding]) -> NodeTable:
    """Read node ids (unique), locations and attributes; nodes without a location are reported."""
    kept = []
    for record in nodes.records:
        if record.xy is None:
            findings.append(make_finding("null_geometry", f"N{record.fid}", record.fid, kind="node",
                                         value="node"))
            continue
        kept.append(record)
    id_field = mapping.get("id")
    raw_ids = [_text(r.attrs.get(id_field)) if id_field else None for r in kept]
    counts = Counter(i for i in raw_ids if i is not None)
    duplicated = sum(c for c in counts.values() if c > 1)
    if id_field and kept and duplicated > len(kept) / 2:
        # An id column that is mostly repeated (OBJECTID all 0 in some exports) names nothing.
        mapping.pop("id")
        raw_ids = [None] * len(kept)
    ids, seen = [], Counter()
    final_ids = [raw if raw is not None else f"N{record.fid}" for record, raw in zip(kept, raw_ids)]
    counts = Counter(final_ids)
    for record, node_id in zip(kept, final_ids):
        if counts[node_id] > 1:
            seen[node_id] += 1
            if seen[node_id] > 1:
                findings.append(make_finding("duplicate_id", node_id, record.fid, value=node_id,
                                             xy=record.xy))
                node_id = f"{node_id}#dup{seen[node_id]}"
        ids.append(node_id)
    values = []
    for record in kept:
        attrs = record.attrs
        raw_type = attrs.get(mapping["type"]) if "type" in mapping else None
        raw_system = attrs.get(mapping["system"]) if "system" in mapping else None
        entry = {
            "type": normalise_node_type(raw_type, aliases),
            "raw_type": _text(raw_type),
            "system": normalise_system(raw_system, aliases),
        }
        for key in ("ground_elev", "invert_elev", "depth"):
            entry[key] = parse_number(attrs.get(mapping[key])) if key in mapping else None
        if entry["invert_elev"] is None and entry["ground_elev"] is not None and entry["depth"] is not None:
            entry["invert_elev"] = entry["ground_elev"] - entry["depth"]
        values.append(entry)
    xy = np.array([r.xy for r in kept], dtype=float).reshape(-1, 2)
    return NodeTable(ids, [r.fid for r in kept], xy, values, {n: i for i, n in enumerate(ids)})


@dataclass
class PipeAttributes:
    """Canonical values per pipe feature id, plus the parts left out of the graph."""

    values: dict[int, dict[str, Any]]
    skipped: dict[int, list[PipeResult]] = field(default_factory=dict)

    def skip(self, fid: int, pipe_id: str, part: int) -> None:
        """Record a part that has no place in the graph (no geometry, zero length)."""
        self.skipped.setdefault(fid, []).append(
            PipeResult(fid=fid, part=part, pipe_id=pipe_id, from_node=None, to_node=None,
                       reversed=False, direction_source="", length=0.0))


def read_pipe_attributes(pipes: LayerData, mapping: dict[str, str], aliases: dict, diameter_unit: str,
                         findings: list[Finding]) -> PipeAttributes:
    """Read and check canonical pipe values; implausible or unreadable values become findings."""
    records = list(pipes.records)
    get = {key: (lambda attrs, f=name: attrs.get(f)) for key, name in mapping.items()}
    diameters = diameters_to_mm([get["diameter"](r.attrs) for r in records], diameter_unit) \
        if "diameter" in get else [None] * len(records)
    ids = [_text(get["id"](r.attrs)) if "id" in get else None for r in records]
    if "id" in get and len(set(i for i in ids if i)) < 0.5 * len(records):
        ids = [None] * len(records)
        mapping.pop("id")
    unknown_systems: dict[str, int] = {}
    values: dict[int, dict[str, Any]] = {}
    for record, pipe_id, diameter in zip(records, ids, diameters):
        attrs = record.attrs
        pipe_id = pipe_id or f"P{record.fid}"
        raw_system = get["system"](attrs) if "system" in get else None
        system = normalise_system(raw_system, aliases)
        if system is None and not is_null(raw_system):
            unknown_systems.setdefault(str(raw_system), record.fid)
        entry: dict[str, Any] = {
            "id": pipe_id, "system": system, "raw_system": _text(raw_system), "diameter": diameter,
            "from_node": _text(get["from_node"](attrs)) if "from_node" in get else None,
            "to_node": _text(get["to_node"](attrs)) if "to_node" in get else None,
            "material": _text(get["material"](attrs)) if "material" in get else None,
            "status": _text(get["status"](attrs)) if "status" in get else None,
            "direction": (normalise_direction(get["direction"](attrs), aliases)
                          if "direction" in get else None),
        }
        for key in ("up_invert", "down_invert", "up_depth", "down_depth", "install_year"):
            raw = get[key](attrs) if key in get else None
            entry[key] = parse_number(raw)
            if entry[key] is None and not is_null(raw):
                findings.append(make_finding("unparsed_value", pipe_id, record.fid, value=raw,
                                             target=mapping[key]))
        if entry["install_year"] is not None:
            entry["install_year"] = int(entry["install_year"])
        _check_plausible(entry, mapping, attrs, record.fid, findings)
        values[record.fid] = entry
    for raw, fid in unknown_systems.items():
        findings.append(make_finding("unknown_system", values[fid]["id"], fid, value=raw))
    return PipeAttributes(values)


def _check_plausible(entry: dict, mapping: dict, attrs: dict, fid: int, findings: list[Finding]) -> None:
    pipe_id = entry["id"]
    if "diameter" in mapping:
        diameter = entry["diameter"]
        raw = attrs.get(mapping["diameter"])
        if diameter is None and not is_null(raw):
            findings.append(make_finding("unparsed_value", pipe_id, fid, value=raw,
                                         target=mapping["diameter"]))
        elif diameter is None:
            findings.append(make_finding("missing_attribute", pipe_id, fid, target=mapping["diameter"]))
        elif diameter <= 0 or diameter > MAX_DIAMETER_MM:
            findings.append(make_finding("implausible_diameter", pipe_id, fid, value=round(diameter, 1)))
    for key in ("up_depth", "down_depth"):
        depth = entry[key]
        if depth is not None and (depth < 0 or depth > MAX_DEPTH_M):
            findings.append(make_finding("implausible_depth", pipe_id, fid, value=round(depth, 3),
                                         target=mapping[key]))
