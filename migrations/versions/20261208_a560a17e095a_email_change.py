"""Email address changes in the privacy centre: the code for the new address, and the move.

Revision ID: a560a17e095a
Revises: 96db18e6f216
Create Date: 2026-12-08 01:41:32.314712

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a560a17e095a'
down_revision = '96db18e6f216'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_email_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('old_email', sa.String(length=254), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_email_change')),
    sa.UniqueConstraint('browser_hash', name=op.f('uq_privacy_email_change_browser_hash'))
    )
    with op.batch_alter_table('privacy_email_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_email_change_old_email'), ['old_email'], unique=False)



def downgrade():
    with op.batch_alter_table('privacy_email_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_email_change_old_email'))

    op.drop_table('privacy_email_change')
