"""Detector versions (which weights made a sighting) and where each is active (city-wide or per camera)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import AwareDateTime


class DetectorVersion(Base):
    """One set of detector weights, named NAME:VERSION, with the hash that proves which bytes they were.

    Rows are never changed once written (notes aside): a sighting, a record and a sealed evidence package name them.
    Rows made from the free strings sightings carried before versions existed have no weights and no hash.
    """

    __tablename__ = "detector_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_detector_versions_name_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    weights_path: Mapped[str | None] = mapped_column(String(1000), default=None)
    # The model's class names in id order, and which of them mean which of our categories (detection/class_map.py).
    classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    class_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # {"dataset": ..., "sha256": ..., "all": {...}, "classes": {name: {precision, recall, map50, ...}}} on a held-out
    # split, so `activate` can compare versions on the same data; {} when never evaluated.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())

    @property
    def label(self) -> str:
        """NAME@VERSION: the `model_version` string the API has always shown."""
        return f"{self.name}@{self.version}"

    @property
    def ref(self) -> str:
        """NAME:VERSION, as the CLI takes it."""
        return f"{self.name}:{self.version}"


class DetectorActivation(Base):
    """Append-only history of activations: the latest row of a scope wins (camera_id NULL = city-wide).

    A camera's own activation wins over the city-wide one. The highest id is the activation generation that workers
    poll between batches, so a new row reaches every worker at its next frame boundary.
    """

    __tablename__ = "detector_activations"
    __table_args__ = (Index("ix_detector_activations_scope", "camera_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    detector_version_id: Mapped[int] = mapped_column(ForeignKey("detector_versions.id", ondelete="RESTRICT"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), default=None)
    forced: Mapped[bool] = mapped_column(default=False)
    activated_by: Mapped[str | None] = mapped_column(String(64), default=None)
    activated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
