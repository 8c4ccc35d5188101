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
