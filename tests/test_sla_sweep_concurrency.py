"""Several sweeps at once (as on several workers) promote every due case exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, transaction

from escalations.models import Case, CaseEvent, TierStay
from escalations.sla.sweep import sla_sweep

CASES = 2000
SWEEPS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_promote_each_due_case_exactly_once(make_case, now):
    # Given thousands of Eezee cases 30 hours old: each is due for exactly one promotion
    with transaction.atomic():
        ids = [make_case(category="out-of-stock", now=now).pk for _ in range(CASES)]
    later = now + timedelta(hours=30)
    results: list[dict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(SWEEPS)

    def run() -> None:
        close_old_connections()
        barrier.wait()
        try:
            results.append(sla_sweep(now=later, batch_size=50))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    # When four sweeps run at the same time
    threads = [threading.Thread(target=run) for _ in range(SWEEPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every case moved exactly one tier, with one history row, stay and event each
    assert not errors
    assert sum(r["promoted"] for r in results) == CASES
    assert Counter(Case.objects.filter(pk__in=ids).values_list("tier", flat=True)) == {2: CASES}
    escalations = Counter(
        Case.history.filter(id__in=ids, history_transition="escalate").values_list(
            "id", flat=True)
    )
    assert set(escalations.values()) == {1} and len(escalations) == CASES
    assert TierStay.objects.filter(case_id__in=ids).count() == 2 * CASES
    assert CaseEvent.objects.filter(case_id__in=ids, kind="escalated").count() == CASES
    if connection.vendor == "postgresql":
        # the work was shared: SKIP LOCKED let more than one sweep take batches
        assert sum(1 for r in results if r["promoted"]) > 1
