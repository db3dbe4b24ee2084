"""The audit's deliverables besides the GeoPackage: a styled .qgz, a PNG overview map and a summary."""

from __future__ import annotations

import html
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
from qgis.core import (
    QgsFillSymbol,
    QgsGradientFillSymbolLayer,
    QgsLayout,
    QgsLayoutExporter,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutItemShape,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLegendStyle,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsRenderContext,
    QgsTextFormat,
    QgsTextRenderer,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QPointF, QRectF, QSizeF
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter

from ...network.model.columns import object_array
from ...network.model.findings import SEVERITIES, catalog, check_title
from ..outputs.atomic import read_only
from ..outputs.csv_rows import TextColumn, csv_lines
from ..outputs.gpkg_staging import Coded, coded
from ..runtime.background import Beside
from ..runtime.memory import release_free_memory
from .stand_ins import DrawnPipes, draw_in_order, lay_on, stand_ins, stands_in
from .styles import LABELS_ZH, apply_style, chinese, findings_renderer, heat_ramp

HOT = ("hot 99%", "hot 95%", "hot 90%")
CSV_ROWS = 100_000  # risk register rows made and written at a time
CSV_GATHER = 20_000  # of which gathered at a time
MAP_DPI = 110
MAP_BOX = (8.0, 22.0, 196.0, 166.0)  # the overview map on the A4 page (x, y, width, height in mm); below it
# the scale bar and the heat map's ramp, right of it the legend
# (layer in the GeoPackage, name in the project, style, classes drawn (None = all), visible).
# Classes are chosen in the renderer, not with subset strings: on QGIS 3.22 a GeoPackage layer with a
# subset string stopped later layers of the same file from opening in the same process.
PROJECT_LAYERS = [
    ("pipes", ("Pipes by system", "管网（按类别）"), "system", None, True),
    ("pipes", ("Risk register", "风险等级"), "risk", None, False),
    ("pipes", ("Breakage hotspots", "破损热点"), "breakage", HOT, True),
    ("pipes", ("Overflow hotspots", "溢流热点"), "overflow", HOT, True),
    ("events", ("Overflow event density", "溢流事件密度"), "heatmap", None, True),
    ("events", ("Overflow events", "溢流事件"), "events", None, True),
    ("findings", ("Findings", "问题点"), "findings", None, True),
    ("alarms", ("Monitoring alarms", "监测报警"), "alarms", None, True),
    ("nodes", ("Nodes", "节点"), "nodes", None, False),
]


def project_layers(gpkg: str, only_present: bool = False,
                   known_values: Optional[dict[tuple[str, str], set]] = None,
                   counts: Optional[dict[tuple[str, str], int]] = None) -> list[QgsVectorLayer]:
    """The styled layers of the audit GeoPackage that exist in it, bottom first.

    ``only_present`` drops the categories no feature has, so a legend lists only what the map
    shows (QGIS's own legend filter renders the map once more: seconds on a county).
    ``known_values``: the distinct values of (table, field) columns, when the writer knows them
    (asking the GeoPackage for them scans millions of rows); ``counts``: the findings per (check,
    severity), when known (else counted from the layer), for the findings legend.
    """
    def values(layer: QgsVectorLayer, table: str, field: str) -> set:
        if known_values is not None and (table, field) in known_values:
            return known_values[(table, field)]
        return set(layer.uniqueValues(layer.fields().indexOf(field)))

    language = 1 if chinese() else 0
    tables = gpkg_tables(gpkg)
    layers = []
    for table, names, style, drawn, _visible in PROJECT_LAYERS:
        if table not in tables:  # opening a missing layer would put an OGR error in the user's log
            continue
        layer = QgsVectorLayer(f"{gpkg}|layername={table}", names[language], "ogr")
        if layer.isValid() and _styled(layer, table, style, drawn, values, only_present):
            if style == "findings" and counts is not None:
                layer.setRenderer(findings_renderer(counts))
            layers.append(layer)
    return layers


def gpkg_tables(gpkg: str) -> set[str]:
    """The tables a GeoPackage lists in gpkg_contents (read-only; empty when it is not one)."""
    try:
        with read_only(gpkg) as connection:
            return {row[0] for row in connection.execute("SELECT table_name FROM gpkg_contents")}
    except sqlite3.Error:
        return set()


def _styled(layer: QgsVectorLayer, table: str, style: str, drawn: Optional[tuple], values, only_present: bool
            ) -> bool:
    """Style ``layer`` as its PROJECT_LAYERS entry says (project_layers); False: it has nothing to show."""
    if style in ("breakage", "overflow"):
        field = "pn_brk_cls" if style == "breakage" else "pn_ovf_cls"
        if not values(layer, table, field) & set(HOT):
            return False  # no hotspot of this kind (or no defects / events given)
    apply_style(layer, style)
    renderer = layer.renderer()
    categories = renderer.categories() if hasattr(renderer, "categories") else []
    present = None
    if only_present and categories and layer.fields().indexOf(renderer.classAttribute()) >= 0:
        present = set(values(layer, table, renderer.classAttribute()))
        named = {category.value() for category in categories}
        if present - named:  # NULL or values no category names: the catch-all ("") draws them
            present.add("")
    for index in reversed(range(len(categories))):
        value = categories[index].value()
        if (drawn is not None and value not in drawn) or (present is not None and value not in present):
            renderer.deleteCategory(index)
    return True


class PipesMap:
    """The overview map's pipes layers drawn from the pipes in memory (stand_ins) in a thread, while
    the GeoPackage is still being written: the drawing is QGIS's C++, which leaves Python's lock to
    the writers. The map lays its other layers on top later (render_png).

    Use ``PipesMap.start``; ``image`` waits for the drawing, ``stop`` gives it up.
    """

    def __init__(self, layers: list[QgsVectorLayer], extent: QgsRectangle, crs, drawn: DrawnPipes):
        self.layers, self.extent = layers, extent
        self._project = QgsProject()  # owns the layers while they are drawn
        self._project.setCrs(crs)
        for layer in layers:
            self._project.addMapLayer(layer, False)
        self._layout = QgsLayout(self._project)
        self._layout.initializeDefaults()
        settings = _map_settings(_map_item(self._layout, layers, extent, crs), MAP_DPI)
        self._stopping = threading.Event()
        self._image: Optional[QImage] = None

        def draw() -> None:
            if all(stands_in(layer, drawn) for layer in layers):  # each layer's stand-ins made in its turn
                self._image = draw_in_order(settings, {layer.id(): self._until_stopped(layer, drawn)
                                                       for layer in layers})
        self._drawing = Beside(draw)

    @classmethod
    def start(cls, drawn: Optional[DrawnPipes], crs, known_values: dict[tuple[str, str], set]
              ) -> Optional[PipesMap]:
        """The pipes layers of the map (project_layers' visible ones, styled alike) drawn in a thread,
        or None when they cannot be drawn from memory (the lines in another CRS, an unknown class)."""
        if drawn is None or drawn.crs != crs or drawn.count == 0:
            return None

        def values(layer: QgsVectorLayer, table: str, field: str) -> set:
            return known_values[(table, field)]

        fields = "".join(f"&field={field}:string" for field in drawn.classes)
        language = 1 if chinese() else 0
        layers = []
        try:
            for table, names, style, shown, visible in PROJECT_LAYERS:
                if table == "pipes" and visible:
                    layer = QgsVectorLayer(f"MultiLineString?crs={crs.authid()}{fields}", names[language], "memory")
                    if _styled(layer, table, style, shown, values, True):
                        layers.append(layer)
        except KeyError:
            return None
        minimum, maximum = drawn.coords.bounds()
        return cls(layers, QgsRectangle(minimum[0], minimum[1], maximum[0], maximum[1]), crs, drawn)

    def _until_stopped(self, layer: QgsVectorLayer, drawn: DrawnPipes) -> Iterator[QgsVectorLayer]:
        for batch in stand_ins(layer, drawn):
            if self._stopping.is_set():
                return
            yield batch

    def image(self, names: list[str]) -> Optional[QImage]:
        """The pipes drawn, bottom first, when they are the layers ``names`` (else None: also when
        the drawing failed, and the map draws them itself)."""
        self._drawing.join(raise_error=False)
        return self._image if names == [layer.name() for layer in self.layers] else None

    def stop(self) -> None:
        """Give the drawing up (the run failed) and wait for its thread."""
        self._stopping.set()
        self._drawing.join(raise_error=False)


def network_extent(layers) -> QgsRectangle:
    """Extent of the unfiltered line layers (a default QgsRectangle is (0,0,0,0) on QGIS 3.22)."""
    extent = None
    for layer in layers:
        if layer.name() in PROJECT_LAYERS[0][1]:
            extent = QgsRectangle(layer.extent()) if extent is None else extent
            extent.combineExtentWith(layer.extent())
    return extent or QgsRectangle()


def _fit(extent: QgsRectangle, aspect: float) -> QgsRectangle:
    """The extent grown by 5 % and widened or heightened to the map item's width/height ratio."""
    width, height = extent.width() * 1.05 or 100.0, extent.height() * 1.05 or 100.0
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    centre = extent.center()
    return QgsRectangle(centre.x() - width / 2, centre.y() - height / 2, centre.x() + width / 2,
                        centre.y() + height / 2)


def write_project_and_map(gpkg: str, project_path: str, png_path: str, title: str, crs,
                          known_values: Optional[dict[tuple[str, str], set]] = None,
                          drawn: Optional[DrawnPipes] = None, pipes_map: Optional[PipesMap] = None,
                          counts: Optional[dict[tuple[str, str], int]] = None) -> None:
    """A .qgz with every audit layer styled, opening on the whole network, and the PNG overview map
    of its visible layers: one set of layers for both (a county's layers take seconds to open).
    ``known_values``: see ``project_layers``; ``drawn``: the pipes in memory, from which the map
    then draws the styled pipes layers (stand_ins); ``pipes_map``: those already drawn (PipesMap);
    ``counts``: the findings per (check, severity), see ``project_layers``.
    """
    project = QgsProject()
    project.setCrs(crs)
    layers = project_layers(gpkg, only_present=True, known_values=known_values, counts=counts)
    extent = network_extent(layers)
    for layer in layers:
        project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    for layer in reversed(layers):  # the tree lists the top layer first
        root.addLayer(layer).setItemVisibilityChecked(_visible(layer))
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, crs))
    project.setTitle("PipeNet audit")
    if not project.write(project_path):
        raise OSError(project.error())
    release_free_memory()  # the render threads allocate from heaps of their own
    render_png(project, [layer for layer in layers if _visible(layer)], extent, png_path, title, crs, drawn,
               pipes_map)


