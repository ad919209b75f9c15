"""Soak: N adds through Python's AsyncClient, 64 in flight, against a sandbox
in another process, with its faults. Every call must end in exactly one
reply or exception (src/aio.rs hands them back in batches, waking the loop
through a socket pair). Prints one JSON line: outcomes by kind, RSS at 10%
and at the end, open descriptors before and after."""

import asyncio
import gc
import json
import os
import sys
import time
import urllib.request

import kapture_crm

IN_FLIGHT = 64


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def run(url: str, token: str, total: int) -> dict:
    kinds: dict = {}
    state = {"next": 0, "done": 0, "unknown": 0, "rss_early": 0}
    async with kapture_crm.AsyncClient(token, base_url=url, max_retries=8) as client:

        async def worker() -> None:
            while state["next"] < total:
                i = state["next"]
                state["next"] += 1
                record = {"customer_info": {"customer_name": f"PyA {i}", "phone": f"72{i:08d}"}}
                try:
                    await client.add_customer(record)
                    kind = "added"
                except kapture_crm.KaptureError as error:
                    kind = error.code
                    state["unknown"] += error.outcome_unknown
                kinds[kind] = kinds.get(kind, 0) + 1
                state["done"] += 1
                if state["done"] == total // 10:
                    state["rss_early"] = rss_kib()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return {"kinds": kinds, **state}


def main() -> None:
    url, token, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # The baseline is taken once the shared runtime exists (its thread and
    # descriptors live as long as the process) and one loop has come and
    # gone (its socket pair is closed when the loop is collected).
    async def warm() -> None:
        async with kapture_crm.AsyncClient(token, base_url=url, max_retries=8) as client:
            try:
                await client.add_customer({"customer_info": {"customer_name": "warm", "phone": "7000000001"}})
            except kapture_crm.KaptureError:
                pass

    asyncio.run(warm())
    gc.collect()
    time.sleep(1)
    fds_before = fds()
    result = asyncio.run(run(url, token, total))
    gc.collect()
    time.sleep(1)  # connections of the closed client close in the background
    fds_after = fds()
    stats = json.load(urllib.request.urlopen(f"{url}/sandbox/stats"))
    print(json.dumps({
        "language": "python-async", "records": total, "outcomes": sum(result["kinds"].values()),
        "by_kind": result["kinds"], "unknown": result["unknown"], "rss_kib_at_10pct": result["rss_early"],
        "rss_kib_at_end": rss_kib(), "fds_before": fds_before, "fds_after": fds_after, "sandbox": stats,
    }))


if __name__ == "__main__":
    main()
