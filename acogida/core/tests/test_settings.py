"""Configuration by environment (README: Configuration)."""

import os
import subprocess
import sys


def test_a_variable_set_but_empty_means_the_default(tmp_path):
    # "DATABASE_URL= acogida demo" (a shell script's blank) gets the embedded database, not an
    # error about an unknown URL scheme.
    env = {**os.environ, "DATABASE_URL": "", "ACOGIDA_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "acogida.settings"}
    shown = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from django.conf import settings; "
         "d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"],
        env=env, capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["django.db.backends.sqlite3", str(tmp_path / "acogida.sqlite3")]
