"""Concurrent transitions on one case: exactly one wins, the other gets a clear conflict."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from escalations.models import Case
from escalations.services import CaseConflict, case_escalate, case_hold


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_escalations_only_one_wins(make_case, admin_user):
    # Given a case that two people loaded at the same time
    case = make_case()
    copies = [Case.objects.get(pk=case.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def escalate(copy: Case, reason: str) -> None:
        close_old_connections()
        barrier.wait()
        try:
            case_escalate(case=copy, actor=admin_user, reason=reason)
            outcomes.append("ok")
        except CaseConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    # When both escalate at once
    threads = [threading.Thread(target=escalate, args=(c, f"r{i}")) for i, c in enumerate(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one wins and the other is told to reload; the case moved one tier only
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Case.objects.get(pk=case.pk).tier == 2
    assert case.history.filter(history_transition="escalate").count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_transitions_from_same_state_do_not_both_apply(make_case, admin_user):
    case = make_case()
    copies = [Case.objects.get(pk=case.pk) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(call) -> None:
        close_old_connections()
        barrier.wait()
        try:
            call()
            outcomes.append("ok")
        except CaseConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: case_escalate(
            case=copies[0], actor=admin_user, reason="up"),)),
        threading.Thread(target=run, args=(lambda: case_hold(
            case=copies[1], actor=admin_user, reason="wait"),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert case.history.count() == 2  # opened + exactly one of the two
