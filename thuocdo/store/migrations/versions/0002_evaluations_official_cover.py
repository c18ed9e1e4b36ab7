"""evaluations: covering index (official_id, month, final_score, unit_id)

The early-warning scan's "falling results" rule summarises every official's scores over
a window (GROUP BY official_id, MIN/MAX of month and final_score) and then reads the
rows of the officials worth a closer look by (official_id, month). With this index both
are index-only: measured on the city demo (60,000 officials, 1.9M evaluations) the
summary query fell from 1.8 s to 0.85 s of CPU on SQLite (12.7 s to 3.4 s wall on the
shared bench machine) and from 4.3 s to 1.6 s on PostgreSQL. See docs/readme/performance.md.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:45:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluations_official_month_score", ["official_id", "month", "final_score", "unit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluations_official_month_score")
