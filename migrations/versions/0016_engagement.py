"""engagement: ratings (好差评) with follow-ups, halls, windows, slots and appointments, consultations and complaints

Revision ID: 0016_engagement
Revises: 0012_instant_rules
Create Date: 2026-12-04 14:23:45.295086

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_engagement'
down_revision = '0012_instant_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appointment_halls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_halls')),
    sa.UniqueConstraint('code', name=op.f('uq_appointment_halls_code'))
    )
    op.create_table('hall_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['appointment_halls.id'], name=op.f('fk_hall_windows_hall_id_appointment_halls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_windows')),
    sa.UniqueConstraint('hall_id', 'number', name=op.f('uq_hall_windows_hall_id_number'))
    )
    with op.batch_alter_table('hall_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_windows_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_hall_windows_hall_id'), ['hall_id'], unique=False)

    op.create_table('appointment_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('booked >= 0 AND booked <= capacity', name=op.f('ck_appointment_slots_capacity')),
    sa.ForeignKeyConstraint(['window_id'], ['hall_windows.id'], name=op.f('fk_appointment_slots_window_id_hall_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slots')),
    sa.UniqueConstraint('window_id', 'day', 'starts', name=op.f('uq_appointment_slots_window_id_day_starts'))
    )
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_slots_day', ['day', 'window_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('subject_type', sa.String(length=8), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('hall_code', sa.String(length=32), nullable=True),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('content', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.String(length=2000), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_complaints_rating')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_complaints_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaints_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_complaints_department_status', ['department_code', 'status'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('followup_status', sa.String(length=16), nullable=True),
    sa.Column('followup_due', sa.Date(), nullable=True),
    sa.Column('reply', sa.String(length=1000), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('replied_by', sa.String(length=64), nullable=True),
    sa.Column('resolved', sa.Boolean(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_evaluations_score')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_evaluations_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_evaluations_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('case_id', name=op.f('uq_evaluations_case_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_department_code'), ['department_code'], unique=False)

    op.create_table('hall_window_items',
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['window_id'], ['hall_windows.id'], name=op.f('fk_hall_window_items_window_id_hall_windows')),
    sa.PrimaryKeyConstraint('window_id', 'service_code', name=op.f('pk_hall_window_items'))
    )
    with op.batch_alter_table('hall_window_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hall_window_items_service_code'), ['service_code'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.Column('service_name', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checkin_code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(), nullable=True),
    sa.Column('no_show_at', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_appointments_account_id_accounts')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_appointments_case_id_cases')),
    sa.ForeignKeyConstraint(['hall_id'], ['appointment_halls.id'], name=op.f('fk_appointments_hall_id_appointment_halls')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slots.id'], name=op.f('fk_appointments_slot_id_appointment_slots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('hall_id', 'day', 'checkin_code', name=op.f('uq_appointments_hall_id_day_checkin_code'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_account_status', ['account_id', 'status'], unique=False)
        batch_op.create_index('ix_appointments_slot_status', ['slot_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_slot_status')
        batch_op.drop_index('ix_appointments_account_status')

    op.drop_table('appointments')
    with op.batch_alter_table('hall_window_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_window_items_service_code'))

    op.drop_table('hall_window_items')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_department_code'))
        batch_op.drop_index(batch_op.f('ix_evaluations_created_at'))
        batch_op.drop_index(batch_op.f('ix_evaluations_account_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_department_status')
        batch_op.drop_index(batch_op.f('ix_complaints_account_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slots_day')

    op.drop_table('appointment_slots')
    with op.batch_alter_table('hall_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hall_windows_hall_id'))
        batch_op.drop_index(batch_op.f('ix_hall_windows_department_code'))

    op.drop_table('hall_windows')
    op.drop_table('appointment_halls')
