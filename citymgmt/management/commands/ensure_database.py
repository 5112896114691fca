"""Create the PostgreSQL database named by DATABASE_URL if it does not exist yet.

So that `DATABASE_URL=postgres://…/citymgmt make run` works on a server where
only the cluster exists. SQLite files are created by Django on first use.
"""

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Create the configured PostgreSQL database if it is missing."

    def handle(self, *args, **options):
        params = connection.settings_dict
        if connection.vendor != "postgresql":
            return
        name = params["NAME"]
        conninfo = {
            "host": params.get("HOST") or None,
            "port": params.get("PORT") or None,
            "user": params.get("USER") or None,
            "password": params.get("PASSWORD") or None,
        }
        try:
            with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **conninfo) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    self.stdout.write(f"Created PostgreSQL database {name}.")
        except psycopg.OperationalError as exc:
            raise CommandError(
                f"Cannot reach PostgreSQL for DATABASE_URL ({params.get('HOST')}:{params.get('PORT')}): {exc}"
            ) from None
