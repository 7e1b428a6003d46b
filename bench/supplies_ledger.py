"""Stock ledger throughput: 8 parallel writers distributing from one place, through the
service (balance rows locked, movement written with its balances) against a bare
`UPDATE ... SET qty = qty - n WHERE qty >= n` on one row, as a ratio.

    DATABASE_URL=... python bench/supplies_ledger.py [--writers 8] [--seconds 10]

Like bench/pages.py it uses "<DATABASE_URL's database>_bench" (created and migrated when
missing), never the database you work in, and adds places and stock of its own there.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import bench_database, ensure_database, setup_django  # noqa: E402

# Like the page benchmark: never the database you work in, but "<its name>_bench".
_URL = os.environ.get("DATABASE_URL", "postgres://localhost/tsunagari")
_NAME = bench_database(_URL, None, force=False)
_CREATED = ensure_database(_URL, _NAME)
setup_django(_URL, _NAME)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from core.roles import Role  # noqa: E402
from supplies import services  # noqa: E402
from supplies.models import Item, Place  # noqa: E402


def run(writers: int, seconds: float, work) -> int:
    done = [0] * writers
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(writers)

    def loop(i: int) -> None:
        barrier.wait()
        try:
            while time.monotonic() < stop:
                work(i)
                done[i] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    user, _ = User.objects.get_or_create(username="bench-coordinator")
    group_names = set(user.groups.values_list("name", flat=True))
    if Role.COORDINATOR not in group_names:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=Role.COORDINATOR)[0])
    pads = Item.objects.get(code="pads_28")
    storage = Place.objects.create(name="bench storage", site_type="storage")
    sites = [Place.objects.create(name=f"bench site {i}", site_type="other") for i in range(8)]
    services.stock_receive(item=pads, place=storage, quantity=10_000_000, by=user)

    def ledger(i: int) -> None:
        services.stock_distribute(
            item=pads, source=storage, target=sites[i % len(sites)], quantity=1, by=user
        )

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_qty_shared")
        cursor.execute("CREATE TABLE bench_qty_shared (id int primary key, qty int)")
        cursor.execute("INSERT INTO bench_qty_shared VALUES (1, 100000000)")

    def bare(i: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE bench_qty_shared SET qty = qty - %s WHERE id = 1 AND qty >= %s", [1, 1]
            )

    ledger_n = run(args.writers, args.seconds, ledger)
    bare_n = run(args.writers, args.seconds, bare)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_qty_shared")
    ledger_rate, bare_rate = ledger_n / args.seconds, bare_n / args.seconds
    print(f"writers: {args.writers}, seconds: {args.seconds}")
    print(f"ledger (service): {ledger_rate:.0f} movements/s")
    print(f"bare UPDATE:      {bare_rate:.0f} updates/s")
    print(f"ratio ledger/bare: {ledger_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
