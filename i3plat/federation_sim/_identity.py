"""`SelfSubjectReview` (authentication.k8s.io/v1): who the Karmada API thinks the caller is.

The kube-apiserver inside Karmada serves it (GA since Kubernetes 1.28, `kubectl auth whoami`);
the console's doctor uses it to name every identity karmada-impersonator must be allowed to
impersonate. Only POST creates a review; the answer is 201 with `status.userInfo`.
"""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.wrappers import Response

from . import _status as status
from ._responses import json_response, status_response

SELF_SUBJECT_REVIEW_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
AUTHENTICATED_GROUP = "system:authenticated"


def build_self_subject_review(user: str, groups: tuple[str, ...]) -> dict[str, Any]:
    """The review as the apiserver returns it (every authenticated caller is in `system:authenticated`)."""
    shown = [*groups, AUTHENTICATED_GROUP] if AUTHENTICATED_GROUP not in groups else list(groups)
    return {
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "status": {"userInfo": {"username": user, "groups": shown}},
    }


def handle_self_subject_review(method: str, body: bytes, user: str, groups: tuple[str, ...]) -> Response:
    """201 with the caller's identity; 405 for other verbs, 400 for a body that is not a review."""
    if method != "POST":
        return status_response(status.build_method_not_allowed())
    if body.strip():
        try:
            sent = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            return status_response(status.build_bad_request(f"invalid JSON in request body: {error}"))
        if not isinstance(sent, dict) or sent.get("kind", "SelfSubjectReview") != "SelfSubjectReview":
            return status_response(status.build_bad_request("the body must be a SelfSubjectReview"))
    return json_response(build_self_subject_review(user, groups), 201)
