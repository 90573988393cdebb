"""Ready conditions, taints and the offline grace logic of the Federation (fake clock, no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from i3plat.federation_sim import Federation, FederationConfig, SimConfigError, SiteSpec
from i3plat.federation_sim._conditions import (
    NOT_READY_TAINT,
    UNREACHABLE_TAINT,
    derive_taint_keys,
    make_ready_condition,
    make_unreachable_condition,
)
from i3plat.federation_sim._timefmt import format_rfc3339


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ("True", None, "cluster is healthy and ready to accept workloads"),
        ("False", None, "cluster is reachable but health endpoint responded without ok"),
        ("False", "ClusterNotReachable", "cluster is not reachable"),
        ("Unknown", None, "Cluster status controller stopped posting cluster status."),
        ("Unknown", "ClusterStatusNeverUpdated", "Cluster status controller never posted cluster status."),
    ],
)
def test_ready_condition_table(status: str, reason: str | None, message: str) -> None:
    assert make_ready_condition(status, reason).message == message


def test_status_collection_failed_carries_the_error() -> None:
    condition = make_ready_condition("False", "StatusCollectionFailed", "boom")
    assert condition.message == "failed to create a ClusterClient: boom"


def test_mismatched_reason_is_rejected_naming_reason() -> None:
    with pytest.raises(SimConfigError) as error:
        make_ready_condition("True", "ClusterNotReachable")
    assert error.value.field == "reason"


def test_unreachable_depends_on_sync_mode() -> None:
    assert make_unreachable_condition("Push") == make_ready_condition("False", "ClusterNotReachable")
    assert make_unreachable_condition("Pull") == make_ready_condition("Unknown", "ClusterStatusUnknown")


@pytest.mark.parametrize(
    ("status", "keys"), [("True", ()), ("False", (NOT_READY_TAINT,)), ("Unknown", (UNREACHABLE_TAINT,)),
                         (None, (NOT_READY_TAINT,))],
)  # fmt: skip
def test_taints_follow_ready(status: str | None, keys: tuple[str, ...]) -> None:
    assert derive_taint_keys(status) == keys


def ready(federation: Federation, name: str) -> dict[str, str]:
    cluster = federation.get_cluster(name)
    assert cluster is not None
    return next(c for c in cluster["status"]["conditions"] if c["type"] == "Ready")


def test_offline_flips_ready_only_after_the_grace(tmp_path: Path) -> None:
    clock = FakeClock(1_750_000_000.0)
    config = FederationConfig(sites=[SiteSpec(name="site-a", sync_mode="Pull")], data_dir=tmp_path,
                              ready_grace_seconds=40.0)  # fmt: skip
    federation = Federation(config, clock=clock)
    before = federation.get_cluster("site-a")
    assert before is not None
    federation.set_offline("site-a", True)
    clock.now += 39.0
    assert ready(federation, "site-a")["status"] == "True"
    clock.now += 2.0
    condition = ready(federation, "site-a")
    assert (condition["status"], condition["reason"]) == ("Unknown", "ClusterStatusUnknown")
    assert condition["lastTransitionTime"] == format_rfc3339(1_750_000_000.0 + 40.0)
    after = federation.get_cluster("site-a")
    assert after is not None
    assert after["spec"]["taints"] == [
        {"key": UNREACHABLE_TAINT, "effect": "NoSchedule", "timeAdded": format_rfc3339(1_750_000_040.0)}
    ]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert after["status"]["resourceSummary"] == before["status"]["resourceSummary"]
    federation.set_offline("site-a", False)
    clock.now += 39.0
    assert ready(federation, "site-a")["status"] == "Unknown"
    clock.now += 1.0
    assert ready(federation, "site-a")["status"] == "True"
    final = federation.get_cluster("site-a")
    assert final is not None and "taints" not in final["spec"]
    assert final["metadata"]["generation"] == before["metadata"]["generation"] + 2


def test_declared_ready_is_restored_after_coming_back(tmp_path: Path) -> None:
    clock = FakeClock(1_750_000_000.0)
    config = FederationConfig(sites=[SiteSpec(name="push", sync_mode="Push")], data_dir=tmp_path)
    federation = Federation(config, clock=clock)
    federation.set_ready("push", "False")
    federation.set_offline("push", True)
    assert ready(federation, "push")["reason"] == "ClusterNotReachable"
    federation.set_ready("push", "True")  # declared while offline: takes effect once reachable
    assert ready(federation, "push")["reason"] == "ClusterNotReachable"
    federation.set_offline("push", False)
    assert ready(federation, "push")["reason"] == "ClusterReady"


def test_reason_change_keeps_transition_time(tmp_path: Path) -> None:
    clock = FakeClock(1_750_000_000.0)
    config = FederationConfig(sites=[SiteSpec(name="push", sync_mode="Push")], data_dir=tmp_path)
    federation = Federation(config, clock=clock)
    federation.set_ready("push", "False")
    first = ready(federation, "push")["lastTransitionTime"]
    clock.now += 100.0
    federation.set_ready("push", "False", "StatusCollectionFailed")
    assert ready(federation, "push")["lastTransitionTime"] == first


def test_site_created_offline_or_not_ready(tmp_path: Path) -> None:
    sites = [SiteSpec(name="off", sync_mode="Push", offline=True), SiteSpec(name="unk", ready="Unknown")]
    federation = Federation(FederationConfig(sites=sites, data_dir=tmp_path))
    assert ready(federation, "off")["reason"] == "ClusterNotReachable"
    assert ready(federation, "unk")["reason"] == "ClusterStatusUnknown"
    cluster = federation.get_cluster("unk")
    assert cluster is not None and [t["key"] for t in cluster["spec"]["taints"]] == [UNREACHABLE_TAINT]


def test_error_rate_draws_are_seeded(tmp_path: Path) -> None:
    federation = Federation(FederationConfig(sites=[SiteSpec(name="s")], data_dir=tmp_path, seed=3))
    federation.set_error_rate("s", 0.5)
    first = [federation.draw_dial_failure("s") for _ in range(64)]
    federation.set_error_rate("s", 0.5)
    assert [federation.draw_dial_failure("s") for _ in range(64)] == first
    assert 16 <= sum(first) <= 48
    federation.set_error_rate("s", 0.0)
    assert not any(federation.draw_dial_failure("s") for _ in range(64))


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda f: f.set_latency("s", -0.1), "seconds"),
        (lambda f: f.set_latency("s", float("nan")), "seconds"),
        (lambda f: f.set_error_rate("s", 2), "rate"),
        (lambda f: f.set_error_rate("s", True), "rate"),
        (lambda f: f.set_failures("s", nope=True), "nope"),
        (lambda f: f.set_offline("s", "yes"), "offline"),
        (lambda f: f.set_ready_grace(-1), "seconds"),
    ],
)
def test_knob_validation_names_the_field(tmp_path: Path, call: object, field: str) -> None:
    federation = Federation(FederationConfig(sites=[SiteSpec(name="s")], data_dir=tmp_path))
    with pytest.raises(SimConfigError) as error:
        call(federation)  # type: ignore[operator]
    assert error.value.field == field
