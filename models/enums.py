"""Closed vocabularies stored as short strings (portable across SQLite and PostgreSQL).

Each is a ``StrEnum``: a member is its stored string, so rows, JSON and comparisons with plain strings agree.
"""
from __future__ import annotations

import enum


class RoadClass(enum.StrEnum):
    ARTERIAL = "arterial"
    SECONDARY = "secondary"
    BRANCH = "branch"
    BACK_STREET = "back_street"


class VehicleType(enum.StrEnum):
    E_TRICYCLE = "e_tricycle"
    FUEL_TRICYCLE = "fuel_tricycle"
    E_FOUR_WHEELER = "e_four_wheeler"


class Action(enum.StrEnum):
    """Enforcement response, ordered from mildest to strictest."""

    EDUCATION = "education"
    WARNING = "warning"
    PENALTY = "penalty"


class HolidayKind(enum.StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"  # an adjusted working day (调休) on a weekend


class Role(enum.StrEnum):
    """What a user may do; district scoping applies on top (admins always see the whole city)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    REVIEWER = "reviewer"
    VIEWER = "viewer"


class RecordStatus(enum.StrEnum):
    """An enforcement record's lifecycle (docs/lifecycle.md): review, assignment, action, close-out (销号)."""

    PENDING_REVIEW = "pending_review"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    ASSIGNED = "assigned"
    ACTIONED = "actioned"
    CLOSED = "closed"


class DismissReason(enum.StrEnum):
    """Why a record is dismissed, in this order (the review UI numbers them 1..8)."""

    FALSE_DETECTION = "false_detection"
    WRONG_VEHICLE_TYPE = "wrong_vehicle_type"
    HAS_VALID_PLATE = "has_valid_plate"
    EXEMPT_VEHICLE = "exempt_vehicle"
    EMERGENCY_VEHICLE = "emergency_vehicle"
    DUPLICATE = "duplicate"
    POOR_EVIDENCE = "poor_evidence"
    OTHER = "other"


class ActionTaken(enum.StrEnum):
    """What was done about a confirmed, assigned record."""

    EDUCATION = "education"
    WARNING = "warning"
    PENALTY = "penalty"
    IMPOUND = "impound"


class CameraHealthStatus(enum.StrEnum):
    """Whether the workers can process a camera (docs/operations.md, quarantine)."""

    OK = "ok"
    QUARANTINED = "quarantined"  # set aside after a failure; no worker takes it before the retry time
    RETRY_DUE = "retry_due"  # the retry time has passed; the next frame tells whether the camera works again
class FrameStatus(enum.StrEnum):
    """An accepted frame's way through the queue: queued → processing → done | failed."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class SightingStatus(enum.StrEnum):
    """Open while the vehicle is tracked, closed once its track ended."""

    OPEN = "open"
    CLOSED = "closed"


class SightingSource(enum.StrEnum):
    """Where a sighting's frames came from: pushed by a camera, or pulled by ``traffic ingest``."""

    PUSH = "push"
    VIDEO = "video"
    IMAGES = "images"
    STREAM = "stream"


class PlatePresence(enum.StrEnum):
    """What the plate check concluded about a vehicle."""

    PLATED = "plated"
    UNPLATED = "unplated"
    UNKNOWN = "unknown"


class EvidenceKind(enum.StrEnum):
    """The files of an evidence package."""

    PANORAMA = "panorama"
    VEHICLE = "vehicle"
    PLATE = "plate"
    COMPOSITE = "composite"
    MANIFEST = "manifest"


class RecordEventKind(enum.StrEnum):
    """Event types of the record outbox (server-sent events and webhooks)."""

    CREATED = "record.created"
    STATUS_CHANGED = "record.status_changed"


class DeliveryStatus(enum.StrEnum):
    """A webhook delivery: pending (retried with back-off) until delivered, or failed when given up."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class FileIntegrity(enum.StrEnum):
    """What verifying an evidence file against its recorded SHA-256 found (reported, not stored)."""

    OK = "ok"
    ALTERED = "altered"
    MISSING = "missing"
