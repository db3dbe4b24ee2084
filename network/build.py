"""Build the directed pipe graph from pipe and node records: ids, snapping, flow direction."""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

import networkx as nx
import numpy as np

from .attributes import NodeTable, read_node_table, read_pipe_attributes
from .fields import detect_mapping, load_aliases
from .findings import Finding, make_finding
from .geometry import point_at_half
from .model import BuildOptions, LayerData, Network, PipeNetInputError, PipeResult, Progress
from .topology import cluster_ends, component_ids, find_topology_defects, snap_to_nodes

MIN_LENGTH = 1e-6


def build_network(
    pipes: LayerData,
    nodes: Optional[LayerData] = None,
    options: Optional[BuildOptions] = None,
    progress: Optional[Progress] = None,
) -> Network:
    """Build a Network (networkx MultiDiGraph in flow direction, findings, per-feature results).

    >>> from pipenet.network.model import PipeRecord
    >>> pipes = LayerData("pipes", ["id"], [PipeRecord(1, [[(0, 0), (10, 0)]], {"id": "P1"})])
    >>> net = build_network(pipes)
    >>> list(net.graph.edges(keys=True))
    [('V1', 'V2', 'P1')]
    """
    options = options or BuildOptions()
    progress = progress or Progress()
    aliases = load_aliases(options.aliases_path)
    pipe_mapping = _mapping(pipes, "pipe", options.pipe_fields, aliases)
    node_mapping = _mapping(nodes, "node", options.node_fields, aliases) if nodes else {}
    findings: list[Finding] = []
    node_table = read_node_table(nodes, node_mapping, aliases, findings) if nodes else NodeTable.empty()
    progress.set_progress(10)
    progress.check()
    attributes = read_pipe_attributes(pipes, pipe_mapping, aliases, options.diameter_unit, findings)
    progress.info(f"Pipe fields used: {pipe_mapping or 'none recognised'}")
    if nodes:
        progress.info(f"Node fields used: {node_mapping or 'none recognised'}")
    progress.set_progress(25)
    progress.check()

    segments = _segments(pipes, attributes, findings)
    ends = np.array([[s["coords"][0], s["coords"][-1]] for s in segments]).reshape(-1, 2) \
        if segments else np.empty((0, 2))
    end_nodes: list[Optional[str]] = [None] * len(ends)
    recorded_flip = [False] * len(segments)  # ids say the pipe runs against its digitising

    _apply_explicit_ids(segments, node_table, ends, end_nodes, recorded_flip, options, findings)
    _snap_remaining(segments, node_table, ends, end_nodes, options, findings)
    progress.set_progress(50)
    progress.check()

    graph = nx.MultiDiGraph(crs=None, edge_index={})
    for index, node_id in enumerate(node_table.ids):
        graph.add_node(node_id, **node_table.attributes(index))
    virtual_xy = _virtual_nodes(ends, end_nodes, node_table, options.snap_tolerance)
    for node_id, xy in virtual_xy.items():
        graph.add_node(node_id, id=node_id, fid=None, virtual=True, type=None, system=None,
                       ground_elev=None, invert_elev=None, depth=None, x=xy[0], y=xy[1])

    results: dict[int, list[PipeResult]] = {}
    coords: dict[str, np.ndarray] = {}
    for index, segment in enumerate(segments):
        start, end = end_nodes[2 * index], end_nodes[2 * index + 1]
        result, edge = _orient(segment, start, end, recorded_flip[index], graph, findings)
        graph.add_edge(result.from_node, result.to_node, key=result.pipe_id, **edge)
        graph.graph["edge_index"][result.pipe_id] = (result.from_node, result.to_node, result.pipe_id)
        coords[result.pipe_id] = segment["coords"]
        results.setdefault(segment["fid"], []).append(result)
    for fid, parts in attributes.skipped.items():
        results.setdefault(fid, []).extend(parts)
    progress.set_progress(70)
    progress.check()

    findings.extend(find_topology_defects(graph, coords, options.snap_tolerance,
                                          options.near_miss_distance, nodes is not None, progress.check))
    numbers = component_ids(graph)
    nx.set_node_attributes(graph, numbers, "component")
    for u, _, data in graph.edges(data=True):
        data["component"] = numbers[u]
    for parts in results.values():
        for part in parts:
            if part.from_node is not None:
                part.component = numbers[part.from_node]
    progress.set_progress(100)
    return Network(graph=graph, findings=findings, pipe_results=results,
                   node_ids=dict(zip(node_table.fids, node_table.ids)), pipe_mapping=pipe_mapping,
                   node_mapping=node_mapping, pipe_coords=coords)


