"""SPARQL evaluation kept away from the process that serves pages, OAI-PMH and harvests.

pyoxigraph cannot stop a query once started (no cancellation in its Python API), and some queries make it
spin for minutes or overflow its stack. So public queries are checked before any parser sees them
(:mod:`guard`), then evaluated in worker processes (:mod:`worker`) supervised by a :class:`pool.QueryPool`:
a worker past its deadline is killed (its CPU is free at once) and one that dies is replaced, while the
serving process goes on. Workers read a checkpoint of the store (:mod:`snapshots`): RocksDB allows one
writer per directory, and a checkpoint is a consistent copy made of hard links in a few milliseconds.
"""
