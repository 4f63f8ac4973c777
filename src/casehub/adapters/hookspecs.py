"""The hooks a casehub plugin can implement — read this file first (then docs/PLUGINS.md).

A plugin is a module (or any object) with functions marked ``@hookimpl``, found
through the ``casehub`` entry-point group of an installed package::

    # pyproject.toml of your package
    [project.entry-points.casehub]
    medinsurance = "casehub_medinsurance"

    # casehub_medinsurance/__init__.py
    from casehub.adapters import hookimpl

    @hookimpl
    def register_adapters():
        return [MedicalSettlementAdapter]

casehub's own four adapters and its reminder outbox are plugins registered
the same way (`casehub.adapters.plugins.DEFAULT_PLUGINS`). Hooks are called with keyword
arguments only; an implementation may accept any subset of a hook's arguments.
Pluggy is synchronous: where a hook says so, an implementation may instead be
``async def`` and casehub awaits the result. A plugin that fails to import or
raises in a hook is reported by name (`casehub adapters`, the log) and the
service keeps running without it.

To write an adapter, subclass `casehub.adapters.Adapter` (see its docstring in
`casehub/adapters/base.py`): `parse` a file into records, `validate` each record
into typed row errors, turn a valid record into `EventDraft`s `to_drafts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from casehub.adapters.base import Adapter
    from casehub.adapters.notify import Reminder, ReminderReceipt, ReminderRun
    from casehub.models import Event, ImportBatch

hookspec = HookspecMarker("casehub")
hookimpl = HookimplMarker("casehub")


@hookspec
def register_adapters() -> list[type[Adapter]]:
    """Declare the import adapters this plugin provides.

    Called once, when casehub first needs its adapters (an import, `casehub adapters`).

    :return: a list of `Adapter` subclasses. Each has a unique ``name`` (the
        ``ADAPTER`` of ``casehub import ADAPTER FILE`` and the prefix of its
        natural keys), a one-line ``description`` and the file ``formats`` it
        accepts (name endings such as ``"csv"``, ``"xlsx"``, ``"json"``). A name
        already taken by another plugin is refused and reported.
    """


@hookspec
def events_recorded(events: list[Event], batch: ImportBatch | None) -> None:
    """Be told about events once they are committed — for notifications, not for vetoes.

    Called after an import batch has finished (status ``DONE``), once per batch,
    with every event that batch recorded (including those a re-run completed after
    an interruption); duplicates and rejected rows are not included.

    casehub loads the events only when some plugin implements this hook (about
    1.5 s per 100,000 events on PostgreSQL).

    :param events: the recorded `casehub.models.Event` rows, oldest first. Never
        modify them: the timeline is append-only (R-TL-1).
    :param batch: the `casehub.models.ImportBatch` with its final counts and row
        errors; None for events recorded outside an import (by the API).
    :return: nothing; may be a coroutine, which casehub awaits. An exception is
        logged with the plugin's name and does not undo the import.
    """


@hookspec
def send_reminder(reminder: Reminder, run: ReminderRun) -> ReminderReceipt | None:
    """Deliver one reminder through this plugin's channel.

    Each implementation is called on its own, so one that raises does not keep the
    others from delivering (and what they delivered is recorded).

    :param reminder: who to remind, of which due date, with the message to send
        (the policy's ``reminder_message``, filled in).
    :param run: the `casehub remind` run: its day, the outbox folder (the built-in
        outbox's setting), and ``run.stash[<your module name>]`` for state a plugin keeps
        between the run's calls.
    :return: a receipt when delivered; None when this plugin does not handle this recipient (for
        example, no phone number). May return an awaitable (casehub awaits it). Raising reports a
        failed delivery: nothing is recorded for this plugin and the next run tries again.
    """


@hookspec
def flush_reminders(run: ReminderRun) -> None:
    """Finish a `casehub remind` run: hand over the reminders this plugin collected.

    Called once per run, after the last `send_reminder` call and before the receipts of
    plugins that implement this hook are recorded — implement it only if your plugin
    collects reminders and delivers them at the end (the built-in outbox writes its
    workbook here). Until it returns, those receipts are promises.

    :param run: the run, as `send_reminder` saw it; append a line to ``run.summary`` to
        tell the operator what was done.
    :return: nothing; may be a coroutine, which casehub awaits. Raising means this plugin
        delivered none of the run's reminders: none of its receipts is recorded, and the
        next run tries those recipients again.
    """
