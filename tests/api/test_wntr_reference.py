"""The Net3 valve segments PipeNet's isolation is tested against (tests/network/net3_reference.py)
equal WNTR's own ``valve_segments``, run in the pip venv that has WNTR (make setup: .venv/api)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "api" / "bin" / "python"

SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("net3_reference", sys.argv[1])
reference = importlib.util.module_from_spec(spec); spec.loader.exec_module(reference)
import pandas as pd
import wntr

links = reference.links_from_text(reference.NET3)
valves = reference.valve_layer(links)
ours = reference.reference_segments(links, valves)
model = wntr.network.WaterNetworkModel(str(reference.NET3))
layer = pd.DataFrame([{"link": link, "node": node} for link, node in sorted(valves)])
node_segment, link_segment, _ = wntr.metrics.topographic.valve_segments(model.to_graph(), layer)
same, pipes = 0, 0
for name, (_, _, section) in links.items():
    if section != "PIPES":
        continue
    pipes += 1
    segment = link_segment[name]
    theirs = ({link for link, s in link_segment.items() if s == segment},
              {node for node, s in node_segment.items() if s == segment})
    mine = ({m[1] for m in ours[name] if m[0] == "link"}, {m[1] for m in ours[name] if m[0] == "node"})
    same += theirs == mine
print(json.dumps({"pipes": pipes, "same": same, "valves": len(valves), "wntr": wntr.__version__}))
"""


def test_the_reference_segments_are_wntrs():
    assert PYTHON.exists(), "make setup creates .venv/api with WNTR"
    result = subprocess.run([str(PYTHON), "-c", SCRIPT, str(ROOT / "tests" / "network" / "net3_reference.py")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["pipes"] == 117 and found["valves"] == 48 and found["same"] == 117, found
