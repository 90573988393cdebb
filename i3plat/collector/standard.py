"""The standard set the poller keeps fresh for every site, whoever is watching.

Instant values feed the overview tiles; 1 h live windows feed the site page's panels and the
tiles' trend lines. Anything else (another range, a node outside this set) is asked on demand.
"""

from __future__ import annotations

NOW_WINDOW = "now"
LIVE_WINDOW = "1h"
LIVE_SECONDS = 3600
LIVE_MAX_POINTS = 240
"""1 h at a 15 s step: one point per scrape, the resolution of a 240-pixel-wide sparkline or more."""

NOW_METRICS: tuple[str, ...] = (
    "cpu.util.cluster", "mem.util.cluster", "fs.used.ratio.cluster", "gpu.util.cluster",
    "gpu.count.cluster", "net.rx.cluster", "net.tx.cluster", "k8s.nodes.total", "k8s.nodes.ready",
    "k8s.pods.running.cluster",
    "cpu.util.node", "mem.util.node", "fs.root.used.ratio", "gpu.util.node", "k8s.node.ready",
)  # fmt: skip

LIVE_METRICS: tuple[str, ...] = (
    "cpu.util.cluster", "mem.util.cluster", "fs.used.ratio.cluster", "gpu.util.cluster",
    "net.rx.cluster", "net.tx.cluster", "cpu.util.node", "mem.util.node", "fs.root.used.ratio",
    "disk.read.node", "disk.write.node",
    "net.rx.node", "net.tx.node", "gpu.util.gpu", "gpu.mem.ratio.gpu", "gpu.temp.gpu", "gpu.power.gpu",
    "k8s.nodes.ready", "k8s.pods.node",
)  # fmt: skip