def _visible(layer: QgsVectorLayer) -> bool:
    return next(v for t, n, s, f, v in PROJECT_LAYERS if layer.name() in n)


def _table(layer) -> Optional[str]:
    return next((t for t, n, s, f, v in PROJECT_LAYERS if layer.name() in n), None)


def render_png(project: QgsProject, layers: list, extent: QgsRectangle, path: str, title: str, crs,
               drawn: Optional[DrawnPipes] = None, pipes_map: Optional[PipesMap] = None) -> None:
    """An A4-landscape overview map of ``layers`` (bottom first) with legend, scale bar, north arrow and
    title; ``drawn``, ``pipes_map``: see write_project_and_map."""
    layout = QgsLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", page.Landscape)  # whatever page size the user's settings make the default
    # the pipes drawn beforehand set the extent: the other layers must lie on them exactly
    map_item = _map_item(layout, layers, pipes_map.extent if pipes_map is not None else extent, crs)
    # The layout draws a map item's layers one after another; a parallel job draws each layer in
    # its own thread (a county's pipes alone take 10 s). Its image takes the map item's place,
    # which stays to set the scale bar, the north arrow and the legend.
    picture = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(picture)
    picture.setResizeMode(QgsLayoutItemPicture.Stretch)
    picture.attemptMove(map_item.positionWithUnits())
    picture.attemptResize(map_item.sizeWithUnits())
    picture.setFrameEnabled(True)
    map_item.setVisibility(False)
    image_path = str(Path(path).with_suffix(".map.png"))
    _map_image(map_item, MAP_DPI, drawn, pipes_map).save(image_path, "PNG")
    picture.setPicturePath(image_path)
    # 18 pt fits about 66 characters on the 280 mm line: a longer title gets smaller rather than cut
    captions = [Caption(title, 18 if len(title) <= 66 else max(11, int(18 * 66 / len(title))), (8, 6, 280, 12))]
    legend = QgsLayoutItemLegend(layout)
    layout.addLayoutItem(legend)
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)  # the legend's own copy of the tree: the layers not drawn leave it
    for node in legend.model().rootGroup().findLayers():
        if node.layer() not in layers:
            node.parent().removeChildNode(node)
    legend.setTitle("图例" if chinese() else "Legend")
    _legend_fonts(legend)
    legend.attemptMove(QgsLayoutPoint(MAP_BOX[0] + MAP_BOX[2] + 4, MAP_BOX[1], QgsUnitTypes.LayoutMillimeters))
    _scale_bar(layout, map_item, crs)
    if any(_style(layer) == "heatmap" for layer in layers):
        captions.append(_heat_legend(layout))
    arrow = QgsLayoutItemPicture(layout)
    layout.addLayoutItem(arrow)
    arrow.setPicturePath(":/images/north_arrows/layout_default_north_arrow.svg")
    arrow.attemptMove(QgsLayoutPoint(MAP_BOX[0] + MAP_BOX[2] - 16, MAP_BOX[1] + 4, QgsUnitTypes.LayoutMillimeters))
    arrow.attemptResize(QgsLayoutSize(12, 18, QgsUnitTypes.LayoutMillimeters))
    arrow.setLinkedMap(map_item)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = MAP_DPI
    settings.generateWorldFile = False
    try:
        result = QgsLayoutExporter(layout).exportToImage(path, settings)
    finally:
        Path(image_path).unlink(missing_ok=True)
    if result != QgsLayoutExporter.Success:
        raise OSError(f"could not render {path} (error {result})")
    _paint_captions(path, captions, MAP_DPI)