def _mapping(layer: LayerData, kind: str, overrides: dict, aliases: dict) -> dict[str, str]:
    sample = [record.attrs for record in list(layer.records)[:500]]
    try:
        return detect_mapping(layer.field_names, kind, overrides, sample, aliases)
    except KeyError as missing:
        wanted = [key for key, value in overrides.items() if value == missing.args[0]]
        raise PipeNetInputError(
            f"Layer '{layer.name}': field '{missing.args[0]}' chosen for {', '.join(wanted)} does not "
            f"exist; the layer has {', '.join(layer.field_names)}.",
            layer=layer.name, field_name=str(missing.args[0])) from None


def _segments(pipes: LayerData, attributes, findings: list[Finding]) -> list[dict[str, Any]]:
    """One entry per usable part; null, empty and zero-length parts become findings."""
    segments = []
    for record in pipes.records:
        values = attributes.values[record.fid]
        parts = [part for part in (record.parts or []) if part]
        if not parts:
            findings.append(make_finding("null_geometry", values["id"], record.fid))
            attributes.skip(record.fid, values["id"], 0)
            continue
        if len(parts) > 1:
            findings.append(make_finding("multipart", values["id"], record.fid, value=len(parts),
                                         xy=parts[0][0]))
        for part_number, part in enumerate(parts, start=1):
            pipe_id = values["id"] if len(parts) == 1 else f"{values['id']}#{part_number}"
            array = np.asarray(part, dtype=float)[:, :2]
            keep = np.concatenate([[True], np.any(np.diff(array, axis=0) != 0, axis=1)])
            array = array[keep]
            length = float(np.hypot(*np.diff(array, axis=0).T).sum()) if len(array) > 1 else 0.0
            if length <= MIN_LENGTH:
                findings.append(make_finding("zero_length", pipe_id, record.fid, xy=tuple(array[0])))
                attributes.skip(record.fid, pipe_id, part_number)
                continue
            segments.append({"fid": record.fid, "part": part_number, "id": pipe_id, "coords": array,
                             "length": length, "values": values})
    counts = Counter(segment["id"] for segment in segments)
    seen: Counter = Counter()
    for segment in segments:
        if counts[segment["id"]] > 1:
            seen[segment["id"]] += 1
            if seen[segment["id"]] > 1:
                findings.append(make_finding("duplicate_id", segment["id"], segment["fid"],
                                             value=segment["id"], kind="pipe",
                                             xy=point_at_half(segment["coords"])))
                segment["id"] = f"{segment['id']}#dup{seen[segment['id']]}"
    return segments


def _apply_explicit_ids(segments, node_table, ends, end_nodes, recorded_flip, options, findings):
    """Honour from/to node ids that exist in the node layer; check them against the geometry."""
    for index, segment in enumerate(segments):
        values = segment["values"]
        from_id, to_id = values.get("from_node"), values.get("to_node")
        if from_id is None and to_id is None:
            continue
        unknown = [n for n in (from_id, to_id) if n is not None and n not in node_table.index]
        if unknown or from_id is None or to_id is None:
            for node_id in unknown:
                findings.append(make_finding("unknown_node_ref", segment["id"], segment["fid"],
                                             value=node_id, xy=tuple(ends[2 * index])))
            continue
        start, end = ends[2 * index], ends[2 * index + 1]
        from_xy, to_xy = node_table.xy_of(from_id), node_table.xy_of(to_id)
        direct = (np.hypot(*(start - from_xy)), np.hypot(*(end - to_xy)))
        swapped = (np.hypot(*(start - to_xy)), np.hypot(*(end - from_xy)))
        flip = bool(max(swapped) < max(direct))
        gaps = swapped if flip else direct
        for gap, node_id, xy in zip(gaps, (to_id, from_id) if flip else (from_id, to_id), (start, end)):
            # the same check ids as for geometry-only snapping, so both kinds of data read alike
            if gap > max(options.near_miss_distance, options.snap_tolerance):
                check = "id_geometry_mismatch"
            elif gap > options.snap_tolerance:
                check = "near_miss"
            elif gap > options.gap_report:
                check = "snapped_gap"
            else:
                continue
            findings.append(make_finding(check, segment["id"], segment["fid"], value=round(float(gap), 3),
                                         xy=tuple(xy), target=node_id if check != "near_miss" else f"node {node_id}"))
        end_nodes[2 * index], end_nodes[2 * index + 1] = (to_id, from_id) if flip else (from_id, to_id)
        recorded_flip[index] = flip
        segment["ids"] = True


