"""A graph's pipes and nodes as arrays, taken out once, so whole-network checks run as numpy operations."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from .columns import factorize, object_array, ranges
from .lazy import LazyMapping
from .records import gc_paused
from .rows import Row, Rows


class RowsAt(NamedTuple):
    """The shared columns a table's nodes or pipes read: a Rows table and the row of each."""

    rows: Rows
    positions: np.ndarray


Shared = Optional[RowsAt]  # None: the mappings are not rows of one Rows table (a user's own graph)


class GraphTable:
    """Positions of nodes, (from, to) node positions of pipes and attribute columns on demand.

    The build makes its table straight from its arrays (``from_columns``); the networkx graph of such
    a table is made only when first asked (traces, the UI, the Python API), since whole-network
    checks and writers need nothing but the arrays. A table of a networkx graph is ``of_graph``.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "B", key="P1", diameter=300.0)
    >>> table = GraphTable.of_graph(g)
    >>> table.source.tolist(), table.target.tolist(), table.edge_numbers("diameter").tolist()
    ([0], [1], [300.0])
    """

    def __init__(self, names: list, keys: list, source: np.ndarray, target: np.ndarray, *,
                 node_rows: Shared = None, edge_rows: Shared = None, node_data: Optional[list] = None,
                 edge_data: Optional[list] = None, graph: Optional[nx.MultiDiGraph] = None,
                 graph_attributes: Optional[dict] = None, index: Optional[dict] = None):
        """Node names, pipe keys and each pipe's (from, to) node positions; the attributes as shared
        columns (``*_rows``) and/or one mapping per node or pipe (``*_data``, made from the columns
        when first asked if not given); the networkx graph when it exists already."""
        self.names, self.keys, self.source, self.target = names, keys, source, target
        self._node_rows, self._edge_rows = node_rows, edge_rows
        self._node_data, self._edge_data = node_data, edge_data
        self._graph = graph
        self._nodes = None if graph is None else len(graph)  # the node count the graph had when tabled
        self.graph_attributes = graph.graph if graph is not None else \
            graph_attributes if graph_attributes is not None else {}
        self._index = index
        self._key_index: Optional[dict] = None
        # factorize() of a column, per (side, name): (the column array it was made from, the result)
        self._factorized_columns: dict[tuple[str, str], tuple[Any, tuple[np.ndarray, list]]] = {}
        # the condensed network and its summing order (checks/accumulate.py), made by the first
        # upstream sum and kept here: it depends on the pipes' (from, to) positions only
        self.flow_plan: Any = None

    @classmethod
    def of_graph(cls, graph: nx.MultiDiGraph) -> GraphTable:
        """The table of a networkx graph (its data mappings read where they are)."""
        names = list(graph.nodes)
        index = {name: position for position, name in enumerate(names)}
        node_data = [graph.nodes[name] for name in names]
        edges = list(graph.edges(keys=True, data=True))
        edge_data = [data for _, _, _, data in edges]
        source = np.fromiter((index[u] for u, _, _, _ in edges), dtype=np.int64, count=len(edges))
        target = np.fromiter((index[v] for _, v, _, _ in edges), dtype=np.int64, count=len(edges))
        return cls(names, [key for _, _, key, _ in edges], source, target,
                   node_rows=_shared_rows(node_data), edge_rows=_shared_rows(edge_data), node_data=node_data,
                   edge_data=edge_data, graph=graph, index=index)

    @classmethod
    def from_columns(cls, names: list, keys: list, source: np.ndarray, target: np.ndarray, node_rows: Rows,
                     edge_rows: Rows, graph_attributes: Optional[dict] = None) -> GraphTable:
        """A table over the build's columns; its networkx graph is made when first asked."""
        return cls(names, keys, source, target, node_rows=RowsAt(node_rows, np.arange(len(names))),
                   edge_rows=RowsAt(edge_rows, np.arange(len(keys))), graph_attributes=graph_attributes)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx MultiDiGraph (made from the columns the first time it is asked for)."""
        if self._graph is None:
            with gc_paused():
                graph = nx.MultiDiGraph(**self.graph_attributes)
                names = self.names
                from_names = [names[i] for i in self.source.tolist()]
                to_names = [names[i] for i in self.target.tolist()]
                fill(graph, zip(names, self.node_data), zip(from_names, to_names, self.keys, self.edge_data))
                keys = self.keys
                graph.graph["edge_index"] = LazyMapping(lambda: {key: (u, v, key) for u, v, key in
                                                                 zip(from_names, to_names, keys)})
            self.graph_attributes = graph.graph
            self._graph, self._nodes = graph, len(graph)
        return self._graph

    @property
    def node_data(self) -> list:
        """Each node's attribute mapping (views into the shared columns, made when first asked)."""
        if self._node_data is None:
            self._node_data = list(map(self._node_rows.rows.row, range(len(self.names))))
        return self._node_data

    @property
    def edge_data(self) -> list:
        """Each pipe's attribute mapping (views into the shared columns, made when first asked)."""
        if self._edge_data is None:
            self._edge_data = list(map(self._edge_rows.rows.row, self._edge_rows.positions.tolist()))
        return self._edge_data

    def edge_get(self, row: int, name: str, default: Any = None) -> Any:
        """One attribute of the pipe at ``row``."""
        if self._edge_data is None:
            return self._edge_rows.rows.value(int(self._edge_rows.positions[row]), name, default)
        return self._edge_data[row].get(name, default)

    def node_get(self, node: int, name: str, default: Any = None) -> Any:
        """One attribute of the node at position ``node``."""
        if self._node_data is None:
            return self._node_rows.rows.value(node, name, default)
        return self._node_data[node].get(name, default)

    def matches(self, graph: Optional[nx.MultiDiGraph]) -> bool:
        """Whether this table describes ``graph`` (None: the table's own graph, made or not yet).

        Counting pipes costs a walk over the whole graph, so pipes added or removed by hand go
        unnoticed: ask Network.table(refresh=True) after such edits. Attribute edits need nothing:
        the table reads the same columns as the graph.
        """
        if graph is None:
            return True
        return self._graph is graph and self._nodes == len(graph)

    def subset(self, rows: np.ndarray) -> GraphTable:
        """The same nodes with only the pipes at ``rows`` (a table for checks; no graph of its own)."""
        picked = rows.tolist()
        shared = self._edge_rows
        return GraphTable(self.names, [self.keys[r] for r in picked], self.source[rows], self.target[rows],
                          node_rows=self._node_rows,
                          edge_rows=RowsAt(shared.rows, shared.positions[rows]) if shared else None,
                          node_data=self._node_data,
                          edge_data=None if self._edge_data is None else [self._edge_data[r] for r in picked],
                          index=self._index)

    @property
    def index(self) -> dict:
        """Node name -> position (made when first asked)."""
        if self._index is None:
            self._index = dict(zip(self.names, range(len(self.names))))
        return self._index

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.names)

    def edge_numbers(self, name: str) -> np.ndarray:
        """A numeric pipe attribute as floats (NaN where missing)."""
        return _numbers(self._edge_rows, lambda: self.edge_data, name)

    def edge_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any pipe attribute as an object array."""
        return _values(self._edge_rows, lambda: self.edge_data, name, default)

    def node_numbers(self, name: str) -> np.ndarray:
        """A numeric node attribute as floats (NaN where missing)."""
        return _numbers(self._node_rows, lambda: self.node_data, name)

    def node_values(self, name: str, default: Any = None) -> np.ndarray:
        """Any node attribute as an object array."""
        return _values(self._node_rows, lambda: self.node_data, name, default)

    def edge_codes(self, name: str) -> tuple[np.ndarray, list]:
        """``factorize(edge_values(name))``, made once per column: the checks and writers all ask
        it of the same few columns (system, type), each a county's 2.3 million objects."""
        return self._factorized("edge", name, self._edge_rows, self.edge_values)

    def node_codes(self, name: str) -> tuple[np.ndarray, list]:
        """``factorize(node_values(name))``, made once per column (edge_codes)."""
        return self._factorized("node", name, self._node_rows, self.node_values)

    def _factorized(self, side: str, name: str, shared, values: Callable[[str], np.ndarray]
                    ) -> tuple[np.ndarray, list]:
        rows = shared.rows if shared else None

        def column() -> Any:
            return rows.columns.get(name) if rows is not None and not rows.extra else None
        cache = self._factorized_columns
        made = cache.get((side, name))
        # made from this very column array (an edited column becomes a new list)
        if made is not None and made[0] is column():
            return made[1]
        result = factorize(values(name))
        result[0].flags.writeable = False  # shared by every caller
        if isinstance(column(), np.ndarray):  # a list column is an array once gathered
            cache[(side, name)] = (column(), result)
        return result

    def edge_position(self, key: str) -> int:
        """Position of a pipe in the table by its id."""
        if self._key_index is None:
            self._key_index = dict(zip(self.keys, range(len(self.keys))))
        return self._key_index[key]

    def has_edge_key(self, key: str) -> bool:
        """Whether a pipe with this id is in the table."""
        try:
            self.edge_position(key)
        except (KeyError, TypeError):
            return False
        return True

    def node_coordinates(self) -> np.ndarray:
        """x/y of every node, shape (nodes, 2), NaN where a node has no location."""
        return np.stack([self.node_numbers("x"), self.node_numbers("y")], axis=1).reshape(-1, 2)

    def node_xy(self, position: int) -> Optional[tuple[float, float]]:
        """A node's location (None when the graph has none)."""
        x, y = self.node_get(position, "x"), self.node_get(position, "y")
        return None if x is None or y is None else (x, y)

    def degrees(self) -> tuple[np.ndarray, np.ndarray]:
        """(incoming, outgoing) pipe counts of every node."""
        count = self.node_count
        return np.bincount(self.target, minlength=count), np.bincount(self.source, minlength=count)


