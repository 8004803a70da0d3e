"""reference token: a value the database replaces whenever the package NDCs, the price list,
the DUR rules or the DUR classes change, so each server process knows when its copy of them
is stale (lienrx.core.reference)

Revision ID: 8b1f4d6e2a90
Revises: 5a7c3e9d1f42
Create Date: 2026-11-30 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1f4d6e2a90'
down_revision = '5a7c3e9d1f42'
branch_labels = None
depends_on = None

TABLES = ("product_ndcs", "product_prices", "dur_rules", "dur_classes")
PG_NEW_TOKEN = ("INSERT INTO reference_token (id, token) VALUES (1, md5(random()::text || "
                "clock_timestamp()::text)) ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token")
SQLITE_NEW_TOKEN = ("INSERT OR REPLACE INTO reference_token (id, token) "
                    "VALUES (1, lower(hex(randomblob(16))))")


def upgrade():
    op.create_table('reference_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_token'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION lienrx_new_reference_token() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN {PG_NEW_TOKEN}; RETURN NULL; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_new_reference_token AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION lienrx_new_reference_token()")
        op.execute(PG_NEW_TOKEN)
    else:
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_{event.lower()}_new_reference_token AFTER "
                           f"{event} ON {table} BEGIN {SQLITE_NEW_TOKEN}; END")
        op.execute(SQLITE_NEW_TOKEN)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_new_reference_token ON {table}")
        op.execute("DROP FUNCTION lienrx_new_reference_token()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{event}_new_reference_token")
    op.drop_table('reference_token')
