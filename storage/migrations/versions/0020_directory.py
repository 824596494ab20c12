"""The directory of communities (HSDS 3, Danish profile) and warm hand-offs

Revision ID: 0017_directory
Revises: 0016_loop
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_directory"
down_revision = "0019_statements"
branch_labels = None
depends_on = None


def _fk(column: str, target: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(column, sa.String(length=64), sa.ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dir_organisations",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("cvr", sa.String(length=8), nullable=True),
    )
    op.create_table(
        "dir_services",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("organisation_id", "dir_organisations.id", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cost", sa.Text(), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("last_verified", sa.Date(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("target_groups", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("accepts_referrals", sa.Boolean(), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("national", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_dir_services_national", "dir_services", ["national", "status", "last_verified"])
    op.create_table(
        "dir_locations",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("organisation_id", "dir_organisations.id"),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location_type", sa.String(length=10), nullable=True),
        sa.Column("municipality_code", sa.String(length=3), nullable=True),
        sa.Column("address_id", sa.String(length=64), nullable=True),
        sa.Column("address_1", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=4), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("accessibility_id", sa.String(length=64), nullable=True),
        sa.Column("accessibility", sa.Text(), nullable=True),
    )
    op.create_index("ix_dir_locations_municipality", "dir_locations", ["municipality_code"])
    op.create_index("ix_dir_locations_postcode", "dir_locations", ["postal_code"])
    op.create_table(
        "dir_service_locations",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("service_id", "dir_services.id", nullable=False),
        _fk("location_id", "dir_locations.id", nullable=False),
    )
    op.create_index("ix_dir_service_locations_location", "dir_service_locations", ["location_id"])
    op.create_index("ix_dir_service_locations_service", "dir_service_locations", ["service_id"])
    op.create_table(
        "dir_schedules",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("service_id", "dir_services.id"),
        _fk("service_location_id", "dir_service_locations.id"),
        sa.Column("rrule", sa.String(length=200), nullable=True),
        sa.Column("dtstart", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
    )
    op.create_index("ix_dir_schedules_service", "dir_schedules", ["service_id"])
    op.create_index("ix_dir_schedules_service_location", "dir_schedules", ["service_location_id"])
    op.create_table(
        "dir_contacts",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("organisation_id", "dir_organisations.id"),
        _fk("service_id", "dir_services.id"),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
    )
    op.create_table(
        "dir_phones",
        sa.Column("id", sa.String(length=64), primary_key=True),
        _fk("contact_id", "dir_contacts.id"),
        _fk("service_id", "dir_services.id"),
        _fk("organisation_id", "dir_organisations.id"),
        _fk("location_id", "dir_locations.id"),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
    )
    op.create_table(
        "directory_referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_directory_referrals_person", "directory_referrals", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_directory_referrals_person", table_name="directory_referrals")
    op.drop_table("directory_referrals")
    for table in ("dir_phones", "dir_contacts", "dir_schedules", "dir_service_locations", "dir_locations",
                  "dir_services", "dir_organisations"):
        op.drop_table(table)
