"""One pass of Prefect's scheduler, cut in two the way it runs: read a deployment's schedules
and compute their runs (``_generate_scheduled_flow_runs``, one transaction), then, once a line
arrives on stdin, insert them (``_insert_scheduled_flow_runs``, another). A schedule changed
in between is the race ``LocalPrefect.set_interval`` must survive.

Run as ``python -m tests.flows.scheduler_pass DEPLOYMENT_ID`` with
PREFECT_API_DATABASE_CONNECTION_URL naming the server's database; prints the number of runs
computed, then the number inserted."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from uuid import UUID

from prefect.server import models
from prefect.server.database import provide_database_interface


async def scheduler_pass(deployment_id: UUID) -> None:
    db = provide_database_interface()
    start = datetime.now(UTC)
    async with db.session_context() as session:  # Prefect's defaults: 3 to 100 runs, 1 h
        runs = await models.deployments._generate_scheduled_flow_runs(
            db, session=session, deployment_id=deployment_id, start_time=start,
            end_time=start + timedelta(days=100), min_time=timedelta(hours=1), min_runs=3,
            max_runs=100)
    print(len(runs), flush=True)
    sys.stdin.readline()
    async with db.session_context(begin_transaction=True) as session:
        inserted = await models.deployments._insert_scheduled_flow_runs(session=session,
                                                                        runs=runs)
    print(len(inserted), flush=True)


if __name__ == "__main__":
    asyncio.run(scheduler_pass(UUID(sys.argv[1])))
