"""Add the privacy centre: emailed codes, verified sessions, profiles, sample photos, removals.

Codes and session secrets are stored only as hashes; removals are the staff queue that
follows a withdrawn portfolio, social-media or partner consent.

Revision ID: 31b0228c8a3c
Revises: dca24b4890de
Create Date: 2026-11-25 17:41:47.757114

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '31b0228c8a3c'
down_revision = 'dca24b4890de'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_challenge')),
    sa.UniqueConstraint('browser_hash', name=op.f('uq_privacy_challenge_browser_hash'))
    )
    with op.batch_alter_table('privacy_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_challenge_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_challenge_expires_at'), ['expires_at'], unique=False)

    op.create_table('privacy_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_photo')),
    sa.UniqueConstraint('public_id', name=op.f('uq_privacy_photo_public_id'))
    )
    with op.batch_alter_table('privacy_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_photo_email'), ['email'], unique=False)

    op.create_table('privacy_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('preferences', sa.Text(), nullable=False),
    sa.Column('interests', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_profile')),
    sa.UniqueConstraint('email', name=op.f('uq_privacy_profile_email'))
    )
    op.create_table('privacy_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_privacy_session_token_hash'))
    )
    with op.batch_alter_table('privacy_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_session_last_seen_at'), ['last_seen_at'], unique=False)

    op.create_table('privacy_removal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('purpose', sa.Enum('portfolio', 'social_media', 'partners', 'newsletter', name='consentpurpose', native_enum=False, length=20), nullable=False),
    sa.Column('consent_event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consent_event_id'], ['consent_event.id'], name=op.f('fk_privacy_removal_consent_event_id_consent_event')),
    sa.ForeignKeyConstraint(['done_by_id'], ['staff_member.id'], name=op.f('fk_privacy_removal_done_by_id_staff_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_removal'))
    )
    with op.batch_alter_table('privacy_removal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_removal_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_removal_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_removal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_removal_email'))
        batch_op.drop_index(batch_op.f('ix_privacy_removal_created_at'))

    op.drop_table('privacy_removal')
    with op.batch_alter_table('privacy_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_session_last_seen_at'))

    op.drop_table('privacy_session')
    op.drop_table('privacy_profile')
    with op.batch_alter_table('privacy_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_photo_email'))

    op.drop_table('privacy_photo')
    with op.batch_alter_table('privacy_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_challenge_expires_at'))
        batch_op.drop_index(batch_op.f('ix_privacy_challenge_email'))

    op.drop_table('privacy_challenge')
