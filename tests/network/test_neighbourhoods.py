"""Neighbour counts by walks against the exact search, and short cycles against brute force."""

import math

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.network.hotspots.lixels import make_lixels
from pipenet.network.hotspots.neighbourhoods import (
    Incidences,
    counts_within,
    pairs_within,
    short_cycle_pieces,
    walk_counts,
)


@st.composite
def networks(draw):
    """Pipes between a few nodes on a grid: trees, loops, duplicates, self-loops, short and long pipes."""
    node_count = draw(st.integers(2, 14))
    places = [(float(i % 4) * 40.0, float(i // 4) * 40.0) for i in range(node_count)]
    graph, coords = nx.MultiDiGraph(), {}
    for node in range(node_count):
        graph.add_node(f"N{node}")
    pipes = draw(st.lists(st.tuples(st.integers(0, node_count - 1), st.integers(0, node_count - 1),
                                    st.sampled_from([0.5, 3.0, 20.0, 49.0, 51.0, 120.0, 260.0]), st.booleans()),
                          min_size=1, max_size=24))
    for number, (start, end, length, flipped) in enumerate(pipes):
        key = f"P{number}"
        graph.add_edge(f"N{start}", f"N{end}", key=key, length=length, reversed=flipped)
        (x0, y0), (x1, y1) = places[start], places[end]
        # a bend keeps the line drawable when both ends are one node
        coords[key] = [(x0, y0), ((x0 + x1) / 2.0 + 7.0, (y0 + y1) / 2.0 + 5.0), (x1, y1)]
    return graph, coords


def exact_counts(lixels, radius):
    source, _, _ = pairs_within(lixels.adjacency, np.arange(len(lixels.pipe)), radius)
    return np.bincount(source, minlength=len(lixels.pipe))


@settings(max_examples=150, deadline=None)
@given(networks(), st.sampled_from([10.0, 25.0, 60.0, 150.0, 400.0]), st.sampled_from([1, 2, 7, 1000]))
def test_counts_by_walks_equal_the_exact_search(network, radius, chunk):
    lixels = make_lixels(*network, 25.0)
    counted = counts_within(lixels.adjacency, lixels.ends, lixels.size, radius, chunk=chunk)
    assert counted.tolist() == exact_counts(lixels, radius).tolist()


@settings(max_examples=100, deadline=None)
@given(networks(), st.sampled_from([30.0, 100.0, 300.0]))
def test_every_piece_on_a_short_cycle_is_marked(network, longest):
    lixels = make_lixels(*network, 25.0)
    marked = short_cycle_pieces(lixels.ends, lixels.size, longest)
    junctions = nx.MultiGraph()
    for piece, (a, b) in enumerate(lixels.ends.tolist()):
        junctions.add_edge(a, b, key=piece, weight=float(lixels.size[piece]))
    for piece, (a, b) in enumerate(lixels.ends.tolist()):
        others = junctions.copy()
        others.remove_edge(a, b, key=piece)
        around = 0.0 if a == b else nx.shortest_path_length(others, a, b, weight="weight") \
            if nx.has_path(others, a, b) else math.inf
        if around + lixels.size[piece] <= longest:
            assert marked[piece], (piece, around)


def test_walks_that_meet_a_short_cycle_say_so():
    # a square of four 20 m pipes with a 100 m tail: the tail's far end is out of the square's reach
    graph, coords = nx.MultiDiGraph(), {}
    corners = [(0.0, 0.0), (20.0, 0.0), (20.0, 20.0), (0.0, 20.0)]
    for i in range(4):
        graph.add_edge(f"N{i}", f"N{(i + 1) % 4}", key=f"S{i}", length=20.0, reversed=False)
        coords[f"S{i}"] = [corners[i], corners[(i + 1) % 4]]
    graph.add_edge("N0", "T", key="T", length=100.0, reversed=False)
    coords["T"] = [(0.0, 0.0), (-100.0, 0.0)]
    lixels = make_lixels(graph, coords, 10.0)
    pipe = np.array(lixels.pipe)
    square, tail = np.flatnonzero(pipe != "T"), np.flatnonzero(pipe == "T")  # eight pieces, then ten from N0 out
    incidences = Incidences.of(lixels.ends, lixels.size)
    blocked = short_cycle_pieces(lixels.ends, lixels.size, 100.0, incidences)
    assert blocked[square].all() and not blocked[tail].any() and len(square) == 8
    counts, near = walk_counts(incidences, np.arange(len(pipe)), 30.0, blocked[incidences.order // 2])
    # tail pieces 5, 15 and 25 m from N0 reach a square piece 5 m beyond it; the rest do not
    assert near[square].all() and near[tail].tolist() == [True] * 3 + [False] * 7
    exact = exact_counts(lixels, 30.0)
    assert counts[tail[3:]].tolist() == exact[tail[3:]].tolist() == [7, 7, 7, 7, 6, 5, 4]
