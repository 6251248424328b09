"""Record when an invoice last changed; one line and one installment per position.

Drafts are now deleted a year after their last change (``updated_at``, set to the time they
were created for existing rows). An invoice issued twice at once could get a second
schedule at the same positions: the unique constraints make that impossible. If such
duplicates exist, the upgrade stops and names the invoices, to be sorted out by hand.

Revision ID: 6c0bdc986b81
Revises: 7288f2c5e317
Create Date: 2026-11-25 18:35:04.593753

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c0bdc986b81'
down_revision = '7288f2c5e317'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    for table in ('invoice_line', 'invoice_installment'):
        duplicated = connection.execute(
            sa.text(
                f'SELECT DISTINCT invoice_id FROM {table} '
                'GROUP BY invoice_id, position HAVING COUNT(*) > 1'
            )
        ).scalars().all()
        if duplicated:
            raise RuntimeError(
                f'{table} has two rows at one position for invoices {sorted(duplicated)}; '
                'sort them out by hand first.'
            )

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    invoice = sa.table(
        'invoice',
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('updated_at', sa.DateTime(timezone=True)),
    )
    op.execute(invoice.update().values(updated_at=invoice.c.created_at))
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.alter_column(
            'updated_at', existing_type=sa.DateTime(timezone=True), nullable=False
        )

    with op.batch_alter_table('invoice_installment', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_invoice_installment_invoice_id_position'), ['invoice_id', 'position']
        )

    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_invoice_line_invoice_id_position'), ['invoice_id', 'position']
        )


def downgrade():
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_invoice_line_invoice_id_position'), type_='unique'
        )

    with op.batch_alter_table('invoice_installment', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_invoice_installment_invoice_id_position'), type_='unique'
        )

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
