"""Messages on lines of their own under ``qgis_process``.

``qgis_process`` draws progress as ticks on the current line (``0...10...20``) and writes a message
straight after them, so a run printed ``...40...5023984 pipes``: the tick "50" and the count "23984"
read as one number. QGIS does this in every version (``ConsoleFeedback::showTerminalProgress`` ends
the line only at 100 %). ``on_own_lines`` gives an algorithm, under ``qgis_process`` only, a feedback
that starts a message on a new line when ticks were drawn since the last one; the desktop, the
Python console and ``processing.run`` keep their own feedback untouched.
"""

from __future__ import annotations

from qgis.core import QgsApplication, QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication, Qt

TICKS = 40  # qgis_process draws one tick per 2.5 % and ends the line after the 40th


def on_own_lines(feedback):
    """``feedback`` itself, or under ``qgis_process`` (not in its ``--json`` mode, which draws no ticks) a
    ``ConsoleLines`` that writes through it."""
    if feedback is None or QgsApplication.platform() != "qgis_process" or \
            "--json" in QCoreApplication.arguments():
        return feedback
    return ConsoleLines(feedback)


class ConsoleLines(QgsProcessingFeedback):
    """A feedback that passes everything to qgis_process's own, a message after ticks on a new line.

    It keeps the count of ticks qgis_process has drawn (its rule: one per 2.5 % beyond the furthest
    progress so far) and whether the line they are on is still open.
    """

    def __init__(self, console: QgsProcessingFeedback):
        super().__init__(False)  # qgis_process's feedback logs; this one only passes on
        self.console = console
        self.drawn = min(TICKS, int(console.progress() * TICKS / 100))
        self.open_line = 0 < self.drawn < TICKS
        # direct: the audit reports progress from worker threads, and qgis_process draws as it is told
        self.progressChanged.connect(self._progress, Qt.DirectConnection)
        console.canceled.connect(self.cancel, Qt.DirectConnection)

    def _progress(self, value: float) -> None:
        ticks = min(TICKS, max(0, int(value * TICKS / 100)))
        if ticks > self.drawn:
            self.drawn = ticks
            self.open_line = ticks < TICKS
        self.console.setProgress(value)

    def _line(self, text: str) -> str:
        if self.open_line:
            self.open_line = False
            return "\n" + text
        return text

    def setProgressText(self, text: str) -> None:  # noqa: N802 (QGIS API)
        self.console.setProgressText(self._line(text))

    def pushInfo(self, info: str) -> None:  # noqa: N802
        self.console.pushInfo(self._line(info))

    def pushWarning(self, warning: str) -> None:  # noqa: N802
        self.console.pushWarning(self._line(warning))

    def pushCommandInfo(self, info: str) -> None:  # noqa: N802
        self.console.pushCommandInfo(self._line(info))

    def pushDebugInfo(self, info: str) -> None:  # noqa: N802
        self.console.pushDebugInfo(self._line(info))

    def pushConsoleInfo(self, info: str) -> None:  # noqa: N802
        self.console.pushConsoleInfo(self._line(info))

    def reportError(self, error: str, fatal: bool = False) -> None:  # noqa: N802
        self.console.reportError(self._line(error), fatal)
