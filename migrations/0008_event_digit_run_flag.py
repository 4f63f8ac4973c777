"""`event.holds_digit_run`: whether any of the event's free-text columns holds a run of 11 digits.

Only such text can hold an ID or mobile number (`schema.common.mask_text`), so only such an event
needs masking on the way out. PostgreSQL writes timelines as the answer's JSON (`schema/json_sql.py`)
and must send a person with such an event the ordinary (masking) way: with the flag stored when the
event is written (a generated column), that check is a column read instead of a regular expression
over every event's payload, evidence and natural key on every read.

Not in the tortoise model: the database computes it and nothing writes it. SQLite gets the same
column (virtual, by GLOB) so both databases keep one schema.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

_RUN = "[0-9]" * 11
POSTGRES_FORWARD = (
    'ALTER TABLE "event" ADD COLUMN "holds_digit_run" boolean GENERATED ALWAYS AS ('
    "payload::text ~ '[0-9]{11}' OR evidence::text ~ '[0-9]{11}' OR natural_key ~ '[0-9]{11}'"
    ") STORED"
)
SQLITE_FORWARD = (
    'ALTER TABLE "event" ADD COLUMN "holds_digit_run" boolean GENERATED ALWAYS AS ('
    f"payload GLOB '*{_RUN}*' OR evidence GLOB '*{_RUN}*' OR natural_key GLOB '*{_RUN}*'"
    ") VIRTUAL"
)
BACKWARD = 'ALTER TABLE "event" DROP COLUMN "holds_digit_run"'


def _runner(postgres: str, sqlite: str):
    async def run(apps, schema_editor) -> None:
        dialect = schema_editor.client.capabilities.dialect
        await schema_editor.client.execute_script(postgres if dialect == "postgres" else sqlite)

    return run


class Migration(migrations.Migration):
    dependencies = [("casehub", "0007_event_corrects_index")]

    operations = [
        ops.RunPython(_runner(POSTGRES_FORWARD, SQLITE_FORWARD), reverse_code=_runner(BACKWARD, BACKWARD)),
    ]
