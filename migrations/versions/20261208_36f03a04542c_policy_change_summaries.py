"""A summary of changes on each policy version, so readers see what is new since the last one.

Revision ID: 36f03a04542c
Revises: 15df6dd75e5f
Create Date: 2026-12-08 03:55:12.402117

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '36f03a04542c'
down_revision = '15df6dd75e5f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('policy_version', schema=None) as batch_op:
        batch_op.drop_column('changes')
