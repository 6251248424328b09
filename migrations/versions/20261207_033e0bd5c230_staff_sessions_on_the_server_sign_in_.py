"""Keep staff sessions on the server, count sign-in failures per device, limit wrong codes.

Sessions signed in before this revision lived only in their cookie; they end with it, and
staff sign in once more.

Revision ID: 033e0bd5c230
Revises: 82e5506f437e
Create Date: 2026-12-07 21:43:45.898702

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '033e0bd5c230'
down_revision = '82e5506f437e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=False),
    sa.Column('signed_in', sa.Boolean(), nullable=False),
    sa.Column('code_tries', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_staff_session_staff_member_id_staff_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_session_token_hash'))
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_staff_member_id'), ['staff_member_id'], unique=False)

    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('codes_locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('session_version')

    with op.batch_alter_table('staff_sign_in_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('uq_staff_sign_in_throttle_email_hash'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_staff_sign_in_throttle_email_hash_device'), ['email_hash', 'device'])



def downgrade():
    # One row per address again: the counts of known devices go.
    op.execute("DELETE FROM staff_sign_in_throttle WHERE device != ''")
    with op.batch_alter_table('staff_sign_in_throttle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_staff_sign_in_throttle_email_hash_device'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_staff_sign_in_throttle_email_hash'), ['email_hash'])
        batch_op.drop_column('device')

    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.INTEGER(), nullable=False, server_default='1'))
        batch_op.drop_column('codes_locked_until')
        batch_op.drop_column('code_failures')

    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_staff_member_id'))

    op.drop_table('staff_session')
