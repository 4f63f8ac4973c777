"""Database-level guards for the payroll and the casework records.

- A CLOSED payroll month never changes (R-PAY-4: later evidence becomes an adjustment
  in a later month): no UPDATE or DELETE of a closed `payroll_run`, no INSERT, UPDATE
  or DELETE of a `payment_line` in a closed run. On PostgreSQL the line checks are
  statement-level (one check per bulk insert, not per row) and take a share lock on
  the runs concerned, so a line insert and a concurrent close are serialised.
- Recovery items, repayments, waivers, investigation transitions and status changes
  are append-only, like events (the same `casehub_append_only()` function).

The ORM and the services refuse first, with a typed error; these make the database
itself refuse, whatever client connects. TRUNCATE stays possible for the table owner.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

APPEND_ONLY = ("recovery_item", "repayment", "recovery_waiver", "investigation_transition", "status_change")

_PG_LINE_CHECK = """CREATE OR REPLACE FUNCTION casehub_payroll_lines_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE r record;
    BEGIN
        FOR r IN
            SELECT p.month, p.status FROM payroll_run p
            WHERE p.id IN (SELECT run_id FROM casehub_changed_lines)
            ORDER BY p.id FOR SHARE
        LOOP
            IF r.status = 'CLOSED' THEN
                RAISE EXCEPTION 'payroll month % is closed: % of payment lines refused', r.month, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END LOOP;
        RETURN NULL;
    END $$"""

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION casehub_payroll_run_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'CLOSED' THEN
            RAISE EXCEPTION 'payroll month % is closed: % refused', OLD.month, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END $$""",
    'CREATE TRIGGER "payroll_run_frozen" BEFORE UPDATE OR DELETE ON "payroll_run" '
    "FOR EACH ROW EXECUTE FUNCTION casehub_payroll_run_frozen()",
    _PG_LINE_CHECK,
    # one trigger per operation: PostgreSQL allows transition tables on single-event triggers only
    'CREATE TRIGGER "payment_line_frozen_insert" AFTER INSERT ON "payment_line" '
    "REFERENCING NEW TABLE AS casehub_changed_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION casehub_payroll_lines_frozen()",
    'CREATE TRIGGER "payment_line_frozen_update_old" AFTER UPDATE ON "payment_line" '
    "REFERENCING OLD TABLE AS casehub_changed_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION casehub_payroll_lines_frozen()",
    'CREATE TRIGGER "payment_line_frozen_update_new" AFTER UPDATE ON "payment_line" '
    "REFERENCING NEW TABLE AS casehub_changed_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION casehub_payroll_lines_frozen()",
    'CREATE TRIGGER "payment_line_frozen_delete" AFTER DELETE ON "payment_line" '
    "REFERENCING OLD TABLE AS casehub_changed_lines FOR EACH STATEMENT "
    "EXECUTE FUNCTION casehub_payroll_lines_frozen()",
    *(
        f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION casehub_append_only()"
        for table in APPEND_ONLY
    ),
]
POSTGRES_BACKWARD = [
    *(f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"' for table in APPEND_ONLY),
    *(
        f'DROP TRIGGER IF EXISTS "payment_line_frozen_{name}" ON "payment_line"'
        for name in ("insert", "update_old", "update_new", "delete")
    ),
    'DROP TRIGGER IF EXISTS "payroll_run_frozen" ON "payroll_run"',
    "DROP FUNCTION IF EXISTS casehub_payroll_lines_frozen()",
    "DROP FUNCTION IF EXISTS casehub_payroll_run_frozen()",
]

_CLOSED = "(SELECT status FROM payroll_run WHERE id = {row}.run_id) = 'CLOSED'"
SQLITE_FORWARD = [
    *(
        f'CREATE TRIGGER "payroll_run_frozen_{op.lower()}" BEFORE {op} ON "payroll_run" '
        f"WHEN OLD.status = 'CLOSED' "
        f"BEGIN SELECT RAISE(ABORT, 'payroll month is closed: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ),
    'CREATE TRIGGER "payment_line_frozen_insert" BEFORE INSERT ON "payment_line" '
    f"WHEN {_CLOSED.format(row='NEW')} "
    "BEGIN SELECT RAISE(ABORT, 'payroll month is closed: INSERT of payment lines refused'); END",
    'CREATE TRIGGER "payment_line_frozen_update" BEFORE UPDATE ON "payment_line" '
    f"WHEN {_CLOSED.format(row='OLD')} OR {_CLOSED.format(row='NEW')} "
    "BEGIN SELECT RAISE(ABORT, 'payroll month is closed: UPDATE of payment lines refused'); END",
    'CREATE TRIGGER "payment_line_frozen_delete" BEFORE DELETE ON "payment_line" '
    f"WHEN {_CLOSED.format(row='OLD')} "
    "BEGIN SELECT RAISE(ABORT, 'payroll month is closed: DELETE of payment lines refused'); END",
    *(
        f'CREATE TRIGGER "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: {op} refused'); END"
        for table in APPEND_ONLY
        for op in ("UPDATE", "DELETE")
    ),
]
SQLITE_BACKWARD = [
    *(f'DROP TRIGGER IF EXISTS "{table}_no_{op.lower()}"' for table in APPEND_ONLY for op in ("UPDATE", "DELETE")),
    *(f'DROP TRIGGER IF EXISTS "payment_line_frozen_{op}"' for op in ("insert", "update", "delete")),
    *(f'DROP TRIGGER IF EXISTS "payroll_run_frozen_{op}"' for op in ("update", "delete")),
]


def _runner(postgres: list[str], sqlite: list[str]):
    async def run(apps, schema_editor) -> None:
        dialect = schema_editor.client.capabilities.dialect
        for statement in postgres if dialect == "postgres" else sqlite:
            await schema_editor.client.execute_script(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("casehub", "0005_payroll_casework")]

    operations = [
        ops.RunPython(
            _runner(POSTGRES_FORWARD, SQLITE_FORWARD), reverse_code=_runner(POSTGRES_BACKWARD, SQLITE_BACKWARD)
        ),
    ]
