"""Define custom errors and exceptions."""

from __future__ import annotations

from typing import Optional


class PipeNetInputError(ValueError):
    """Exception for bad input that stops a run; the message names the layer, feature id and field
    (or parameter) and says what to give instead."""

    def __init__(self, message: str, layer: str = "", fid: Optional[int] = None, field_name: str = ""):
        super().__init__(message)
        self.layer = layer
        self.fid = fid
        self.field_name = field_name
