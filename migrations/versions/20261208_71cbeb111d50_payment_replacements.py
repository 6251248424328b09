"""A payment Mollie made to carry a checkout on under a new id, kept as an attempt of its own.

Revision ID: 71cbeb111d50
Revises: 9dcff49555d1
Create Date: 2026-12-08 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '71cbeb111d50'
down_revision = '9dcff49555d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_attempt_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_attempt_replaces_attempt_id_payment_attempt'), 'payment_attempt', ['replaces_attempt_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_attempt_replaces_attempt_id_payment_attempt'), type_='foreignkey')
        batch_op.drop_column('replaces_attempt_id')
