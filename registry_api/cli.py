"""`registry`: the command line of operators (serve, migrate, seed, keys, checks, jobs).

Every command prints a one-line reason and exits non-zero on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sqlite3
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from registry_api.db.engine import DatabaseUrlError, prepare_connection, release_connection, use_database
from registry_api.services.errors import ServiceError
from registry_api.settings import Settings, configure


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _run(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    async def main() -> int:
        configure(settings)
        engine = use_database(settings.database_url)
        await prepare_connection(engine)
        try:
            return await work()
        finally:
            await release_connection(engine)

    return asyncio.run(main())


async def _migrate() -> int:
    from registry_api.db.migrate import migrate

    await migrate()
    print("migrations applied")
    return 0


async def _seed() -> int:
    from registry_api.services.demo import seed_demo

    created = await seed_demo()
    print(f"demo data: {created} recipients created" if created else "registry not empty: demo data not seeded")
    return 0


def _apikey_create(name: str, role: str) -> Callable[[], Awaitable[int]]:
    async def work() -> int:
        from registry_api.services import api_keys

        token = await api_keys.create(name, role, _actor())
        print(token)
        return 0

    return work


def _apikey_revoke(name: str) -> Callable[[], Awaitable[int]]:
    async def work() -> int:
        from registry_api.services import api_keys

        await api_keys.revoke(name, _actor())
        print(f"revoked {name}")
        return 0

    return work


async def _check() -> int:
    from registry_api.services.checks import check_all

    results = await check_all()
    failing = 0
    for result in results:
        for problem in result.verdict.errors:
            print(f"ERROR   {result.slug}: {problem.field}: {problem.message}")
        for problem in result.verdict.warnings:
            print(f"warning {result.slug}: {problem.field}: {problem.message}")
        failing += bool(result.verdict.errors)
    print(f"{len(results)} recipients checked, {failing} with transfers that do not hold")
    return 1 if failing else 0


async def _audits_remind() -> int:
    from registry_api.services.audits import remind

    report = await remind()
    print(
        f"{report.considered} audits due within 30 days, {report.queued} reminders queued"
        + (", weekly digest queued" if report.digest_queued else "")
    )
    return 0


def _notices_dispatch(settings: Settings) -> Callable[[], Awaitable[int]]:
    async def work() -> int:
        from registry_api.jobs.dispatch import Deliverer, dispatch_due

        total = delivered = failed = 0
        deliverer = Deliverer(settings)
        while True:
            report = await dispatch_due(deliverer)
            delivered += report.delivered
            failed += report.failed
            total += report.delivered + report.failed
            if report.delivered + report.failed == 0 or report.delivered == 0:
                break
        print(f"{delivered} delivered, {failed} failed (will be retried)")
        return 1 if failed else 0

    return work


def serve(settings: Settings) -> int:
    import uvicorn

    from registry_api.app import create_app

    async def prepare() -> int:
        from registry_api.db.migrate import migrate
        from registry_api.services import api_keys
        from registry_api.services.demo import seed_demo

        await migrate()
        if settings.demo_data:
            created = await seed_demo()
            if created:
                print(f"demo data: {created} recipients seeded")
        if await api_keys.count_active() == 0 and not settings.admin_token:
            try:
                token = await api_keys.create("admin", "admin", "system:first-start")
            except (ServiceError, sqlite3.IntegrityError, asyncpg.UniqueViolationError):
                pass  # another replica starting at the same moment created it
            else:
                print(f"first start: admin API key (shown once): {token}")
        return 0

    _run(settings, prepare)
    print(f"registry listening on http://{settings.host}:{settings.port} (database: {_safe_url(settings)})")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def _safe_url(settings: Settings) -> str:
    url = settings.database_url
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        scheme, rest = url.split("//", 1)
        creds, host = rest.split("@", 1)
        return f"{scheme}//{creds.split(':')[0]}:***@{host}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate, seed demo data if asked, then serve HTTP, Slack and the scheduler")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed-demo", help="seed the demo registry into an empty database")
    sub.add_parser("check", help="re-validate every transfer; exit 1 if any does not hold")
    keys = sub.add_parser("apikey", help="create or revoke API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("name")
    create.add_argument("--role", default="viewer", choices=["viewer", "editor", "admin"])
    revoke = keys.add_parser("revoke", help="revoke a key")
    revoke.add_argument("name")
    audit = sub.add_parser("audits", help="supplier audits").add_subparsers(dest="action", required=True)
    audit.add_parser("remind", help="compute and queue today's audit reminders now")
    notices = sub.add_parser("notices", help="notices and messages").add_subparsers(dest="action", required=True)
    notices.add_parser("dispatch", help="deliver the outbox now")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve":
            return serve(settings)
        work: Callable[[], Awaitable[int]]
        if args.command == "migrate":
            work = _migrate
        elif args.command == "seed-demo":
            work = _seed
        elif args.command == "check":
            work = _check
        elif args.command == "audits":
            work = _audits_remind
        elif args.command == "notices":
            work = _notices_dispatch(settings)
        elif args.command == "apikey" and args.action == "create":
            work = _apikey_create(args.name, args.role)
        else:
            work = _apikey_revoke(args.name)
        return _run(settings, work)
    except ServiceError as exc:
        print(f"registry: {exc.detail}", file=sys.stderr)
        return 1
    except (DatabaseUrlError, OSError) as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a one-line reason rather than a traceback for operators
        print(f"registry: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
