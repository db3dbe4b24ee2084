"""Sensor readings: long (sensor_id, time, value[, quality]) or wide (a time column, one column per sensor,
as SCADA exports are) from CSV, Excel or a DataFrame, made into one long frame, then a time x sensor matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from .._errors import PipeNetInputError

ALIASES = {"sensor_id": ("sensor_id", "sensor", "id", "tag", "station", "测点编号", "设备编号", "监测点"),
           "time": ("time", "timestamp", "datetime", "date_time", "date", "时间", "采集时间", "监测时间"),
           "value": ("value", "reading", "val", "数值", "监测值", "读数"),
           "quality": ("quality", "flag", "qc", "质量", "质量码")}
GOOD_QUALITY = {"", "good", "ok", "g", "0", "192", "valid", "nan", "none"}  # OPC 192 = good


def _find(columns: Sequence[str], key: str) -> Optional[str]:
    lowered = {str(c).strip().lower(): c for c in columns}
    return next((lowered[a] for a in ALIASES[key] if a in lowered), None)


def read_table(path: str, sheet: Any = 0, engine: str = "auto") -> pd.DataFrame:
    """Read a CSV (any encoding pandas can guess from utf-8/gbk) or an Excel sheet as a DataFrame.

    A UTF-8 CSV is read by pyarrow when it is installed (``engine="auto"``; "pandas" never asks): its reader uses
    every core and keeps a text column as codes into its distinct values, which the long format's sensor ids and
    times repeat for every reading (8.6 million readings read in about half pandas' time, bench/monitoring.py).
    """
    lower = str(path).lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        return pd.read_excel(path, sheet_name=sheet)
    if engine == "auto":
        frame = _read_csv_arrow(path)
        if frame is not None:
            return frame
    try:
        return pd.read_csv(path)
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="gbk")


def _read_csv_arrow(path: str) -> Optional[pd.DataFrame]:
    """The CSV read by pyarrow with its text columns dictionary-encoded, or None (no pyarrow, not UTF-8, or a
    file its reader refuses: pandas reads it then, and says what is wrong if anything is)."""
    try:
        from pyarrow import ArrowException, csv
    except ImportError:
        return None
    try:
        table = csv.read_csv(str(path), convert_options=csv.ConvertOptions(auto_dict_encode=True,
                                                                          auto_dict_max_cardinality=1 << 20))
    except (ArrowException, OSError, UnicodeDecodeError):
        return None
    return table.to_pandas()


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(a code per row, -1 where missing; the distinct values): a categorical's own, else factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, uniques = pd.factorize(column)
    return codes, pd.Index(uniques)


def _as_categories(column: pd.Series) -> pd.Categorical:
    """A column of sensor ids as text categories (one string per distinct id, not per reading); a missing id
    becomes "", a sensor no one has, so its readings are left out with the unknown ones."""
    codes, uniques = _codes(column)
    missing = bool((codes < 0).any())
    texts = pd.Index([str(u) for u in uniques] + ([""] if missing else []))
    merged, names = pd.factorize(texts)  # 1 and "1" are one sensor
    return pd.Categorical.from_codes(merged[np.where(codes < 0, len(texts) - 1, codes)] if len(texts) else codes,
                                     names)


def _as_times(column: pd.Series) -> np.ndarray:
    """Times (datetime64[ns], NaT where unreadable), each distinct text parsed once: a long table repeats
    every time once per sensor."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.to_numpy().astype("datetime64[ns]")
    codes, uniques = _codes(column)
    parsed = pd.to_datetime(pd.Index(uniques), errors="coerce").to_numpy().astype("datetime64[ns]")
    return np.where(codes >= 0, parsed[np.maximum(codes, 0)] if len(parsed) else np.datetime64("NaT"),
                    np.datetime64("NaT"))


def read_readings(source: Any, time_column: Optional[str] = None, engine: str = "auto") -> pd.DataFrame:
    """Return readings as one long frame: sensor_id (category), time (datetime64), value (float), quality (bool).

    ``source`` is a path (CSV/Excel) or a DataFrame in long format (a sensor, a time and a value column) or wide
    format (a time column and one column per sensor). Readings flagged bad in a quality column are dropped;
    unparsable values become missing (a gap).

    >>> wide = pd.DataFrame({"time": ["2024-01-01 00:00", "2024-01-01 00:05"], "L1": [0.1, 0.2], "L2": [1, "x"]})
    >>> read_readings(wide).value.tolist()
    [0.1, 0.2, 1.0, nan]
    """
    is_path = isinstance(source, (str, bytes)) or hasattr(source, "__fspath__")
    frame = read_table(source, engine=engine) if is_path else source
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    sensor, value = _find(columns, "sensor_id"), _find(columns, "value")
    time = time_column or _find(columns, "time")
    if time is None:
        raise PipeNetInputError(f"No time column among {', '.join(columns[:8])}: name it time (or 时间).",
                                layer="readings", field_name="time")
    if sensor is None or value is None:  # wide: one column per sensor
        others = [c for c in columns if c != time]
        if not others:
            raise PipeNetInputError("The readings have a time column but no sensor columns.", layer="readings")
        frame = frame.melt(id_vars=[time], value_vars=others, var_name="sensor_id", value_name="value")
        sensor, value = "sensor_id", "value"
    else:
        quality = _find(columns, "quality")
        if quality is not None:
            good = frame[quality].astype(str).str.strip().str.lower().isin(GOOD_QUALITY)
            frame = frame[good.to_numpy()]
    times = _as_times(frame[time])
    values = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)
    sensors = _as_categories(frame[sensor])
    known = ~np.isnat(times)
    if not known.all():  # readings without a readable time are left out (copies made only then)
        sensors, times, values = sensors[known], times[known], values[known]
    return pd.DataFrame({"sensor_id": sensors, "time": times, "value": values}, copy=False)


