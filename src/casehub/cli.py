"""The `casehub` command: migrate, demo, serve and the operators' scheduled jobs.

Every expected failure (`CasehubError`) is printed as one line on stderr with
exit code 1 — never a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from casehub import db
from casehub.adapters.cli import import_file, list_adapters
from casehub.config import Settings
from casehub.errors import CasehubError

app = typer.Typer(
    help="casehub: benefit-eligibility case management.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)
console = Console()

T = TypeVar("T")


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def guarded(func: Callable[..., T]) -> Callable[..., T]:
    """Turn the CasehubErrors `func` raises into one-line messages."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except CasehubError as exc:
            fail(str(exc))
            raise  # unreachable: fail() exits

    return wrapper


def command(func: Callable[..., T] | None = None, *, name: str | None = None) -> Any:
    """Register `func` as a subcommand whose CasehubErrors become one-line messages."""
    if func is None:
        return functools.partial(command, name=name)
    return app.command(name=name)(guarded(func))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@command
def migrate() -> None:
    """Create or update the database schema (CASEHUB_DATABASE_URL)."""
    settings = Settings.from_env()

    def progress(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            console.print(f"  applied {app_label}.{name}")

    async def go() -> list[str]:
        async with db.connected(settings.database_url, create_db=True):
            return await db.migrate(progress)

    applied = run(go())
    console.print(f"database is up to date ({len(applied)} migration(s) applied)")


@command
def demo(
    recipients: Annotated[int, typer.Option(help="how many recipients to generate")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same county")] = 2021,
) -> None:
    """Fill an empty database with the synthetic Yangbi demo county."""
    from casehub.cases import refresh_all_states
    from casehub.demo import load_demo
    from casehub.policy import load_policy

    settings = Settings.from_env()

    async def go() -> bool:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            policy = load_policy(settings.policy_dir)
            if not await load_demo(recipients=recipients, seed=seed, console=console, policy=policy):
                return False
            with console.status("computing every entitlement's status"):
                rows = await refresh_all_states(policy)
            console.print(f"status computed for {rows:,} entitlements")
            return True

    if not run(go()):
        console.print("the database already holds data; demo county not loaded")


@command
def serve(
    host: Annotated[str | None, typer.Option(help="address to bind (CASEHUB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (CASEHUB_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="processes, one per core (CASEHUB_WORKERS)")] = None,
) -> None:
    """Serve the GraphQL API (and GraphiQL outside production) with uvicorn."""
    import uvicorn

    settings = Settings.from_env()

    async def check() -> str | None:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            return None if settings.production else await _development_token(settings)

    token = run(check())
    address = f"http://{host or settings.host}:{port or settings.port}/graphql"
    if token:
        console.print(f"GraphiQL: {address}\nheaders for the demo county admin (development only):")
        console.print(f'{{"Authorization": "Bearer {token}"}}', highlight=False, soft_wrap=True)
    # each worker process builds its app from the same environment (`create_app` reads the settings)
    uvicorn.run(
        "casehub.app:create_app",
        factory=True,
        workers=workers or settings.workers,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        access_log=settings.logs_requests,
        proxy_headers=False,
    )


@command
def token(
    username: Annotated[str, typer.Argument(help="the staff account the token speaks for")],
    hours: Annotated[int, typer.Option(help="how long the token is valid")] = 12,
) -> None:
    """Mint a bearer token for local use: `Authorization: Bearer <token>`."""
    import datetime as dt

    from casehub.auth import mint_token
    from casehub.errors import ValidationError
    from casehub.models import Staff

    settings = Settings.from_env()

    async def go() -> str:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            staff = await Staff.get_or_none(username=username, active=True)
            if staff is None:
                raise ValidationError("username", "UNKNOWN_STAFF", f"no active staff account {username!r}")
            return mint_token(settings, staff, ttl=dt.timedelta(hours=hours))

    sys.stdout.write(run(go()) + "\n")


audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain, then check every event against its seal; name the first that does not verify."""
    from casehub.audit import verify_chain, verify_events

    settings = Settings.from_env()

    async def go():
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            broken = await verify_chain()
            return broken, None if broken is not None else await verify_events()

    try:
        broken, problem = run(go())
    except CasehubError as exc:
        fail(str(exc))
    if broken is not None:
        fail(f"audit entry {broken.id} ({broken.action} at {broken.at.isoformat()}) does not verify")
    if problem is not None:
        fail(str(problem))
    console.print("audit chain verified; every event matches its seal")


@audit_app.command("head")
@guarded
def audit_head(
    entry: Annotated[int | None, typer.Option(help="print this entry instead of the newest")] = None,
) -> None:
    """Verify the chain and print its newest entry (id, hash) as one JSON line, to anchor outside the database."""
    import orjson

    from casehub.audit import chain_head, verify_chain

    async def work(settings: Settings):
        broken = await verify_chain()
        if broken is not None:
            raise CasehubError(f"audit entry {broken.id} does not verify: no head to anchor")
        return await chain_head(entry)

    sys.stdout.write(orjson.dumps(_in_database(work).as_dict()).decode() + "\n")


@command
def schema() -> None:
    """Print the GraphQL schema (SDL); `make schema` writes it to schema.graphql."""
    from casehub.schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")


# --- the processes' scheduled jobs (tracker issue 6, part A) ------------------------------------
# Read-only reports run with county-wide scope; commands that act on behalf of the bureau name the
# staff account with --as, so the audit log says who did it.


def _in_database(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    settings = Settings.from_env()

    async def go() -> T:
        async with db.connected(settings.database_url):
            await db.ensure_migrated()
            return await work(settings)

    return run(go())


async def _operator(username: str | None):
    """The staff account named by --as, or the CLI's own county-wide reader (audited as no one)."""
    from casehub.auth import Viewer, viewer_for_staff
    from casehub.domain import Role
    from casehub.errors import ValidationError
    from casehub.models import Staff

    if username is None:
        return Viewer(staff_id=None, username="casehub-cli", role=Role.COUNTY_ADMIN,  # type: ignore[arg-type]
                      region_code=None, region_id=None, unit_id=None)
    staff = await Staff.get_or_none(username=username, active=True)
    if staff is None:
        raise ValidationError("as", "UNKNOWN_STAFF", f"no active staff account {username!r}")
    return await viewer_for_staff(staff.id)


def _day(text: str | None) -> dt.date:
    from casehub.clock import today

    try:
        return dt.date.fromisoformat(text) if text else today()
    except ValueError:
        raise CasehubError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        table.add_column(column, no_wrap=i == 0)  # the first column holds codes: never cut
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


AsOption = Annotated[str | None, typer.Option("--as-of", help="the day to judge by (YYYY-MM-DD); default today")]
StaffOption = Annotated[str | None, typer.Option("--as", help="the staff account acting (recorded in the audit log)")]

reports_app = typer.Typer(help="Monthly death reports (R-DTH-1..4) and stop-event reporting speed (R-RPT-1).",
                          no_args_is_help=True)
app.add_typer(reports_app, name="reports")


@reports_app.command("compliance")
@guarded
def reports_compliance(
    month: Annotated[str, typer.Option(help="the month reported on, YYYY-MM (reports are due next month)")],
    as_of: AsOption = None,
) -> None:
    """Who reported last month's deaths on time, late (with days) or not at all, per reporting body."""
    from casehub.policy import load_policy
    from casehub.processes import death_reports
    from casehub.processes.common import parse_month

    async def work(settings: Settings):
        return await death_reports.compliance(
            await _operator(None), [parse_month(month)], policy=load_policy(settings.policy_dir), as_of=_day(as_of)
        )

    rows = _in_database(work)
    for rule in dict.fromkeys((r.scheme, r.body.reporter, r.recipient, r.rule, r.due_on) for r in rows):
        scheme, reporter, recipient, rule_id, due = rule
        _table(f"{rule_id} {scheme}: {reporter} → {recipient}, due {due}",
               ["code", "name", "status", "days late", "received", "deaths"],
               [[r.body.code, r.body.name, r.status, r.days_late or "", r.received_on,
                 r.deaths if r.report_id else ""]
                for r in rows if (r.scheme, r.body.reporter, r.recipient, r.rule, r.due_on) == rule])
    counts = {s: sum(r.status == s for r in rows) for s in ("ON_TIME", "LATE", "MISSING", "NOT_DUE")}
    console.print(", ".join(f"{n} {s.lower().replace('_', ' ')}" for s, n in counts.items()))


@reports_app.command("latency")
@guarded
def reports_latency(
    occurred_from: Annotated[str, typer.Option("--from", help="first day events occurred, YYYY-MM-DD")],
    occurred_to: Annotated[str, typer.Option("--to", help="last day events occurred, YYYY-MM-DD")],
) -> None:
    """R-RPT-1: working days from stop events to their recording, per reporting body."""
    from casehub.policy import load_policy
    from casehub.processes import death_reports

    async def work(settings: Settings):
        return await death_reports.stop_event_latency(
            await _operator(None), occurred_from=_day(occurred_from), occurred_to=_day(occurred_to),
            policy=load_policy(settings.policy_dir),
        )

    rows = _in_database(work)
    _table("stop events: working days to reach casehub", ["body", "name", "events", "within", "over", "limit",
                                                          "mean", "max"],
           [[r.body_key, r.body_name, r.events, r.within_limit, r.over_limit, r.limit_working_days,
             r.mean_working_days, r.max_working_days] for r in rows])


notices_app = typer.Typer(help="Half-yearly public notices (R-PUB-1/2).", no_args_is_help=True)
app.add_typer(notices_app, name="notices")


@notices_app.command("status")
@guarded
def notices_status(
    period: Annotated[str, typer.Option(help="2026-H1 or 2026-H2")],
    township: Annotated[str | None, typer.Option(help="only this township's villages")] = None,
    as_of: AsOption = None,
) -> None:
    """Every village's notice for a period: up, complete, too short or missing."""
    from casehub.policy import load_policy
    from casehub.processes import notices

    async def work(settings: Settings):
        return await notices.notice_compliance(
            await _operator(None), period, policy=load_policy(settings.policy_dir), as_of=_day(as_of),
            township_code=township,
        )

    rows = _in_database(work)
    _table(f"public notices {period}", ["village", "name", "status", "posted", "removed", "working days",
                                       "earliest removal"],
           [[r.village.code, r.village.name, r.status, r.notice and r.notice.posted_on,
             r.notice and r.notice.removed_on, r.check and f"{r.check.working_days_up}/{r.check.required_working_days}",
             r.check and r.check.earliest_removal] for r in rows])


@notices_app.command("roster")
@guarded
def notices_roster(
    village: Annotated[str, typer.Option(help="the village code")],
    period: Annotated[str, typer.Option(help="2026-H1 or 2026-H2")],
    output: Annotated[str | None, typer.Option("-o", "--output", help="file to write; default the suggested name")
                      ] = None,
    staff: StaffOption = None,
) -> None:
    """Write the roster to post with the village's notice, as XLSX."""
    from pathlib import Path

    from casehub.models import PublicNotice
    from casehub.policy import load_policy
    from casehub.processes import notices
    from casehub.processes.periods import Period

    async def work(settings: Settings):
        notice = await PublicNotice.get_or_none(village__code=village, period=Period.parse(period).label)
        if notice is None:
            raise CasehubError(f"village {village} has no public notice for {period}")
        return await notices.roster_xlsx(await _operator(staff), notice.id, policy=load_policy(settings.policy_dir))

    filename, content = _in_database(work)
    Path(output or filename).write_bytes(content)
    console.print(f"wrote {output or filename}")


spot_app = typer.Typer(help="Half-yearly spot checks (R-SPT-1/2).", no_args_is_help=True)
app.add_typer(spot_app, name="spotcheck")


@spot_app.command("draw")
@guarded
def spotcheck_draw(
    period: Annotated[str, typer.Option(help="2026-H1 or 2026-H2")],
    staff: Annotated[str, typer.Option("--as", help="the county staff account drawing it")],
    seed: Annotated[str | None, typer.Option(help="e.g. a publicly drawn number; default 128 random bits")] = None,
) -> None:
    """Draw and record the half-year's sample from a recorded seed."""
    from casehub.clock import today
    from casehub.models import SpotCheckItem
    from casehub.policy import load_policy
    from casehub.processes import spot_checks

    async def work(settings: Settings):
        check = await spot_checks.draw_spot_check(
            await _operator(staff), period=period, seed=seed, policy=load_policy(settings.policy_dir), today=today()
        )
        return check, await SpotCheckItem.filter(spot_check_id=check.id).order_by("position").values_list(
            "scheme", "group_code", "person__name")

    check, items = _in_database(work)
    console.print(f"spot check {check.period}: seed {check.seed!r}, population sha256 {check.population_sha256}")
    _table("sample", ["#", "scheme", "village/unit", "recipient"], [[i, *row] for i, row in enumerate(items, 1)])
    for shortfall in check.shortfalls:
        console.print(f"[yellow]shortfall:[/] {shortfall}")


@spot_app.command("verify")
@guarded
def spotcheck_verify(period: Annotated[str, typer.Option(help="2026-H1 or 2026-H2")]) -> None:
    """Recompute a period's draw from its recorded seed and population; fail if it differs."""
    from casehub.models import SpotCheck
    from casehub.processes import spot_checks
    from casehub.processes.periods import Period

    async def work(settings: Settings):
        check = await SpotCheck.get_or_none(period=Period.parse(period).label)
        if check is None:
            raise CasehubError(f"no spot check has been drawn for {period}")
        return await spot_checks.verify(check)

    result = _in_database(work)
    if not result.ok:
        fail(f"spot check {period} does not verify: population {'ok' if result.population_ok else 'CHANGED'}, "
             f"{len(result.missing)} missing and {len(result.unexpected)} unexpected in the sample")
    console.print(f"spot check {period} verified: {result.recorded} recipients, as the seed gives them")


visits_app = typer.Typer(help="Key groups and home visits (R-KEY-1).", no_args_is_help=True)
app.add_typer(visits_app, name="visits")


@visits_app.command("schedule")
@guarded
def visits_schedule(
    township: Annotated[str | None, typer.Option(help="a township (or village) code")] = None,
    as_of: AsOption = None,
    due_only: Annotated[bool, typer.Option("--due-only", help="only those due by the day")] = False,
) -> None:
    """Who in the key-group ledger is due a home visit when."""
    from casehub.policy import load_policy
    from casehub.processes import key_groups

    day = _day(as_of)

    async def work(settings: Settings):
        return await key_groups.visit_schedule(
            await _operator(None), as_of=day, policy=load_policy(settings.policy_dir), region_code=township
        )

    schedule = [v for v in _in_database(work) if not due_only or v.is_due(day)]
    _table(f"home visits as of {day}", ["due", "village", "name", "groups", "last visit"],
           [[v.due_on, v.member.person.village.name, v.member.person.name, ",".join(sorted(v.member.groups)),
             v.last_visit_on] for v in schedule])


@command
def remind(
    days: Annotated[int | None, typer.Option(help="days ahead; default the policy's reminder_lead_days")] = None,
    as_of: AsOption = None,
    outbox: Annotated[Path | None, typer.Option(
        help="folder for the run's XLSX outbox (bulk-SMS upload, village assistants); default "
             "CASEHUB_REMINDER_OUTBOX")] = None,
) -> None:
    """Send a reminder to everyone falling due soon (once each): to the outbox workbook and through the
    installed notification plugins."""
    from casehub.adapters.plugins import make_plugin_manager
    from casehub.policy import load_policy
    from casehub.processes import reminders

    async def work(settings: Settings):
        manager = make_plugin_manager(disabled=settings.disabled_plugins)
        policy = load_policy(settings.policy_dir)
        return await reminders.send_reminders(manager, as_of=_day(as_of), policy=policy, days=days,
                                              outbox=outbox or settings.reminder_outbox)

    report = _in_database(work)
    for line in report.summary:
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"{report.due} recipient(s) due: {report.sent} reminded now, {report.already_sent} already "
                  f"reminded, {report.not_handled} not reachable by any plugin (remind by hand), "
                  f"{len(report.failed)} failed")
    for failure in report.failed:
        err_console.print(f"  failed: {failure}", highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


@command
def sweep(
    month: Annotated[str, typer.Option(help="the payroll month, YYYY-MM")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="the day to judge by (YYYY-MM-DD, within the month); default today, or the last day "
        "of a past month")] = None,
    workers: Annotated[int, typer.Option(help="worker processes on PostgreSQL; 0 = one per core")] = 1,
    out: Annotated[Path, typer.Option(help="folder for the adjustment list (XLSX)")] = Path("."),
    staff: StaffOption = None,
) -> None:
    """The monthly sweep: statuses, suspensions, the month's payroll lines, recoveries (R-PAY-4), duplicate
    receipt (R-DUP-1) and the finance office's adjustment list. Safe to run again."""
    import os

    from casehub.payroll.runs import parse_month
    from casehub.payroll.sweep import sweep as run_sweep
    from casehub.policy import load_policy

    first = parse_month(month)
    day = _day(as_of) if as_of else None

    async def work(settings: Settings):
        operator = await _operator(staff)
        with console.status(f"sweeping {first:%Y-%m}") as status:
            def progress(done: int, total: int) -> None:
                status.update(f"sweeping {first:%Y-%m}: batch {done}/{total}")

            return await run_sweep(
                first, as_of=day, policy=load_policy(settings.policy_dir),
                policy_dir=str(settings.policy_dir) if settings.policy_dir else None,
                workers=workers or os.cpu_count() or 1, database_url=settings.database_url, report_dir=out,
                staff_id=operator.staff_id, progress=progress,
            )

    summary = _in_database(work)
    changes = ", ".join(f"{k.lower()} {v}" for k, v in summary.status_changes.items()) or "none"
    console.print(
        f"swept {summary.month:%Y-%m} as of {summary.as_of} in {summary.seconds} s: {summary.persons} recipients, "
        f"{summary.entitlements} entitlements; status changes: {changes}; held (certification in processing): "
        f"{summary.held}"
    )
    if summary.run_status == "OPEN":
        console.print(f"payroll {summary.month:%Y-%m}: {summary.lines} lines, {summary.lines_fen} fen planned")
    else:
        console.print(f"payroll {summary.month:%Y-%m} is closed: its lines were not changed")
    console.print(
        f"overpaid months {summary.overpaid_months}, recovery cases opened {summary.recovery_cases_opened} "
        f"(changed {summary.recovery_changes}), duplicate receipts opened {summary.duplicates_opened}"
    )
    console.print(f"adjustment list: {summary.report_path}")


payroll_app = typer.Typer(help="Payroll months: close a month once paid (it never changes afterwards).",
                          no_args_is_help=True)
app.add_typer(payroll_app, name="payroll")


@payroll_app.command("close")
@guarded
def payroll_close(
    month: Annotated[str, typer.Option(help="the payroll month, YYYY-MM")],
    staff: Annotated[str, typer.Option("--as", help="the staff account closing it (PAYROLL permission)")],
) -> None:
    """Close a swept payroll month (earlier months first): from then on it never changes (R-PAY-4)."""
    from casehub.auth import Permission
    from casehub.errors import ValidationError
    from casehub.payroll.runs import close_run, parse_month

    first = parse_month(month)

    async def work(settings: Settings):
        operator = await _operator(staff)
        if not operator.can(Permission.PAYROLL):
            raise ValidationError("as", "NOT_PERMITTED", f"{staff} lacks permission PAYROLL")
        return await close_run(first, staff_id=operator.staff_id)

    run = _in_database(work)
    console.print(f"payroll {run.month:%Y-%m} closed: {run.line_count} lines, {run.total_fen} fen")


@payroll_app.command("show")
@guarded
def payroll_show() -> None:
    """The payroll months on record, latest first."""
    from casehub.models import PayrollRun

    async def work(settings: Settings):
        return await PayrollRun.all().order_by("-month").limit(24).values_list(
            "month", "status", "line_count", "total_fen", "closed_at")

    _table("payroll months", ["month", "status", "lines", "total fen", "closed at"],
           [[f"{m:%Y-%m}", s, n, t, c] for m, s, n, t, c in _in_database(work)])


async def _development_token(settings: Settings) -> str | None:
    """A token for the demo county's `admin`, so GraphiQL is usable at once outside production."""
    from casehub.auth import mint_token
    from casehub.models import Staff

    admin = await Staff.get_or_none(username="admin", active=True)
    return mint_token(settings, admin) if admin else None


command(import_file, name="import")
command(list_adapters, name="adapters")


def main() -> None:  # pragma: no cover - console entry for `python -m casehub`
    sys.exit(app())
