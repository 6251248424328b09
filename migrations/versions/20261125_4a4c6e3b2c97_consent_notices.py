"""Keep the consent texts people were shown (consent_notice) and link each event to its text.

Existing events keep no notice: what they were shown was not recorded.

Revision ID: 4a4c6e3b2c97
Revises: 6c0bdc986b81
Create Date: 2026-11-25 18:34:16.619729

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a4c6e3b2c97'
down_revision = '6c0bdc986b81'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_notice',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_consent_notice'))
    )
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_hash', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consent_event_notice_hash_consent_notice'), 'consent_notice', ['notice_hash'], ['hash'])



def downgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_event_notice_hash_consent_notice'), type_='foreignkey')
        batch_op.drop_column('notice_hash')

    op.drop_table('consent_notice')
