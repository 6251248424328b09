"""Give each consent event the SHA-256 of its address, indexed, for unsubscribe links.

Existing events are filled in from their (already normalised) address.

Revision ID: 3cadfd15804a
Revises: 4a4c6e3b2c97
Create Date: 2026-11-25 18:48:13.393562

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3cadfd15804a'
down_revision = '4a4c6e3b2c97'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_hash', sa.String(length=64), nullable=True))

    events = sa.table(
        'consent_event',
        sa.column('id', sa.Integer()),
        sa.column('email', sa.String()),
        sa.column('email_hash', sa.String()),
    )
    connection = op.get_bind()
    for event_id, email in connection.execute(sa.select(events.c.id, events.c.email)).all():
        digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
        connection.execute(
            events.update().where(events.c.id == event_id).values(email_hash=digest)
        )

    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.alter_column('email_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_consent_event_email_hash'), ['email_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_event_email_hash'))
        batch_op.drop_column('email_hash')
