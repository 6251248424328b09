"""Keep the client's name, address, company and VAT id on each invoice as issued.

Issued invoices get them from their client's current record (the best there is).

Revision ID: dca24b4890de
Revises: fade7f1a5b9e
Create Date: 2026-11-25 18:15:35.581942

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dca24b4890de'
down_revision = 'fade7f1a5b9e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('client_address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('client_company', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('client_vat_id', sa.String(length=20), nullable=True))

    invoice = sa.table(
        'invoice',
        sa.column('client_id', sa.Integer()),
        sa.column('issued_on', sa.Date()),
        sa.column('client_name', sa.String()),
        sa.column('client_address', sa.Text()),
        sa.column('client_company', sa.String()),
        sa.column('client_vat_id', sa.String()),
    )
    client = sa.table(
        'client',
        sa.column('id', sa.Integer()),
        sa.column('name', sa.String()),
        sa.column('address', sa.Text()),
        sa.column('company_name', sa.String()),
        sa.column('vat_id', sa.String()),
    )

    def of_client(column):
        return sa.select(column).where(client.c.id == invoice.c.client_id).scalar_subquery()

    op.execute(
        invoice.update()
        .where(invoice.c.issued_on.is_not(None))
        .values(
            client_name=of_client(client.c.name),
            client_address=of_client(client.c.address),
            client_company=of_client(client.c.company_name),
            client_vat_id=of_client(client.c.vat_id),
        )
    )


def downgrade():
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('client_vat_id')
        batch_op.drop_column('client_company')
        batch_op.drop_column('client_address')
        batch_op.drop_column('client_name')

