"""One Processing algorithm per module."""

from .accumulate import AccumulateAlgorithm
from .build_network import BuildNetworkAlgorithm
from .condition_score import ConditionScoreAlgorithm
from .connectivity import ConnectivityAlgorithm
from .design_storm import DesignStormAlgorithm
from .downstream_trace import DownstreamTraceAlgorithm
from .export_swmm import ExportSwmmAlgorithm
from .hotspots import HotspotsAlgorithm
from .hydraulic_checks import HydraulicChecksAlgorithm
from .illicit_connections import IllicitConnectionsAlgorithm
from .import_epanet import ImportEpanetAlgorithm
from .import_survey import ImportSurveyAlgorithm
from .import_swmm import ImportSwmmAlgorithm
from .network_audit import NetworkAuditAlgorithm
from .outfall_sources import OutfallSourcesAlgorithm
from .risk_register import RiskRegisterAlgorithm
from .sample_network import SampleNetworkAlgorithm
from .sample_sensors import SampleSensorsAlgorithm
from .sensor_monitor import SensorMonitorAlgorithm
from .storm_capacity import StormCapacityAlgorithm
from .storm_simulation import StormSimulationAlgorithm
from .upstream_trace import UpstreamTraceAlgorithm
from .valve_isolation import ValveIsolationAlgorithm

ALGORITHMS = [BuildNetworkAlgorithm, ConnectivityAlgorithm, UpstreamTraceAlgorithm, DownstreamTraceAlgorithm,
              AccumulateAlgorithm, IllicitConnectionsAlgorithm, HydraulicChecksAlgorithm, ValveIsolationAlgorithm,
              OutfallSourcesAlgorithm, ImportSwmmAlgorithm, ImportEpanetAlgorithm,
              ImportSurveyAlgorithm, SampleNetworkAlgorithm, NetworkAuditAlgorithm,
              ConditionScoreAlgorithm, HotspotsAlgorithm, RiskRegisterAlgorithm, StormCapacityAlgorithm,
              DesignStormAlgorithm, ExportSwmmAlgorithm, StormSimulationAlgorithm, SensorMonitorAlgorithm,
              SampleSensorsAlgorithm]
