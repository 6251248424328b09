"""Refunds and chargebacks as rows with their status, so totals follow them both ways.

The refunded and charged-back totals on an attempt only ever rose: a refund that failed
or was canceled, or a chargeback the bank reversed, left them too high. The rows are filled
from Mollie's lists at the next sync of each payment; the totals are then recomputed.

Revision ID: 9dcff49555d1
Revises: 9107a0ff0504
Create Date: 2026-12-08 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9dcff49555d1'
down_revision = '9107a0ff0504'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_refund',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('mollie_id', sa.String(length=40), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempt.id'], name=op.f('fk_payment_refund_attempt_id_payment_attempt'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refund')),
        sa.UniqueConstraint('mollie_id', name=op.f('uq_payment_refund_mollie_id')),
    )
    with op.batch_alter_table('payment_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_refund_attempt_id'), ['attempt_id'], unique=False)
    op.create_table(
        'payment_chargeback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('mollie_id', sa.String(length=40), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempt.id'], name=op.f('fk_payment_chargeback_attempt_id_payment_attempt'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_chargeback')),
        sa.UniqueConstraint('mollie_id', name=op.f('uq_payment_chargeback_mollie_id')),
    )
    with op.batch_alter_table('payment_chargeback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_chargeback_attempt_id'), ['attempt_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_chargeback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_chargeback_attempt_id'))
    op.drop_table('payment_chargeback')
    with op.batch_alter_table('payment_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_refund_attempt_id'))
    op.drop_table('payment_refund')
