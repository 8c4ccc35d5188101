"""Legal holds: records whose evidence and frames retention must keep, whatever their status."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import AwareDateTime


class LegalHold(Base):
    """A record on hold: one row while the hold lasts (lifting deletes it); who set and lifted it is in the audit."""

    __tablename__ = "legal_holds"

    record_id: Mapped[int] = mapped_column(ForeignKey("enforcement_records.id", ondelete="RESTRICT"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[dt.datetime] = mapped_column(AwareDateTime())
