"""What the benches share: Django configured from the test settings on a
database of the bench's own, and the machine line each prints."""
from __future__ import annotations

import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"


def postgres_database(name: str) -> dict:
    """Django's settings of the PostgreSQL database `name` on 127.0.0.1:5432, as it is."""
    return {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5432", "NAME": name,
            "USER": os.environ.get("PGUSER", "postgres")}


def postgres(name: str) -> dict:
    """A fresh PostgreSQL database `name` (dropped and created) on 127.0.0.1:5432."""
    import psycopg

    database = postgres_database(name)
    with psycopg.connect(f"host=127.0.0.1 dbname=postgres user={database['USER']}", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return database


def sqlite(name: str) -> dict:
    """A fresh SQLite file bench/.work/<name>.sqlite3 (WAL, as the tests use it)."""
    WORK.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{WORK / name}.sqlite3{suffix}").unlink(missing_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": WORK / f"{name}.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}


def configure(database: dict, *, migrate: bool = True, **overrides) -> None:
    """Django with the test settings, `database` as default and `overrides`; migrated."""
    import django
    from django.conf import settings

    import tests.settings as base

    names = {k: getattr(base, k) for k in dir(base) if k.isupper()}
    names.update(DATABASES={"default": database}, DEBUG=False)
    names.update(overrides)
    settings.configure(**names)
    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def other_columns(model, written: set[str], connection) -> tuple[str, str, list]:
    """For a raw INSERT that writes the `written` columns of `model`: its
    other NOT NULL columns (", a, b"), their placeholders (", %s, %s") and
    values, each the field's default as the ORM would write it — so a bench's
    bulk INSERT keeps up with new fields."""
    fields = [f for f in model._meta.concrete_fields if not f.null and not f.primary_key and f.column not in written]
    return ("".join(f", {connection.ops.quote_name(f.column)}" for f in fields), ", %s" * len(fields),
            [f.get_db_prep_save(f.get_default(), connection) for f in fields])


def machine() -> str:
    return f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