def _snap_remaining(segments, node_table, ends, end_nodes, options, findings):
    """Snap ends not fixed by ids to the nearest node; report ends that match several nodes."""
    open_ends = np.array([i for i, node in enumerate(end_nodes) if node is None], dtype=int)
    if len(open_ends) == 0 or len(node_table.ids) == 0:
        return
    match, within = snap_to_nodes(ends[open_ends], node_table.xy, options.snap_tolerance)
    for end_index, node_index, count in zip(open_ends, match, within):
        if node_index < 0:
            continue
        end_nodes[end_index] = node_table.ids[node_index]
        gap = float(np.hypot(*(ends[end_index] - node_table.xy[node_index])))
        if gap > options.gap_report:
            segment = segments[end_index // 2]
            findings.append(make_finding("snapped_gap", segment["id"], segment["fid"], value=round(gap, 3),
                                         xy=tuple(ends[end_index]), target=node_table.ids[node_index]))
        if count > 1:
            segment = segments[end_index // 2]
            findings.append(make_finding("ambiguous_end", segment["id"], segment["fid"], value=int(count),
                                         xy=tuple(ends[end_index])))


def _virtual_nodes(ends, end_nodes, node_table, tolerance) -> dict[str, tuple[float, float]]:
    """Cluster unmatched ends into virtual junctions named V1, V2 ... in input order."""
    open_ends = [i for i, node in enumerate(end_nodes) if node is None]
    if not open_ends:
        return {}
    labels = cluster_ends(ends[open_ends], tolerance)
    taken = set(node_table.ids)
    names: dict[int, str] = {}
    positions: dict[str, list] = {}
    for end_index, label in zip(open_ends, labels):
        if label not in names:
            name = f"V{len(names) + 1}"
            while name in taken:
                name += "_pn"
            names[label] = name
        end_nodes[end_index] = names[label]
        positions.setdefault(names[label], []).append(ends[end_index])
    return {name: tuple(np.mean(points, axis=0)) for name, points in positions.items()}


def _orient(segment, start, end, recorded_flip, graph, findings) -> tuple[PipeResult, dict]:
    """Decide flow direction from inverts, then a direction field, then ids or digitising."""
    values = segment["values"]
    recorded_from, recorded_to = (end, start) if recorded_flip else (start, end)
    up, down = values.get("up_invert"), values.get("down_invert")
    up = up if up is not None else _invert_from_depth(graph, recorded_from, values.get("up_depth"))
    down = down if down is not None else _invert_from_depth(graph, recorded_to, values.get("down_depth"))
    for invert, node in ((up, recorded_from), (down, recorded_to)):
        ground = graph.nodes[node].get("ground_elev")
        if invert is not None and ground is not None and invert > ground + 1e-6:
            findings.append(make_finding("invert_above_ground", segment["id"], segment["fid"],
                                         value=round(invert, 3), target=node,
                                         xy=(graph.nodes[node]["x"], graph.nodes[node]["y"])))
    with_recorded = True
    if up is not None and down is not None and abs(up - down) > 1e-9:
        source, with_recorded = "invert", up > down
        if not with_recorded:
            findings.append(make_finding("direction_conflict", segment["id"], segment["fid"],
                                         value=round(down - up, 3), xy=point_at_half(segment["coords"])))
    elif values.get("direction") in ("forward", "reverse"):
        source, with_recorded = "field", values["direction"] == "forward"
    else:
        source = "ids" if segment.get("ids") else "digitised"
    from_node, to_node = (recorded_from, recorded_to) if with_recorded else (recorded_to, recorded_from)
    up_flow, down_flow = (up, down) if with_recorded else (down, up)
    reversed_flag = with_recorded == recorded_flip
    edge = {key: values.get(key) for key in ("system", "diameter", "material", "install_year", "status")}
    edge.update(id=segment["id"], fid=segment["fid"], part=segment["part"], length=segment["length"],
                up_invert=up_flow, down_invert=down_flow, direction_source=source,
                reversed=reversed_flag, raw_system=values.get("raw_system"),
                against_record=source == "invert" and not with_recorded)
    result = PipeResult(fid=segment["fid"], part=segment["part"], pipe_id=segment["id"],
                        from_node=from_node, to_node=to_node, reversed=reversed_flag,
                        direction_source=source, length=segment["length"])
    return result, edge


def _invert_from_depth(graph: nx.MultiDiGraph, node: str, depth: Optional[float]) -> Optional[float]:
    ground = graph.nodes[node].get("ground_elev")
    if depth is None or ground is None:
        return None
    return ground - depth
