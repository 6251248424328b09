"""A bank transfer's status page at Mollie, to show the transfer details again.

Revision ID: fdbbc2bb8ef1
Revises: 1b7387421b11
Create Date: 2026-12-08 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fdbbc2bb8ef1'
down_revision = '1b7387421b11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_url', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.drop_column('status_url')
