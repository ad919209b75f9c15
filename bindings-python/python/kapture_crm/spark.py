"""A PySpark 4 Python Data Source that writes a DataFrame's rows to Kapture:
``df.write.format("kapture")``. Needs ``pip install "kapture-crm[spark]"``
(pyspark 4 and pyarrow) and ``kapture_crm.spark.register(spark)`` once.

    kapture_crm.spark.register(spark)
    (df.write.format("kapture")
       .option("subdomain", "acme")            # the token from KAPTURE_TOKEN on the executors
       .option("key", "customer_ref")          # required: names each row
       .option("journal_dir", "/shared/kapture/run-42")   # required: one journal per partition
       .option("outcomes", "/lake/kapture/outcomes/run-42")  # Parquet: one row per input row
       .option("rate", 50)                     # for the whole job; with rate_scope or rate_limiter
       .option("rate_limiter", "redis://10.0.0.5:6379/0")
       .mode("append").save())

Each task sends its partition with the library's bulk run
(``Client.add_customers``) under a journal of its own,
``journal_dir/part-NNNNN.journal``, keyed by the ``key`` column: a task
that Spark retries, or runs twice (speculation), sends no row its journal
already holds as added, and reports a row whose outcome was unknown as
unknown instead of sending it again; ``option("reconcile", "true")`` looks
such rows up instead (``Client.add_customers``' ``reconcile``): found, they
are ``added`` with the customer's id and not sent. The key is required because a
partition's order may change between attempts. The rows themselves are
mapped as ``from_row`` maps a spreadsheet's rows (``columns`` and
``date_format`` as JSON text options); the key column is not sent.

Each attempt writes its outcomes (``key``, ``status`` added / updated /
failed / unknown / blank, ``customer_id``, ``error_code``, ``error``) to a
file of its own under ``outcomes/_attempts``; the job's commit keeps the
winning attempt's file of each partition as ``outcomes/part-NNNNN.parquet``
and logs the counts (logger ``kapture_crm.spark``)."""

from __future__ import annotations

import collections
import glob
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterator, List, Optional, Tuple

from pyspark.sql import SparkSession
from pyspark.sql.datasource import DataSource, DataSourceWriter, WriterCommitMessage
from pyspark.sql.types import StructType

import kapture_crm

log = logging.getLogger("kapture_crm.spark")

_STATUSES = ("added", "updated", "failed", "unknown", "blank")


def register(spark: SparkSession) -> None:
    """Makes ``df.write.format("kapture")`` available in ``spark``."""
    spark.dataSource.register(KaptureDataSource)


@dataclass
class KaptureCommit(WriterCommitMessage):
    """What one task attempt did: its partition, its outcomes file, counts."""

    partition: int
    attempt: int
    outcomes: Optional[str]
    counts: Dict[str, int] = field(default_factory=dict)


class KaptureDataSource(DataSource):
    """``format("kapture")``: write only."""

    @classmethod
    def name(cls) -> str:
        return "kapture"

    def writer(self, schema: StructType, overwrite: bool) -> "KaptureWriter":
        return KaptureWriter(dict(self.options), schema)


def _option(options: Dict[str, str], name: str) -> Optional[str]:
    value = options.get(name)
    return None if value is None or value == "" else str(value)


def _flag(options: Dict[str, str], name: str) -> bool:
    value = (_option(options, name) or "false").strip().lower()
    if value not in ("true", "false"):
        raise kapture_crm.ConfigError(f'option("{name}") must be true or false, got {value!r}')
    return value == "true"


