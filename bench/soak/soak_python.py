"""Soak: N adds through Python add_customers at concurrency 64 against a
sandbox in another process, with its faults. Prints one JSON line: outcomes
by kind, RSS at 10% and at the end, open descriptors before and after."""

import gc
import json
import os
import time
import sys
import urllib.request

import kapture_crm


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def main() -> None:
    url, token, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    records = (
        {"customer_info": {"customer_name": f"Py {i}", "phone": f"71{i:08d}"}} for i in range(total)
    )
    # The baseline is taken once the SDK's runtimes exist (their threads and
    # descriptors live as long as the process): one client, one call on the
    # calling thread's and one bulk run on the shared one.
    warm_record = {"customer_info": {"customer_name": "warm", "phone": "7000000000"}}
    with kapture_crm.Client(token, base_url=url, max_retries=8) as warm:
        try:
            warm.add_customer(warm_record)
        except kapture_crm.KaptureError:
            pass
        list(warm.add_customers([warm_record], concurrency=1))
    gc.collect()
    time.sleep(1)
    fds_before = fds()
    kinds: dict = {}
    unknown = 0
    rss_early = 0
    with kapture_crm.Client(token, base_url=url, max_retries=8) as client:
        for n, outcome in enumerate(client.add_customers(records, concurrency=64), 1):
            if isinstance(outcome, dict):
                kind = "added"
            else:
                kind = outcome.code
                unknown += outcome.outcome_unknown
            kinds[kind] = kinds.get(kind, 0) + 1
            if n == total // 10:
                rss_early = rss_kib()
    gc.collect()
    time.sleep(1)  # connections of the closed client close in the background
    fds_after = fds()
    stats = json.load(urllib.request.urlopen(f"{url}/sandbox/stats"))
    print(json.dumps({
        "language": "python", "records": total, "outcomes": sum(kinds.values()), "by_kind": kinds,
        "unknown": unknown, "rss_kib_at_10pct": rss_early, "rss_kib_at_end": rss_kib(),
        "fds_before": fds_before, "fds_after": fds_after, "sandbox": stats,
    }))


if __name__ == "__main__":
    main()
