"""The id of every PipeNet check, one member per entry of data/checks.json (tests/network/test_findings.py
keeps the two the same list).

A check id is a string in every output (the ``check`` column, summary.json, the risk register), so
``Check`` is a ``str`` enum: a member compares and hashes as its id, and make_finding stores its
``.value``, the plain string (``f"{member}"`` of a ``(str, Enum)`` is ``"Check.X"`` on Python 3.11+).
"""

from __future__ import annotations

from enum import Enum


class Check(str, Enum):
    """A check id; ``Check.DANGLING_END == "dangling_end"``."""

    NULL_GEOMETRY = "null_geometry"
    MULTIPART = "multipart"
    ZERO_LENGTH = "zero_length"
    IMPLAUSIBLE_COORDINATE = "implausible_coordinate"
    SELF_LOOP = "self_loop"
    DANGLING_END = "dangling_end"
    NEAR_MISS = "near_miss"
    DUPLICATE_PIPE = "duplicate_pipe"
    OVERLAPPING_PIPE = "overlapping_pipe"
    NODE_ON_PIPE = "node_on_pipe"
    END_ON_PIPE = "end_on_pipe"
    ORPHAN_NODE = "orphan_node"
    AMBIGUOUS_END = "ambiguous_end"
    ID_GEOMETRY_MISMATCH = "id_geometry_mismatch"
    UNKNOWN_NODE_REF = "unknown_node_ref"
    DIRECTION_CONFLICT = "direction_conflict"
    DUPLICATE_ID = "duplicate_id"
    MISSING_ATTRIBUTE = "missing_attribute"
    UNPARSED_VALUE = "unparsed_value"
    IMPLAUSIBLE_DIAMETER = "implausible_diameter"
    IMPLAUSIBLE_DEPTH = "implausible_depth"
    INVERT_ABOVE_GROUND = "invert_above_ground"
    UNKNOWN_SYSTEM = "unknown_system"
    NO_OUTLET = "no_outlet"
    RISK_NO_DATA = "risk_no_data"
    ISOLATED_FRAGMENT = "isolated_fragment"
    CROSS_CONNECTION = "cross_connection"
    SEWAGE_TO_STORM_OUTFALL = "sewage_to_storm_outfall"
    STORM_TO_PLANT = "storm_to_plant"
    INLET_ON_SANITARY = "inlet_on_sanitary"
    SANITARY_NEAR_STORM = "sanitary_near_storm"
    REVERSE_SLOPE = "reverse_slope"
    FLAT_SLOPE = "flat_slope"
    DIAMETER_DECREASE = "diameter_decrease"
    OUTLET_ABOVE_INLET = "outlet_above_inlet"
    CYCLE = "cycle"
    MULTIPLE_OUTLETS = "multiple_outlets"
    MISSING_INVERT = "missing_invert"
    LOOP = "loop"
    SNAPPED_GAP = "snapped_gap"
    DEFECT_PIPE_UNKNOWN = "defect_pipe_unknown"
    UNKNOWN_DEFECT_CODE = "unknown_defect_code"
    CAPACITY_NO_INVERT = "capacity_no_invert"
    CAPACITY_NO_DIAMETER = "capacity_no_diameter"
    CAPACITY_NO_SLOPE = "capacity_no_slope"
    RATIONAL_AREA_LIMIT = "rational_area_limit"
    UNDER_CAPACITY = "under_capacity"
    GAP = "gap"
    OUT_OF_RANGE = "out_of_range"
    FLATLINE = "flatline"
    SPIKE = "spike"
    HIGH_LEVEL = "high_level"
    SURCHARGE = "surcharge"
    DRY_WEATHER_ANOMALY = "dry_weather_anomaly"
    BLOCKAGE = "blockage"
    DRY_WEATHER_FLOW = "dry_weather_flow"
    INFLOW_INFILTRATION = "inflow_infiltration"
