"""Step 17 item 4: ``df.write.format("kapture")`` (kapture_crm.spark) in a
real local Spark (``local[2,3]``: two task threads, a task tried up to three
times; plain ``local[N]`` never retries one), bound to 127.0.0.1 with its UI
off. 100,000 rows in 8 partitions, no rate limit; one task fails
mid-partition (its input raises after 5,000 rows, on its first attempt
only) and Spark retries it. Every row gets one outcome in the Parquet
outcomes table, and no customer is written twice: the retried task's
journal held what the failed attempt had sent."""

from __future__ import annotations

import collections
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

import pytest
from pyspark import TaskContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import kapture_crm
import kapture_crm.spark

ROWS = 100_000


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2,3]")
        .appName("kapture-spark-writer-test")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    kapture_crm.spark.register(session)
    yield session
    session.stop()


def test_a_retried_task_writes_no_row_twice_and_every_row_has_one_outcome(spark: SparkSession, tmp_path: Path) -> None:
    marker = tmp_path / "failed-once"

    def fail_once(rows: Iterable[Any]) -> Iterator[Any]:
        context = TaskContext.get()
        for i, row in enumerate(rows):
            if context is not None and context.partitionId() == 3 and context.attemptNumber() == 0 and i == 5000:
                marker.write_text("partition 3, attempt 0")
                raise RuntimeError("the input failed mid-partition (once, on purpose)")
            yield row

    source = spark.range(0, ROWS, 1, 8).select(
        F.concat(F.lit("C-"), F.col("id").cast("string")).alias("customer_ref"),
        F.concat(F.lit("Customer "), F.col("id").cast("string")).alias("Customer Name"),
        (F.lit(9_000_000_000) + F.col("id")).cast("string").alias("Phone"),
    )
    flaky = spark.createDataFrame(source.rdd.mapPartitions(fail_once), source.schema)
    outcomes_path = tmp_path / "outcomes"
    with kapture_crm.Sandbox() as sandbox:
        (
            flaky.write.format("kapture")
            .option("base_url", sandbox.url)
            .option("token", sandbox.token)
            .option("key", "customer_ref")
            .option("journal_dir", str(tmp_path / "journals"))
            .option("outcomes", str(outcomes_path))
            .option("concurrency", 32)
            .mode("append")
            .save()
        )
        customers = sandbox.customers()
        sent = sandbox.stats()["add_update_requests"]
    assert marker.exists(), "the task did not fail: the test proved nothing"

    outcomes = spark.read.parquet(str(outcomes_path)).collect()
    assert len(outcomes) == ROWS
    assert len({row.key for row in outcomes}) == ROWS, "a row has two outcomes"
    statuses = collections.Counter(row.status for row in outcomes)
    print(f"outcomes {dict(statuses)}, customers held {len(customers)}, requests {sent}")
    assert set(statuses) <= {"added", "unknown"}, statuses
    # Unknown: at most what the failed attempt had in flight when it died.
    assert statuses["unknown"] <= 32, statuses
    assert all(c["writes"] == 1 for c in customers), "a customer was written twice"
    assert sent == len(customers), "a row was sent twice"
    assert len(customers) >= statuses["added"]
    added = {row.customer_id for row in outcomes if row.status == "added"}
    assert added <= {c["customer_id"] for c in customers}
    assert not list((outcomes_path / "_attempts").glob("*.parquet")), "a losing attempt's outcomes were kept"


def test_the_key_and_journal_options_are_required_before_any_task_runs(spark: SparkSession, tmp_path: Path) -> None:
    df = spark.createDataFrame([("C-1", "Ravi", "9845012399")], ["customer_ref", "Customer Name", "Phone"])
    with kapture_crm.Sandbox() as sandbox:
        def writer() -> Any:
            return df.write.format("kapture").option("base_url", sandbox.url).option("token", sandbox.token)

        with pytest.raises(Exception, match="key"):
            writer().option("journal_dir", str(tmp_path)).mode("append").save()
        with pytest.raises(Exception, match="journal_dir"):
            writer().option("key", "customer_ref").mode("append").save()
        assert sandbox.stats()["add_update_requests"] == 0


def test_rows_left_unknown_are_settled_by_a_rerun_with_reconcile(spark: SparkSession, tmp_path: Path) -> None:
    """Every reply lost (processed, then the connection dropped): each row is
    unknown. The same write again with ``reconcile`` looks them up: each is
    added, with its customer's id, and none is sent a second time."""
    df = spark.createDataFrame(
        [(f"R-{i}", f"Reconciled {i}", f"98770000{i:02d}") for i in range(6)],
        ["customer_ref", "Customer Name", "Phone"],
    ).repartition(2)
    outcomes_path = tmp_path / "outcomes"
    with kapture_crm.Sandbox(faults={"drop_after": 1.0}, merge=False) as sandbox:
        def write(reconcile: str) -> None:
            (
                df.write.format("kapture")
                .option("base_url", sandbox.url)
                .option("token", sandbox.token)
                .option("max_retries", 0)
                .option("timeout", 1)
                .option("key", "customer_ref")
                .option("journal_dir", str(tmp_path / "journals"))
                .option("outcomes", str(outcomes_path))
                .option("reconcile", reconcile)
                .mode("append")
                .save()
            )

        write("false")
        first = {row.key: row.status for row in spark.read.parquet(str(outcomes_path)).collect()}
        sandbox.set_faults({})
        write("true")
        second = spark.read.parquet(str(outcomes_path)).collect()
        customers = sandbox.customers()
        sent = sandbox.stats()["add_update_requests"]
        with pytest.raises(Exception, match="reconcile"):
            write("maybe")
    assert set(first.values()) == {"unknown"} and len(first) == 6
    assert {row.status for row in second} == {"added"} and len(second) == 6
    by_phone = {c["request"]["customer_info"]["phone"]: c["customer_id"] for c in customers}
    assert {row.customer_id for row in second} == set(by_phone.values())
    assert sent == 6 and all(c["writes"] == 1 for c in customers), "a row was sent twice"
