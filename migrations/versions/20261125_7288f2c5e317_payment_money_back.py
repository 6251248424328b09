"""Add what was refunded or charged back after a payment, as Mollie reports it.

Revision ID: 7288f2c5e317
Revises: 31b0228c8a3c
Create Date: 2026-11-25 18:33:59.411842

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7288f2c5e317'
down_revision = '31b0228c8a3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_refunded', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('amount_charged_back', sa.BigInteger(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.drop_column('amount_charged_back')
        batch_op.drop_column('amount_refunded')

