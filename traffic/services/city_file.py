"""Read a city YAML file into a CityConfig, refusing it whole with messages that name the file, line and field."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from traffic.errors import ConfigError
from traffic.schemas.city import CityConfig
from traffic.services import city_repository as repo
from traffic.services.city_repository import KINDS

Loc = tuple[Any, ...]

# Which section each reference field points at.
REFERENCES = {
    "segments": {"district": "districts"},
    "cameras": {"segment": "segments"},
    "rules": {"segments": "segments", "districts": "districts", "time_slots": "time_slots"},
    "units": {"district": "districts"},  # optional: a unit without a district is a city-level unit
}


class _LineMap:
    """Where each value of the YAML document starts (1-based line), by its path of keys and indexes."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.lines: dict[Loc, int] = {}
        self.duplicates: list[tuple[Loc, int]] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Loc) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.duplicates.append((path + (key,), key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                self._walk(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,))

    def line_of(self, loc: Loc) -> int | None:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _where(path: Path, lines: _LineMap, loc: Loc) -> str:
    line = lines.line_of(loc)
    field = ".".join(str(p) for p in loc) or "(document)"
    return f"{path}:{line}: {field}" if line else f"{path}: {field}"


def _clock_from_sexagesimal(document: Any) -> None:
    """YAML 1.1 reads an unquoted 07:30 as the integer 450 (base 60), which is minutes since midnight."""
    if not isinstance(document, dict):
        return
    for slot in document.get("time_slots") or []:
        if isinstance(slot, dict):
            for key in ("start", "end"):
                value = slot.get(key)
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
                    slot[key] = f"{value // 60:02d}:{value % 60:02d}"


def parse_city_text(text: str, path: Path) -> tuple[CityConfig, _LineMap]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    lines = _LineMap(root)
    if lines.duplicates:
        raise ConfigError(
            "; ".join(f"{_where(path, lines, loc)}: key given twice" for loc, _ in lines.duplicates)
        )
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path}:1: the city file must be a mapping of sections (districts, segments, ...)")
    _clock_from_sexagesimal(document)
    try:
        config = CityConfig.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-after")))
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{_where(path, lines, loc)}: {message}")
        raise ConfigError("; ".join(problems)) from exc
    _check_unique_keys(config, lines, path)
    return config, lines


def _check_unique_keys(config: CityConfig, lines: _LineMap, path: Path) -> None:
    problems = []
    for kind in KINDS:
        seen: dict[Any, int] = {}
        for index, item in enumerate(getattr(config, kind.plural)):
            key = kind.key_of(item)
            if key in seen:
                problems.append(
                    f"{_where(path, lines, (kind.plural, index, kind.key_field))}: "
                    f"{kind.name} {key} is listed twice (first at item {seen[key]})"
                )
            seen.setdefault(key, index)
    if problems:
        raise ConfigError("; ".join(problems))


def check_references(
    session: Session, config: CityConfig, lines: _LineMap, path: Path, *, prune: bool
) -> None:
    """Every code a file refers to must be defined in the file, or (without --prune) already stored."""
    problems = []
    for section, fields in REFERENCES.items():
        for index, item in enumerate(getattr(config, section)):
            for field_name, target in fields.items():
                kind = next(k for k in KINDS if k.plural == target)
                defined = {kind.key_of(d) for d in getattr(config, target)}
                values = getattr(item, field_name)
                for code in values if isinstance(values, list) else [values] if values is not None else []:
                    if code in defined or (not prune and repo.key_exists(session, kind, code)):
                        continue
                    problems.append(
                        f"{_where(path, lines, (section, index, field_name))}: {kind.name} {code!r} is not defined"
                    )
    if problems:
        raise ConfigError("; ".join(problems))


def load_city_file(path: Path) -> tuple[CityConfig, _LineMap]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    return parse_city_text(text, path)


def dump_city(config: CityConfig) -> str:
    data = config.model_dump(mode="python", exclude_none=False)
    for camera in data["cameras"]:
        if camera["zone"] is not None:
            camera["zone"] = [list(p) for p in camera["zone"]]
    for segment in data["segments"]:
        if segment["geometry"] is not None:
            segment["geometry"] = [list(p) for p in segment["geometry"]]
    for setting in ("timezone", "review_days", "campaign_start"):
        if data[setting] is None:
            del data[setting]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
