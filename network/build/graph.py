"""Assemble what the build decided into shared columns (the graph table), the networkx graph and per-feature results."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..model.records import DirectionSource, PipeResult
from ..model.rows import Rows
from ..model.tables import GraphTable
from .attributes import NODE_NUMBERS


class SkippedPart(NamedTuple):
    """A pipe part left out of the graph, still one output feature: its feature's row, id and part, and
    its pn_dir_src (none for a part without geometry or length, inactive for a pipe left out by status)."""

    row: int
    pipe_id: str
    part: int
    direction_source: str = DirectionSource.NONE.value


def assemble_table(node_table, names, xy, component, source, target, keys, edge_values, node_fids: list) -> GraphTable:
    """The built network as shared attribute columns; its networkx graph is made from them when first asked."""
    real = len(node_table.ids)
    extra = len(names) - real
    columns = node_table.columns
    name_list = names.tolist()
    nodes = Rows({
        "type": columns["type"].tolist() + [None] * extra,
        "raw_type": columns["raw_type"].tolist() + [None] * extra,
        "system": columns["system"].tolist() + [None] * extra,
        **{key: np.concatenate([columns[key], np.full(extra, np.nan)]) for key in NODE_NUMBERS},
        "id": name_list, "fid": node_fids,
        "virtual": np.arange(len(names)) >= real,
        "x": np.ascontiguousarray(xy[:, 0]), "y": np.ascontiguousarray(xy[:, 1]), "component": component,
    })
    edges = Rows({**edge_values, "component": component[source]}, converters={"install_year": "year"})
    return GraphTable.from_columns(name_list, keys, source, target, nodes, edges, {"crs": None})


def pipe_results(segments, names, source, target, edge_values, component) -> dict[int, list[PipeResult]]:
    """What the build decided per input feature (one PipeResult per part, skipped parts included)."""
    results: dict[int, list[PipeResult]] = {}
    names_list = names.tolist()
    for fid, part, pipe_id, u, v, flipped, direction_source, length, number in zip(
            segments.fids.tolist(), segments.part.tolist(), segments.ids.tolist(), source.tolist(), target.tolist(),
            edge_values["reversed"].tolist(), edge_values["direction_source"], segments.length.tolist(),
            component[source].tolist()):
        results.setdefault(fid, []).append(PipeResult(fid=fid, part=part, pipe_id=pipe_id, from_node=names_list[u],
                                                      to_node=names_list[v], reversed=flipped,
                                                      direction_source=direction_source, length=length,
                                                      component=number))
    if segments.number is not None:  # lines cut at nodes or pipe ends: the pieces' numbers, cuts and shares
        pieces = [result for fid in dict.fromkeys(segments.fids.tolist()) for result in results[fid]]
        for result, part, piece, cut, share in zip(pieces, segments.part.tolist(), segments.number.tolist(),
                                                   segments.cut.tolist(), segments.share.tolist()):
            if piece != part or cut[0] == cut[0] or cut[2] == cut[2] or share != 1.0:
                result.source_part, result.part, result.share = part, piece, share
                result.cut = (None if cut[0] != cut[0] else (cut[0], cut[1]),
                              None if cut[2] != cut[2] else (cut[2], cut[3]))
    for skipped in segments.skipped:
        fid = int(segments.row_fids[skipped.row])
        results.setdefault(fid, []).append(PipeResult(fid=fid, part=skipped.part, pipe_id=skipped.pipe_id,
                                                      from_node=None, to_node=None, reversed=False,
                                                      direction_source=skipped.direction_source, length=0.0))
    return results
