"""Settings from the environment (prefix ``TRAFFIC_``); nothing is read at import time."""
from __future__ import annotations

import secrets
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "development", "please-change"}
SECRET_FILE_NAME = "secret_key"
DEMO_DIR = Path(__file__).resolve().parent / "demo"


class Settings(BaseSettings):
    """Runtime configuration. Build one explicitly (``Settings()``) and hand it to the app or CLI."""

    model_config = SettingsConfigDict(env_prefix="TRAFFIC_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default="", description="SQLAlchemy URL; default: SQLite under ./var/")
    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("var/data")
    secret_key: SecretStr | None = None
    queue_url: str | None = Field(default=None, description="redis://... to use a broker instead of the database")
    max_upload_bytes: int = 10 * 1024 * 1024
    cjk_font: Path | None = Field(default=None, description="font file with CJK glyphs for evidence overlays")
    events_poll_interval: float = Field(default=1.0, gt=0, description="seconds between outbox polls of /events")
    events_keepalive: float = Field(default=15.0, gt=0, description="seconds of silence before an SSE keep-alive")
    events_stream_max_s: float = Field(
        default=3600.0, ge=0, description="seconds after which /events ends a stream; clients resume by Last-Event-ID"
    )
    webhook_max_attempts: int = Field(default=8, ge=1, description="deliveries given up after this many failures")
    webhook_backoff_base: float = Field(default=30.0, gt=0, description="seconds before the first retry; doubles")
    webhook_backoff_max: float = Field(default=6 * 3600.0, gt=0, description="longest wait between retries")
    webhook_timeout: float = Field(default=10.0, gt=0, description="seconds allowed per webhook request")
    webhook_poll_interval: float = Field(default=2.0, gt=0, description="seconds between dispatcher passes")
    model_path: Path = Field(default=DEMO_DIR / "starter.pt", description="YOLO weights: .pt, .onnx or OpenVINO dir")
    class_map_path: Path | None = Field(default=None, description="class map YAML; default: class_map.yaml beside it")
    device: str = "cpu"
    detector_conf: float = Field(default=0.25, ge=0.0, le=1.0)
    detector_imgsz: int | None = Field(default=None, ge=32, description="inference size; default: the model's own")
    detector_use_exports: bool = Field(
        default=True, description="run the OpenVINO (INT8 first) export made from the .pt weights when one is beside it")
    zone_inertia: int = Field(default=3, ge=1, description="consecutive in-zone frames before a vehicle counts")
    read_plates: bool = True
    review_days: int = Field(default=10, ge=1, description="days to review a capture (Art. 19-20: 10)")
    # Accounts and sign-in (docs/access-control.md).
    token_lifetime_s: int = Field(default=8 * 3600, ge=60, description="seconds an API token stays valid")
    login_max_failures: int = Field(default=5, ge=1, description="failed sign-ins per user or address before 429")
    login_window_s: int = Field(default=15 * 60, ge=1, description="seconds over which failed sign-ins count")
    password_time_cost: int = Field(default=3, ge=1, description="Argon2 passes; a change rehashes on next login")
    password_memory_kib: int = Field(default=64 * 1024, ge=64, description="Argon2 memory; rehashes on next login")
    demo_password: SecretStr | None = Field(default=None, description="`traffic demo` accounts; default: random")
    # Push ingest and its workers (docs/ingest.md).
    max_capture_ahead_s: float = Field(default=300.0, ge=0, description="refuse captured_at further in the future")
    clock_tolerance_s: float = Field(default=1.0, ge=0, description="flag a camera clock further off (GA/T 832: 1 s)")
    clock_transit_allowance_s: float = Field(
        default=2.0, ge=0, description="upload time allowed before a frame behind the server clock is flagged")
    queue_prefix: str = Field(default="traffic", min_length=1, description="Redis key prefix (stream, group, lock)")
    embedded_workers: int = Field(default=1, ge=0, description="worker threads inside `traffic serve`; 0: none")
    worker_batch: int = Field(default=16, ge=1, description="frames a worker takes from one camera per round")
    worker_poll_s: float = Field(default=0.5, gt=0, description="idle wait between looks for new frames")
    camera_lease_s: float = Field(default=30.0, gt=0, description="how long a worker holds a camera without news")
    camera_quiet_s: float = Field(default=20.0, gt=0, description="end open tracks after this long without frames")
    frame_max_attempts: int = Field(default=3, ge=1, description="tries before a frame is marked failed")
    camera_retry_s: float = Field(default=30.0, gt=0, description="first wait before a quarantined camera is retried")
    camera_retry_max_s: float = Field(default=1800.0, gt=0, description="longest wait between quarantine retries")
    queue_reconcile_s: float = Field(default=30.0, gt=0, description="Redis: re-announce frames queued this long")
    map_tile_url: str | None = Field(
        default=None, description="the city's own map tiles under the dashboard's map: https://host/{z}/{x}/{y}.png")
    # Operations (docs/operations.md): /metrics is closed (404) until one of these two is set.
    metrics_networks: list[IPv4Network | IPv6Network] = Field(
        default_factory=list, description='CIDR list allowed to scrape /metrics, e.g. ["10.0.0.0/8"] (JSON)'
    )
    metrics_token: SecretStr | None = Field(default=None, description="bearer token that opens /metrics")
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="log lines as JSON or text; default: text on a terminal, JSON otherwise"
    )
    log_level: str = Field(default="INFO", description="root log level")
    db_retry_after_s: int = Field(default=5, ge=1, description="Retry-After of a 503 while the database is down")
    frame_store_url: str | None = Field(default=None, description="s3://bucket/prefix; default: DATA_DIR/frames")
    frame_store_endpoint: str | None = Field(default=None, description="S3-compatible endpoint (MinIO...)")
    # Frame retention (docs/operations.md): evidence packages and open or held records' frames are always kept.
    frame_retention_hours: float = Field(default=24.0, gt=0, description="processed frames that fed no sighting")
    sighting_frame_retention_days: float = Field(default=30.0, gt=0, description="frames that fed a sighting")
    retention_interval_minutes: float = Field(
        default=60.0, ge=0, description="minutes between retention runs inside `traffic serve`; 0: never"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("queue_url")
    @classmethod
    def _redis_queue(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"TRAFFIC_QUEUE_URL must be a redis://, rediss:// or unix:// URL, got {value!r}")
        return value or None

    @field_validator("map_tile_url")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        # The pages' CSP allows this one origin for images: it must be an absolute http(s) URL with no credentials.
        if parts.scheme not in ("http", "https") or not parts.hostname or "{" in parts.netloc or parts.username \
                or parts.password:
            raise ValueError(f"TRAFFIC_MAP_TILE_URL must be an http:// or https:// URL, got {value!r}")
        missing = [p for p in ("{z}", "{x}", "{y}") if p not in value]
        if missing:
            raise ValueError(f"TRAFFIC_MAP_TILE_URL needs the placeholders {{z}}, {{x}} and {{y}}; missing {missing}")
        return value

    def map_tile_origin(self) -> str | None:
        """scheme://host[:port] of the tile server, the one origin the pages may load images from besides their own."""
        if not self.map_tile_url:
            return None
        parts = urlsplit(self.map_tile_url)
        return f"{parts.scheme}://{parts.netloc}"

    @field_validator("metrics_token")
    @classmethod
    def _blank_token_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("frame_store_url")
    @classmethod
    def _s3_url(cls, value: str | None) -> str | None:
        if value and not (value.startswith("s3://") and len(value) > len("s3://")):
            raise ValueError(f"TRAFFIC_FRAME_STORE_URL must be an s3://bucket/prefix URL, got {value!r}")
        return value or None

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{Path('var') / 'traffic.sqlite3'}"
        if self.env == "production":
            key = self.secret_key.get_secret_value() if self.secret_key else ""
            if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 16:
                raise ValueError(
                    "TRAFFIC_SECRET_KEY must be set to a random value of at least 16 characters in production"
                )
        return self

    def resolved_secret_key(self) -> bytes:
        """The server key for evidence seals; in development one is generated once and kept under the data dir."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / SECRET_FILE_NAME
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            candidate = secrets.token_hex(32)
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(candidate)
                path.chmod(0o600)
            except FileExistsError:
                pass  # another process created it first; use theirs
        return path.read_text(encoding="utf-8").strip().encode()
