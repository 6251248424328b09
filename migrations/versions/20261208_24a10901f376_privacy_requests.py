"""The ledger of privacy requests and complaints, with the dates the law counts.

Revision ID: 24a10901f376
Revises: f69fe91bdb71
Create Date: 2026-12-08 01:11:28.236063

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '24a10901f376'
down_revision = 'f69fe91bdb71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.Enum('access', 'correction', 'erasure', 'restriction', 'objection', 'complaint', 'not_me', name='requestkind', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('privacy_centre', 'email', 'phone', 'letter', name='requestchannel', native_enum=False, length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('identity_check', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('open', 'completed', 'refused', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extended_to', sa.Date(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('logged_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff_member.id'], name=op.f('fk_privacy_request_answered_by_id_staff_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['logged_by_id'], ['staff_member.id'], name=op.f('fk_privacy_request_logged_by_id_staff_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_request')),
    sa.UniqueConstraint('reference', name=op.f('uq_privacy_request_reference'))
    )
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_request_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_request_email'), ['email'], unique=False)
        batch_op.create_index('uq_privacy_request_open_fingerprint', ['fingerprint'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))



def downgrade():
    with op.batch_alter_table('privacy_request', schema=None) as batch_op:
        batch_op.drop_index('uq_privacy_request_open_fingerprint', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_privacy_request_email'))
        batch_op.drop_index(batch_op.f('ix_privacy_request_due_on'))
        batch_op.drop_index(batch_op.f('ix_privacy_request_answered_at'))

    op.drop_table('privacy_request')