@dataclass
class Matrix:
    """Readings on a regular time grid aligned to midnight: values[time, sensor], NaN where nothing was read."""

    sensors: list[str]
    start: pd.Timestamp
    step_seconds: int
    values: np.ndarray

    @property
    def steps_per_day(self) -> int:
        return 86400 // self.step_seconds

    @property
    def days(self) -> int:
        return self.values.shape[0] // self.steps_per_day

    def time(self, index: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(seconds=int(index) * self.step_seconds)


def infer_step(times: np.ndarray) -> int:
    """The reading interval in seconds: the most common positive difference between a sensor's times."""
    ns = np.unique(times.astype("datetime64[ns]").astype(np.int64)[:200_000])
    steps = np.diff(ns) // 1_000_000_000
    steps = steps[steps > 0]
    if steps.size == 0:
        return 300
    values, counts = np.unique(steps, return_counts=True)
    step = int(values[np.argmax(counts)])
    return step if 86400 % step == 0 else 300


def to_matrix(long: pd.DataFrame, sensors: Optional[Sequence[str]] = None, start=None, end=None,
              step_seconds: Optional[int] = None) -> Matrix:
    """Put long readings on a regular grid (whole days from the first midnight); a reading goes to its nearest step."""
    codes = long["sensor_id"].cat.codes.to_numpy() if hasattr(long["sensor_id"], "cat") else None
    categories = list(long["sensor_id"].cat.categories) if codes is not None else None
    if codes is None:
        codes, uniques = pd.factorize(long["sensor_id"])
        categories = [str(u) for u in uniques]
    names = list(sensors) if sensors is not None else [str(c) for c in categories]
    column = {name: i for i, name in enumerate(names)}
    remap = np.array([column.get(str(c), -1) for c in categories] + [-1], dtype=np.int64)
    times = long["time"].to_numpy().astype("datetime64[ns]")
    step = step_seconds or infer_step(times)
    first = pd.Timestamp(start) if start is not None else pd.Timestamp(times.min())
    last = pd.Timestamp(end) if end is not None else pd.Timestamp(times.max())
    origin = first.normalize()
    days = max(1, int(np.ceil((last - origin) / pd.Timedelta(days=1) + 1e-9)))
    per_day = 86400 // step
    values = np.full((days * per_day, len(names)), np.nan, dtype=np.float64)
    index = np.rint((times.astype(np.int64) - origin.value) / (step * 1e9)).astype(np.int64)
    col = remap[codes]
    keep = (col >= 0) & (index >= 0) & (index < values.shape[0])
    if start is not None or end is not None:
        keep &= (times >= np.datetime64(first)) & (times <= np.datetime64(last))
    values[index[keep], col[keep]] = long["value"].to_numpy()[keep]
    return Matrix(names, origin, step, values)
