"""Closed vocabularies stored as short strings (portable across SQLite and PostgreSQL)."""
from __future__ import annotations

import enum


class RoadClass(str, enum.Enum):
    ARTERIAL = "arterial"
    SECONDARY = "secondary"
    BRANCH = "branch"
    BACK_STREET = "back_street"


class VehicleType(str, enum.Enum):
    E_TRICYCLE = "e_tricycle"
    FUEL_TRICYCLE = "fuel_tricycle"
    E_FOUR_WHEELER = "e_four_wheeler"


class Action(str, enum.Enum):
    """Enforcement response, ordered from mildest to strictest."""

    EDUCATION = "education"
    WARNING = "warning"
    PENALTY = "penalty"


class HolidayKind(str, enum.Enum):
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
