"""The Check enum names exactly the checks of the catalogue, and findings carry the plain id string."""

import json

from pipenet.network import LayerData, NodeRecord, PipeRecord, build_network
from pipenet.network.model.check_ids import Check
from pipenet.network.model.findings import CATALOG_PATH, catalog, make_finding, make_findings


def test_the_enum_and_the_catalogue_list_the_same_ids_in_the_same_order():
    with open(CATALOG_PATH, encoding="utf-8") as handle:
        listed = [key for key in json.load(handle) if not key.startswith("_")]
    assert [check.value for check in Check] == listed == list(catalog())
    assert all(check.name == check.value.upper() for check in Check)


def test_a_finding_made_from_a_member_holds_the_plain_string():
    finding = make_finding(Check.NEAR_MISS, "P1", 1, value=0.5, target="node MH1")
    assert type(finding.check) is str and finding.check == "near_miss" and f"{finding.check}" == "near_miss"
    assert finding.message_en == make_finding("near_miss", "P1", 1, value=0.5, target="node MH1").message_en
    many = make_findings(Check.ORPHAN_NODE, ["MH1"], [1], [0.0], [0.0])
    assert [type(f.check) for f in many] == [str] and many[0].check == "orphan_node"


def test_every_finding_of_a_build_holds_a_plain_string_check():
    pipes = LayerData("pipes", ["id"], [PipeRecord(0, [[(0, 0), (50, 0)]], {"id": "P1"}),
                                        PipeRecord(1, [[(50.4, 0), (90, 0)]], {"id": "P2"})])
    nodes = LayerData("nodes", ["点号"], [NodeRecord(0, (0, 0), {"点号": "A"}),
                                         NodeRecord(1, (200, 200), {"点号": "B"})])
    network = build_network(pipes, nodes)
    checks = {f.check for f in network.findings}
    assert {"orphan_node", "dangling_end"} <= checks
    assert {type(check) for check in checks} == {str}
