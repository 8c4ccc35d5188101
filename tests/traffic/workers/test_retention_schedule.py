"""Retention inside `traffic serve`: a thread that runs it every interval, and none when the interval is 0."""
from __future__ import annotations

import threading

from traffic.workers import retention as schedule_module
from traffic.workers.retention import RetentionSchedule


def test_the_schedule_runs_retention_with_the_settings_policy_and_stops(settings, session_factory,
                                                                         monkeypatch) -> None:
    ran = threading.Event()
    calls = []

    def fake_run(factory, store, policy, now, **_):
        calls.append((factory, store.root, policy))
        ran.set()

    monkeypatch.setattr(schedule_module, "run_retention", fake_run)
    tuned = settings.model_copy(update={"retention_interval_minutes": 0.001, "frame_retention_hours": 6.0})
    schedule = RetentionSchedule(tuned, session_factory)
    schedule.start()
    try:
        assert ran.wait(timeout=30), "retention did not run within the interval"
    finally:
        schedule.stop()
    assert not schedule.thread.is_alive()
    factory, root, policy = calls[0]
    assert factory is session_factory and root == settings.data_dir / "frames"
    assert (policy.frame_hours, policy.sighting_frame_days) == (6.0, settings.sighting_frame_retention_days)


def test_an_interval_of_zero_starts_nothing(settings, session_factory) -> None:
    schedule = RetentionSchedule(settings.model_copy(update={"retention_interval_minutes": 0}), session_factory)
    schedule.start()
    assert schedule.thread is None
    schedule.stop()
