"""`i3plat` command line: demo | serve | simulate."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i3plat.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from i3plat.federation_sim import FederationConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="i3plat", description="I3Plat multi-site console")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="simulated federation + console on one command")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8050)
    demo.add_argument("--data-dir", type=Path, default=None, help="default: a fresh temporary directory")
    demo.add_argument(
        "--prometheus",
        choices=("auto", "real", "synthetic"),
        default="auto",
        help="real Prometheus processes when installed (auto), or the built-in synthetic source",
    )

    serve = sub.add_parser("serve", help="the console (uses KUBECONFIG or in-cluster config)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument(
        "--no-poller",
        action="store_true",
        help="do not poll sites in these processes (a separate `i3plat poller` does)",
    )
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="request threads per worker (default 4)")
    serve.add_argument(
        "--graceful-timeout",
        type=int,
        default=20,
        help="seconds in-flight requests get to finish after SIGTERM (default 20)",
    )

    sub.add_parser(
        "poller", help="only the poller: polls every site into the shared cache (one per data dir)"
    )

    simulate = sub.add_parser("simulate", help="only the simulated Karmada API; writes a kubeconfig")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=0, help="0 picks a free port")
    simulate.add_argument("--data-dir", type=Path, default=None)
    simulate.add_argument(
        "--kubeconfig-out",
        type=Path,
        default=None,
        help="where to write the kubeconfig (default: DATA_DIR/kubeconfig)",
    )
    simulate.add_argument("--prometheus", choices=("auto", "real", "synthetic", "none"), default="auto")

    from i3plat.doctor.command import add_doctor_parser

    add_doctor_parser(sub)

    from i3plat.auth.cli import add_auth_commands

    add_auth_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            return run_demo(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "poller":
            return run_poller()
        if args.command in ("users", "tokens"):
            from i3plat.auth.cli import run_auth_command

            return run_auth_command(args, load_settings())
        if args.command == "doctor":
            from i3plat.doctor.command import run_doctor_command

            return run_doctor_command(args)
        return run_simulate(args)
    except (SettingsError, RuntimeError, ValueError) as exc:
        print(f"i3plat {args.command}: {exc}", file=sys.stderr)
        return 2


def serve_console(
    settings: Settings, host: str, port: int, notes: Sequence[str] = (), *, poller: bool = True
) -> None:
    """Serve the console (with its poller unless told otherwise) until SIGINT/SIGTERM."""
    from i3plat.app import build_services, create_app
    from i3plat.collector.selfmetrics import configure_metrics_dir
    from i3plat.collector.service import build_poller_service
    from i3plat.serving import metrics_dir_for, start_server, wait_for_shutdown_signal

    configure_metrics_dir(metrics_dir_for(settings), wipe=True)
    services = build_services(settings)
    polling = build_poller_service(settings, services.access, services.store) if poller else None
    if polling is not None:
        polling.start_in_thread()
    app = create_app(settings, services)
    server, _thread = start_server(app.server, host, port)
    for note in notes:
        print(note, flush=True)
    print(f"I3Plat console: http://{host}:{server.server_port}/", flush=True)
    try:
        wait_for_shutdown_signal()
    finally:
        server.shutdown()
        if polling is not None:
            polling.stop()
        services.close()


def run_poller() -> int:
    from i3plat.app import build_services
    from i3plat.collector.selfmetrics import configure_metrics_dir
    from i3plat.collector.service import build_poller_service
    from i3plat.serving import log_to_stderr, metrics_dir_for, wait_for_shutdown_signal

    settings = load_settings()
    log_to_stderr()
    configure_metrics_dir(metrics_dir_for(settings))
    services = build_services(settings)
    polling = build_poller_service(settings, services.access, services.store)
    thread = polling.start_in_thread()
    print(f"I3Plat poller: polling every {settings.poll_interval:g} s into {settings.data_dir}", flush=True)
    try:
        wait_for_shutdown_signal()
    finally:
        polling.stop()
        thread.join(timeout=settings.poll_interval)
        services.close()
    return 0


def simulated_federation(args: argparse.Namespace, **server: Any) -> tuple[FederationConfig, Path]:
    """The demo sites' federation config and its data directory (a fresh temporary one by default)."""
    from i3plat.federation_sim import FederationConfig, demo_sites

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix=f"i3plat-{args.command}-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    config = FederationConfig(
        sites=demo_sites(), data_dir=data_dir / "federation", prometheus=args.prometheus, **server
    )
    return config, data_dir


def run_serve(args: argparse.Namespace) -> int:
    from i3plat.gunicorn_conf import ServeOptions, serve_with_gunicorn

    options = ServeOptions(
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        poller=not args.no_poller,
        graceful_timeout=args.graceful_timeout,
    )
    return serve_with_gunicorn(load_settings(), options)


def run_demo(args: argparse.Namespace) -> int:
    from i3plat.federation_sim import start_federation
    from i3plat.federation_sim.backends import backend_factory_for
    from i3plat.serving import check_bind

    config, data_dir = simulated_federation(args)
    check_bind(load_settings(), args.host)
    print("Starting the simulated Karmada federation…", flush=True)
    with start_federation(
        config, backend_factory_for(args.prometheus, data_dir / "prometheus")
    ) as federation:
        settings = load_settings(kubeconfig=federation.kubeconfig_path, data_dir=data_dir / "console")
        note = f"Karmada simulator: {federation.url} (kubeconfig {federation.kubeconfig_path})"
        serve_console(settings, args.host, args.port, notes=[note])
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from i3plat.federation_sim import run_simulator_forever
    from i3plat.federation_sim.backends import backend_factory_for

    config, data_dir = simulated_federation(args, host=args.host, port=args.port)
    run_simulator_forever(
        config,
        kubeconfig_out=args.kubeconfig_out or data_dir / "kubeconfig",
        ready_file=None,
        backend_factory=backend_factory_for(args.prometheus, data_dir / "prometheus"),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
