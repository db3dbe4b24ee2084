"""The SWMM 5 engine (swmm-toolkit) run on the exported sample and on a pyswmm example model; the report read
back. `make setup` installs the engine; these tests skip only where swmm.toolkit cannot be imported."""

import sys

import numpy as np
import pytest

from pipenet.network.capacity.simulation import EngineMissing, engine, read_report, simulate

try:
    import swmm.toolkit.solver  # noqa: F401

    HAVE_ENGINE = True
except ImportError:
    HAVE_ENGINE = False
needs_engine = pytest.mark.skipif(not HAVE_ENGINE, reason="swmm.toolkit (the SWMM 5 engine) is not installed: "
                                                           "run `make setup`")
PERIODS = (1.0, 2.0, 3.0, 5.0, 10.0)


@pytest.fixture(scope="module")
def sample_models(tmp_path_factory):
    """The 20 km sample's storm network exported with a Chicago storm for each return period."""
    from pipenet.network.api import build_network
    from pipenet.network.capacity.catchments import thiessen
    from pipenet.network.capacity.design_storm import chicago
    from pipenet.network.capacity.manning import roughness
    from pipenet.network.capacity.rational import StormFormula
    from pipenet.network.capacity.storm import STORM_SYSTEMS
    from pipenet.network.io.swmm_export import write_swmm
    from pipenet.network.model.columns import lookup_factorized
    from pipenet.network.sample import generate, write_gpkg

    folder = tmp_path_factory.mktemp("simulation")
    write_gpkg(generate(km=20, seed=1), str(folder / "sample.gpkg"))
    table = build_network(f"{folder / 'sample.gpkg'}|layername=pipes",
                          f"{folder / 'sample.gpkg'}|layername=nodes").table()
    storm = lookup_factorized(table.edge_codes("system"), dict.fromkeys(STORM_SYSTEMS, 1), 0) == 1
    nodes = np.unique(np.concatenate([table.source[storm], table.target[storm]]))
    cells = thiessen([table.names[p] for p in nodes.tolist()], table.node_coordinates()[nodes], radius=50.0)
    cells.psi = np.full(len(cells.nodes), 0.6)
    codes, distinct = table.edge_codes("material")
    n = np.append(roughness(distinct), 0.013)[codes]
    formula = StormFormula(a1=20.0, c=0.8, b=15.0, n=0.7, name="test city")
    paths = {}
    for period in PERIODS:
        paths[period] = str(folder / f"sample_p{period:g}.inp")
        write_swmm(paths[period], table, n, cells, chicago(formula, period, 120.0, 0.4, 5.0))
    return paths


def test_a_missing_engine_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "swmm.toolkit", None)
    monkeypatch.setitem(sys.modules, "swmm.toolkit.solver", None)
    with pytest.raises(EngineMissing, match=r"pip install .*swmm-toolkit"):
        engine()


@needs_engine
def test_sample_runs_with_small_continuity_error_and_monotone_flooding(sample_models):
    from pipenet.network.model.records import Progress

    class Told(Progress):
        def __init__(self):
            self.percents = []

        def set_progress(self, percent):
            self.percents.append(percent)

    flooded = {}
    for period, path in sample_models.items():
        told = Told()
        result = simulate(path, progress=told)
        assert abs(result.routing_error) < 2.0 and abs(result.runoff_error) < 2.0
        assert told.percents == sorted(told.percents) and told.percents[-1] >= 95
        assert len(result.links) > 150 and result.outfalls and not result.warnings
        assert sum(n.flood_volume for n in result.nodes.values()) == pytest.approx(result.flooding_loss, rel=1e-3)
        flooded[period] = result.flooded()
    for lower, higher in zip(PERIODS, PERIODS[1:]):
        assert flooded[lower] <= flooded[higher], (lower, higher, flooded[lower] - flooded[higher])
    assert 0 < len(flooded[1.0]) < len(flooded[10.0])
    assert len(result.flooded(0.0)) > len(flooded[10.0])  # tiny spills are there, just not counted


@needs_engine
def test_stepping_gives_what_swmm_run_gives(sample_models, tmp_path):
    from swmm.toolkit import solver

    path = sample_models[3.0]
    stepped = simulate(path, str(tmp_path / "stepped.rpt"), str(tmp_path / "stepped.out"))
    solver.swmm_run(path, str(tmp_path / "run.rpt"), str(tmp_path / "run.out"))
    straight = read_report(str(tmp_path / "run.rpt"))
    assert stepped.nodes == straight.nodes and stepped.links == straight.links
    assert stepped.routing_error == straight.routing_error and stepped.outfalls == straight.outfalls
