"""What a piece of hub work asks the database: statements counted and timed through
SQLAlchemy's cursor events, and their PostgreSQL plans (``EXPLAIN``) with the scans named.

Used by ``benchmarks/idle_cycle.py`` and the index test: every query an idle cycle runs must
use an index, so its cost does not grow with the order history.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

HISTORY_TABLES = ("orders", "order_lines", "order_events", "remote_writes")
_SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


@dataclass
class Statement:
    sql: str
    params: Any
    seconds: float


@dataclass
class StatementLog:
    """Every statement an engine ran while ``capture()`` was open, with its time."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    def distinct(self) -> dict[str, Statement]:
        """The first run of each distinct SQL text (its parameters are used to EXPLAIN it)."""
        seen: dict[str, Statement] = {}
        for statement in self.statements:
            seen.setdefault(statement.sql, statement)
        return seen

    @contextmanager
    def capture(self, engine: Engine) -> Iterator[StatementLog]:
        started: list[float] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            started.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):
            begun = started.pop() if started else time.perf_counter()
            self.statements.append(Statement(statement, parameters,
                                             time.perf_counter() - begun))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)


def is_query(sql: str) -> bool:
    """A statement that reads or changes rows (not BEGIN/COMMIT/SAVEPOINT/SET...)."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in {"SELECT", "WITH", "UPDATE", "DELETE", "INSERT"}


def explain(engine: Engine, statement: Statement, *, seqscan: bool = True) -> str:
    """The PostgreSQL plan of one captured statement with its own parameters, in a
    transaction that is rolled back (EXPLAIN without ANALYZE runs nothing, but be safe).
    ``seqscan=False`` makes the planner prefer any usable index over a sequential scan, so a
    plan that still scans shows a missing index rather than a small table."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            return explain_on(conn, statement, seqscan=seqscan)
        finally:
            transaction.rollback()


def explain_on(conn: Connection, statement: Statement, *, seqscan: bool = True) -> str:
    """``explain`` inside the caller's transaction (which may, say, have dropped an index)."""
    params = statement.params
    if isinstance(params, list | tuple) and params and isinstance(params[0], dict):
        params = params[0]  # executemany: one row's parameters are enough for the plan
    cursor = conn.connection.cursor()
    if not seqscan:
        cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute("EXPLAIN " + statement.sql, params or None)
    return "\n".join(row[0] for row in cursor.fetchall())


def seq_scans(plan: str, tables: tuple[str, ...] = HISTORY_TABLES) -> list[str]:
    """The history tables a plan reads sequentially."""
    return [t for t in _SEQ_SCAN.findall(plan) if t in tables]


def analyze(engine: Engine, tables: tuple[str, ...] = HISTORY_TABLES, *,
            vacuum: bool = False) -> None:
    """Fresh planner statistics; ``vacuum``: also VACUUM, as autovacuum leaves a table in
    steady state (after a bulk load the first reads would set hint bits, i.e. write)."""
    command = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(f"{command} {table}"))


def rows_touched(engine: Engine, statement: Statement) -> int:
    """Rows a statement's plan really reads: every node's output rows times its loops plus
    the rows its filters threw away (``EXPLAIN ANALYZE``, rolled back). An index scan on
    too short a prefix shows here though it is no Seq Scan."""
    params = statement.params
    if isinstance(params, list | tuple) and params and isinstance(params[0], dict):
        params = params[0]
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            cursor = conn.connection.cursor()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement.sql, params or None)
            (document,) = cursor.fetchone()
        finally:
            transaction.rollback()
    return _touched(document[0]["Plan"])


def _touched(node: dict) -> int:
    loops = node.get("Actual Loops", 1) or 1
    own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
           + node.get("Rows Removed by Index Recheck", 0)) * loops
    return own + sum(_touched(child) for child in node.get("Plans", []))
