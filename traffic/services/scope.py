"""District scoping: what an actor may see, as SQL conditions. Out of scope looks exactly like not there."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from models import EnforcementRecord
from traffic.services.actors import Actor


def within_scope(district_column, actor: Actor) -> ColumnElement[bool]:
    """A WHERE condition keeping only rows whose district the actor may see."""
    if actor.district_ids is None:
        return true()
    return district_column.in_(sorted(actor.district_ids))


def visible_record_ids(session: Session, actor: Actor, record_ids: Iterable[int | None]) -> set[int]:
    """Which of these records the actor may see (for filtering event streams)."""
    wanted = {i for i in record_ids if i is not None}
    if not wanted:
        return set()
    if actor.district_ids is None:
        return wanted
    return set(session.scalars(
        select(EnforcementRecord.id).where(EnforcementRecord.id.in_(sorted(wanted)),
                                           within_scope(EnforcementRecord.district_id, actor))
    ))
