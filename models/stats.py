"""Pre-counted statistics: the rollup the dashboard reads, the processed camera-minutes it counts, and its layout.

The rollup holds counts per key at several grains (docs/statistics.md, "The rollup"): a grain keeps some dimensions
and writes the others as "all" (``ROLLUP_ALL``), so a query reads the coarsest grain that has what it groups and
filters by. Its rows are kept in the same transaction as the rows they count (traffic/services/stats/rollup.py).
"""
from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, PrimaryKeyConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

ROLLUP_ALL = -1  # an integer dimension this grain does not keep
ROLLUP_ALL_TEXT = "*"  # a text dimension this grain does not keep
ROLLUP_NO_UNIT = 0  # a record without a unit (ids start at 1)
ROLLUP_NEVER = 2**31 - 1  # a deadline or due day that does not apply: never before any "today"


class StatsRollup(Base):
    """A count of sightings, records or processed camera-minutes for one key at one grain.

    ``day`` is the local day number (days since 1970-01-01 on the city's wall clock) and ``bucket`` the local minute
    at which the row's bucket of the day starts; buckets are cut at every hour and every time-slot boundary.
    """

    __tablename__ = "stats_rollup"
    # The count rides in the key's index (PostgreSQL INCLUDE), so a query reads the index alone, not the table.
    __table_args__ = (PrimaryKeyConstraint(
        "grain", "kind", "day", "district_id", "bucket", "segment_id", "camera_id", "vehicle_type", "status", "unit_id",
        "reviewed", "in_time", "deadline_day", "due_day", "slot_id", postgresql_include=["n"]),)

    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0 sightings, 1 records, 2 exposure
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    segment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reviewed: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    in_time: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    deadline_day: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_day: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # slot grains: the day is the slot's own day
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class CameraMinute(Base):
    """A minute in which a camera had at least one frame processed (pushed or pulled): the exposure."""

    __tablename__ = "camera_minutes"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # whole UTC minutes since the epoch


class StatsLayout(Base):
    """The one row saying how the rollup was cut: the timezone of its days and its bucket boundaries."""

    __tablename__ = "stats_layout"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    boundaries: Mapped[str] = mapped_column(String(4000))  # minutes of the day, comma-separated, ascending
    slots: Mapped[str] = mapped_column(String(4000))  # "id:start:end", comma-separated, by id
