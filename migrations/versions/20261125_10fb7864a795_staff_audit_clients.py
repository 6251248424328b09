"""Add staff accounts, the audit log and clients; link messages to clients, track handling.

Existing contact messages get a client each (one per email address), from their latest
name and language.

Revision ID: 10fb7864a795
Revises: cfb0aef49f9b
Create Date: 2026-11-25 16:11:27.806373

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '10fb7864a795'
down_revision = 'cfb0aef49f9b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client')),
    sa.UniqueConstraint('email', name=op.f('uq_client_email'))
    )
    op.create_table('staff_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_member')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_member_email'))
    )
    op.create_table('staff_sign_in_throttle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sign_in_throttle')),
    sa.UniqueConstraint('email_hash', name=op.f('uq_staff_sign_in_throttle_email_hash'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_audit_event_staff_member_id_staff_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_staff_member_id'), ['staff_member_id'], unique=False)

    op.create_table('staff_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_member_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_member_id'], ['staff_member.id'], name=op.f('fk_staff_recovery_code_staff_member_id_staff_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_code'))
    )
    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_recovery_code_staff_member_id'), ['staff_member_id'], unique=False)

    with op.batch_alter_table('contact_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))

    # One client per address that wrote before clients existed: the newest name and language.
    op.execute(
        """
        INSERT INTO client (email, name, language, created_at)
        SELECT m.email_normalised, m.name, m.language, m.received_at
        FROM contact_message m
        WHERE m.id = (
            SELECT n.id FROM contact_message n
            WHERE n.email_normalised = m.email_normalised
            ORDER BY n.received_at DESC, n.id DESC LIMIT 1
        )
        """
    )
    op.execute(
        "UPDATE contact_message SET client_id = "
        "(SELECT client.id FROM client WHERE client.email = contact_message.email_normalised)"
    )

    with op.batch_alter_table('contact_message', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_contact_message_client_id'), ['client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contact_message_client_id_client'), 'client', ['client_id'], ['id'])



def downgrade():
    with op.batch_alter_table('contact_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_message_client_id_client'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contact_message_client_id'))
        batch_op.drop_column('archived_at')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('staff_recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_recovery_code_staff_member_id'))

    op.drop_table('staff_recovery_code')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_staff_member_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    op.drop_table('staff_sign_in_throttle')
    op.drop_table('staff_member')
    op.drop_table('client')
