"""Rules for changing the city's reference data: create, replace, delete, and apply or export a whole city file."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CitySetting
from models.enums import Role
from traffic.errors import AlreadyExists, Conflict, Forbidden, InvalidInput, NotFound
from traffic.schemas.city import CityConfig
from traffic.services import audit
from traffic.services import city_repository as repo
from traffic.services.actors import Actor
from traffic.services.city_repository import KINDS, Kind

TIMEZONE_KEY = "timezone"
REVIEW_DAYS_KEY = "review_days"
CAMPAIGN_START_KEY = "campaign_start"
DEFAULT_REVIEW_DAYS = 10
# City-wide settings of the city file, each stored as text in city_settings: (key, text -> value).
SETTINGS: tuple[tuple[str, Any], ...] = (
    (TIMEZONE_KEY, str),
    (REVIEW_DAYS_KEY, int),
    (CAMPAIGN_START_KEY, dt.date.fromisoformat),
)


def get(session: Session, kind: Kind, key: Any, actor: Actor | None = None):
    """The entity at ``key``; with an ``actor``, one outside their districts is reported as not existing."""
    obj = repo.find(session, kind, key, actor)
    if obj is None:
        raise NotFound(f"{kind.name} {key} does not exist")
    return obj


def _require_admin(actor: Actor | None, kind: Kind) -> None:
    """Only admins configure the city (a change without an actor comes from a city file apply, checked there)."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden(f"only an admin may change {kind.plural.replace('_', ' ')}")


def _audit(session: Session, actor: Actor | None, kind: Kind, key: Any, action: str, before, after) -> None:
    """One audit entry per change made through the API; a city file apply writes one entry for the whole file."""
    if actor is not None:
        audit.record_change(
            session, actor, entity=kind.name.replace(" ", "_"), key=str(key), action=action,
            before=before.model_dump(mode="json") if before is not None else None,
            after=after.model_dump(mode="json") if after is not None else None,
        )


def create(session: Session, kind: Kind, data: BaseModel, *, actor: Actor | None = None):
    _require_admin(actor, kind)
    key = kind.key_of(data)
    if repo.key_exists(session, kind, key):
        raise AlreadyExists(f"{kind.name} {key} already exists")
    obj = kind.model()
    kind.fill(session, obj, data)
    session.add(obj)
    session.flush()
    _audit(session, actor, kind, key, "create", None, kind.to_schema(obj))
    return obj


def replace(session: Session, kind: Kind, key: Any, data: BaseModel, *, actor: Actor | None = None):
    """Update the entity at ``key`` with ``data``; renaming the key is refused (it is the identity)."""
    _require_admin(actor, kind)
    obj = get(session, kind, key)
    if kind.key_of(data) != key:
        raise InvalidInput(f"the body's {kind.key_field} {kind.key_of(data)} differs from the path's {key}")
    before = kind.to_schema(obj)
    kind.fill(session, obj, data)
    session.flush()
    _audit(session, actor, kind, key, "update", before, kind.to_schema(obj))
    return obj


def remove(session: Session, kind: Kind, key: Any, *, actor: Actor | None = None) -> None:
    _require_admin(actor, kind)
    obj = get(session, kind, key)
    users = kind.users(session, obj)
    if users:
        raise Conflict(f"{kind.name} {key} is still used by: {', '.join(users)}")
    before = kind.to_schema(obj)
    session.delete(obj)
    session.flush()
    _audit(session, actor, kind, key, "delete", before, None)


def city_timezone(session: Session, default: str) -> str:
    value = session.scalar(select(CitySetting.value).where(CitySetting.key == TIMEZONE_KEY))
    return value or default


def city_review_days(session: Session, default: int = DEFAULT_REVIEW_DAYS) -> int:
    """Days to review a capture: the city file's review_days wins over the deployment's setting."""
    value = session.scalar(select(CitySetting.value).where(CitySetting.key == REVIEW_DAYS_KEY))
    return int(value) if value else default


def city_campaign_start(session: Session) -> dt.date | None:
    value = session.scalar(select(CitySetting.value).where(CitySetting.key == CAMPAIGN_START_KEY))
    return dt.date.fromisoformat(value) if value else None


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
    for key, _ in SETTINGS:
        _apply_setting(session, report, key, getattr(config, key))
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
        unset = [key for key, _ in SETTINGS if getattr(config, key) is None]
        session.execute(delete(CitySetting).where(CitySetting.key.in_(unset)))
    return report


def _apply_setting(session: Session, report: ApplyReport, key: str, value: Any) -> None:
    if value is None:
        return
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    setting = session.get(CitySetting, key)
    if setting is None:
        session.add(CitySetting(key=key, value=text))
        report.created.setdefault("settings", []).append(key)
    elif setting.value != text:
        setting.value = text
        report.updated.setdefault("settings", []).append(key)
    else:
        report.unchanged += 1


def apply_config_audited(session: Session, actor: Actor, config: CityConfig, *, prune: bool = False) -> ApplyReport:
    """`apply_config` plus one audit entry holding the whole configuration before and after, when anything changed."""
    before = export_config(session).model_dump(mode="json")
    report = apply_config(session, config, prune=prune)
    if report.changed:
        session.flush()
        audit.record_change(session, actor, entity="city_file", key="city", action="apply", before=before,
                            after=export_config(session).model_dump(mode="json"), note=report.summary())
    return report


def export_config(session: Session) -> CityConfig:
    sections = {kind.plural: [kind.to_schema(o) for o in repo.list_all(session, kind)] for kind in KINDS}
    stored = dict(session.execute(select(CitySetting.key, CitySetting.value)).tuples().all())
    settings = {key: parse(stored[key]) for key, parse in SETTINGS if stored.get(key)}
    return CityConfig(**settings, **sections)
