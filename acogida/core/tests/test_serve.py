"""`acogida serve` really serves: a subprocess on a free port, with its own data dir."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def acogida(*args: str, data_dir, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "ACOGIDA_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # its own SQLite, never the database the tests use
    return subprocess.Popen([sys.executable, "-m", "acogida.cli", *args], env=env,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local URL)
        return response.status, response.headers.get("Content-Type", ""), response.read()


def wait_for(url: str, process: subprocess.Popen, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"acogida serve exited early:\n{process.stdout.read()}")
        try:
            return get(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"nothing answered on {url} within {seconds} s")


@pytest.fixture
def server(tmp_path):
    port = free_port()
    process = acogida("serve", "--host", "127.0.0.1", "--port", str(port), data_dir=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/v1/openapi.json", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_pages_the_api_and_static_files(server, tmp_path):
    status, content_type, body = get(f"{server}/api/v1/openapi.json")
    assert status == 200 and b'"/api/v1/people"' in body
    status, content_type, body = get(f"{server}/login/")
    assert status == 200 and "text/html" in content_type
    status, content_type, body = get(f"{server}/static/django_htmx/htmx-2.min.js")
    assert status == 200 and "javascript" in content_type and len(body) > 10_000
    # migrated its own database in its own data dir on first use
    assert (tmp_path / "acogida.sqlite3").exists()


def test_the_command_line_lists_its_commands(tmp_path):
    process = acogida("help", data_dir=tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    for command in ("demo", "serve", "user", "token", "audit", "migrate"):
        assert f"    {command}\n" in output, command


def test_a_failing_command_says_why_in_one_line_and_exits_non_zero(tmp_path):
    process = acogida("token", "create", "nobody", data_dir=tmp_path)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert output.strip().endswith("no user named 'nobody'")
    assert "Traceback" not in output


def test_serve_settles_the_heap_before_it_answers(monkeypatch):
    """The objects a server makes while loading stay out of every later garbage collection's
    walk (a full collection had landed on searches as 50 ms of extra wait)."""
    import gc
    import io

    import waitress

    from acogida.core import serving

    answered = {}

    def fake_serve(app, **options):
        answered["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(waitress, "serve", fake_serve)
    try:
        serving.serve(host="127.0.0.1", port=free_port(), out=io.StringIO())
    finally:
        gc.unfreeze()
    assert answered["frozen"] > 10_000  # the modules, classes and views loaded by then
