"""licences: e-licences, their authorised uses and show codes; the working-day calendar; staff accounts and their audit

Revision ID: 0005_licences
Revises: 85d0a308da93
Create Date: 2026-11-22 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_licences'
down_revision = '85d0a308da93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('licences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('holder_hash', sa.String(length=64), nullable=False),
    sa.Column('licence_type_id', sa.Integer(), nullable=False),
    sa.Column('issuer_id', sa.Integer(), nullable=False),
    sa.Column('holder_name_enc', sa.Text(), nullable=False),
    sa.Column('number_enc', sa.Text(), nullable=False),
    sa.Column('essentials_enc', sa.Text(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=200), nullable=True),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issuer_id'], ['departments.id'], name=op.f('fk_licences_issuer_id_departments')),
    sa.ForeignKeyConstraint(['licence_type_id'], ['licence_types.id'], name=op.f('fk_licences_licence_type_id_licence_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licences')),
    sa.UniqueConstraint('identifier', name=op.f('uq_licences_identifier'))
    )
    with op.batch_alter_table('licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licences_holder_hash'), ['holder_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_licences_licence_type_id'), ['licence_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_licences_source_ref'), ['source_ref'], unique=False)

    op.create_table('licence_uses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_licence_uses_licence_id_licences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_uses'))
    )
    with op.batch_alter_table('licence_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_uses_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_uses_licence_id'), ['licence_id'], unique=False)

    op.create_table('licence_show_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_licence_show_codes_licence_id_licences')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_show_codes')),
    sa.UniqueConstraint('nonce', name=op.f('uq_licence_show_codes_nonce'))
    )
    with op.batch_alter_table('licence_show_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_show_codes_licence_id'), ['licence_id'], unique=False)

    op.create_table('calendar_days',
    sa.Column('calendar', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('calendar', 'day', name=op.f('pk_calendar_days'))
    )

    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_users_department_code'), ['department_code'], unique=False)

    op.create_table('staff_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_staff_actions_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_actions'))
    )
    with op.batch_alter_table('staff_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_actions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_actions_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_actions_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_actions_staff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_actions_department_code'))
        batch_op.drop_index(batch_op.f('ix_staff_actions_created_at'))
    op.drop_table('staff_actions')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_users_department_code'))
    op.drop_table('staff_users')
    op.drop_table('calendar_days')
    with op.batch_alter_table('licence_show_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_show_codes_licence_id'))
    op.drop_table('licence_show_codes')
    with op.batch_alter_table('licence_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_uses_licence_id'))
        batch_op.drop_index(batch_op.f('ix_licence_uses_account_id'))
    op.drop_table('licence_uses')
    with op.batch_alter_table('licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licences_source_ref'))
        batch_op.drop_index(batch_op.f('ix_licences_licence_type_id'))
        batch_op.drop_index(batch_op.f('ix_licences_holder_hash'))
    op.drop_table('licences')
