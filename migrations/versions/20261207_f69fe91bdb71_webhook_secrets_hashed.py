"""Keep only a hash of each payment attempt's webhook secret.

New attempts derive their secret from SECRET_KEY; existing ones keep the secret Mollie
already has in their webhook URL, of which only the hash is stored from now on. Return
addresses are derived anew too: a client coming back from Mollie for a payment started
before the upgrade sees the "link does not work" page, while the payment itself is still
recorded by its webhook (or `flask payments reconcile`). Deploy outside busy hours. Going down
cannot bring a secret back: the hash takes its place, so webhooks for attempts that were
still open then stop matching, and `flask payments reconcile` finishes those payments.

Revision ID: f69fe91bdb71
Revises: a1bd5c47b1bc
Create Date: 2026-12-07 22:09:35.863225

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f69fe91bdb71'
down_revision = 'a1bd5c47b1bc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_secret_hash', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT id, webhook_secret FROM payment_attempt')).all()
    for attempt_id, secret in rows:
        connection.execute(
            sa.text('UPDATE payment_attempt SET webhook_secret_hash = :hash WHERE id = :id'),
            {'hash': hashlib.sha256(secret.encode()).hexdigest(), 'id': attempt_id},
        )
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.alter_column('webhook_secret_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_payment_attempt_webhook_secret'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payment_attempt_webhook_secret_hash'), ['webhook_secret_hash'])
        batch_op.drop_column('webhook_secret')


def downgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_secret', sa.VARCHAR(length=64), nullable=True))
    op.execute('UPDATE payment_attempt SET webhook_secret = webhook_secret_hash')
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.alter_column('webhook_secret', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_payment_attempt_webhook_secret_hash'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_payment_attempt_webhook_secret'), ['webhook_secret'])
        batch_op.drop_column('webhook_secret_hash')
