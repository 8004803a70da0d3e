"""inventory: controlled-substance lots, their append-only movement journal, counts and
destructions awaiting witnesses (SPEC §7.5, 21 CFR 1304)

Revision ID: 9d4e7a2c5b10
Revises: 9d4f7a2c6e15
Create Date: 2026-11-30 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e7a2c5b10'
down_revision = '9d4f7a2c6e15'
branch_labels = None
depends_on = None

SIGNS = ("(kind IN ('receipt', 'return_to_stock') AND quantity > 0) OR (kind IN "
         "('compounding_use', 'dispense', 'waste', 'destruction', 'loss', 'theft') AND "
         "quantity < 0) OR (kind IN ('adjustment') AND quantity <> 0)")
KINDS = ("kind IN ('receipt', 'compounding_use', 'dispense', 'return_to_stock', 'waste', "
         "'destruction', 'loss', 'theft', 'adjustment')")
# The journal and the counts are records: the database refuses to change or remove them.
APPEND_ONLY = ("inventory_movements", "inventory_counts", "inventory_count_lines")


def upgrade():
    op.create_table('inventory_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=200), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('ndc', sa.String(length=11), nullable=False),
    sa.Column('lot_number', sa.String(length=60), nullable=False),
    sa.Column('expiration_date', sa.Date(), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('dea_schedule', sa.String(length=3), nullable=True),
    sa.Column('on_hand', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(component IS NULL) <> (product_id IS NULL)', name=op.f('ck_inventory_lots_component_or_product')),
    sa.CheckConstraint('length(ndc) = 11', name=op.f('ck_inventory_lots_ndc_11_digits')),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_inventory_lots_never_negative')),
    sa.CheckConstraint("unit IN ('g', 'mL', 'each')", name=op.f('ck_inventory_lots_unit_known')),
    sa.CheckConstraint("dea_schedule IS NULL OR dea_schedule IN ('II', 'III', 'IV', 'V')", name=op.f('ck_inventory_lots_schedule_known')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_inventory_lots_product_id_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_lots')),
    sa.UniqueConstraint('ndc', 'lot_number', name=op.f('uq_inventory_lots_ndc_lot_number'))
    )
    with op.batch_alter_table('inventory_lots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_lots_component'), ['component'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_lots_product_id'), ['product_id'], unique=False)

    op.create_table('inventory_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=30), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('supplier', sa.String(length=200), nullable=True),
    sa.Column('supplier_dea_number', sa.String(length=9), nullable=True),
    sa.Column('invoice_number', sa.String(length=60), nullable=True),
    sa.Column('witnesses', sa.JSON(), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=True),
    sa.Column('discovered_on', sa.Date(), nullable=True),
    sa.CheckConstraint(KINDS, name=op.f('ck_inventory_movements_kind_known')),
    sa.CheckConstraint(SIGNS, name=op.f('ck_inventory_movements_sign_follows_kind')),
    sa.CheckConstraint("kind <> 'receipt' OR (supplier IS NOT NULL AND supplier_dea_number IS NOT NULL AND invoice_number IS NOT NULL)", name=op.f('ck_inventory_movements_receipt_names_supplier')),
    sa.CheckConstraint("kind <> 'destruction' OR method IS NOT NULL", name=op.f('ck_inventory_movements_destruction_names_method')),
    sa.CheckConstraint("kind NOT IN ('loss', 'theft') OR discovered_on IS NOT NULL", name=op.f('ck_inventory_movements_loss_names_discovery')),
    sa.CheckConstraint('(source_type IS NULL) = (source_id IS NULL)', name=op.f('ck_inventory_movements_source_whole')),
    sa.ForeignKeyConstraint(['lot_id'], ['inventory_lots.id'], name=op.f('fk_inventory_movements_lot_id_inventory_lots'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inventory_movements_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_movements'))
    )
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_movements_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_movements_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index('ix_inventory_movements_source', ['source_type', 'source_id'], unique=False)

    op.create_table('inventory_destructions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('source_type', sa.String(length=30), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_user_id', sa.Integer(), nullable=True),
    sa.Column('movement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'destroyed')", name=op.f('ck_inventory_destructions_status_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_inventory_destructions_quantity_positive')),
    sa.CheckConstraint("(status = 'destroyed') = (movement_id IS NOT NULL)", name=op.f('ck_inventory_destructions_destroyed_iff_movement')),
    sa.ForeignKeyConstraint(['lot_id'], ['inventory_lots.id'], name=op.f('fk_inventory_destructions_lot_id_inventory_lots'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['movement_id'], ['inventory_movements.id'], name=op.f('fk_inventory_destructions_movement_id_inventory_movements'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['opened_by_user_id'], ['users.id'], name=op.f('fk_inventory_destructions_opened_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_destructions')),
    sa.UniqueConstraint('movement_id', name=op.f('uq_inventory_destructions_movement_id'))
    )
    with op.batch_alter_table('inventory_destructions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_destructions_lot_id'), ['lot_id'], unique=False)

    op.create_table('inventory_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('business_hours', sa.String(length=8), nullable=False),
    sa.Column('counted_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('biennial', 'periodic')", name=op.f('ck_inventory_counts_kind_known')),
    sa.CheckConstraint("business_hours IN ('opening', 'closing')", name=op.f('ck_inventory_counts_business_hours_known')),
    sa.ForeignKeyConstraint(['counted_by_user_id'], ['users.id'], name=op.f('fk_inventory_counts_counted_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_counts'))
    )
    with op.batch_alter_table('inventory_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_counts_counted_at'), ['counted_at'], unique=False)

    op.create_table('inventory_count_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('counted', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('estimated', sa.Boolean(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('counted >= 0', name=op.f('ck_inventory_count_lines_counted_not_negative')),
    sa.CheckConstraint('(counted = expected) = (movement_id IS NULL)', name=op.f('ck_inventory_count_lines_adjusted_iff_variance')),
    sa.ForeignKeyConstraint(['count_id'], ['inventory_counts.id'], name=op.f('fk_inventory_count_lines_count_id_inventory_counts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['lot_id'], ['inventory_lots.id'], name=op.f('fk_inventory_count_lines_lot_id_inventory_lots'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['movement_id'], ['inventory_movements.id'], name=op.f('fk_inventory_count_lines_movement_id_inventory_movements'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_count_lines')),
    sa.UniqueConstraint('count_id', 'lot_id', name=op.f('uq_inventory_count_lines_count_id_lot_id')),
    sa.UniqueConstraint('movement_id', name=op.f('uq_inventory_count_lines_movement_id'))
    )
    with op.batch_alter_table('inventory_count_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_count_lines_count_id'), ['count_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_count_lines_lot_id'), ['lot_id'], unique=False)

    _append_only_triggers()


def _append_only_triggers():
    """Refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the journal and the counts,
    with the function the ledger's triggers use."""
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION lienrx_refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION lienrx_refuse_change()")
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('inventory_count_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_count_lines_lot_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_count_lines_count_id'))
    op.drop_table('inventory_count_lines')
    with op.batch_alter_table('inventory_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_counts_counted_at'))
    op.drop_table('inventory_counts')
    with op.batch_alter_table('inventory_destructions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_destructions_lot_id'))
    op.drop_table('inventory_destructions')
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_movements_source')
        batch_op.drop_index(batch_op.f('ix_inventory_movements_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_inventory_movements_lot_id'))
    op.drop_table('inventory_movements')
    with op.batch_alter_table('inventory_lots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_lots_product_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_lots_component'))
    op.drop_table('inventory_lots')
