"""The network audit partitioned by drainage basin on Dask (docs/partitioned-audit.md).

``audit_partitioned(pipes, nodes, out_dir, partitions=K)`` runs the core's audit unchanged in each
partition on a Dask cluster; dask.distributed is imported only when it runs.
"""

from .runner import PartitionedAudit, audit_partitioned

__all__ = ["PartitionedAudit", "audit_partitioned"]
