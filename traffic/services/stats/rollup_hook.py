"""Keeps the statistics rollup in the same transaction as the rows it counts: one ORM event hook on the Session class.

Every flush that writes a sighting or a record adds +1 under its key (a change of a record's status, unit, review or
due date: −1 under the old key, +1 under the new one), and a frame that became done notes its camera-minute, so no
ORM writer can be missed. A change of the time slots or of the city's timezone moves the bucket boundaries: the
hook then rebuilds the whole rollup, in the same flush. Imported by traffic/services/__init__.py so that the hook
is in place wherever a service can write.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import chain

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models import CitySetting, EnforcementRecord, Sighting, TimeSlot
from models.enums import FrameStatus
from models.ingest import IngestFrame
from traffic.services.city import TIMEZONE_KEY
from traffic.services.stats import rollup
from traffic.services.stats.rollup_build import rebuild

WATCHED = (Sighting, EnforcementRecord)


def _old_value(session: Session, obj, name: str):
    """The value the row holds in the database before this flush."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.added:  # set without the old value loaded: the database still has it
        column = getattr(type(obj), name)
        return session.connection().scalar(select(column).where(type(obj).id == obj.id))
    return getattr(obj, name)


def _before_flush(session: Session, _context, _instances) -> None:
    layout = None
    old: dict[int, tuple] = {}
    for obj in chain(session.dirty, session.deleted):
        if isinstance(obj, WATCHED) and inspect(obj).has_identity:
            layout = layout or rollup.stored_layout(session)
            if layout is None:
                return
            values = {name: _old_value(session, obj, name) for name in rollup.KEY_COLUMNS[type(obj)]}
            old[id(obj)] = (rollup.sighting_key if isinstance(obj, Sighting) else rollup.record_key)(layout, values)
    session.info["stats_rollup_old"] = old


def _done_frames(session: Session) -> list[tuple[int, dt.datetime]]:
    done = []
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, IngestFrame) and obj.status == FrameStatus.DONE:
            history = inspect(obj).attrs.status.history
            if obj in session.new or history.added:
                done.append((obj.camera_id, obj.captured_at))
    return done


def _after_flush(session: Session, _context) -> None:
    old = session.info.pop("stats_rollup_old", {})
    touched = list(chain(session.new, session.dirty, session.deleted))
    if any(isinstance(obj, TimeSlot) or (isinstance(obj, CitySetting) and obj.key == TIMEZONE_KEY) for obj in touched):
        if rollup.stored_layout(session) != rollup.wanted_layout(session):
            rebuild(session)  # counts everything, this flush's rows included
            return
    layout = None
    deltas: Counter = Counter()
    for obj in touched:
        if not isinstance(obj, WATCHED):
            continue
        layout = layout or rollup.stored_layout(session)
        if layout is None:
            return  # no rollup yet (a database before migration 0009 filled it): nothing to keep
        if id(obj) in old:
            deltas[old[id(obj)]] -= 1
        if obj not in session.deleted:
            deltas[rollup.key_of(layout, obj)] += 1
    rollup.apply(session, layout, deltas)
    frames = _done_frames(session)
    if frames:
        rollup.record_minutes(session, frames)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_flush", _after_flush)
