"""Keep the studio's name, address, KvK number, VAT id and IBAN on each invoice as issued.

Invoices issued before have none and show the current settings.

Revision ID: e64334290d59
Revises: 3cadfd15804a
Create Date: 2026-11-25 19:10:28.873151

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e64334290d59'
down_revision = '3cadfd15804a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('studio_name', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('studio_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('studio_kvk', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('studio_vat_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('studio_iban', sa.String(length=34), nullable=True))



def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('studio_iban')
        batch_op.drop_column('studio_vat_id')
        batch_op.drop_column('studio_kvk')
        batch_op.drop_column('studio_address')
        batch_op.drop_column('studio_name')

