"""Database-level guards: events and audit entries can be inserted, never updated or deleted.

The ORM has no update/delete path for them either (R-TL-1); these triggers make
the database itself refuse, whatever client connects. TRUNCATE and disabling
triggers stay possible for the table owner: docs/SECURITY.md says so.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

GUARDED = ("event", "audit_entry")

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION casehub_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    *(
        f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION casehub_append_only()"
        for table in GUARDED
    ),
]
POSTGRES_BACKWARD = [
    *(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"' for table in GUARDED),
    "DROP FUNCTION IF EXISTS casehub_append_only()",
]
SQLITE_FORWARD = [
    f'CREATE TRIGGER "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
    f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {op} refused'); END"
    for table in GUARDED
    for op in ("UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    f'DROP TRIGGER IF EXISTS "{table}_no_{op.lower()}"' for table in GUARDED for op in ("UPDATE", "DELETE")
]


def _runner(postgres: list[str], sqlite: list[str]):
    async def run(apps, schema_editor) -> None:
        dialect = schema_editor.client.capabilities.dialect
        for statement in postgres if dialect == "postgres" else sqlite:
            await schema_editor.client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("casehub", "0001_initial")]

    operations = [
        ops.RunPython(
            _runner(POSTGRES_FORWARD, SQLITE_FORWARD), reverse_code=_runner(POSTGRES_BACKWARD, SQLITE_BACKWARD)
        ),
    ]
