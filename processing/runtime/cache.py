"""Keep built networks per layer pair while QGIS runs; a layer edit makes its entry stale."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Callable

from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProcessingUtils

MAX_ENTRIES = 4


class NetworkCache:
    """Networks keyed by (layers, selection, options); rebuilt when a layer changes."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._stamps: dict[str, int] = {}
        self._watched: set[str] = set()
        self._lock = threading.RLock()
        self.builds = 0

    def get_or_build(self, parameters: dict, context, options, build: Callable[[], Any]) -> tuple[Any, bool]:
        """Return (network, reused) for the PIPES/NODES parameters, building it when stale."""
        key = self._key(parameters, context, options)
        with self._lock:
            if key is not None and key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key], True
        network = build()
        with self._lock:
            self.builds += 1
            if key is not None:
                self._entries[key] = network
                while len(self._entries) > MAX_ENTRIES:
                    self._entries.popitem(last=False)
        return network, False

    def clear(self) -> None:
        """Forget every cached network."""
        with self._lock:
            self._entries.clear()

    def _key(self, parameters: dict, context, options) -> tuple | None:
        parts: list[Any] = [repr(options)]
        for name in ("PIPES", "NODES"):
            value = parameters.get(name)
            if value is None:
                parts.append(None)
                continue
            selected = False
            if isinstance(value, QgsProcessingFeatureSourceDefinition):
                selected = value.selectedFeaturesOnly
                value = value.source.staticValue()
            layer = QgsProcessingUtils.mapLayerFromString(str(value), context, False) \
                if isinstance(value, str) else value
            if layer is None or not hasattr(layer, "dataProvider"):
                return None
            self._watch(layer, selected)
            part = (layer.id(), layer.source(), layer.subsetString(), self._stamps.get(layer.id(), 0),
                    _file_stamp(layer.source()))
            if selected:
                part += (tuple(sorted(layer.selectedFeatureIds())),)
            parts.append(part)
        return tuple(parts)

    def _watch(self, layer, selected: bool) -> None:
        layer_id = layer.id()
        with self._lock:
            if layer_id in self._watched:
                return
            self._watched.add(layer_id)
            self._stamps.setdefault(layer_id, 0)

        def bump(*_args) -> None:
            with self._lock:
                self._stamps[layer_id] = self._stamps.get(layer_id, 0) + 1

        for signal in ("layerModified", "dataChanged", "afterCommitChanges", "afterRollBack",
                       "subsetStringChanged"):
            getattr(layer, signal).connect(bump)
        layer.willBeDeleted.connect(lambda: self._forget(layer_id))

    def _forget(self, layer_id: str) -> None:
        with self._lock:
            self._watched.discard(layer_id)
            for key in [k for k in self._entries if any(isinstance(p, tuple) and p and p[0] == layer_id
                                                        for p in k)]:
                del self._entries[key]


def _file_stamp(source: str) -> float | None:
    """Modification time of a file-based source, so edits made outside QGIS are seen too."""
    path = source.split("|")[0]
    try:
        return os.path.getmtime(path)
    except OSError:
        return None


NETWORK_CACHE = NetworkCache()
