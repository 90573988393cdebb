"""Site doctor: an ordered checklist that finds why a site shows nothing, and says what to do.

Run on demand (`i3plat doctor`, the `/sites/{site}/doctor` page through
`collector.doctor_runner`), never by the poller. Checks go from Karmada's Cluster object to the
cluster proxy, impersonation, member RBAC, Prometheus and its series; a check that cannot pass
because an earlier one failed is skipped with that reason. Results are typed (`model`) and
carry catalog msgids, so each reader gets their language.
"""

from i3plat.doctor.endpoint import EndpointInfo, EndpointKind, classify_endpoint
from i3plat.doctor.model import CHECK_IDS, CHECKS, Check, CheckSpec, Evidence, SiteReport, Status, Text
from i3plat.doctor.render import render_text, to_json
from i3plat.doctor.runner import DoctorOptions, list_sites, run_doctor, run_site_doctor

__all__ = [
    "CHECKS",
    "CHECK_IDS",
    "Check",
    "CheckSpec",
    "DoctorOptions",
    "EndpointInfo",
    "EndpointKind",
    "Evidence",
    "SiteReport",
    "Status",
    "Text",
    "classify_endpoint",
    "list_sites",
    "render_text",
    "run_doctor",
    "run_site_doctor",
    "to_json",
]
