"""patient clinical profile, outside medications and the duplicate-patient blind index

The profile (sex, weight, height, allergies, creatinine clearance and its date) and the outside
medications are PHI: their columns hold Fernet tokens (the application's encrypted types).
``patients.duplicate_index`` is the keyed HMAC of the last name as duplicates compare (case,
accents, spaces, hyphens and apostrophes aside) and the date of birth; it is computed here for
the patients already registered, with the application's keyring and the same helpers the
application uses (Alembic runs inside the application, see env.py).

Revision ID: 7f980a39b944
Revises: 99dccaef2704
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lienrx.core import crypto
from lienrx.parties.rules import duplicate_name


# revision identifiers, used by Alembic.
revision = '7f980a39b944'
down_revision = '99dccaef2704'
branch_labels = None
depends_on = None

BATCH = 500
PROFILE = (('sex', sa.Text()), ('weight_kg', sa.Text()), ('height_cm', sa.Text()),
           ('allergies', sa.JSON()), ('creatinine_clearance', sa.Text()),
           ('creatinine_clearance_on', sa.Text()))


def upgrade():
    # Columns are added in place (never by copying the table: cases refer to patients).
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite adds a NOT NULL column only with a default; every row gets its value below.
    op.add_column('patients', sa.Column('duplicate_index', sa.String(length=64),
                                        nullable=not sqlite,
                                        server_default='' if sqlite else None))
    for name, type_ in PROFILE:
        op.add_column('patients', sa.Column(name, type_, nullable=True))
    _backfill_duplicate_index()
    if not sqlite:
        op.alter_column('patients', 'duplicate_index', existing_type=sa.String(length=64),
                        nullable=False)
    op.create_index(op.f('ix_patients_duplicate_index'), 'patients', ['duplicate_index'],
                    unique=False)

    op.create_table('outside_medications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('ingredient', sa.Text(), nullable=False),
    sa.Column('dose_mg_per_day', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('started_on', sa.Text(), nullable=True),
    sa.Column('stopped_on', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_outside_medications_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_medications'))
    )
    with op.batch_alter_table('outside_medications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_medications_patient_id'), ['patient_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outside_medications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_medications_patient_id'))
    op.drop_table('outside_medications')
    op.drop_index(op.f('ix_patients_duplicate_index'), table_name='patients')
    for name, _ in reversed(PROFILE):
        op.drop_column('patients', name)
    op.drop_column('patients', 'duplicate_index')


def _backfill_duplicate_index():
    """Every patient's duplicate index, from the decrypted last name and date of birth."""
    bind = op.get_bind()
    patients = sa.table('patients', sa.column('id', sa.Integer), sa.column('last_name', sa.Text),
                        sa.column('date_of_birth', sa.Text),
                        sa.column('duplicate_index', sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(patients.c.id, patients.c.last_name,
                                      patients.c.date_of_birth)
                            .where(patients.c.id > last).order_by(patients.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1][0]
        for patient_id, last_name, born in rows:
            index = crypto.blind_index(duplicate_name(crypto.decrypt(last_name)),
                                       crypto.decrypt(born))
            bind.execute(patients.update().where(patients.c.id == patient_id)
                         .values(duplicate_index=index))