@dataclass(frozen=True)
class Caption:
    """A line of text on the overview page: size in points, box (x, y, width, height) in mm."""

    text: str
    points: int
    box: tuple[float, float, float, float]


def _paint_captions(path: str, captions: list[Caption], dpi: float) -> None:
    """Write the captions onto the exported page. Not layout labels: on QGIS 3.22 a label made outside
    the main thread (the audit runs as a background task in the desktop) logs "Cannot load HTML based
    item label in background threads" into the user's log, whatever its mode."""
    image = QImage(path)
    painter = QPainter(image)
    try:
        # QGIS's own text renderer, as the layout's scale bar and legend use: text drawn by Qt directly
        # changed how the next overview's scale bar was antialiased in the same process
        context = QgsRenderContext.fromQPainter(painter)
        context.setScaleFactor(dpi / 25.4)  # pixels per mm
        context.setFlag(QgsRenderContext.Antialiasing, True)
        for caption in captions:
            text = QgsTextFormat()
            text.setFont(QFont("DejaVu Sans"))
            text.setSize(caption.points)
            text.setSizeUnit(QgsUnitTypes.RenderPoints)
            text.setColor(QColor("#000000"))
            x, y, width, height = (value * dpi / 25.4 for value in caption.box)
            QgsTextRenderer.drawText(QRectF(x, y, width, height), 0, QgsTextRenderer.AlignLeft, [caption.text],
                                     context, text, True, QgsTextRenderer.AlignVCenter)
    finally:
        painter.end()
    if not image.save(path, "PNG"):
        raise OSError(f"could not write {path}")


