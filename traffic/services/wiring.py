"""Build the recorder from settings: the rule cache, the evidence writer and the event outbox."""
from __future__ import annotations

from traffic.services.recorder import Recorder, RulebookCache
from traffic.settings import Settings


def build_recorder(settings: Settings, model_version: str) -> Recorder:
    from traffic.services import events
    from traffic.services.evidence import EvidenceWriter

    evidence = EvidenceWriter(settings.data_dir / "evidence", settings.resolved_secret_key())
    return Recorder(
        RulebookCache(settings.timezone),
        evidence,
        events.emit,
        model_version=model_version,
        review_days=settings.review_days,
    )
