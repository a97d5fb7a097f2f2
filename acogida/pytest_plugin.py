"""Loaded with ``-p acogida.pytest_plugin`` (see pyproject) before Django's settings are read:
each test run gets a private data dir, so tests never touch a real one."""

import os
import tempfile

os.environ.setdefault("ACOGIDA_DATA_DIR", tempfile.mkdtemp(prefix="acogida-test-"))
