"""Profile detection: which job, which node label, which GPU host label, rules, scrape interval."""

from __future__ import annotations

import pytest

from i3plat.promql.profiles import SiteProfile, choose_job, detect_profile, infer_node_label_style


class Answers:
    """A site described by the label sets its instant queries return."""

    def __init__(self, table: dict[str, list[dict[str, str]]], interval: float | None = 30.0) -> None:
        self.table = table
        self.asked: list[str] = []
        self.interval = interval

    def query_labels(self, expr: str) -> list[dict[str, str]]:
        self.asked.append(expr)
        return self.table.get(expr, [])

    def scrape_interval(self) -> float | None:
        return self.interval


def test_kube_prometheus_stack_site() -> None:
    site = Answers(
        {
            "count by (job) (node_uname_info)": [{"job": "node-exporter"}],
            'node_uname_info{job="node-exporter"}': [
                {"instance": "10.0.0.1:9100", "nodename": "n1"},
                {"instance": "10.0.0.2:9100", "nodename": "n2"},
            ],
            "count by (job) (kube_node_info)": [{"job": "kube-state-metrics"}],
            "count by (job) (DCGM_FI_DEV_GPU_UTIL)": [{"job": "nvidia-dcgm-exporter"}],
            'count(DCGM_FI_DEV_GPU_UTIL{hostname!=""})': [{}],
        }
    )
    profile = detect_profile(site)
    assert profile == SiteProfile(
        node_exporter_job="node-exporter",
        kube_state_metrics_job="kube-state-metrics",
        dcgm_job="nvidia-dcgm-exporter",
        node_label_style="uname",
        gpu_host_label="hostname",
        recording_rules=False,
        scrape_interval=30.0,
    )


def test_plain_static_install_with_rules() -> None:
    site = Answers(
        {
            "count by (job) (node_uname_info)": [{"job": "node"}],
            'node_uname_info{job="node"}': [{"instance": "n1", "nodename": "n1"}],
            "count(instance:node_cpu_utilisation:rate5m)": [{}],
        },
        interval=None,
    )
    profile = detect_profile(site)
    assert profile.node_exporter_job == "node"
    assert profile.node_label_style == "instance"
    assert profile.dcgm_job is None and profile.gpu_host_label == "Hostname"
    assert profile.recording_rules and profile.scrape_interval == 15.0


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [(["node", "node-exporter"], "node-exporter"), (["custom-ne"], "custom-ne"), ([], "dflt"),
     (['evil"} or vector(1)'], "dflt")],
)  # fmt: skip
def test_choose_job(jobs: list[str], expected: str) -> None:
    assert choose_job(jobs, ("node-exporter", "node"), "dflt") == expected


def test_mixed_instance_labels_mean_uname_join() -> None:
    assert (
        infer_node_label_style(
            [{"instance": "n1", "nodename": "n1"}, {"instance": "1.2.3.4:9100", "nodename": "n2"}]
        )
        == "uname"
    )
    assert infer_node_label_style([]) == "instance"


def test_overrides_win() -> None:
    assert SiteProfile().with_overrides({"node_label_style": "uname"}).node_label_style == "uname"
