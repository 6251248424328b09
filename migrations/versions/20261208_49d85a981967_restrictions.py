"""Restrictions of processing (Art. 18), and outbox mail that may go out despite one.

Revision ID: 49d85a981967
Revises: 24a10901f376
Create Date: 2026-12-08 01:22:44.741013

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '49d85a981967'
down_revision = '24a10901f376'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ground', sa.Enum('accuracy', 'unlawful', 'legal_claim', 'objection', name='restrictionground', native_enum=False, length=20), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['staff_member.id'], name=op.f('fk_privacy_restriction_lifted_by_id_staff_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['privacy_request.id'], name=op.f('fk_privacy_restriction_request_id_privacy_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_restriction'))
    )
    with op.batch_alter_table('privacy_restriction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_restriction_email'), ['email'], unique=False)
        batch_op.create_index('uq_privacy_restriction_in_force', ['email'], unique=True, sqlite_where=sa.text('lifted_at IS NULL'), postgresql_where=sa.text('lifted_at IS NULL'))

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('despite_restriction', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('despite_restriction')

    with op.batch_alter_table('privacy_restriction', schema=None) as batch_op:
        batch_op.drop_index('uq_privacy_restriction_in_force', sqlite_where=sa.text('lifted_at IS NULL'), postgresql_where=sa.text('lifted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_privacy_restriction_email'))

    op.drop_table('privacy_restriction')
