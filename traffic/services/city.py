"""Rules for changing the city's reference data: create, replace, delete, and apply or export a whole city file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CitySetting
from traffic.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from traffic.schemas.city import CityConfig
from traffic.services import city_repository as repo
from traffic.services.city_repository import KINDS, Kind

TIMEZONE_KEY = "timezone"


def get(session: Session, kind: Kind, key: Any):
    obj = repo.find(session, kind, key)
    if obj is None:
        raise NotFound(f"{kind.name} {key} does not exist")
    return obj


def create(session: Session, kind: Kind, data: BaseModel):
    key = kind.key_of(data)
    if repo.key_exists(session, kind, key):
        raise AlreadyExists(f"{kind.name} {key} already exists")
    obj = kind.model()
    kind.fill(session, obj, data)
    session.add(obj)
    session.flush()
    return obj


def replace(session: Session, kind: Kind, key: Any, data: BaseModel):
    """Update the entity at ``key`` with ``data``; renaming the key is refused (it is the identity)."""
    obj = get(session, kind, key)
    if kind.key_of(data) != key:
        raise InvalidInput(f"the body's {kind.key_field} {kind.key_of(data)} differs from the path's {key}")
    kind.fill(session, obj, data)
    session.flush()
    return obj


def remove(session: Session, kind: Kind, key: Any) -> None:
    obj = get(session, kind, key)
    users = kind.users(session, obj)
    if users:
        raise Conflict(f"{kind.name} {key} is still used by: {', '.join(users)}")
    session.delete(obj)
    session.flush()


def city_timezone(session: Session, default: str) -> str:
    value = session.scalar(select(CitySetting.value).where(CitySetting.key == TIMEZONE_KEY))
    return value or default


@dataclass
class ApplyReport:
    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.deleted.values())

    def summary(self) -> str:
        parts = []
        for label, bucket in (("created", self.created), ("updated", self.updated), ("deleted", self.deleted)):
            n = sum(len(v) for v in bucket.values())
            parts.append(f"{n} {label}")
        parts.append(f"{self.unchanged} unchanged")
        return ", ".join(parts)


def apply_config(session: Session, config: CityConfig, *, prune: bool = False) -> ApplyReport:
    """Make the database hold what ``config`` lists; idempotent. With ``prune``, remove what it no longer lists."""
    report = ApplyReport()
    if config.timezone is not None:
        setting = session.get(CitySetting, TIMEZONE_KEY)
        if setting is None:
            session.add(CitySetting(key=TIMEZONE_KEY, value=config.timezone))
            report.created.setdefault("settings", []).append(TIMEZONE_KEY)
        elif setting.value != config.timezone:
            setting.value = config.timezone
            report.updated.setdefault("settings", []).append(TIMEZONE_KEY)
        else:
            report.unchanged += 1
    for kind in KINDS:
        for data in getattr(config, kind.plural):
            key = kind.key_of(data)
            obj = repo.find(session, kind, key)
            if obj is None:
                create(session, kind, data)
                report.created.setdefault(kind.plural, []).append(str(key))
            elif kind.to_schema(obj) != data:
                kind.fill(session, obj, data)
                session.flush()
                report.updated.setdefault(kind.plural, []).append(str(key))
            else:
                report.unchanged += 1
    if prune:
        for kind in reversed(KINDS):
            wanted = {kind.key_of(d) for d in getattr(config, kind.plural)}
            for obj in repo.list_all(session, kind):
                key = getattr(obj, kind.key_field)
                if key not in wanted:
                    remove(session, kind, key)
                    report.deleted.setdefault(kind.plural, []).append(str(key))
        if config.timezone is None:
            session.execute(delete(CitySetting).where(CitySetting.key == TIMEZONE_KEY))
    return report


def export_config(session: Session) -> CityConfig:
    sections = {kind.plural: [kind.to_schema(o) for o in repo.list_all(session, kind)] for kind in KINDS}
    timezone = session.scalar(select(CitySetting.value).where(CitySetting.key == TIMEZONE_KEY))
    return CityConfig(timezone=timezone, **sections)
