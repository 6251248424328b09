"""A client's phone number, which the person keeps up to date in the privacy centre.

Revision ID: 853051ef467f
Revises: a560a17e095a
Create Date: 2026-12-08 02:24:31.215127

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '853051ef467f'
down_revision = 'a560a17e095a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=True))



def downgrade():
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('phone')

