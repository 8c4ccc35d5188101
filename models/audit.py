"""The audit trail: append-only (the database refuses UPDATE and DELETE through triggers)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import AwareDateTime


class AuditEntry(Base):
    """Who did what, when and from where: a record's transition or a configuration change (with before and after)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    client: Mapped[str | None] = mapped_column(String(64), default=None)
    # What was acted on: "record", "rule", "camera", "unit", "user", "camera_key", ...; and its code, id or number.
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(128))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("enforcement_records.id", ondelete="RESTRICT"), default=None, index=True
    )
    action: Mapped[str] = mapped_column(String(32))  # transition | undo | create | update | delete | issue_key ...
    from_status: Mapped[str | None] = mapped_column(String(32), default=None)
    to_status: Mapped[str | None] = mapped_column(String(32), default=None)
    reason: Mapped[str | None] = mapped_column(String(200), default=None)  # a DismissReason, or why reopened
    note: Mapped[str | None] = mapped_column(Text, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
