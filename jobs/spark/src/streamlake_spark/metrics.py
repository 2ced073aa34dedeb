"""Bytes read by the jobs of this application, from Spark's own status store (the data behind the UI's
"Input" column), so tests and the benchmark can see what a job really read even with the UI disabled."""

from __future__ import annotations

from pyspark.sql import SparkSession


def input_bytes(spark: SparkSession) -> int:
    """Sum of inputMetrics.bytesRead over every stage attempt the application has run so far.

    Bytes read back from Spark's block cache count too, as they do in the UI.
    """
    sc = spark.sparkContext._jsc.sc()  # type: ignore[union-attr]
    # Task metrics reach the store through the asynchronous listener bus: let it drain first.
    sc.listenerBus().waitUntilEmpty()
    store = sc.statusStore()
    stages = store.stageList(
        None, False, False, getattr(store, "stageList$default$4")(), getattr(store, "stageList$default$5")()
    )
    total = 0
    it = stages.iterator()
    while it.hasNext():
        total += int(it.next().inputBytes())
    return total
