"""Claim outbox mail before sending it: when a worker took it, so a stopped one is noticed.

Revision ID: a1bd5c47b1bc
Revises: 033e0bd5c230
Create Date: 2026-12-07 22:05:39.912478

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1bd5c47b1bc'
down_revision = '033e0bd5c230'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('sending_since')

