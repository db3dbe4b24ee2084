"""Valve isolation on EPANET Net3 (from the WNTR wheel) against an independent segmentation.

Reference: what WNTR's ``valve_segments`` computes, done here with plain networkx from the .inp
text: a graph of model nodes and links (each link joined to its two end nodes); a valve at (link,
node) removes that one join; the segments are the connected components. A break's segment is its
link's component; its valves to close are the valves with exactly one side (link or node) in it.
PipeNet's side: the same valves as valve nodes placed near the pipe ends, isolate() per pipe.
"""

import networkx as nx
import pytest

from pipenet.network.build.builder import build_network
from pipenet.network.checks.isolation import isolate
from pipenet.network.io.epanet import read_epanet
from pipenet.network.model.records import PipeNetInputError

from .net3_reference import NET3, links_from_text, reference_segments, valve_layer


def with_valve_nodes(model, valves: set):
    """The model with each valve (link, node) as a valve node a tenth of the way from the node."""
    links = []
    for link in model.links:
        name, start, end = link["name"], link["from_node"], link["to_node"]
        a, b = link["coords"][0], link["coords"][-1]
        chain = [start]
        for node, fraction in ((start, 0.1), (end, 0.9)):
            if (name, node) in valves:
                valve = f"{name}@{node}"
                xy = (a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction)
                model.nodes.append({"name": valve, "node_type": "valve", "xy": xy})
                chain.insert(len(chain) if node == start else len(chain), valve)
        chain.append(end)
        at = {n["name"]: n["xy"] for n in model.nodes}
        for u, v in zip(chain[:-1], chain[1:]):
            piece = dict(link, from_node=u, to_node=v, coords=[at[u], at[v]])
            if len(chain) > 2:  # the link itself runs between its valves; connectors at the ends
                if u == start and v != end:
                    piece["name"] = f"{name}~{start}"
                elif v == end and u != start:
                    piece["name"] = f"{name}~{end}"
            links.append(piece)
    model.links = links
    return model


@pytest.fixture(scope="module")
def net3():
    links = links_from_text(NET3)
    valves = valve_layer(links)
    model = with_valve_nodes(read_epanet(str(NET3)), valves)
    return links, valves, build_network(*model.layers())


def test_net3_segments_and_boundary_valves_equal_the_reference(net3):
    links, valves, network = net3
    reference = reference_segments(links, valves)
    pipes = [name for name, (_, _, section) in links.items() if section == "PIPES"]
    assert len(valves) == 48 and len(pipes) == 117
    agreed = 0
    for pipe in pipes:
        segment = isolate(network.graph, pipe)
        expected_links = {member[1] for member in reference[pipe] if member[0] == "link"}
        expected_nodes = {member[1] for member in reference[pipe] if member[0] == "node"}
        expected_valves = sorted(f"{link}@{node}" for link, node in valves
                                 if (link in expected_links) != (node in expected_nodes))
        assert {key for key in segment.pipes if "~" not in key} == expected_links, pipe
        assert segment.valves_to_close == expected_valves, pipe
        agreed += 1
    assert agreed == 117


def test_a_valve_whose_sides_a_loop_joins_is_not_closed():

    graph = nx.MultiDiGraph()
    graph.add_node("V", type="valve")
    for node in ("A", "B", "C"):
        graph.add_node(node, type=None)
    for u, v, key in (("A", "V", "P1"), ("V", "B", "P2"), ("B", "C", "P3"), ("C", "A", "P4")):
        graph.add_edge(u, v, key=key)
    segment = isolate(graph, "P3")
    assert segment.valves_to_close == [] and "V" in segment.nodes
    assert segment.pipes == {"P1", "P2", "P3", "P4"}


def test_unknown_inoperable_valves_are_named(net3):
    _, _, network = net3
    with pytest.raises(PipeNetInputError, match=r"Inoperable valve id\(s\) 10, NOPE are not valves"):
        isolate(network.graph, "101", inoperable=["NOPE", "10"])
