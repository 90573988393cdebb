"""Site doctor runs for the web page, through the collector's shared Karmada client.

A run sends about fifteen requests to one site. Concurrent requests for the same site share one
run (single flight) and a run that just finished is handed out again for a few seconds, so a
room full of people pressing "run checks" costs the site one run.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from i3plat.collector.access import SiteAccess
from i3plat.collector.flow import SingleFlight
from i3plat.doctor import DoctorOptions, SiteReport, run_site_doctor
from i3plat.karmada_client import validate_name

PAGE_OPTIONS = DoctorOptions(request_timeout=10.0, budget=45.0)
"""Short enough that a browser waiting on the callback gets an answer within a minute."""
REUSE_SECONDS = 5.0


class DoctorRuns:
    """Doctor runs over one `SiteAccess`; thread-safe."""

    def __init__(
        self,
        access: SiteAccess,
        options: DoctorOptions = PAGE_OPTIONS,
        *,
        reuse_seconds: float = REUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.access = access
        self.options = options
        self.reuse_seconds = reuse_seconds
        self._clock = clock
        self._flight: SingleFlight[SiteReport] = SingleFlight()
        self._recent: dict[str, tuple[float, SiteReport]] = {}
        self._lock = threading.Lock()

    def run(self, site: str) -> SiteReport:
        """The checklist for `site` (`InvalidName` for a bad name, before anything is sent)."""
        validate_name("site", site)
        with self._lock:
            recent = self._recent.get(site)
        if recent is not None and self._clock() - recent[0] < self.reuse_seconds:
            return recent[1]
        return self._flight.do(site, lambda: self._run(site))

    def _run(self, site: str) -> SiteReport:
        report = run_site_doctor(site, self.access.karmada, self.access.settings, self.options)
        with self._lock:
            self._recent[site] = (self._clock(), report)
        return report


_RUNS: weakref.WeakKeyDictionary[SiteAccess, DoctorRuns] = weakref.WeakKeyDictionary()
_RUNS_LOCK = threading.Lock()


def doctor_runs(access: SiteAccess) -> DoctorRuns:
    """The process's `DoctorRuns` for this access (made on first use)."""
    with _RUNS_LOCK:
        runs = _RUNS.get(access)
        if runs is None:
            runs = _RUNS[access] = DoctorRuns(access)
        return runs


def run_doctor_for(access: SiteAccess, site: str) -> SiteReport:
    """What the doctor page calls: one shared, bounded run of the checklist."""
    return doctor_runs(access).run(site)
