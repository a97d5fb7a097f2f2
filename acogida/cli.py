"""The ``acogida`` command: Django's management commands, with the database migrated first.

Every subcommand is a management command (testable with ``call_command``); this entry point only
sets the settings module, migrates when the database is behind, and turns a failure into one line.
"""

import os
import sys

NO_AUTO_MIGRATE = {"makemigrations", "migrate", "help", "--help", "-h", "version", "--version",
                   "compilemessages", "makemessages", "verify"}


def migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acogida.settings")
    import django
    from django.core.management import CommandError, execute_from_command_line

    django.setup()
    command = argv[1] if len(argv) > 1 else "help"
    try:
        if command not in NO_AUTO_MIGRATE:
            migrate_if_needed()
        execute_from_command_line(argv)
    except CommandError as exc:
        print(f"acogida: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
