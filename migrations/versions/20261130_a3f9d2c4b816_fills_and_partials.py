"""fills and partials: a prescription's fills (closed short or not), each dispense's refill
number and partial sequence, and a product's active ingredient

Existing dispenses are placed in fills in the order they were made: a standing dispense
draws on the earliest fill not yet complete (spilling into the next fills when it was larger
than one), a reversed one is recorded where it stood and counts nowhere. Charges already
posted are frozen and stay as they were.

Revision ID: a3f9d2c4b816
Revises: 9d4e7a2c5b10
Create Date: 2026-11-30 18:00:00.000000

"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f9d2c4b816'
down_revision = '9d4e7a2c5b10'
branch_labels = None
depends_on = None

CONSUMED = ("quantity_forfeited >= 0 AND quantity_dispensed + quantity_forfeited "
            "<= quantity * (1 + refills_authorized)")
POSITION = "refill_number >= 0 AND partial_sequence >= 1"


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _add_columns():
    op.add_column('products', sa.Column('active_ingredient', sa.String(length=80), nullable=True))
    if _sqlite():
        # In place: recreating these tables (batch mode) would trip the rows that refer to them.
        op.execute("ALTER TABLE prescriptions ADD COLUMN quantity_forfeited NUMERIC(12, 3) "
                   "NOT NULL DEFAULT 0 CONSTRAINT ck_prescriptions_consumed_within_authorized "
                   f"CHECK ({CONSUMED})")
        op.execute("ALTER TABLE dispenses ADD COLUMN refill_number INTEGER NOT NULL DEFAULT 0")
        op.execute("ALTER TABLE dispenses ADD COLUMN partial_sequence INTEGER NOT NULL DEFAULT 1 "
                   f"CONSTRAINT ck_dispenses_fill_position_known CHECK ({POSITION})")
        op.execute("ALTER TABLE dispenses ADD COLUMN fill_parts JSON NOT NULL DEFAULT '[]'")
        op.execute("ALTER TABLE dispenses ADD COLUMN starts_fill BOOLEAN NOT NULL DEFAULT 1")
        return
    op.add_column('prescriptions', sa.Column('quantity_forfeited', sa.Numeric(precision=12, scale=3), nullable=True))
    op.add_column('dispenses', sa.Column('refill_number', sa.Integer(), nullable=True))
    op.add_column('dispenses', sa.Column('partial_sequence', sa.Integer(), nullable=True))
    op.add_column('dispenses', sa.Column('fill_parts', sa.JSON(), nullable=True))
    op.add_column('dispenses', sa.Column('starts_fill', sa.Boolean(), nullable=True))


def _require_columns():
    if _sqlite():
        return
    op.alter_column('prescriptions', 'quantity_forfeited', existing_type=sa.Numeric(precision=12, scale=3), nullable=False)
    for column, type_ in (('refill_number', sa.Integer()), ('partial_sequence', sa.Integer()),
                          ('fill_parts', sa.JSON()), ('starts_fill', sa.Boolean())):
        op.alter_column('dispenses', column, existing_type=type_, nullable=False)
    op.create_check_constraint(op.f('ck_prescriptions_consumed_within_authorized'), 'prescriptions', CONSUMED)
    op.create_check_constraint(op.f('ck_dispenses_fill_position_known'), 'dispenses', POSITION)


PRESCRIPTIONS = sa.table('prescriptions', sa.column('id', sa.Integer), sa.column('quantity', sa.Numeric),
                         sa.column('refills_authorized', sa.Integer), sa.column('quantity_forfeited', sa.Numeric))
DISPENSES = sa.table('dispenses', sa.column('id', sa.Integer), sa.column('prescription_id', sa.Integer),
                     sa.column('fill_number', sa.Integer), sa.column('quantity', sa.Numeric),
                     sa.column('status', sa.String), sa.column('refill_number', sa.Integer),
                     sa.column('partial_sequence', sa.Integer), sa.column('fill_parts', sa.JSON),
                     sa.column('starts_fill', sa.Boolean))
FILLS = sa.table('prescription_fills', sa.column('prescription_id', sa.Integer),
                 sa.column('refill_number', sa.Integer), sa.column('quantity_dispensed', sa.Numeric),
                 sa.column('last_partial', sa.Integer))


def _part(fills, number, quantity):
    dispensed, last = fills.get(number, (Decimal(0), 0))
    sequence = last + 1 if dispensed > 0 else 1
    return {"refill_number": number, "quantity": format(quantity.normalize(), "f"),
            "partial_sequence": sequence}, dispensed == 0


def _place(fills, size, count, quantity, standing):
    """Where a dispense of ``quantity`` went; ``fills`` maps a refill number to (dispensed,
    last partial) and is updated for a standing dispense (the last fill takes any excess)."""
    open_fills = [k for k in range(count) if fills.get(k, (Decimal(0), 0))[0] < size] or [count - 1]
    if not standing:
        part, starts = _part(fills, open_fills[0], quantity)
        return [part], starts
    parts, starts, left = [], False, quantity
    for number in open_fills:
        dispensed = fills.get(number, (Decimal(0), 0))[0]
        taken = left if number == open_fills[-1] else min(left, size - dispensed)
        part, began = _part(fills, number, taken)
        parts.append(part)
        starts = starts or began
        fills[number] = (dispensed + taken, part["partial_sequence"])
        left -= taken
        if left <= 0:
            break
    return parts, starts


def _backfill():
    bind = op.get_bind()
    bind.execute(PRESCRIPTIONS.update().values(quantity_forfeited=0))
    rows = bind.execute(
        sa.select(DISPENSES.c.id, DISPENSES.c.prescription_id, DISPENSES.c.quantity,
                  DISPENSES.c.status, PRESCRIPTIONS.c.quantity.label('size'),
                  PRESCRIPTIONS.c.refills_authorized)
        .join(PRESCRIPTIONS, PRESCRIPTIONS.c.id == DISPENSES.c.prescription_id)
        .order_by(DISPENSES.c.prescription_id, DISPENSES.c.fill_number)).all()
    by_rx = {}
    for row in rows:
        fills = by_rx.setdefault(row.prescription_id, {})
        parts, starts = _place(fills, Decimal(row.size), 1 + row.refills_authorized,
                               Decimal(row.quantity), row.status == 'dispensed')
        bind.execute(DISPENSES.update().where(DISPENSES.c.id == row.id).values(
            refill_number=parts[0]["refill_number"], partial_sequence=parts[0]["partial_sequence"],
            fill_parts=parts, starts_fill=starts))
    for prescription_id, fills in by_rx.items():
        for number, (dispensed, last) in sorted(fills.items()):
            if dispensed > 0:
                bind.execute(FILLS.insert().values(prescription_id=prescription_id, refill_number=number,
                                                   quantity_dispensed=dispensed, last_partial=last))


def upgrade():
    op.create_table('prescription_fills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('refill_number', sa.Integer(), nullable=False),
    sa.Column('quantity_dispensed', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('last_partial', sa.Integer(), nullable=False),
    sa.Column('closed_short_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_short_by_user_id', sa.Integer(), nullable=True),
    sa.Column('closed_short_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('(closed_short_at IS NULL) = (closed_short_reason IS NULL)', name=op.f('ck_prescription_fills_closed_with_reason')),
    sa.CheckConstraint('last_partial >= 0', name=op.f('ck_prescription_fills_last_partial_not_negative')),
    sa.CheckConstraint('quantity_dispensed >= 0', name=op.f('ck_prescription_fills_dispensed_not_negative')),
    sa.CheckConstraint('refill_number >= 0', name=op.f('ck_prescription_fills_refill_number_not_negative')),
    sa.ForeignKeyConstraint(['closed_short_by_user_id'], ['users.id'], name=op.f('fk_prescription_fills_closed_short_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_prescription_fills_prescription_id_prescriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescription_fills')),
    sa.UniqueConstraint('prescription_id', 'refill_number', name=op.f('uq_prescription_fills_prescription_id_refill_number'))
    )
    with op.batch_alter_table('prescription_fills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prescription_fills_prescription_id'), ['prescription_id'], unique=False)
    _add_columns()
    _backfill()
    _require_columns()


def downgrade():
    if _sqlite():  # in place: the CHECKs belong to their columns, so they go with them
        for column in ('starts_fill', 'fill_parts', 'partial_sequence', 'refill_number'):
            op.execute(f"ALTER TABLE dispenses DROP COLUMN {column}")
        op.execute("ALTER TABLE prescriptions DROP COLUMN quantity_forfeited")
    else:
        op.drop_constraint(op.f('ck_dispenses_fill_position_known'), 'dispenses', type_='check')
        op.drop_constraint(op.f('ck_prescriptions_consumed_within_authorized'), 'prescriptions', type_='check')
        for column in ('starts_fill', 'fill_parts', 'partial_sequence', 'refill_number'):
            op.drop_column('dispenses', column)
        op.drop_column('prescriptions', 'quantity_forfeited')
    op.drop_column('products', 'active_ingredient')
    with op.batch_alter_table('prescription_fills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prescription_fills_prescription_id'))
    op.drop_table('prescription_fills')
