"""SQLAlchemy 2.0 ORM models of the enforcement system. Imports nothing else of ours."""
from models.base import Base
from models.accounts import ApiToken, LoginAttempt, User, user_districts
from models.audit import AuditEntry
from models.detectors import DetectorActivation, DetectorVersion
from models.enums import (
    Action,
    ActionTaken,
    DismissReason,
    HolidayKind,
    RecordStatus,
    RoadClass,
    Role,
    VehicleType,
)
from models.geography import Camera, District, RoadSegment, Unit
from models.holds import LegalHold
from models.ingest import CameraState, IngestFrame
from models.records import (
    EnforcementRecord,
    EvidenceFile,
    RecordEvent,
    RecordSequence,
    Sighting,
    WebhookDelivery,
    WebhookSubscription,
    frame_sightings,
)
from models.schedule import (
    CitySetting,
    Holiday,
    RestrictionRule,
    TimeSlot,
    rule_districts,
    rule_segments,
    rule_time_slots,
)
from models.stats import CameraMinute, StatsLayout, StatsRollup

__all__ = [
    "CameraMinute",
    "StatsLayout",
    "StatsRollup",
    "ApiToken",
    "LoginAttempt",
    "User",
    "user_districts",
    "Action",
    "ActionTaken",
    "AuditEntry",
    "DetectorActivation",
    "DetectorVersion",
    "DismissReason",
    "RecordStatus",
    "Role",
    "Unit",
    "Base",
    "Camera",
    "CameraState",
    "EnforcementRecord",
    "EvidenceFile",
    "IngestFrame",
    "LegalHold",
    "RecordEvent",
    "RecordSequence",
    "Sighting",
    "WebhookDelivery",
    "WebhookSubscription",
    "frame_sightings",
    "CitySetting",
    "District",
    "Holiday",
    "HolidayKind",
    "RestrictionRule",
    "RoadClass",
    "RoadSegment",
    "TimeSlot",
    "VehicleType",
    "rule_districts",
    "rule_segments",
    "rule_time_slots",
]
