"""Background work steps aside while the window paints (viewer/activity.py), on a fake clock."""

from __future__ import annotations

import pytest

from viewer import activity


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(activity.time, "monotonic", c.monotonic)
    monkeypatch.setattr(activity.time, "sleep", c.sleep)
    monkeypatch.setattr(activity, "_last", 0.0)
    return c


def test_a_quiet_window_does_not_hold_workers_up(clock: Clock) -> None:
    assert activity.wait_until_quiet() == 0 and clock.slept == []


def test_workers_wait_until_the_window_has_been_quiet_for_a_while(clock: Clock) -> None:
    activity.note()
    clock.now += 0.05
    waited = activity.wait_until_quiet()
    assert waited == pytest.approx(activity.QUIET_S - 0.05, abs=0.021)
    assert clock.now - activity._last >= activity.QUIET_S


def test_a_window_that_never_rests_cannot_starve_a_worker(clock: Clock, monkeypatch) -> None:
    def busy_sleep(s: float) -> None:
        clock.sleep(s)
        activity.note()  # painting all the time

    monkeypatch.setattr(activity.time, "sleep", busy_sleep)
    activity.note()
    assert activity.wait_until_quiet() == pytest.approx(activity.MAX_WAIT_S, abs=0.021)


def test_a_cancelled_worker_stops_waiting(clock: Clock) -> None:
    activity.note()
    assert activity.wait_until_quiet(lambda: True) == 0


def test_workers_do_not_wait_while_the_window_waits_for_them(clock: Clock) -> None:
    activity.note()
    with activity.hurry():
        assert activity.wait_until_quiet() == 0
    assert activity.wait_until_quiet() > 0
