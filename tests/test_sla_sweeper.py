"""The sweeper (`manage.py sla_sweep --every`): one holder of the lease sweeps, the others stand
by and take over when it stops; the scheduled run skips meanwhile; a failed tick is survived."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from escalations.models import Case, JobLease, JobRun
from escalations.sla.sweeper import SWEEP_LEASE, Sweeper

pytestmark = pytest.mark.django_db


def test_one_sweeper_sweeps_the_other_stands_by_then_takes_over(make_case, now):
    first = make_case(category="out-of-stock", now=now - timedelta(days=2))
    active, standby = Sweeper(every=10), Sweeper(every=10)

    assert active.tick(now)["promoted"] >= 1
    assert standby.tick(now + timedelta(seconds=10)) is None  # the lease is held
    assert active.tick(now + timedelta(seconds=10)) is not None  # renewed by its holder

    second = make_case(category="out-of-stock", now=now - timedelta(days=2))
    # The active sweeper stops ticking; its lease runs out and the standby sweeps.
    later = now + timedelta(seconds=10) + active.ttl
    assert standby.tick(later)["promoted"] >= 1
    assert active.tick(later) is None
    assert Case.objects.get(pk=first.pk).tier > first.tier
    assert Case.objects.get(pk=second.pk).tier > second.tier


def test_the_scheduled_sweep_skips_while_a_sweeper_holds_the_lease():
    from escalations.tasks import run_sla_sweep

    assert Sweeper(every=10).tick(timezone.now()) is not None
    assert run_sla_sweep() is None
    JobLease.objects.filter(name=SWEEP_LEASE).update(expires_at=timezone.now())
    assert run_sla_sweep() is not None


@pytest.mark.django_db(transaction=True)  # the loop closes connections between ticks
def test_the_loop_survives_a_failed_tick_records_its_sweeps_and_gives_the_lease_back(
        make_case, now):
    case = make_case(category="out-of-stock", now=now - timedelta(days=2))
    stop, reports, readings = threading.Event(), [], []

    def clock():
        readings.append(now)
        if len(readings) == 1:  # the first tick fails, as one does when the database restarts
            raise RuntimeError("database restarting")
        if len(readings) > 10:  # never loop for ever, whatever happens
            stop.set()
        return now

    sweeper = Sweeper(every=0, clock=clock)
    sweeper.run(stop=stop, report=lambda result: (reports.append(result), stop.set()))

    assert len(reports) == 1 and reports[0]["promoted"] >= 1
    assert Case.objects.get(pk=case.pk).tier > case.tier
    assert JobRun.objects.get(name=SWEEP_LEASE).finished_at == now
    assert JobLease.objects.get(name=SWEEP_LEASE).holder == ""


@pytest.mark.parametrize("arguments, message", [
    (["--every", "0.5"], "--every: 0.5 is not between 1 and 3600 seconds."),
    (["--every", "soon"], "--every: 'soon' is not a number of seconds."),
    (["--every", "10", "--now", "2026-11-24T14:00"], "--now and --every cannot be used together."),
])
def test_the_command_refuses_bad_flags(arguments, message):
    with pytest.raises(CommandError) as error:
        call_command("sla_sweep", *arguments)
    assert str(error.value) == message
