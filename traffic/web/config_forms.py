"""Forms for the city's configuration, derived from the same pydantic schemas the API and the city file use.

Each field of a schema becomes one control: text, number, date, checkbox, a choice from a vocabulary, a choice of
existing codes (for references such as a segment's district or a rule's time slots), or JSON for shapes such as a
zone or a geometry. The page's script sends the values to the API's create and replace routes, so the services and
their validation are the API's own.
"""
from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

REFERENCES = {  # field name -> the kind whose codes it names
    "district": "districts", "districts": "districts", "segment": "segments", "segments": "segments",
    "time_slots": "time_slots",
}
VOCABULARY_PREFIXES = {"vehicle_types": "vehicle", "road_class": "road_class", "kind": "holiday_kind",
                       "action": "rule_action"}


@dataclass
class FieldSpec:
    name: str
    widget: str  # text | number | date | checkbox | select | checks | json
    required: bool
    options: list[str] = field(default_factory=list)
    option_prefix: str | None = None  # catalogue prefix of the option labels; None: options are codes
    reference: str | None = None  # the kind whose codes fill the options


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None``, and whether it was optional; constraints (``Annotated``) are dropped.

    Pydantic strips ``Annotated`` only at the top, so an optional constrained code (a unit's ``Code | None``
    district) still carries it here.
    """
    optional = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation, optional = args[0], True
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def _spec(name: str, annotation: Any, required: bool) -> FieldSpec:
    inner, optional = _unwrap_optional(annotation)
    required = required and not optional
    origin = typing.get_origin(inner)
    args = tuple(typing.get_args(a)[0] if typing.get_origin(a) is typing.Annotated else a
                 for a in typing.get_args(inner))
    prefix = VOCABULARY_PREFIXES.get(name)
    if name == "days":  # "all", "workdays", "rest_days", or weekdays separated by commas
        return FieldSpec(name, "days", required)
    if inner is bool:
        return FieldSpec(name, "checkbox", False)
    if inner in (int, float):
        return FieldSpec(name, "number", required)
    if inner is dt.date:
        return FieldSpec(name, "date", required)
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return FieldSpec(name, "select", required, [m.value for m in inner], prefix)
    if origin is Literal:
        return FieldSpec(name, "select", required, [str(a) for a in args], prefix)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], enum.Enum):
        return FieldSpec(name, "checks", required, [m.value for m in args[0]], prefix)
    if name in REFERENCES and (inner is str or (origin is list and args == (str,))):
        return FieldSpec(name, "select" if inner is str else "checks", required, reference=REFERENCES[name])
    if inner is str:
        return FieldSpec(name, "text", required)
    return FieldSpec(name, "json", required)


def form_fields(schema: type[BaseModel], codes_of: dict[str, list[str]]) -> list[FieldSpec]:
    """The controls of a schema's form; references are filled with the codes that exist now."""
    specs = []
    for name, info in schema.model_fields.items():
        spec = _spec(name, info.annotation, info.is_required())
        if spec.reference:
            spec.options = codes_of.get(spec.reference, [])
        specs.append(spec)
    return specs
