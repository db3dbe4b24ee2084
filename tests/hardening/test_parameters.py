"""Numbers that are not numbers, and inputs of the wrong kind: one clear error naming the parameter."""

import warnings

import geopandas
import pandas
import pytest
from qgis.core import QgsProcessingContext, QgsProcessingFeedback
from shapely.geometry import LineString, Point, Polygon

from pipenet.network import BuildOptions, PipeNetInputError, build_network
from pipenet.network._errors import PipeNetInputError as Moved

LINES = geopandas.GeoDataFrame({"id": ["A", "B"]}, geometry=[LineString([(0, 0), (10, 0)]),
                                                             LineString([(10, 0), (20, 0)])], crs="EPSG:4549")
POINTS = geopandas.GeoDataFrame({"id": ["A"]}, geometry=[Point(0, 0)], crs="EPSG:4549")
POLYGONS = geopandas.GeoDataFrame({"id": ["A"]}, geometry=[Polygon([(0, 0), (1, 0), (0, 1)])], crs="EPSG:4549")


def test_the_error_is_a_value_error_in_its_own_module():
    assert PipeNetInputError is Moved and issubclass(PipeNetInputError, ValueError)


@pytest.mark.parametrize("call, words", [
    (lambda: build_network(None), ["pipes is None", "GeoDataFrame"]),
    (lambda: build_network(POINTS), ["Point", "line layer as pipes"]),
    (lambda: build_network(POLYGONS), ["Polygon", "line layer as pipes"]),
    (lambda: build_network(pandas.DataFrame({"a": [1]})), ["no geometry column", "GeoDataFrame"]),
    (lambda: build_network(LINES, LINES), ["nodes holds LineString", "point layer as nodes"]),
    (lambda: build_network(LINES, snap_tolerance=-1), ["snap_tolerance", "-1"]),
    (lambda: build_network(LINES, snap_tolerance=float("nan")), ["snap_tolerance", "nan"]),
    (lambda: build_network(LINES, snap_tolerance="abc"), ["snap_tolerance", "'abc'"]),
    (lambda: build_network(LINES, near_miss_distance=float("inf")), ["near_miss_distance", "inf"]),
    (lambda: build_network(LINES, fields=["x"]), ["fields must be a dict", "['x']"]),
    (lambda: build_network(LINES, options=BuildOptions(near_miss_distance=float("nan"))), ["near_miss_distance"]),
], ids=["none", "points", "polygons", "dataframe", "lines_as_nodes", "negative", "nan", "text", "inf",
        "fields_list", "options_nan"])
def test_api_bad_input_is_an_actionable_error(call, words):
    with pytest.raises(PipeNetInputError) as error:
        call()
    for word in words:
        assert word in str(error.value)


def test_api_point_file_as_pipes(tmp_path):
    POINTS.to_file(tmp_path / "points.gpkg")
    with pytest.raises(PipeNetInputError, match="Point geometries where lines are expected"):
        build_network(str(tmp_path / "points.gpkg"))


def test_api_large_snap_tolerance_warns_with_the_value():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = build_network(LINES, snap_tolerance=75)
    assert network.summary()["pipes"] == 2
    assert any("75 m is over 50 m" in str(w.message) for w in caught)


class Feedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.errors, self.warnings = [], []

    def reportError(self, error, fatal=False):  # noqa: N802 (QGIS API)
        self.errors.append(error)

    def pushWarning(self, warning):  # noqa: N802 (QGIS API)
        self.warnings.append(warning)


def run(algorithm, parameters):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().createAlgorithmById(f"pipenet:{algorithm}")
    feedback, context = Feedback(), QgsProcessingContext()
    checked, message = alg.checkParameterValues(parameters, context)
    results, ok = alg.run(parameters, context, feedback)
    return checked, message, ok, " ".join(feedback.errors), feedback.warnings


@pytest.mark.parametrize("algorithm, key, value, words", [
    ("buildnetwork", "SNAP_TOLERANCE", float("nan"), ["SNAP_TOLERANCE", "finite"]),
    ("buildnetwork", "SNAP_TOLERANCE", "nan", ["SNAP_TOLERANCE", "finite"]),
    ("buildnetwork", "NEAR_MISS_DISTANCE", "nan", ["NEAR_MISS_DISTANCE", "finite"]),
    ("buildnetwork", "SNAP_TOLERANCE", -1.0, ["SNAP_TOLERANCE", "at least 0"]),
    ("buildnetwork", "SNAP_TOLERANCE", "abc", ["SNAP_TOLERANCE", "'abc'"]),
    ("hotspots", "BANDWIDTH", "nan", ["BANDWIDTH", "finite"]),
    ("connectivity", "SNAP_TOLERANCE", float("inf"), ["SNAP_TOLERANCE", "finite"]),
])
def test_processing_bad_numbers_are_one_clear_error(pipenet_plugin, small_network, tmp_path, algorithm, key,
                                                    value, words):
    pipes, _ = small_network
    parameters = {"PIPES": pipes, key: value, "OUTPUT_FINDINGS": str(tmp_path / "f.gpkg")}
    checked, message, ok, error, _ = run(algorithm, parameters)
    assert not checked and not ok
    for word in words:
        assert word in message and word in error
    assert "Traceback" not in error and not (tmp_path / "f.gpkg").exists()


def test_processing_large_snap_tolerance_warns_with_the_value(pipenet_plugin, small_network, tmp_path):
    pipes, _ = small_network
    checked, _, ok, error, warned = run("buildnetwork", {"PIPES": pipes, "SNAP_TOLERANCE": 60.0,
                                                         "OUTPUT_FINDINGS": str(tmp_path / "f.gpkg")})
    assert checked and ok, error
    assert any("60 m is over 50 m" in warning for warning in warned)


def test_core_analysis_options_are_checked():
    from pipenet.network.audit import AuditOptions
    from pipenet.network.hotspots.statistics import hotspots

    with pytest.raises(PipeNetInputError, match="bandwidth"):
        AuditOptions(bandwidth=float("nan")).validate()
    with pytest.raises(PipeNetInputError, match="lixel_length must be over 0"):
        AuditOptions(lixel_length=0.0).validate()
    network = build_network(LINES)
    with pytest.raises(PipeNetInputError, match="bandwidth"):
        hotspots(network.graph, network.pipe_coords, bandwidth=float("nan"))
