"""One message catalogue: every key has Chinese and English, and every key the pages and scripts use exists."""
from __future__ import annotations

import re
from pathlib import Path

from traffic.web.i18n import LANGUAGES, catalogue

WEB = Path(__file__).resolve().parents[3] / "traffic" / "web"
KEY_IN_TEMPLATE = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]*[a-z0-9])["']""")


def test_every_key_has_every_language() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key


def test_every_key_a_template_or_script_names_exists() -> None:
    keys = set(catalogue())
    used = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/*.js")]:
        used |= set(KEY_IN_TEMPLATE.findall(path.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys"
    assert sorted(used - keys) == []


def test_vocabularies_are_translated() -> None:
    from models.enums import ActionTaken, DismissReason, RecordStatus, Role, VehicleType

    keys = set(catalogue())
    for prefix, values in (("status", RecordStatus), ("reason", DismissReason), ("role", Role),
                           ("vehicle", VehicleType), ("taken", ActionTaken)):
        assert {f"{prefix}.{v.value}" for v in values} <= keys, prefix


def test_templates_hold_no_chinese_or_english_prose() -> None:
    for path in WEB.glob("templates/*.html"):
        text = re.sub(r"\{[{%#].*?[}%#]\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        assert not re.search(r"[\u4e00-\u9fff]", text.replace("（", "").replace("）", "")), path.name
        words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ("Shift", "Enter", "Esc")]
        assert words == [], (path.name, words[:10])


def test_every_configuration_kind_and_field_has_a_label() -> None:
    from traffic.services.city_repository import KINDS

    keys = set(catalogue())
    for kind in KINDS:
        assert f"config.kind.{kind.plural}" in keys
        assert {f"field.{name}" for name in kind.schema.model_fields} <= keys, kind.plural