def _scale_bar(layout: QgsLayout, map_item: QgsLayoutItemMap, crs) -> QgsLayoutItemScaleBar:
    """The scale bar below the map (never over the pipes); in map units when the CRS is unknown (a
    model imported without one), where metres would be measured as if the coordinates were degrees."""
    scale = QgsLayoutItemScaleBar(layout)
    layout.addLayoutItem(scale)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    # a GeoPackage written without a CRS reads back as GPKG's "undefined geographic" one: its
    # coordinates are then no degrees, and metres measured as if they were would be nonsense
    extent = map_item.extent()
    in_degrees = -180 <= extent.xMinimum() and extent.xMaximum() <= 180 and -90 <= extent.yMinimum() \
        and extent.yMaximum() <= 90
    if crs.isValid() and (crs.mapUnits() != QgsUnitTypes.DistanceDegrees or in_degrees):
        scale.applyDefaultSize(QgsUnitTypes.DistanceMeters)
    else:
        scale.applyDefaultSize(QgsUnitTypes.DistanceUnknownUnit)
        scale.setUnitLabel("地图单位" if chinese() else "map units")
    scale.setMaximumBarWidth(90)
    scale.attemptMove(QgsLayoutPoint(MAP_BOX[0] + 4, MAP_BOX[1] + MAP_BOX[3] + 2, QgsUnitTypes.LayoutMillimeters))
    return scale


