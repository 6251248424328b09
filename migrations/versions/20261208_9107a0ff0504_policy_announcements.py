"""Which addresses were told of a new privacy policy version: its date and the address's hash.

One row per version date and address, under a unique constraint, so the announcement mail
(``flask privacy announce-policy``) goes to each newsletter subscriber once, also when two
runs overlap. Only the hash of the address is stored, never the address.

Revision ID: 9107a0ff0504
Revises: 36f03a04542c
Create Date: 2026-12-08 03:48:44.733537

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9107a0ff0504'
down_revision = '36f03a04542c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_policy_announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_policy_announcement')),
    sa.UniqueConstraint('published_on', 'email_hash', name=op.f('uq_privacy_policy_announcement_published_on_email_hash'))
    )


def downgrade():
    op.drop_table('privacy_policy_announcement')