def min_matrix(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, size: int) -> csr_matrix:
    """A sparse matrix keeping the smallest value of repeated (row, column) pairs."""
    # one integer key per cell sorts several times faster than a three-key lexsort
    key = np.asarray(rows, dtype=np.int64) * size + np.asarray(columns, dtype=np.int64)
    del rows, columns  # often the caller's temporaries: a county's are hundreds of MB
    order = np.argsort(key)
    key, values = key[order], np.asarray(values, dtype=float)[order]
    del order
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if len(key) else np.empty(0, np.int64)
    smallest = np.fmin.reduceat(values, first) if len(key) else np.empty(0)
    del values
    key = key[first]
    # the cells come sorted by row then column: the compressed rows directly, without a COO copy
    pointers = np.searchsorted(key // size if size else key, np.arange(size + 1))
    return csr_matrix((smallest, key % size if size else key, pointers), shape=(size, size))


def table_of(graph: Optional[nx.MultiDiGraph], table: Optional[GraphTable] = None) -> GraphTable:
    """``table`` when it still describes ``graph`` (or no graph is given), else a fresh table of the graph."""
    return table if table is not None and table.matches(graph) else GraphTable.of_graph(graph)


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _shared_rows(datas: list) -> Shared:
    """(the Rows table, row positions) when every data mapping is a row of one table, else None."""
    if not datas or type(datas[0]) is not Row:
        return None
    rows = datas[0].rows
    if not all(type(d) is Row and d.rows is rows for d in datas):
        return None
    return RowsAt(rows, np.fromiter((d.index for d in datas), dtype=np.int64, count=len(datas)))


def _numbers(shared, datas: Callable[[], list], name: str) -> np.ndarray:
    column = shared.rows.column(name, shared.positions) if shared else None
    if column is not None and column.dtype.kind in "fiub":
        return column.astype(float)
    if column is not None and column.dtype == object:
        try:  # None becomes NaN; a deleted value (a marker object) sends it the row-by-row way
            return column.astype(float)
        except (TypeError, ValueError):
            pass
    return _floats(data.get(name) for data in datas())


def _values(shared, datas: Callable[[], list], name: str, default: Any) -> np.ndarray:
    column = shared.rows.column(name, shared.positions) if shared else None
    if column is not None and column.dtype == object:
        return column
    if column is not None and column.dtype.kind in "iub" and name not in shared.rows.converters_special():
        return object_array(column.tolist())  # plain ints and bools, as the rows give them
    if column is not None and column.dtype.kind == "f" and name not in shared.rows.converters_special():
        return object_array([None if v != v else v for v in column.tolist()])
    return object_array([data.get(name, default) for data in datas()])


def reachable(successors, starts: np.ndarray, groups: int) -> np.ndarray:
    """Nodes reachable from any of ``starts`` (themselves included)."""
    reached = np.zeros(groups, dtype=bool)
    if not len(starts):
        return reached
    reached[starts] = True
    frontier = starts
    while len(frontier):
        following = successors.indices[ranges(successors.indptr[frontier],
                                              np.diff(successors.indptr)[frontier])]
        following = np.unique(following[~reached[following]])
        reached[following] = True
        frontier = following
    return reached


def fill(graph: nx.MultiDiGraph, node_items, edges) -> None:
    """Fill an empty MultiDiGraph's adjacency dicts directly, as add_nodes_from/add_edges_from would,
    keeping the given mappings (the build's Rows) as the graph's node and edge data.

    This writes networkx's own ``_node``, ``_succ`` and ``_pred``: no public networkx method can do it,
    since add_nodes_from / add_edges_from (and from_dict_of_dicts, which calls them) copy every data
    mapping into a new dict of the graph's own. Copies cost too much and cut the link between the
    graph and the table's columns (an edit of ``graph.edges[u, v, key]`` reaches the table; tested in
    tests/network/test_build.py). Measured on the county samples (issue #29; RSS growth, noisy machine):

    ============================  =========================  ==========================
    network.graph made by         10x (231,179 pipes)        100x (2,302,818 pipes)
    ============================  =========================  ==========================
    fill, Row views (this)        0.9-1.6 s, 132 MB          7-13 s, 1.35 GB
    add_*_from with the Rows      10-11 s, 412 MB            113 s, 4.25 GB
    add_*_from with plain dicts   6-9 s, 583 MB peak         29 s, 5.97 GB peak (3.99 kept)
    ============================  =========================  ==========================

    The layout (succ and pred share one key dict per node pair) is networkx's, tested against
    add_edges_from in tests/network/test_columns.py.
    """
    node_attrs, succ, pred = graph._node, graph._succ, graph._pred
    for name, attrs in node_items:
        node_attrs[name] = attrs
        succ[name] = {}
        pred[name] = {}
    for u, v, key, data in edges:
        key_dict = succ[u].get(v)
        if key_dict is None:
            key_dict = succ[u][v] = {}
            pred[v][u] = key_dict
        key_dict[key] = data