def _number(options: Dict[str, str], name: str) -> Optional[float]:
    value = _option(options, name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise kapture_crm.ConfigError(f'option("{name}") must be a number, got {value!r}') from None


class KaptureWriter(DataSourceWriter):
    def __init__(self, options: Dict[str, str], schema: StructType) -> None:
        # Checked on the driver, before any task starts.
        self.key = _option(options, "key")
        if self.key is None:
            raise kapture_crm.ConfigError(
                'option("key", column) is required: the column that names each row (a partition\'s '
                "order may change between a task's attempts, so the row number cannot)"
            )
        if self.key not in schema.fieldNames():
            raise kapture_crm.ConfigError(f'option("key"): the DataFrame has no column {self.key!r}')
        journal_dir = _option(options, "journal_dir")
        if journal_dir is None:
            raise kapture_crm.ConfigError(
                'option("journal_dir", path) is required: a folder every executor can write, where '
                "each partition keeps the journal that stops a retried task sending a row twice"
            )
        self.journal_dir = journal_dir
        self.outcomes = _option(options, "outcomes")
        self.client_options: Dict[str, Any] = {
            name: value
            for name in ("token", "subdomain", "base_url")
            if (value := _option(options, name)) is not None
        }
        timeout = _number(options, "timeout")
        if timeout is not None:
            self.client_options["timeout"] = timeout
        max_retries = _number(options, "max_retries")
        if max_retries is not None:
            # Spark options are text: "2" reads as 2.0. A fraction stays
            # one, for the client's own check to refuse.
            self.client_options["max_retries"] = int(max_retries) if max_retries.is_integer() else max_retries
        self.run_options: Dict[str, Any] = {
            "rate": _number(options, "rate"),
            "rate_scope": _option(options, "rate_scope"),
            "rate_limiter": _option(options, "rate_limiter"),
            "upsert": _option(options, "upsert"),
            "columns": json.loads(options["columns"]) if _option(options, "columns") else None,
            "date_format": _option(options, "date_format"),
            "reconcile": _flag(options, "reconcile"),
        }
        concurrency = _number(options, "concurrency")
        if concurrency is not None:
            self.run_options["concurrency"] = int(concurrency)
        # The options' own checks (the token, rate with a scope, a redis://
        # URL) fail here, on the driver, not in every task.
        with kapture_crm.Client(**self.client_options) as client:
            # (reconcile needs the tasks' journals, which the driver has not.)
            client.add_customers([], **{**self.run_options, "reconcile": False}).close()

    def write(self, iterator: Iterator[Any]) -> KaptureCommit:
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId() if context else 0
        attempt = context.attemptNumber() if context else 0
        os.makedirs(self.journal_dir, exist_ok=True)
        journal = os.path.join(self.journal_dir, f"part-{partition:05d}.journal")
        key = self.key
        assert key is not None
        keys: Deque[Any] = collections.deque()

        def rows() -> Iterator[Dict[str, Any]]:
            for row in iterator:
                record = row.asDict(recursive=True)
                keys.append(record.get(key))
                yield record

        counts: Dict[str, int] = collections.Counter()
        outcome_rows: List[Tuple[str, str, Optional[int], Optional[str], Optional[str]]] = []
        with kapture_crm.Client(**self.client_options) as client:
            with client.add_customers(rows(), journal=journal, key=key, **self.run_options) as results:
                for outcome in results:
                    row_key = keys.popleft()
                    status, customer_id, code, error = _classify(outcome)
                    counts[status] += 1
                    outcome_rows.append((str(row_key), status, customer_id, code, error))
        path = self._write_outcomes(partition, attempt, outcome_rows) if self.outcomes else None
        return KaptureCommit(partition=partition, attempt=attempt, outcomes=path, counts=dict(counts))

    def _write_outcomes(self, partition: int, attempt: int, rows: List[Tuple[Any, ...]]) -> str:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        assert self.outcomes is not None
        folder = os.path.join(self.outcomes, "_attempts")
        os.makedirs(folder, exist_ok=True)
        columns = list(zip(*rows)) if rows else [(), (), (), (), ()]
        table = pa.table(
            {
                "key": pa.array(columns[0], pa.string()),
                "status": pa.array(columns[1], pa.string()),
                "customer_id": pa.array(columns[2], pa.int64()),
                "error_code": pa.array(columns[3], pa.string()),
                "error": pa.array(columns[4], pa.string()),
            }
        )
        path = os.path.join(folder, f"part-{partition:05d}-attempt-{attempt}.parquet")
        pq.write_table(table, path)
        return path

    def commit(self, messages: List[Optional[WriterCommitMessage]]) -> None:
        kept = [m for m in messages if isinstance(m, KaptureCommit)]
        if self.outcomes:
            winners = set()
            for message in kept:
                if message.outcomes is None:
                    continue
                final = os.path.join(self.outcomes, f"part-{message.partition:05d}.parquet")
                os.replace(message.outcomes, final)
                winners.add(final)
            # Files of attempts that failed or lost: not the job's outcomes.
            for stale in glob.glob(os.path.join(self.outcomes, "_attempts", "*.parquet")):
                os.remove(stale)
        totals = _totals(kept)
        log.info("kapture: %d rows written: %s", sum(totals.values()), _describe(totals))

    def abort(self, messages: List[Optional[WriterCommitMessage]]) -> None:
        totals = _totals([m for m in messages if isinstance(m, KaptureCommit)])
        log.warning(
            "kapture: the write was aborted; the partitions that finished wrote %s. Their journals "
            "hold every row sent: run the write again with the same journal_dir to send the rest.",
            _describe(totals),
        )


def _classify(outcome: Any) -> Tuple[str, Optional[int], Optional[str], Optional[str]]:
    if outcome is kapture_crm.BLANK:
        return "blank", None, None, None
    if isinstance(outcome, kapture_crm.OutcomeUnknownError):
        return "unknown", None, outcome.code, str(outcome)
    if isinstance(outcome, kapture_crm.KaptureError):
        return "failed", None, outcome.code, str(outcome)
    if "action" in outcome and "response" in outcome:  # an upsert's Upserted
        return str(outcome["action"]), outcome.get("customer_id"), None, None
    if "found_by" in outcome:  # reconciled: added by an earlier attempt
        return "added", outcome.get("customer_id"), None, None
    customer = outcome.get("customer") or {}
    customer_id = customer.get("customer_id") if isinstance(customer, dict) else None
    return "added", customer_id if isinstance(customer_id, int) else None, None, None


def _totals(messages: List[KaptureCommit]) -> Dict[str, int]:
    totals: Dict[str, int] = collections.Counter()
    for message in messages:
        totals.update(message.counts)
    return dict(totals)


def _describe(totals: Dict[str, int]) -> str:
    return ", ".join(f"{name} {totals.get(name, 0)}" for name in _STATUSES)
