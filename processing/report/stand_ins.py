"""The overview map's pipes drawn from the lines in memory instead of read back from the GeoPackage.

QGIS draws a vector layer one feature at a time: a county's 2.3 million pipes take ~10 s to read
and draw from the GeoPackage. Here each run of consecutive pipes of one class (at most 5,000) is
one multi-line feature, so the lines draw in their own order with the same colours on top, in a
fraction of the time (classes that change too often, scattered hotspots, are grouped by class
within windows of pipes: a feature per run would cost more in Python than it saves). The
features go into memory layers a thousand at a time, each drawn and dropped before the next (all
at once, QGIS's geometries of a county held 0.6 GB more); the project keeps the real layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

import numpy as np
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsMapRendererCustomPainterJob,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QImage, QPainter

from ...network.io.wkb import multilinestrings_wkb
from ...network.model.columns import factorize

PIPES_PER_FEATURE = 5_000  # at most
MAX_RUNS, PIPES_PER_RUN = 20_000, 40  # more runs than both: by class within windows of pipes instead
_UNDRAWN = object()
FEATURES_PER_LAYER = 1_000  # a memory layer drawn and dropped at a time
PIPES_PER_LAYER = 100_000  # at most (a county's system classes: 2.3 million pipes in 460 features, 0.7 GB at once)


@dataclass
class DrawnPipes:
    """The pipes of the pipes layer as lines in memory, and the class each styled layer colours them by.

    ``coords``: the network's PartCoords (``arrays(positions)``), in ``crs``; ``classes``: field of
    the pipes layer -> one value per pipe, in the same order.
    """

    coords: Any
    count: int
    crs: QgsCoordinateReferenceSystem
    classes: dict[str, np.ndarray]


def stands_in(layer: QgsVectorLayer, drawn: Optional[DrawnPipes]) -> bool:
    """Whether the pipes in memory can draw the categorized pipes ``layer`` (stand_ins)."""
    renderer = layer.renderer()
    return drawn is not None and isinstance(renderer, QgsCategorizedSymbolRenderer) \
        and renderer.classAttribute() in drawn.classes and len(drawn.classes[renderer.classAttribute()]) == drawn.count


def stand_ins(layer: QgsVectorLayer, drawn: Optional[DrawnPipes]) -> Optional[Iterator[QgsVectorLayer]]:
    """Memory layers that together draw what the categorized pipes ``layer`` draws (made one at a
    time as they are asked for), or None when the pipes in memory are not the layer's own."""
    if not stands_in(layer, drawn):
        return None
    renderer = layer.renderer()
    values = np.asarray(drawn.classes[renderer.classAttribute()], dtype=object)
    drawn_values = {category.value() for category in renderer.categories() if category.renderState()}
    if not any(value is None or value == "" for value in drawn_values):  # no "all other values" class
        shown = np.zeros(len(values), dtype=bool)
        for value in drawn_values:
            shown |= values == value
        values = np.where(shown, values, _UNDRAWN)
    # one feature per run of consecutive drawn pipes of one class (pipes not drawn paint nothing):
    # drawn in the pipes' own order, as the layer draws them, so that where storm and sewer lines
    # overlap the same one shows on top
    rows = np.flatnonzero(values != _UNDRAWN)
    classes = values[rows]
    changes = np.flatnonzero(classes[1:] != classes[:-1]) + 1 if len(rows) else np.empty(0, dtype=np.int64)
    starts = np.union1d(changes, np.arange(0, len(rows), PIPES_PER_FEATURE)).astype(np.int64)
    if len(starts) > max(MAX_RUNS, drawn.count // PIPES_PER_RUN):
        # scattered pipes (a county's hotspots change class 150,000 times): by class within each
        # window of drawn pipes instead; only where lines of two classes touch may the one on top differ
        codes, _ = factorize(classes)  # None (an "all other values" class) is -1: its own code still
        order = np.lexsort((codes, np.arange(len(rows)) // PIPES_PER_FEATURE))
        rows, classes, codes = rows[order], classes[order], codes[order]
        window = np.arange(len(rows)) // PIPES_PER_FEATURE
        starts = np.flatnonzero(np.concatenate([[True], (codes[1:] != codes[:-1]) | (window[1:] != window[:-1])]))
    return _batches(layer, renderer, drawn, classes, rows, starts)


def _batches(layer: QgsVectorLayer, renderer: QgsCategorizedSymbolRenderer, drawn: DrawnPipes, classes: np.ndarray,
             rows: np.ndarray, starts: np.ndarray) -> Iterator[QgsVectorLayer]:
    ends = np.append(starts[1:], len(rows))
    first = 0
    while first < len(starts):
        last = min(first + FEATURES_PER_LAYER, int(np.searchsorted(starts, starts[first] + PIPES_PER_LAYER)))
        runs = slice(first, max(last, first + 1))
        first = runs.stop
        taken = rows[starts[runs][0]:ends[runs][-1]]
        # the lines of a thousand runs as one buffer of WKB: a call per run cost 90 µs each
        data, bounds = multilinestrings_wkb(*drawn.coords.arrays(taken), starts[runs] - starts[runs][0])
        features = []
        for value, start, end in zip(classes[starts[runs]].tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
            geometry = QgsGeometry()
            geometry.fromWkb(data[start:end])
            feature = QgsFeature()
            feature.setGeometry(geometry)
            feature.setAttributes([value])
            features.append(feature)
        yield _memory_layer(layer, renderer, drawn.crs, features)


def _memory_layer(layer: QgsVectorLayer, renderer: QgsCategorizedSymbolRenderer, crs, features: list
                  ) -> QgsVectorLayer:
    copy = QgsVectorLayer(f"MultiLineString?field={renderer.classAttribute()}:string", layer.name(), "memory")
    copy.setCrs(crs)
    copy.dataProvider().addFeatures(features)
    copy.setRenderer(renderer.clone())
    copy.setOpacity(layer.opacity())
    return copy


def draw_in_order(settings: QgsMapSettings, replaced: dict[str, Iterator[QgsVectorLayer]]) -> QImage:
    """The map of ``settings`` with each layer in ``replaced`` (layer id -> its stand-ins) drawn
    by its stand-ins, one after another; the layers between them are drawn together by a parallel
    job (a thread each) and laid on top, bottom first as QGIS composes them.

    Everything runs at once: the parallel jobs start first, each stand-in is made while the one
    before it is drawn (making them is Python, drawing them QGIS's C++ in another thread), and
    each image is laid on in its turn."""
    size = settings.outputSize()
    image = QImage(size.width(), size.height(), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDotsPerMeterX(int(round(settings.outputDpi() / 0.0254)))
    image.setDotsPerMeterY(int(round(settings.outputDpi() / 0.0254)))
    image.fill(settings.backgroundColor())
    steps: list = [[]]  # bottom first: lists of layers drawn together, stand-ins between them
    for layer in reversed(settings.layers()):  # the settings list the top layer first
        batches = replaced.get(layer.id())
        if batches is None:
            steps[-1].append(layer)
        else:
            steps += [batches, []]
    together = [_start_together(settings, layers) for layers in steps[::2]]
    painter = QPainter(image)
    try:
        for step, job in enumerate(together):
            if job is not None:
                job.waitForFinished()
                painter.drawImage(0, 0, job.renderedImage())
            if 2 * step + 1 < len(steps):
                _draw_batches(settings, steps[2 * step + 1], painter)
    finally:
        for job in together:
            if job is not None:
                job.cancel()  # after an error: nothing may go on drawing
        painter.end()
    return image


def _draw_batches(settings: QgsMapSettings, batches: Iterator[QgsVectorLayer], painter: QPainter) -> None:
    """Draw stand-ins in order onto the painter, making each while the one before is drawn."""
    drawing = None
    try:
        for batch in batches:
            if drawing is not None:
                drawing[0].waitForFinished()
            one = QgsMapSettings(settings)
            one.setLayers([batch])
            one.setBackgroundColor(Qt.GlobalColor.transparent)
            drawing = (QgsMapRendererCustomPainterJob(one, painter), batch)  # the layer lives while drawn
            drawing[0].start()
    finally:
        if drawing is not None:
            drawing[0].waitForFinished()


def lay_on(image: QImage, settings: QgsMapSettings, layers: list) -> QImage:
    """``image`` with ``layers`` (bottom first) drawn together by a parallel job and laid on top."""
    job = _start_together(settings, layers)
    if job is not None:
        job.waitForFinished()
        painter = QPainter(image)
        try:
            painter.drawImage(0, 0, job.renderedImage())
        finally:
            painter.end()
    return image


def _start_together(settings: QgsMapSettings, layers: list) -> Optional[QgsMapRendererParallelJob]:
    """A parallel job drawing ``layers`` (bottom first) onto a clear image, started; None: no layers."""
    if not layers:
        return None
    some = QgsMapSettings(settings)
    some.setLayers(list(reversed(layers)))
    some.setBackgroundColor(Qt.GlobalColor.transparent)
    job = QgsMapRendererParallelJob(some)
    job.start()
    return job
