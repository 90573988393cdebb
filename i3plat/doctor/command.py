"""`i3plat doctor [SITE] [--json]`: the checklist from a terminal or a script.

Exit codes: 0 when no check failed (warnings allowed), 1 when a check failed or the site list
could not be read, 2 for bad usage or configuration (raised to `cli.main`, which prints it).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import orjson

from i3plat.collector.records import describe_failure
from i3plat.doctor.render import render_text, to_json
from i3plat.doctor.runner import (
    DEFAULT_BUDGET,
    DEFAULT_REQUEST_TIMEOUT,
    DoctorOptions,
    list_sites,
    run_doctor,
)
from i3plat.i18n import SUPPORTED_LOCALES, Translator
from i3plat.karmada_client import ConfigError, KarmadaClient, KarmadaError, load_config, validate_name
from i3plat.settings import Settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1


def add_doctor_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = sub.add_parser(
        "doctor", help="diagnose sites: Karmada, cluster proxy, RBAC, Prometheus (uses KUBECONFIG)"
    )
    doctor.add_argument("site", nargs="?", default=None, help="one site (default: every registered site)")
    doctor.add_argument("--json", action="store_true", help="print JSON for scripts")
    doctor.add_argument(
        "--timeout", type=float, default=DEFAULT_REQUEST_TIMEOUT, help="seconds to wait for one answer"
    )
    doctor.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET, help="seconds for one site's whole checklist"
    )
    doctor.add_argument("--lang", choices=SUPPORTED_LOCALES, default=None, help="default: I3PLAT_LANGUAGE")


def karmada_for(settings: Settings, timeout: float) -> KarmadaClient:
    """The same client `serve` builds (KUBECONFIG, else in-cluster), with the doctor's timeout.

    A missing or broken kubeconfig is a configuration error (ValueError: exit code 2)."""
    path = str(settings.kubeconfig) if settings.kubeconfig else None
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    return KarmadaClient(config, timeout=timeout)


def run_doctor_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    settings = load_settings()
    options = DoctorOptions(request_timeout=args.timeout, budget=args.budget)
    if args.site is not None:
        validate_name("site", args.site)
    t = Translator(args.lang or settings.language)
    with karmada_for(settings, options.request_timeout) as karmada:
        if args.site is not None:
            sites = [args.site]
        else:
            try:
                sites = list_sites(karmada, options.request_timeout)
            except (KarmadaError, ValueError) as exc:
                return report_list_failure(exc, args.json, t, stream)
        reports = run_doctor(sites, karmada, settings, options)
    if args.json:
        stream.write(orjson.dumps(to_json(reports, t), option=orjson.OPT_INDENT_2).decode() + "\n")
    elif reports:
        stream.write(render_text(reports, t))
    else:
        stream.write(t("No site is registered in Karmada.") + "\n")
    return EXIT_FAILED if any(r.failed for r in reports) else EXIT_OK


def report_list_failure(exc: BaseException, as_json: bool, t: Translator, stream: TextIO) -> int:
    failure = describe_failure(exc, 0.0)
    if as_json:
        body = {"sites": [], "error": {"code": failure.code, "message": failure.message}}
        stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        stream.write(t("Cannot list the sites registered in Karmada: {error}", error=failure.message) + "\n")
    return EXIT_FAILED
