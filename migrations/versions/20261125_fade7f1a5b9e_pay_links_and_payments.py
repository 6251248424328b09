"""Add pay links, Mollie payment attempts with their status events, and paid dates.

Pay links store only a hash of their token; attempts keep their idempotency key and webhook
secret so a retried click asks Mollie the same question.

Revision ID: fade7f1a5b9e
Revises: 59902839a1b7
Create Date: 2026-11-25 17:47:34.612042

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fade7f1a5b9e'
down_revision = '59902839a1b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_pay_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_pay_link_invoice_id_invoice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_pay_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invoice_pay_link_token_hash'))
    )
    with op.batch_alter_table('invoice_pay_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_pay_link_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('payment_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installment_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('webhook_secret', sa.String(length=64), nullable=False),
    sa.Column('mollie_id', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('created', 'open', 'pending', 'authorized', 'paid', 'failed', 'canceled', 'expired', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['installment_id'], ['invoice_installment.id'], name=op.f('fk_payment_attempt_installment_id_invoice_installment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempt')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_attempt_idempotency_key')),
    sa.UniqueConstraint('installment_id', 'number', name=op.f('uq_payment_attempt_installment_id_number')),
    sa.UniqueConstraint('mollie_id', name=op.f('uq_payment_attempt_mollie_id')),
    sa.UniqueConstraint('webhook_secret', name=op.f('uq_payment_attempt_webhook_secret'))
    )
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempt_installment_id'), ['installment_id'], unique=False)

    op.create_table('payment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('created', 'webhook', 'return', 'reconcile', 'staff', name='paymentsource', native_enum=False, length=20), nullable=False),
    sa.Column('old_status', sa.Enum('created', 'open', 'pending', 'authorized', 'paid', 'failed', 'canceled', 'expired', name='paymentstatus', native_enum=False, length=20), nullable=True),
    sa.Column('new_status', sa.Enum('created', 'open', 'pending', 'authorized', 'paid', 'failed', 'canceled', 'expired', name='paymentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('mollie_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempt.id'], name=op.f('fk_payment_event_attempt_id_payment_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event'))
    )
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_event_attempt_id'), ['attempt_id'], unique=False)

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('invoice_installment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('invoice_installment', schema=None) as batch_op:
        batch_op.drop_column('paid_at')

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('paid_at')

    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_event_attempt_id'))

    op.drop_table('payment_event')
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_attempt_installment_id'))

    op.drop_table('payment_attempt')
    with op.batch_alter_table('invoice_pay_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_pay_link_invoice_id'))

    op.drop_table('invoice_pay_link')
