"""Serving the WSGI app with waitress: one function, used by `acogida serve` and `acogida demo`.

Waitress is pure Python (no compiler, no root) and serves the static files through WhiteNoise,
which the settings configure to read them straight from the apps (no collectstatic).

ACOGIDA_TRUSTED_PROXY  the address of a reverse proxy in front (e.g. 127.0.0.1): its
                       X-Forwarded-For and X-Forwarded-Proto are then believed, so the audit
                       log records the client's address rather than the proxy's.
"""

import gc
import os
import sys
from typing import TextIO

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def waitress_options(host: str, port: int, threads: int) -> dict:
    options = {"host": host, "port": port, "threads": threads, "ident": "acogida",
               "expose_tracebacks": False}
    if proxy := os.environ.get("ACOGIDA_TRUSTED_PROXY"):
        options.update(trusted_proxy=proxy, trusted_proxy_count=1,
                       trusted_proxy_headers="x-forwarded-for x-forwarded-proto",
                       clear_untrusted_proxy_headers=True)
    return options


def settle_heap() -> None:
    """Load every view, then move what the process has made so far out of the cyclic garbage
    collector's sight (``gc.freeze``). Modules, classes and settings live as long as the process,
    yet every full collection walked them all again: 55 ms each on the 2-core machine. In 300
    name searches at a million people, the five slowest (77-109 ms, against 29 ms for the
    median) were the five that a full collection landed on. After the freeze a full collection
    takes 0.2 ms. What the process makes later is collected as before.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module, as a first request would)
    gc.collect()
    gc.freeze()


def serve(*, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
          out: TextIO | None = None) -> None:
    """Serve until interrupted (Ctrl+C)."""
    from django.conf import settings
    from waitress import serve as waitress_serve

    from acogida.wsgi import application

    settle_heap()
    out = out or sys.stdout
    shown = f"[{host}]" if ":" in host else host
    out.write(f"Acogida is serving on http://{shown}:{port}/  (Ctrl+C to stop)\n")
    if host not in LOOPBACK and host not in settings.ALLOWED_HOSTS:
        out.write(f"Note: requests are answered only for the host names in "
                  f"ACOGIDA_ALLOWED_HOSTS ({', '.join(settings.ALLOWED_HOSTS)}).\n")
    out.flush()
    waitress_serve(application, **waitress_options(host, port, threads))
