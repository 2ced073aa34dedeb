"""Bytes read by the jobs of this application, so tests and the benchmark can see what a job really read even
with the UI disabled: from Spark's own status store (the data behind the UI's "Input" column), and from the Hadoop
FileSystem statistics (storage only)."""

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


def storage_bytes_read(spark: SparkSession) -> int:
    """Bytes this JVM has read from storage through Hadoop FileSystems (every scheme) so far.

    Unlike input_bytes, reads from Spark's block cache do not count. In local mode the executors run in the
    driver's JVM, so this is what the whole application read; on a cluster it only sees the driver.
    """
    jvm = spark.sparkContext._jvm
    stats = jvm.org.apache.hadoop.fs.FileSystem.getAllStatistics()  # type: ignore[union-attr]
    return sum(int(s.getBytesRead()) for s in stats)
