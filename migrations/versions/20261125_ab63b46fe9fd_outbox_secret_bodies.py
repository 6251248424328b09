"""Mark outbox mail that carries a one-time secret; its body is dropped once delivered.

Pay-link and privacy-centre code mails already in the outbox are marked too, and those already
sent lose their bodies now.

Revision ID: ab63b46fe9fd
Revises: e64334290d59
Create Date: 2026-11-25 20:29:24.729653

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ab63b46fe9fd'
down_revision = 'e64334290d59'
branch_labels = None
depends_on = None

SECRET_KINDS = ('invoices/invoice', 'invoices/balance_due', 'privacy/code')
FORGOTTEN_BODY = '[Removed after delivery: this email held a one-time link or code.]'


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holds_secret', sa.Boolean(), server_default=sa.false(), nullable=False))

    outbox = sa.table(
        'mail_outbox',
        sa.column('kind', sa.String),
        sa.column('status', sa.String),
        sa.column('holds_secret', sa.Boolean),
        sa.column('text_body', sa.Text),
        sa.column('html_body', sa.Text),
    )
    op.execute(outbox.update().where(outbox.c.kind.in_(SECRET_KINDS)).values(holds_secret=True))
    op.execute(
        outbox.update()
        .where(outbox.c.holds_secret.is_(True), outbox.c.status == 'sent')
        .values(text_body=FORGOTTEN_BODY, html_body=None)
    )


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('holds_secret')
