"""Detector versions: register weights with their hash and class map, list them, activate one city-wide or per camera.

A version is NAME:VERSION. Its SHA-256 names the exact weights in evidence manifests, so activation re-hashes the file
and refuses weights that changed on disk. The latest activation of a scope wins; a camera's own beats the city's; when
nothing is active, the default model of the settings runs, registered on first use so every sighting has a row.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Camera, DetectorActivation, DetectorVersion
from traffic.db import insert_or_nothing
from traffic.digests import file_sha256
from traffic.errors import Conflict, InvalidInput, NotFound
from traffic.services.actors import Actor
from traffic.services.audit import record_change
from traffic.services.utc import utc_now

ENTITY = "detector_version"
AUTO_NOTE = "registered automatically on first use: the default model of the settings (TRAFFIC_MODEL_PATH)"


class WorseModel(Conflict):
    """Activation refused: the candidate scores lower on the held-out split than the version it would replace."""


def parse_ref(ref: str) -> tuple[str, str]:
    """NAME:VERSION → (name, version)."""
    name, colon, version = ref.rpartition(":")
    if not colon or not name or not version:
        raise InvalidInput(f"{ref!r} is not NAME:VERSION (see `traffic model list`)")
    return name, version


def weights_sha256(path: Path) -> str:
    """The SHA-256 of a weights file, or of an export folder's files in name order."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return file_sha256(*files)


def class_map_path_for(weights: Path, override: Path | None = None) -> Path:
    """The class map of ``weights``: the one given, else class_map.yaml beside them."""
    return Path(override) if override else (weights if weights.is_dir() else weights.parent) / "class_map.yaml"