def _legend_fonts(legend: QgsLayoutItemLegend) -> None:
    """Fonts and symbols small enough that a legend of every check that occurs fits beside the map."""
    sizes = {QgsLegendStyle.Title: 11, QgsLegendStyle.Group: 8, QgsLegendStyle.Subgroup: 8,
             QgsLegendStyle.SymbolLabel: 7}
    for style, size in sizes.items():
        legend.rstyle(style).setFont(QFont("DejaVu Sans", size, QFont.Bold if style != QgsLegendStyle.SymbolLabel
                                           else QFont.Normal))
    legend.rstyle(QgsLegendStyle.Symbol).setMargin(QgsLegendStyle.Top, 1.0)
    legend.rstyle(QgsLegendStyle.Subgroup).setMargin(QgsLegendStyle.Top, 2.0)
    legend.setSymbolHeight(3.0)
    legend.setSymbolWidth(6.0)
    legend.setWrapString("\n")


def _heat_legend(layout: QgsLayout) -> Caption:
    """The heat map's ramp under the map and its caption (a heat map has no legend symbol of its own)."""
    fill = QgsGradientFillSymbolLayer()
    fill.setGradientColorType(QgsGradientFillSymbolLayer.ColorRamp)
    fill.setColorRamp(heat_ramp())
    fill.setReferencePoint1(QPointF(0, 0.5))
    fill.setReferencePoint2(QPointF(1, 0.5))
    shape = QgsLayoutItemShape(layout)
    layout.addLayoutItem(shape)
    shape.setShapeType(QgsLayoutItemShape.Rectangle)
    shape.setSymbol(QgsFillSymbol([fill]))
    left = MAP_BOX[0] + MAP_BOX[2] - 70
    shape.attemptMove(QgsLayoutPoint(left, MAP_BOX[1] + MAP_BOX[3] + 8, QgsUnitTypes.LayoutMillimeters))
    shape.attemptResize(QgsLayoutSize(60, 4, QgsUnitTypes.LayoutMillimeters))
    return Caption("溢流事件密度：低 → 高" if chinese() else "Overflow event density: low → high", 8,
                   (left, MAP_BOX[1] + MAP_BOX[3] + 2, 70, 6))


def _style(layer) -> Optional[str]:
    return next((style for _t, n, style, _f, _v in PROJECT_LAYERS if layer.name() in n), None)


