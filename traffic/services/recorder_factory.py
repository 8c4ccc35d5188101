"""Build the recorder from settings: the rule cache, the evidence writer and the event outbox."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from traffic.services import events
from traffic.services.city import city_timezone
from traffic.services.evidence import EvidenceWriter
from traffic.services.recorder import Recorder, RulebookCache
from traffic.settings import Settings


def build_recorder(
    settings: Settings, session_factory: sessionmaker[Session] | None = None, *, detector_version_id: int | None = None
) -> Recorder:
    """The recorder of a deployment; with a session factory, evidence dates follow the city file's timezone.

    ``detector_version_id`` is the version recorded when ``apply`` is not told (pulls run one model throughout).
    ``settings.review_days`` is the fallback: a review_days in the city file wins (read per record).
    """
    timezone = settings.timezone
    if session_factory is not None:
        with session_factory() as session:
            timezone = city_timezone(session, settings.timezone)
    writer = EvidenceWriter.from_settings(settings, timezone=timezone)
    writer.check_font()  # a missing font stops the process before its first frame, not halfway through the video
    return Recorder(
        RulebookCache(settings.timezone),
        writer,
        events.emit,
        detector_version_id=detector_version_id,
        review_days=settings.review_days,
    )
