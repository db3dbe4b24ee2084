"""The core's data: input records and options, columnar layers, the graph table, findings and the Network facade."""
