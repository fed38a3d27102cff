"""Initial schema: parties, API keys, intents, their H3 cells, conflicts, idempotency keys.

Revision ID: 0001
Revises: -
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("name", name=op.f("uq_parties_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_api_keys_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_keys_key_id")),
    )
    op.create_index(op.f("ix_api_keys_party_id"), "api_keys", ["party_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_idempotency_keys_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("party_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "intents",
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("extents_json", sa.Text(), nullable=False),
        sa.Column("time_start_us", sa.BigInteger(), nullable=False),
        sa.Column("time_end_us", sa.BigInteger(), nullable=False),
        sa.Column("altitude_lower_m", sa.Float(), nullable=False),
        sa.Column("altitude_upper_m", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("min_lng", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("max_lng", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_intents_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("uid", name=op.f("pk_intents")),
        sa.UniqueConstraint("party_id", "id", name=op.f("uq_intents_party_id_id")),
    )
    op.create_index(op.f("ix_intents_state"), "intents", ["state"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("intent_a", sa.String(length=36), nullable=False),
        sa.Column("intent_b", sa.String(length=36), nullable=False),
        sa.Column("party_a", sa.Integer(), nullable=False),
        sa.Column("party_b", sa.Integer(), nullable=False),
        sa.Column("kind_a", sa.String(length=20), nullable=False),
        sa.Column("kind_b", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("must_act", sa.String(length=10), nullable=False),
        sa.Column("region_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intent_a"], ["intents.uid"], name=op.f("fk_conflicts_intent_a_intents")
        ),
        sa.ForeignKeyConstraint(
            ["intent_b"], ["intents.uid"], name=op.f("fk_conflicts_intent_b_intents")
        ),
        sa.ForeignKeyConstraint(
            ["party_a"], ["parties.id"], name=op.f("fk_conflicts_party_a_parties")
        ),
        sa.ForeignKeyConstraint(
            ["party_b"], ["parties.id"], name=op.f("fk_conflicts_party_b_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index(op.f("ix_conflicts_intent_a"), "conflicts", ["intent_a"], unique=False)
    op.create_index(op.f("ix_conflicts_intent_b"), "conflicts", ["intent_b"], unique=False)
    op.create_index(op.f("ix_conflicts_party_a"), "conflicts", ["party_a"], unique=False)
    op.create_index(op.f("ix_conflicts_party_b"), "conflicts", ["party_b"], unique=False)
    op.create_index(op.f("ix_conflicts_status"), "conflicts", ["status"], unique=False)

    op.create_table(
        "intent_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intent_uid", sa.String(length=36), nullable=False),
        sa.Column("extent", sa.Integer(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("home", sa.Boolean(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("time_start_us", sa.BigInteger(), nullable=False),
        sa.Column("time_end_us", sa.BigInteger(), nullable=False),
        sa.Column("altitude_lower_m", sa.Float(), nullable=False),
        sa.Column("altitude_upper_m", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intent_uid"], ["intents.uid"], name=op.f("fk_intent_cells_intent_uid_intents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intent_cells")),
    )
    op.create_index("ix_intent_cells_cell", "intent_cells", ["cell"], unique=False)
    op.create_index(
        op.f("ix_intent_cells_intent_uid"), "intent_cells", ["intent_uid"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_intent_cells_intent_uid"), table_name="intent_cells")
    op.drop_index("ix_intent_cells_cell")

    op.drop_table("intent_cells")
    op.drop_index(op.f("ix_conflicts_status"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_party_b"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_party_a"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_intent_b"), table_name="conflicts")
    op.drop_index(op.f("ix_conflicts_intent_a"), table_name="conflicts")

    op.drop_table("conflicts")
    op.drop_index(op.f("ix_intents_state"), table_name="intents")

    op.drop_table("intents")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_api_keys_party_id"), table_name="api_keys")

    op.drop_table("api_keys")
    op.drop_table("parties")
