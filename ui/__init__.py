"""Desktop user interface (dock panel, map tools) of PipeNet."""
