"""Running the poller: staggered APScheduler jobs, started only while this process holds the lease.

Each site gets its own interval job with a start offset spread across the interval, so 200
sites do not all fire at second zero; a fleet job refreshes the site list and adds or removes
site jobs. `PollerService.run` is what `i3plat poller` and the embedded poller of `i3plat serve`
both run.
"""

from __future__ import annotations

import logging
import threading
import zlib
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor as JobExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from i3plat.collector.access import SiteAccess
from i3plat.collector.lease import PollerLease
from i3plat.collector.poller import Poller
from i3plat.collector.store import SnapshotStore
from i3plat.settings import Settings

log = logging.getLogger(__name__)
FLEET_JOB = "fleet"


def stagger_offset(site: str, interval: float) -> float:
    """A stable offset in [0, interval) for a site, so its polls keep their slot across restarts."""
    return (zlib.crc32(site.encode()) % 10_000) / 10_000 * interval


def site_job_id(site: str) -> str:
    return f"site:{site}"


class PollerService:
    def __init__(self, poller: Poller, lease: PollerLease) -> None:
        self.poller = poller
        self.lease = lease
        self.interval = poller.interval
        self._stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None

    # ---------------------------------------------------------------- schedule

    def _start_scheduler(self) -> None:
        scheduler = BackgroundScheduler(
            executors={"default": JobExecutor(64)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": int(self.interval)},
            timezone=UTC,
        )
        scheduler.add_job(self.sync_sites, "interval", seconds=self.interval, id=FLEET_JOB,
                          next_run_time=datetime.now(UTC))  # fmt: skip
        scheduler.start()
        self._scheduler = scheduler

    def _stop_scheduler(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def sync_sites(self) -> None:
        """Refresh the site list, then make the set of site jobs match it."""
        fleet = self.poller.refresh_fleet()
        self.poller.store.trim()
        scheduler = self._scheduler
        if scheduler is None:
            return
        wanted = {site_job_id(s): s for s in fleet.sites}
        for job in scheduler.get_jobs():
            if job.id != FLEET_JOB and job.id not in wanted:
                job.remove()
        now = datetime.now(UTC)
        for job_id, site in wanted.items():
            if scheduler.get_job(job_id) is None:
                first = now + timedelta(seconds=stagger_offset(site, self.interval))
                scheduler.add_job(self.poller.poll_site, "interval", args=[site], seconds=self.interval,
                                  id=job_id, next_run_time=first)  # fmt: skip

    # ---------------------------------------------------------------- lease loop

    def run(self) -> None:
        """Poll while holding the lease; stand by otherwise; return when `stop()` is called."""
        renew_every = max(0.5, self.lease.ttl / 3)
        try:
            while not self._stop.is_set():
                if self.lease.try_acquire():
                    if self._scheduler is None:
                        log.info("poller lease acquired by %s", self.lease.owner)
                        self._start_scheduler()
                elif self._scheduler is not None:
                    log.warning("poller lease lost to %s; standing by", self.lease.holder())
                    self._stop_scheduler()
                self._stop.wait(renew_every)
        finally:
            self._stop_scheduler()
            self.lease.release()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="i3plat-poller", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    @property
    def active(self) -> bool:
        return self._scheduler is not None


def build_poller_service(settings: Settings, access: SiteAccess, store: SnapshotStore) -> PollerService:
    """The poller for one data directory; the lease expires one interval after its holder dies."""
    poller = Poller(settings, access, store)
    lease = PollerLease(settings.data_dir / "cache", ttl=settings.poll_interval)
    return PollerService(poller, lease)
