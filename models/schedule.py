"""When enforcement happens: daily time slots, the holiday calendar and the restriction rules."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, Enum, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.enums import Action, HolidayKind
from models.geography import District, RoadSegment


def _enum(cls):
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class TimeSlot(Base):
    """A daily window in local time, [start, end); end < start crosses midnight. Minutes since 00:00, end may be 1440."""

    __tablename__ = "time_slots"
    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="start_in_day"),
        CheckConstraint("end_minute >= 0 AND end_minute <= 1440", name="end_in_day"),
        CheckConstraint("start_minute <> end_minute", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class Holiday(Base):
    """A public holiday, or an adjusted working day (调休) that turns a weekend day into a workday."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    kind: Mapped[HolidayKind] = mapped_column(_enum(HolidayKind))
    name: Mapped[str | None] = mapped_column(String(200), default=None)


rule_segments = Table(
    "rule_segments",
    Base.metadata,
    Column("rule_id", ForeignKey("restriction_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("segment_id", ForeignKey("road_segments.id", ondelete="RESTRICT"), primary_key=True),
)
rule_districts = Table(
    "rule_districts",
    Base.metadata,
    Column("rule_id", ForeignKey("restriction_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="RESTRICT"), primary_key=True),
)
rule_time_slots = Table(
    "rule_time_slots",
    Base.metadata,
    Column("rule_id", ForeignKey("restriction_rules.id", ondelete="CASCADE"), primary_key=True),
    Column("time_slot_id", ForeignKey("time_slots.id", ondelete="RESTRICT"), primary_key=True),
)


class RestrictionRule(Base):
    """Which vehicles may not use which roads when, from when, and what the response is."""

    __tablename__ = "restriction_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    vehicle_types: Mapped[list[str]] = mapped_column(JSON)
    unplated_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # "workdays", "rest_days", "all", or a list of weekday names ["mon", ...].
    days: Mapped[str | list[str]] = mapped_column(JSON)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date, default=None)
    grace_until: Mapped[dt.date | None] = mapped_column(Date, default=None)
    action: Mapped[Action] = mapped_column(_enum(Action))

    segments: Mapped[list[RoadSegment]] = relationship(secondary=rule_segments, lazy="raise")
    districts: Mapped[list[District]] = relationship(secondary=rule_districts, lazy="raise")
    time_slots: Mapped[list[TimeSlot]] = relationship(secondary=rule_time_slots, lazy="raise")


class CitySetting(Base):
    """City-wide settings applied from the city file (e.g. its timezone)."""

    __tablename__ = "city_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
