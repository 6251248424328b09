"""Payments staff must resolve (paid twice, paid but not as asked) as rows, not a note.

"Paid twice" was found on the dashboard by matching a note string on payment events, and
a paid payment that did not match its attempt left only an audit row. Existing "paid twice"
events become problems (still open: nothing recorded that staff dealt with them).

Revision ID: 15df6dd75e5f
Revises: fdbbc2bb8ef1
Create Date: 2026-12-08 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15df6dd75e5f'
down_revision = 'fdbbc2bb8ef1'
branch_labels = None
depends_on = None

PAID_TWICE_NOTE = 'paid twice: refund or credit the extra payment'


def upgrade():
    op.create_table(
        'payment_problem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.Enum('paid_twice', 'mismatch', name='paymentproblemkind', native_enum=False, length=20), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('mollie_id', sa.String(length=40), nullable=True),
        sa.Column('amount', sa.BigInteger(), nullable=True),
        sa.Column('detail', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['attempt_id'], ['payment_attempt.id'], name=op.f('fk_payment_problem_attempt_id_payment_attempt'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['staff_member.id'], name=op.f('fk_payment_problem_resolved_by_id_staff_member'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_problem')),
        sa.UniqueConstraint('key', name=op.f('uq_payment_problem_key')),
    )
    with op.batch_alter_table('payment_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_problem_attempt_id'), ['attempt_id'], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO payment_problem (key, kind, attempt_id, mollie_id, amount, created_at) "
            "SELECT 'paid_twice:' || CAST(a.id AS VARCHAR), 'paid_twice', a.id, a.mollie_id, "
            "a.amount, MIN(e.created_at) "
            "FROM payment_event e JOIN payment_attempt a ON a.id = e.attempt_id "
            "WHERE e.note = :note GROUP BY a.id, a.mollie_id, a.amount"
        ).bindparams(note=PAID_TWICE_NOTE)
    )


def downgrade():
    with op.batch_alter_table('payment_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_problem_attempt_id'))
    op.drop_table('payment_problem')
