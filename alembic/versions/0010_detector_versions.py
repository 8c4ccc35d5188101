"""detector versions and activations

Every sighting and record points to the detector version that made it (detector_versions) instead of carrying a free
string; activations say which version runs city-wide or per camera (detector_activations). The free strings become
one version row each, without weights or hash, so nothing already stored loses its provenance. Records gain the
evidence manifest format they were sealed in: 1 for every existing record (the detector was not sealed then).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 10:30:00
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NOTE = "made by migration 0010 from the model_version string sightings carried; weights and hash unknown"
LEGACY_VERSION = "legacy"  # for strings without "@": NAME@VERSION is how the API shows a version


def split_label(label: str) -> tuple[str, str]:
    """The (name, version) a stored model_version string becomes; NAME@VERSION strings keep both parts."""
    name, at, version = label.rpartition("@")
    return (name, version) if at and name and version else (label, LEGACY_VERSION)


def upgrade() -> None:
    versions = op.create_table(
        "detector_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("weights_path", sa.String(length=1000), nullable=True),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("class_map", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detector_versions")),
        sa.UniqueConstraint("name", "version", name="uq_detector_versions_name_version"),
    )
    op.create_index(op.f("ix_detector_versions_sha256"), "detector_versions", ["sha256"])
    op.create_table(
        "detector_activations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detector_version_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("activated_by", sa.String(length=64), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["cameras.id"], ondelete="CASCADE",
                                name=op.f("fk_detector_activations_camera_id_cameras")),
        sa.ForeignKeyConstraint(["detector_version_id"], ["detector_versions.id"], ondelete="RESTRICT",
                                name=op.f("fk_detector_activations_detector_version_id_detector_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detector_activations")),
    )
    op.create_index("ix_detector_activations_scope", "detector_activations", ["camera_id", "id"])

    for table in ("sightings", "enforcement_records"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("detector_version_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("enforcement_records") as batch:
        batch.add_column(sa.Column("evidence_format", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("camera_states") as batch:
        batch.add_column(sa.Column("state_detector_version_id", sa.Integer(), nullable=True))

    _backfill(versions)

    for table in ("sightings", "enforcement_records"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("detector_version_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(op.f(f"fk_{table}_detector_version_id_detector_versions"), "detector_versions",
                                     ["detector_version_id"], ["id"], ondelete="RESTRICT")
            batch.create_index(op.f(f"ix_{table}_detector_version_id"), ["detector_version_id"])
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("model_version")


def _backfill(versions: sa.Table) -> None:
    """One version row per distinct stored string; every sighting and record then points to its row."""
    bind = op.get_bind()
    labels = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT model_version FROM sightings ORDER BY 1"))]
    now = dt.datetime.now(dt.timezone.utc)
    for label in labels:
        name, version = split_label(label)
        bind.execute(versions.insert().values(name=name, version=version, sha256=None, weights_path=None, classes=[],
                                              class_map={}, metrics={}, notes=LEGACY_NOTE, created_at=now))
        version_id = bind.execute(sa.select(versions.c.id).where(versions.c.name == name,
                                                                 versions.c.version == version)).scalar_one()
        bind.execute(sa.text("UPDATE sightings SET detector_version_id = :v WHERE model_version = :label"),
                     {"v": version_id, "label": label})
    bind.execute(sa.text(
        "UPDATE enforcement_records SET detector_version_id = "
        "(SELECT s.detector_version_id FROM sightings s WHERE s.id = enforcement_records.sighting_id)"
    ))


def downgrade() -> None:
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(sa.Column("model_version", sa.String(length=200), nullable=True))
    # NAME@VERSION, as the API showed it; a legacy row gives back NAME@legacy.
    op.get_bind().execute(sa.text(
        "UPDATE sightings SET model_version = (SELECT d.name || '@' || d.version FROM detector_versions d "
        "WHERE d.id = sightings.detector_version_id)"
    ))
    with op.batch_alter_table("sightings") as batch:
        batch.alter_column("model_version", existing_type=sa.String(length=200), nullable=False)
    with op.batch_alter_table("camera_states") as batch:
        batch.drop_column("state_detector_version_id")
    with op.batch_alter_table("enforcement_records") as batch:
        batch.drop_column("evidence_format")
    for table in ("enforcement_records", "sightings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_detector_version_id"))
            batch.drop_constraint(op.f(f"fk_{table}_detector_version_id_detector_versions"), type_="foreignkey")
            batch.drop_column("detector_version_id")
    op.drop_index("ix_detector_activations_scope", table_name="detector_activations")
    op.drop_table("detector_activations")
    op.drop_index(op.f("ix_detector_versions_sha256"), table_name="detector_versions")
    op.drop_table("detector_versions")
