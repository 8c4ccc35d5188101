"""The class map: which of a model's classes mean which of our categories.

A class map is a flat YAML mapping `model class name: category`, for example::

    car: e_four_wheeler
    tricycle: e_tricycle
    license_plate: plate
    motorcycle: ignore

Model classes the map does not list are ignored. A class listed as `ignore` is a **distractor**: something the model
was taught to tell from our vehicles (a car, a two-wheeler): a vehicle box on the same object as a distractor box
the model is more than half as sure of is not tracked (the pipeline's `distractor_box_iou`). A map that names a
class the model does not have is refused, so a typo or a map written for another model fails loudly instead of
silently detecting nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import yaml

from detection.types import CATEGORIES, VEHICLE_CATEGORIES


class ClassMapError(ValueError):
    """A class map that cannot be used with the model at hand."""


class ClassMap:
    """Maps a model's class ids to our categories, resolved once against the model's class names."""

    def __init__(self, mapping: Mapping[str, str], model_names: Mapping[int, str]):
        """Check `mapping` (class name -> category) against the model's `{id: name}` and resolve it to ids."""
        if not mapping:
            raise ClassMapError("the class map is empty: map at least one model class to a category")
        bad_categories = {name: cat for name, cat in mapping.items() if cat not in CATEGORIES}
        if bad_categories:
            listed = ", ".join(f"{name!r}: {cat!r}" for name, cat in bad_categories.items())
            raise ClassMapError(f"unknown categories in the class map ({listed}); use one of {', '.join(CATEGORIES)}")
        ids_by_name: dict[str, int] = {}
        for class_id, name in model_names.items():
            ids_by_name.setdefault(str(name), int(class_id))
        missing = [name for name in mapping if str(name) not in ids_by_name]
        if missing:
            raise ClassMapError(
                f"the class map names {', '.join(repr(m) for m in missing)}, which the model does not have; "
                f"the model's classes are: {', '.join(str(n) for n in model_names.values())}"
            )
        self.mapping: dict[str, str] = {str(k): str(v) for k, v in mapping.items()}
        self.model_names: dict[int, str] = {int(k): str(v) for k, v in model_names.items()}
        self._category_by_id: dict[int, str] = {ids_by_name[name]: cat for name, cat in self.mapping.items()}
        size = max(self.model_names, default=-1) + 1
        self._vehicle_mask = np.zeros(size, bool)
        self._plate_mask = np.zeros(size, bool)
        self._distractor_mask = np.zeros(size, bool)
        for class_id, category in self._category_by_id.items():
            self._vehicle_mask[class_id] = category in VEHICLE_CATEGORIES
            self._plate_mask[class_id] = category == "plate"
            self._distractor_mask[class_id] = category == "ignore"

    @classmethod
    def load(cls, path: str | Path, model_names: Mapping[int, str]) -> ClassMap:
        """Read a class map YAML file and check it against the model's class names."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ClassMapError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ClassMapError(f"{path}: a class map is a flat mapping 'model class name: category'")
        try:
            return cls({str(k): v for k, v in data.items()}, model_names)
        except ClassMapError as exc:
            raise ClassMapError(f"{path}: {exc}") from None

    @property
    def has_plate_class(self) -> bool:
        """Whether the model finds plates itself (some class maps to `plate`)."""
        return bool(self._plate_mask.any())

    def category(self, class_id: int) -> str:
        """Our category for a model class id; `ignore` for classes the map does not list."""
        return self._category_by_id.get(int(class_id), "ignore")

    def vehicle_mask(self, class_ids: np.ndarray) -> np.ndarray:
        """Boolean mask of the detections whose class is a vehicle category."""
        return self._lookup(self._vehicle_mask, class_ids)

    def plate_mask(self, class_ids: np.ndarray) -> np.ndarray:
        """Boolean mask of the detections whose class maps to `plate`."""
        return self._lookup(self._plate_mask, class_ids)

    def distractor_mask(self, class_ids: np.ndarray) -> np.ndarray:
        """Boolean mask of the detections whose class the map lists as `ignore` (not those it leaves out)."""
        return self._lookup(self._distractor_mask, class_ids)

    @staticmethod
    def _lookup(table: np.ndarray, class_ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(class_ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(table))
        out = np.zeros(len(ids), bool)
        out[inside] = table[ids[inside]]
        return out

    def __repr__(self) -> str:
        return f"ClassMap({self.mapping!r})"
