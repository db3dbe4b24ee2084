"""A built network with the sources and coordinate frame it came from, as the algorithms pass it on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ...network import Network
from ..inputs.layers import WorkingFrame


@dataclass
class NetworkRun:
    """A built network with the sources and coordinate frame it came from."""

    network: Network
    frame: WorkingFrame
    pipes_source: Any
    nodes_source: Any
    seconds: float
    pipe_fids: Any = None  # a list, or an array when read in bulk (a county's as lists: 0.2 GB)
    node_fids: Any = None
    copies: Any = None  # input copies the bulk writers copy from, made beside the build (gpkg_writer.StagedCopies)
    own_files: frozenset = frozenset()  # output files this run made (removed if it fails): gpkg_writer.owned
    background: Optional[list] = None  # the algorithm's outputs finished in threads (runtime.background)

    def source_fid(self, finding) -> Optional[int]:
        """The QGIS feature id of the feature a finding is about (records are keyed by position)."""
        fids = self.node_fids if finding.kind == "node" else self.pipe_fids
        if finding.fid is None or fids is None or finding.fid >= len(fids):
            return None
        return int(fids[finding.fid])

    def source_fids(self, kinds: Sequence, fids: Sequence) -> list[Optional[int]]:
        """``source_fid`` of many findings at once, given their kinds and fids (None: no feature)."""
        positions = np.array(fids, dtype=float)  # None: NaN
        on_node = np.array(kinds, dtype=object) == "node"
        found = np.full(len(positions), -1, dtype=np.int64)
        known = np.zeros(len(positions), dtype=bool)
        for node, table in ((True, self.node_fids), (False, self.pipe_fids)):
            if table is None:
                continue
            table = np.asarray(table, dtype=np.int64)
            here = (on_node == node) & np.isfinite(positions) & (positions < len(table))
            found[here] = table[positions[here].astype(np.int64)]
            known |= here
        return [fid if here else None for fid, here in zip(found.tolist(), known.tolist())]
