"""`i3plat serve` options and the gunicorn settings built from them (no server started here;
tests/integration/test_gunicorn.py runs the real thing)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from i3plat import gunicorn_conf
from i3plat.cli import main
from i3plat.collector import selfmetrics
from i3plat.gunicorn_conf import (
    ServeOptionError,
    ServeOptions,
    bind_address,
    console_url,
    gunicorn_settings,
    start_metrics_dir,
)
from i3plat.serving import log_to_stderr, metrics_dir_for
from i3plat.settings import Settings


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"workers": 0}, "--workers"),
        ({"workers": 33}, "--workers"),
        ({"threads": 0}, "--threads"),
        ({"port": 70000}, "--port"),
        ({"graceful_timeout": 0}, "--graceful-timeout"),
    ],
)
def test_out_of_range_options_are_named(change: dict[str, int], flag: str) -> None:
    with pytest.raises(ServeOptionError, match=f"^{flag} must be"):
        ServeOptions(**change)  # type: ignore[arg-type]


def test_cli_refuses_bad_workers_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be 1..32, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "bind", "url"),
    [
        ("127.0.0.1", "127.0.0.1:8050", "http://127.0.0.1:8050/"),
        ("::1", "[::1]:8050", "http://[::1]:8050/"),
        ("localhost", "localhost:8050", "http://localhost:8050/"),
    ],
)
def test_bind_strings_and_urls(host: str, bind: str, url: str) -> None:
    assert bind_address(host, 8050) == bind
    assert console_url(host, 8050) == url


def test_gunicorn_settings_follow_the_options() -> None:
    settings = gunicorn_settings(ServeOptions(host="::1", port=0, workers=3, threads=2, graceful_timeout=7))
    assert settings["bind"] == ["[::1]:0"]
    assert (settings["workers"], settings["threads"], settings["graceful_timeout"]) == (3, 2, 7)
    assert settings["worker_class"] == "gthread"
    assert settings["preload_app"] is False, "services must be built after fork"
    assert settings["when_ready"] is gunicorn_conf.announce_url
    assert settings["child_exit"] is gunicorn_conf.forget_dead_worker
    assert settings["worker_exit"] is gunicorn_conf.stop_worker_runtime


def test_gunicorn_accepts_every_setting() -> None:
    """gunicorn validates types on `set` (an int timeout, callables of the right arity)."""
    from gunicorn.config import Config  # type: ignore[import-untyped]

    config = Config()
    for key, value in gunicorn_settings(ServeOptions(workers=2)).items():
        config.set(key, value)
    assert config.worker_class_str == "gthread"
    assert config.address == [("127.0.0.1", 8050)]


def test_metrics_dir_prefers_prometheus_multiproc_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert metrics_dir_for(settings, environ={}) == tmp_path / "data" / "metrics"
    given = {selfmetrics.MULTIPROC_ENV: str(tmp_path / "shm")}
    assert metrics_dir_for(settings, environ=given) == tmp_path / "shm"


@pytest.fixture
def restore_metrics() -> Iterator[None]:
    yield
    selfmetrics.configure_metrics_dir(None)


def dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_server_start_wipes_even_an_inherited_directory(tmp_path: Path, restore_metrics: None) -> None:
    """When PROMETHEUS_MULTIPROC_DIR named the directory at import, `configure_metrics_dir` has
    nothing to switch; the start must still drop what dead processes left."""
    directory = tmp_path / "metrics"
    selfmetrics.configure_metrics_dir(directory)
    stale = directory / f"counter_{dead_pid()}.db"
    stale.write_bytes(b"\0" * 16)
    live = directory / f"counter_{os.getppid()}.db"
    live.write_bytes(b"\0" * 16)
    start_metrics_dir(directory)
    assert not stale.exists()
    assert live.exists(), "a live process's file (the poller's) stays"
    assert os.environ[selfmetrics.MULTIPROC_ENV] == str(directory.resolve())


def test_our_loggers_reach_stderr_once(capsys: pytest.CaptureFixture[str]) -> None:
    name = "i3plat.test-deploy-serve"
    log_to_stderr(name)
    log_to_stderr(name)  # a SIGHUP reload must not double the lines
    logger = logging.getLogger(name)
    try:
        logging.getLogger(f"{name}.child").info("lease acquired by %s", "host:1")
        logging.getLogger("httpx.test-deploy-serve").info("HTTP Request: GET …")
        err = capsys.readouterr().err
        assert err.count("lease acquired by host:1") == 1
        assert f"[INFO] {name}.child: lease acquired" in err
        assert "HTTP Request" not in err
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
