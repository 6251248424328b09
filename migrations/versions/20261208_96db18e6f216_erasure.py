"""Erasure records (table and row ids only), and the mark on a client row kept for invoices.

Revision ID: 96db18e6f216
Revises: 49d85a981967
Create Date: 2026-12-08 01:28:35.999134

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '96db18e6f216'
down_revision = '49d85a981967'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_erasure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('staff_member_id', sa.Integer(), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['privacy_request.id'], name=op.f('fk_privacy_erasure_request_id_privacy_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_privacy_erasure_staff_member_id_staff_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_erasure'))
    )
    with op.batch_alter_table('privacy_erasure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_erasure_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('privacy_erasure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_erasure_request_id'))

    op.drop_table('privacy_erasure')
