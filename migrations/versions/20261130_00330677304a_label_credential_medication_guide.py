"""labels: a prescriber's credential, products needing a Medication Guide, and whether a fill
gave it

Revision ID: 00330677304a
Revises: 4c8e2a7f1d93
Create Date: 2026-11-30 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '00330677304a'
down_revision = '4c8e2a7f1d93'
branch_labels = None
depends_on = None

# lienrx.parties.rules.CREDENTIALS when this revision was written.
CREDENTIALS = ("MD", "DO", "NP", "APRN", "CNM", "PA-C", "DDS", "DMD", "DPM", "OD")
CHECK = "credential IN ({})".format(", ".join(f"'{c}'" for c in CREDENTIALS))


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    if _sqlite():
        # In place, the CHECK with its column: recreating prescribers (batch mode) would trip
        # the foreign keys of the prescriptions that refer to it.
        op.execute("ALTER TABLE prescribers ADD COLUMN credential VARCHAR(8) "
                   f"CONSTRAINT ck_prescribers_credential_known CHECK ({CHECK})")
    else:
        op.add_column('prescribers', sa.Column('credential', sa.String(length=8), nullable=True))
        op.create_check_constraint(op.f('ck_prescribers_credential_known'), 'prescribers', CHECK)
    op.add_column('products', sa.Column('medication_guide', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column('dispenses', sa.Column('medguide_provided', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))


def downgrade():
    if _sqlite():  # in place: the CHECK belongs to its column, so it goes with it
        for table, column in (('dispenses', 'medguide_provided'),
                              ('products', 'medication_guide'),
                              ('prescribers', 'credential')):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    op.drop_column('dispenses', 'medguide_provided')
    op.drop_column('products', 'medication_guide')
    op.drop_constraint(op.f('ck_prescribers_credential_known'), 'prescribers', type_='check')
    op.drop_column('prescribers', 'credential')
