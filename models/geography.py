"""Where enforcement happens: districts, their road segments and the cameras watching them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.types import AwareDateTime
from models.enums import RoadClass


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    segments: Mapped[list[RoadSegment]] = relationship(back_populates="district", lazy="raise")


class RoadSegment(Base):
    __tablename__ = "road_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id", ondelete="RESTRICT"), index=True)
    road_class: Mapped[RoadClass] = mapped_column(
        Enum(RoadClass, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    # GeoJSON-style list of [lon, lat] points along the segment; optional.
    geometry: Mapped[list[Any] | None] = mapped_column(JSON, default=None)

    district: Mapped[District] = relationship(back_populates="segments", lazy="raise")
    cameras: Mapped[list[Camera]] = relationship(back_populates="segment", lazy="raise")


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    segment_id: Mapped[int] = mapped_column(ForeignKey("road_segments.id", ondelete="RESTRICT"), index=True)
    direction: Mapped[str | None] = mapped_column(String(64), default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    # Normalised [x, y] polygon in image coordinates (0..1): the road area that counts.
    zone: Mapped[list[list[float]] | None] = mapped_column(JSON, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # SHA-256 of the camera's ingest key (a 256-bit random token, so a plain hash suffices); None: no key issued.
    key_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    key_issued_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime(), default=None)

    segment: Mapped[RoadSegment] = relationship(back_populates="cameras", lazy="raise")


class Unit(Base):
    """A responsible unit (责任单位): records are assigned to one. No district: a city-level unit."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), default=None, index=True
    )
