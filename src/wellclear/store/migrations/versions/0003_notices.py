"""Schema for notices (outbox), their deliveries, webhooks, hotline messages, party contacts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("parties", sa.Column("webhook_url", sa.String(length=2000), nullable=True))
    op.add_column("parties", sa.Column("webhook_secret", sa.String(length=100), nullable=True))
    op.add_column("parties", sa.Column("escalation_contact", sa.String(length=100), nullable=True))
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("attention_at", sa.DateTime(), nullable=False),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.Column("acked_by", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_notices_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index("ix_notices_party_id_id", "notices", ["party_id", "id"], unique=False)
    op.create_index("ix_notices_subject", "notices", ["subject"], unique=False)
    op.create_index("ix_notices_attention_at", "notices", ["attention_at"], unique=False)
    op.create_table(
        "notice_events",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_events_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_notice_events_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_notice_events")),
    )
    op.create_index(
        op.f("ix_notice_events_notice_id"), "notice_events", ["notice_id"], unique=False
    )
    op.create_index(
        "ix_notice_events_party_id_seq", "notice_events", ["party_id", "seq"], unique=False
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("attempted_at", sa.DateTime(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("dead_lettered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["notice_events.seq"],
            name=op.f("fk_webhook_deliveries_event_seq_notice_events"),
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_webhook_deliveries_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_event_seq"), "webhook_deliveries", ["event_seq"], unique=False
    )
    op.create_index(
        "ix_webhook_deliveries_outcome_due_at",
        "webhook_deliveries",
        ["outcome", "due_at"],
        unique=False,
    )
    op.create_index(
        "ix_webhook_deliveries_party_id_id", "webhook_deliveries", ["party_id", "id"], unique=False
    )
    op.create_table(
        "hotline_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_party_id", sa.Integer(), nullable=False),
        sa.Column("to_party_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("regarding", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_party_id"],
            ["parties.id"],
            name=op.f("fk_hotline_messages_from_party_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["to_party_id"], ["parties.id"], name=op.f("fk_hotline_messages_to_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_messages")),
    )
    op.create_index(
        "ix_hotline_messages_from_party_id_id",
        "hotline_messages",
        ["from_party_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_hotline_messages_to_party_id_id",
        "hotline_messages",
        ["to_party_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_hotline_messages_to_party_id_id", table_name="hotline_messages")
    op.drop_index("ix_hotline_messages_from_party_id_id", table_name="hotline_messages")
    op.drop_table("hotline_messages")
    op.drop_index("ix_webhook_deliveries_party_id_id", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_outcome_due_at", table_name="webhook_deliveries")
    op.drop_index(op.f("ix_webhook_deliveries_event_seq"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_notice_events_party_id_seq", table_name="notice_events")
    op.drop_index(op.f("ix_notice_events_notice_id"), table_name="notice_events")
    op.drop_table("notice_events")
    op.drop_index("ix_notices_attention_at", table_name="notices")
    op.drop_index("ix_notices_subject", table_name="notices")
    op.drop_index("ix_notices_party_id_id", table_name="notices")
    op.drop_table("notices")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("escalation_contact")
        batch.drop_column("webhook_secret")
        batch.drop_column("webhook_url")
