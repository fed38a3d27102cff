"""Schema for live tracks, the tracks tied to intents, and tactical alerts (encounters).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("callsign", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("alt_m", sa.Float(), nullable=False),
        sa.Column("trk_deg", sa.Float(), nullable=False),
        sa.Column("gs_mps", sa.Float(), nullable=False),
        sa.Column("vs_mps", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_tracks_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
        sa.UniqueConstraint("party_id", "track_id", name=op.f("uq_tracks_party_id_track_id")),
    )
    op.create_index("ix_tracks_at", "tracks", ["at"], unique=False)

    op.create_table(
        "intent_tracks",
        sa.Column("intent_uid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["intent_uid"], ["intents.uid"], name=op.f("fk_intent_tracks_intent_uid_intents")
        ),
        sa.PrimaryKeyConstraint("intent_uid", "name", name=op.f("pk_intent_tracks")),
    )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("party_a", sa.Integer(), nullable=False),
        sa.Column("track_a", sa.String(length=64), nullable=False),
        sa.Column("callsign_a", sa.String(length=16), nullable=False),
        sa.Column("lat_a", sa.Float(), nullable=False),
        sa.Column("lon_a", sa.Float(), nullable=False),
        sa.Column("alt_a_m", sa.Float(), nullable=False),
        sa.Column("party_b", sa.Integer(), nullable=True),
        sa.Column("track_b", sa.String(length=64), nullable=True),
        sa.Column("callsign_b", sa.String(length=16), nullable=True),
        sa.Column("lat_b", sa.Float(), nullable=True),
        sa.Column("lon_b", sa.Float(), nullable=True),
        sa.Column("alt_b_m", sa.Float(), nullable=True),
        sa.Column("intent_uid", sa.String(length=36), nullable=True),
        sa.Column("intent_id", sa.String(length=200), nullable=True),
        sa.Column("intent_kind", sa.String(length=20), nullable=True),
        sa.Column("tcpa_s", sa.Float(), nullable=True),
        sa.Column("dcpa_m", sa.Float(), nullable=True),
        sa.Column("tlos_s", sa.Float(), nullable=True),
        sa.Column("los", sa.Boolean(), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_a"], ["parties.id"], name=op.f("fk_alerts_party_a_parties")
        ),
        sa.ForeignKeyConstraint(
            ["party_b"], ["parties.id"], name=op.f("fk_alerts_party_b_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_key_closed_at", "alerts", ["key", "closed_at"], unique=False)
    op.create_index(op.f("ix_alerts_party_a"), "alerts", ["party_a"], unique=False)
    op.create_index(op.f("ix_alerts_party_b"), "alerts", ["party_b"], unique=False)
    op.create_index(op.f("ix_alerts_closed_at"), "alerts", ["closed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_alerts_closed_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_party_b"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_party_a"), table_name="alerts")
    op.drop_index("ix_alerts_key_closed_at", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("intent_tracks")
    op.drop_index("ix_tracks_at", table_name="tracks")
    op.drop_table("tracks")