def _map_item(layout: QgsLayout, layers: list, extent: QgsRectangle, crs) -> QgsLayoutItemMap:
    """The overview's map item on ``layout``: ``layers`` (bottom first) over ``extent``, fitted."""
    map_item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(map_item)  # size first, extent after: the scale depends on the item size
    map_item.attemptMove(QgsLayoutPoint(MAP_BOX[0], MAP_BOX[1], QgsUnitTypes.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(MAP_BOX[2], MAP_BOX[3], QgsUnitTypes.LayoutMillimeters))
    map_item.setCrs(crs)
    map_item.setLayers(list(reversed(layers)))
    map_item.setExtent(_fit(extent, MAP_BOX[2] / MAP_BOX[3]))  # zoomToExtent gave an empty extent on QGIS 3.22
    return map_item


def _map_settings(map_item: QgsLayoutItemMap, dpi: float) -> QgsMapSettings:
    """What ``map_item`` draws at ``dpi``, as map settings of its own size in pixels."""
    millimetres = map_item.sizeWithUnits().toQSizeF()
    size = QSizeF(millimetres.width() / 25.4 * dpi, millimetres.height() / 25.4 * dpi)
    return map_item.mapSettings(map_item.extent(), size, dpi, True)


def _map_image(map_item: QgsLayoutItemMap, dpi: float, drawn: Optional[DrawnPipes] = None,
               pipes_map: Optional[PipesMap] = None) -> QImage:
    """What ``map_item`` shows at ``dpi``: the styled pipes layers drawn from the pipes in memory
    when given (stand_ins; or already drawn, pipes_map), else by a parallel render job (one thread
    per layer)."""
    settings = _map_settings(map_item, dpi)
    if pipes_map is not None:
        bottom_first = list(reversed(settings.layers()))
        pipes = next((count for count, layer in enumerate(bottom_first) if _table(layer) != "pipes"),
                     len(bottom_first))
        image = pipes_map.image([layer.name() for layer in bottom_first[:pipes]])
        if image is not None and not any(_table(layer) == "pipes" for layer in bottom_first[pipes:]):
            return lay_on(image, settings, bottom_first[pipes:])
    replaced = {layer.id(): stand_ins(layer, drawn) for layer in settings.layers() if _table(layer) == "pipes"}
    replaced = {key: batches for key, batches in replaced.items() if batches is not None}
    if replaced:
        return draw_in_order(settings, replaced)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def write_risk_csv(risk, table, path: str, classes: Optional[Coded] = None, reasons: Optional[Coded] = None
                   ) -> None:
    """The risk register (RiskRegister), ranked, as CSV with a BOM so Excel opens the Chinese text right
    (``classes`` and ``reasons``: every row's risk class and reasons, when already made)."""
    order = np.asarray(risk.ranked_rows(), dtype=np.int64)
    same = risk.keys_list == table.keys
    if classes is None:
        classes = Coded(*risk.risk_class_codes(np.arange(len(risk.keys_list))))
    if reasons is None:
        reasons = Coded(*risk.reason_text_codes())
    # each column's distinct texts made once (csv_rows); by table row the pipe's own columns, by
    # register row its scores
    by_pipe = [TextColumn.of_coded(coded(table.edge_codes("system"))), TextColumn.of(table.edge_numbers("diameter")),
               TextColumn.of(table.edge_numbers("install_year"), text=lambda year: str(int(year)))]
    by_rank = [TextColumn.of(values) for values in (risk.likelihood, risk.consequence, risk.risk)]
    by_rank += [TextColumn.of_coded(classes), TextColumn.of_coded(reasons)]
    header = "rank,pipe_id,system,diameter_mm,install_year,likelihood,consequence,risk,risk_class,reasons\r\n"
    pipe_ids = object_array(risk.keys_list)
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf" + header.encode("ascii"))
        for first in range(0, len(order), CSV_ROWS):  # a county's rows as Python objects all at once: 0.6 GB
            part = order[first:first + CSV_ROWS]
            keys = pipe_ids[part].tolist()
            rows = part if same else np.array([table.edge_position(key) for key in keys], dtype=np.int64)
            for start in range(0, len(part), CSV_GATHER):  # the gather's indices: 8 bytes per byte written
                some = slice(start, start + CSV_GATHER)
                lines = np.arange(len(part[some]))
                ranks = TextColumn.of_texts(list(map(str, range(first + start + 1, first + start + len(lines) + 1))),
                                             numbers=True)
                handle.write(csv_lines([(ranks, lines), (TextColumn.of_texts(keys[some]), lines),
                                        *((column, rows[some]) for column in by_pipe),
                                        *((column, part[some]) for column in by_rank)]))


FILE_TITLES = {"GPKG": ("GeoPackage: pipes with every score, nodes, findings, events",
                        "GeoPackage（管段评分、节点、问题点、事件）"),
               "PROJECT": ("QGIS project, styled", "QGIS 工程（已配置样式）"),
               "PNG": ("Overview map", "概览图"), "HTML": ("This page", "本页"),
               "CSV": ("Risk register (opens in Excel)", "风险清单（可用 Excel 打开）")}
SEVERITY_TITLES = {"error": ("Errors", "错误"), "warning": ("Warnings", "警告"), "info": ("Notes", "提示")}
RISK_TITLES = {"very high": "极高", "high": "高", "medium": "中", "low": "低"}


def _rows(cells: list[tuple]) -> str:
    return "".join("<tr>" + "".join(f"<td{' class=n' if isinstance(c, (int, float)) else ''}>"
                                    f"{_cell(c)}</td>" for c in row) + "</tr>" for row in cells)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def summary_page(summary: dict, files: dict[str, str]) -> str:
    """summary.html: a report a technician can read and print, English and Chinese side by side:
    the network, the findings by severity and by check (names, not ids), hotspots, risk, the files."""
    catalogue = catalog()
    severity = summary["severity"]
    network = [("Pipes / 管段", summary["pipes"]), ("Length / 长度 (km)", summary["length_m"] / 1000),
               ("Nodes / 节点", summary["nodes"]), ("Subnetworks / 子管网", summary["components"]),
               ("Pipes that reach no outlet / 无出路管段", summary["no_outlet_pipes"])]
    systems = [(f"{name or 'unknown'} / {LABELS_ZH.get(name, name)}", metres / 1000)
               for name, metres in summary["length_by_system_m"].items()]
    severities = [(f"{en} / {zh}", severity.get(key, 0)) for key, (en, zh) in SEVERITY_TITLES.items()]
    checks = sorted(summary["findings"].items(),
                    key=lambda item: (SEVERITIES.index(catalogue.get(item[0], {}).get("severity", "info")), -item[1]))
    check_rows = [(check_title(check), check_title(check, chinese=True),
                   "/".join(SEVERITY_TITLES.get(catalogue.get(check, {}).get("severity", ""), ("", ""))), count)
                  for check, count in checks]
    hotspots = [("Breakage hotspot pipes / 破损热点管段", summary["breakage_hotspot_pipes"]),
                ("Overflow hotspot pipes / 溢流热点管段", summary["overflow_hotspot_pipes"])]
    hotspots += [(f"Risk {name} / {RISK_TITLES.get(name, name)}风险", count)
                 for name, count in summary["risk_classes"].items()]
    risk_rows = [(r["pipe"], r["system"], r["risk"], r["class"], r["reasons"]) for r in summary["top_risk"]]
    links = "".join(
        f'<li><a href="{html.escape(Path(path).name)}">{html.escape(Path(path).name)}</a> — '
        f"{html.escape(' / '.join(FILE_TITLES.get(key, (key, key))))}</li>" for key, path in files.items())
    image = next((Path(path).name for key, path in files.items() if key == "PNG"), "")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>PipeNet audit / 管网体检</title>
<style>body{{font-family:sans-serif;max-width:62em;margin:1em auto;color:#222}}table{{border-collapse:collapse;
margin:.5em 0 1.2em}}td,th{{border:1px solid #bbb;padding:3px 10px;text-align:left}}th{{background:#eee}}
td.n{{text-align:right}}img{{max-width:100%;border:1px solid #bbb}}h2{{margin-top:1.4em}}</style></head><body>
<h1>PipeNet network audit / 管网体检报告</h1>
<h2>The network / 管网概况</h2><table>{_rows(network)}</table>
<table><tr><th>System / 类别</th><th>km</th></tr>{_rows(systems)}</table>
<h2>Findings by severity / 问题严重程度</h2><table>{_rows(severities)}</table>
<h2>Findings per check / 问题统计</h2><table><tr><th>Check</th><th>检查项</th><th>Severity / 严重程度</th>
<th>Count / 数量</th></tr>{_rows(check_rows)}</table>
<h2>Hotspots and risk / 热点与风险</h2><table>{_rows(hotspots)}</table>
{f"<p>{html.escape(summary['risk_note'])}</p>" if summary.get("risk_note") else ""}
<h2>Top risk pipes / 高风险管段</h2><table><tr><th>Pipe / 管段</th><th>System / 类别</th><th>Risk / 风险值</th>
<th>Class / 等级</th><th>Why / 原因</th></tr>{_rows(risk_rows)}</table>
<h2>Overview map / 概览图</h2>{f'<img src="{html.escape(image)}" alt="overview map">' if image else ''}
<h2>Files / 文件</h2><ul>{links}</ul>
</body></html>"""


def write_summary(summary: dict, folder: Path, files: dict[str, str]) -> None:
    """summary.json and summary.html (summary_page)."""
    (folder / "summary.json").write_text(json.dumps(dict(summary, files=files), ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    (folder / "summary.html").write_text(summary_page(summary, files), encoding="utf-8")
