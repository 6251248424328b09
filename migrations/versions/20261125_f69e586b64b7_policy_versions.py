"""Create the policy_version table: published privacy policy texts.

Revision ID: f69e586b64b7
Revises:
Create Date: 2026-11-25 15:25:41.111120

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f69e586b64b7'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('nl', 'en')", name=op.f('ck_policy_version_language')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_version')),
    sa.UniqueConstraint('language', 'published_on', name=op.f('uq_policy_version_language_published_on'))
    )


def downgrade():
    op.drop_table('policy_version')