def read_class_map(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise InvalidInput(f"class map not found: {path} (give --class-map or put class_map.yaml beside the weights)")
    mapping = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(mapping, dict):
        raise InvalidInput(f"{path}: a class map is a mapping `model class: category`")
    return {str(k): str(v) for k, v in mapping.items()}


@dataclass(frozen=True)
class Candidate:
    """Weights about to be registered, already inspected (hash, class names, class map checked against them)."""

    path: Path
    sha256: str
    classes: list[str]
    class_map: dict[str, str]


def inspect_weights(weights: Path, class_map: Path | None = None,
                    names_of: Callable[[Path], dict[int, str]] | None = None) -> Candidate:
    """Hash ``weights``, read their class names and check the class map against them (a typo fails here)."""
    from detection.class_map import ClassMap, ClassMapError
    from detection.detector import Detector, DetectorError

    weights = weights.resolve()
    if not weights.exists():
        raise InvalidInput(f"model weights not found: {weights}")
    mapping = read_class_map(class_map_path_for(weights, class_map))
    try:
        names = names_of(weights) if names_of else Detector(weights).names
        ClassMap(mapping, names)
    except (ClassMapError, DetectorError) as exc:
        raise InvalidInput(str(exc)) from exc
    return Candidate(weights, weights_sha256(weights), [names[i] for i in sorted(names)], mapping)


def register(session: Session, candidate: Candidate, name: str, version: str, *, actor: Actor | None = None,
             notes: str | None = None, metrics: dict[str, Any] | None = None) -> DetectorVersion:
    """Add a version row; flushes. NAME:VERSION is unique (409 when taken)."""
    if not name or not version or ":" in name or "@" in name:
        raise InvalidInput("a model name must be non-empty, without ':' or '@'; the version non-empty")
    if session.scalar(select(DetectorVersion.id).where(DetectorVersion.name == name,
                                                       DetectorVersion.version == version)) is not None:
        raise Conflict(f"model {name}:{version} is already registered")
    row = DetectorVersion(name=name, version=version, sha256=candidate.sha256, weights_path=str(candidate.path),
                          classes=candidate.classes, class_map=candidate.class_map, metrics=metrics or {},
                          notes=notes, created_at=utc_now())
    session.add(row)
    session.flush()
    if actor is not None:
        record_change(session, actor, entity=ENTITY, key=row.ref, action="create", before=None,
                      after={"sha256": row.sha256, "weights_path": row.weights_path, "notes": notes})
    return row


def ensure_default(session: Session, weights: Path, class_map: Path | None = None) -> DetectorVersion:
    """The row of the settings' default model, registered on first use (safe when two workers race); flushes."""
    weights = weights.resolve()
    digest = weights_sha256(weights)
    found = session.scalar(select(DetectorVersion).where(DetectorVersion.sha256 == digest)
                           .order_by(DetectorVersion.id).limit(1))
    if found is not None:
        return found
    candidate = inspect_weights(weights, class_map)
    name = weights.stem if weights.is_file() else weights.name
    values = dict(name=name, version=digest[:12], sha256=digest, weights_path=str(weights),
                  classes=candidate.classes, class_map=candidate.class_map, metrics={}, notes=AUTO_NOTE,
                  created_at=utc_now())
    return _insert_or_find(session, values)


def weightless_version(session: Session, name: str, version: str, notes: str) -> DetectorVersion:
    """A version row for rows no model made (seeded history, tests): no weights, no hash; made once, then found."""
    values = dict(name=name, version=version, sha256=None, weights_path=None, classes=[], class_map={}, metrics={},
                  notes=notes, created_at=utc_now())
    return _insert_or_find(session, values)


def _insert_or_find(session: Session, values: dict[str, Any]) -> DetectorVersion:
    """Insert a version row unless NAME:VERSION exists (safe when two processes race), then read it."""
    session.execute(insert_or_nothing(session, DetectorVersion, values, ["name", "version"]))
    return session.scalars(select(DetectorVersion).where(DetectorVersion.name == values["name"],
                                                         DetectorVersion.version == values["version"])).one()


def find_version(session: Session, ref: str) -> DetectorVersion:
    name, version = parse_ref(ref)
    row = session.scalar(select(DetectorVersion).where(DetectorVersion.name == name,
                                                       DetectorVersion.version == version))
    if row is None:
        raise NotFound(f"no model {ref} is registered (see `traffic model list`)")
    return row


def activation_generation(session: Session) -> int:
    """Grows with every activation: workers compare it per batch, a cheap primary-key lookup."""
    return int(session.scalar(select(func.coalesce(func.max(DetectorActivation.id), 0))))


def active_version(session: Session, camera_id: int | None) -> DetectorVersion | None:
    """The version activated for the camera, else city-wide (camera_id None: city-wide only); None when neither."""
    for scope in ([camera_id, None] if camera_id is not None else [None]):
        where = DetectorActivation.camera_id.is_(None) if scope is None else DetectorActivation.camera_id == scope
        version_id = session.scalar(select(DetectorActivation.detector_version_id).where(where)
                                    .order_by(DetectorActivation.id.desc()).limit(1))
        if version_id is not None:
            return session.get(DetectorVersion, version_id)
    return None


def held_out_map50(version: DetectorVersion, dataset: str | None = None) -> float | None:
    """The version's stored mAP50 on its held-out split (on ``dataset`` when given); None when not measured there."""
    metrics = version.metrics or {}
    if "all" not in metrics or (dataset is not None and metrics.get("dataset_sha256") != dataset):
        return None
    return float(metrics["all"]["map50"])


def check_not_worse(candidate: DetectorVersion, current: DetectorVersion | None,
                    rescore: Callable[[DetectorVersion, dict[str, Any]], float | None] | None = None) -> str:
    """Raise WorseModel when ``candidate`` scores lower mAP50 than ``current`` on the candidate's held-out dataset.

    ``current`` is judged by its stored metrics when they are on the same dataset (same digest), else re-scored
    with ``rescore`` on that dataset. Returns why activation may go ahead.
    """
    if current is None or current.id == candidate.id:
        return "nothing active to compare with"
    mine = held_out_map50(candidate)
    if mine is None:
        raise InvalidInput(f"model {candidate.ref} has no held-out metrics; register it with --metrics-from-eval, "
                           "or activate it with --force")
    dataset = candidate.metrics.get("dataset_sha256")
    theirs = held_out_map50(current, dataset)
    if theirs is None and rescore is not None:
        theirs = rescore(current, candidate.metrics)
    if theirs is None:
        return f"{current.ref} was never scored on {candidate.metrics.get('dataset')}: not compared"
    if mine < theirs:
        raise WorseModel(f"model {candidate.ref} is worse than the active {current.ref} on the held-out split of "
                         f"{candidate.metrics.get('dataset')}: mAP50 {mine:.3f} < {theirs:.3f}; "
                         "use --force to activate it anyway")
    return f"mAP50 {mine:.3f} ≥ {theirs:.3f} of {current.ref}"


def activate(session: Session, version: DetectorVersion, *, camera_code: str | None, actor: Actor,
             force: bool = False, rescore: Callable[[DetectorVersion, dict[str, Any]], float | None] | None = None,
             default: DetectorVersion | None = None) -> str:
    """Make ``version`` the active one city-wide or for one camera; flushes. Returns the comparison's verdict.

    Refuses weights missing or changed on disk, and (unless ``force``) a version worse than the one it replaces
    (``default`` stands for the settings' model when nothing is active).
    """
    if version.weights_path is None or version.sha256 is None:
        raise InvalidInput(f"model {version.ref} has no weights on record (a version made from old sightings)")
    path = Path(version.weights_path)
    if not path.exists():
        raise InvalidInput(f"the weights of {version.ref} are gone: {path}")
    if weights_sha256(path) != version.sha256:
        raise Conflict(f"the weights of {version.ref} at {path} changed since registration (SHA-256 differs); "
                       "register them as a new version")
    camera_id = None
    if camera_code is not None:
        camera_id = session.scalar(select(Camera.id).where(Camera.code == camera_code))
        if camera_id is None:
            raise NotFound(f"no camera {camera_code!r}")
    current = active_version(session, camera_id) or default
    verdict = "forced" if force else check_not_worse(version, current, rescore)
    session.add(DetectorActivation(detector_version_id=version.id, camera_id=camera_id, forced=force,
                                   activated_by=actor.username, activated_at=utc_now()))
    session.flush()
    record_change(session, actor, entity=ENTITY, key=version.ref, action="activate",
                  before={"active": current.ref if current else None},
                  after={"active": version.ref, "camera": camera_code, "forced": force}, note=verdict)
    return verdict


def version_listing(session: Session) -> list[dict[str, Any]]:
    """Every version with where it is active now: {"city": bool, "cameras": [codes]} (what `model list` prints)."""
    city = active_version(session, None)
    latest = (select(DetectorActivation.camera_id, func.max(DetectorActivation.id).label("id"))
              .where(DetectorActivation.camera_id.is_not(None)).group_by(DetectorActivation.camera_id).subquery())
    per_camera: dict[int, list[str]] = {}
    rows = session.execute(select(DetectorActivation.detector_version_id, Camera.code)
                           .join(latest, latest.c.id == DetectorActivation.id)
                           .join(Camera, Camera.id == DetectorActivation.camera_id).order_by(Camera.code))
    for version_id, code in rows:
        per_camera.setdefault(version_id, []).append(code)
    return [
        {"name": v.name, "version": v.version, "path": v.weights_path, "sha256": v.sha256, "classes": v.classes,
         "class_map": v.class_map, "metrics": v.metrics, "notes": v.notes, "created_at": v.created_at.isoformat(),
         "active": {"city": city is not None and city.id == v.id, "cameras": per_camera.get(v.id, [])}}
        for v in session.scalars(select(DetectorVersion).order_by(DetectorVersion.name, DetectorVersion.id))
    ]
