"""Say on each invoice why its 0% VAT lines carry no VAT (reverse charge, export, exempt).

Invoices issued before have none, and show no such sentence.

Revision ID: 82e5506f437e
Revises: ab63b46fe9fd
Create Date: 2026-11-25 20:54:16.703999

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '82e5506f437e'
down_revision = 'ab63b46fe9fd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zero_rate_reason', sa.Enum('reverse_charge', 'export', 'exempt', name='zeroratereason', native_enum=False, length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('zero_rate_reason')
