"""Whether Mollie refuses the site's API key, so staff see it on the dashboard at once.

Revision ID: 1b7387421b11
Revises: 853051ef467f
Create Date: 2026-12-08 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b7387421b11'
down_revision = '853051ef467f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mollie_key_status',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('refused_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_refused_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('http_status', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mollie_key_status')),
    )


def downgrade():
    op.drop_table('mollie_key_status')
