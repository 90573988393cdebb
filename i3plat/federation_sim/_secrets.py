"""Secrets stored by the simulated control plane (the karmada-apiserver's own core/v1 API).

Enough of the real behaviour for `karmadactl token create` and the console's registration wizard:
POST, GET, LIST (with the `metadata.name`, `metadata.namespace` and `type` field selectors
`karmadactl token list` uses) and DELETE under `/api/v1/namespaces/{ns}/secrets[/{name}]`, with
the apiserver's answers — 201 and the stored object, 409 AlreadyExists, 404 NotFound (also for an
unknown namespace), 422 Invalid with `details.causes`, 400 for bodies that are not a v1 Secret.
`stringData` is merged into `data` (base64) on create, as the apiserver does.

Tests read what was stored with `secret_store(federation).secrets(namespace)`.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from werkzeug.wrappers import Response

from . import _status as status
from ._responses import json_response, status_response
from ._state import Federation
from ._timefmt import format_rfc3339
from ._workloads import make_uid

CONTROL_PLANE_NAMESPACES = frozenset(
    {"default", "kube-system", "kube-public", "kube-node-lease", "karmada-system", "karmada-cluster"}
)
MAX_SECRET_BYTES = 1024 * 1024
_PATH_RE = re.compile(r"^/api/v1/namespaces/([^/]+)/secrets(?:/([^/]+))?$")
_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_CONFIG_KEY_RE = re.compile(r"[-._a-zA-Z0-9]+")
SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
CONFIG_KEY_MESSAGE = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
    "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
FIELD_LABELS = ("metadata.name", "metadata.namespace", "type")


class SecretApiError(Exception):
    """An answer the apiserver gives as a Status object."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body.get("message"))
        self.body = body


def build_invalid_secret(name: str, causes: list[tuple[str, str, str]]) -> dict[str, Any]:
    """422 as apimachinery's NewInvalid writes it; causes are (reason, field, detail)."""
    rendered = [f"{field}: {detail}" for _, field, detail in causes]
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    details: dict[str, Any] = {
        "name": name,
        "kind": "Secret",
        "causes": [{"reason": reason, "message": detail, "field": field} for reason, field, detail in causes],
    }
    return status.build_status(422, f'Secret "{name}" is invalid: {summary}', "Invalid", details)


def build_already_exists(name: str) -> dict[str, Any]:
    return status.build_status(
        409, f'secrets "{name}" already exists', "AlreadyExists", {"name": name, "kind": "secrets"}
    )


def build_delete_success(name: str, uid: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "kind": "secrets", "uid": uid},
    }


def _bad_request(message: str) -> SecretApiError:
    return SecretApiError(status.build_bad_request(message))


def _decode_data(data: object) -> dict[str, bytes]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _bad_request('Secret in version "v1" cannot be handled as a Secret: data must be an object')
    decoded: dict[str, bytes] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            raise _bad_request(
                f'Secret in version "v1" cannot be handled as a Secret: data[{key}] is not a string'
            )
        try:
            decoded[key] = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise _bad_request(
                f'Secret in version "v1" cannot be handled as a Secret: illegal base64 data ({error})'
            ) from None
    return decoded


def _validate(name: str, data: dict[str, bytes]) -> None:
    causes: list[tuple[str, str, str]] = []
    if not name:
        causes.append(
            ("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")
        )
    elif len(name) > 253 or _SUBDOMAIN_RE.fullmatch(name) is None:
        causes.append(("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {SUBDOMAIN_MESSAGE}'))
    for key in sorted(data):
        if len(key) > 253 or _CONFIG_KEY_RE.fullmatch(key) is None:
            causes.append(
                ("FieldValueInvalid", f"data[{key}]", f'Invalid value: "{key}": {CONFIG_KEY_MESSAGE}')
            )
    if sum(len(v) for v in data.values()) > MAX_SECRET_BYTES:
        causes.append(("FieldValueTooLong", "data", f"Too long: must have at most {MAX_SECRET_BYTES} bytes"))
    if causes:
        raise SecretApiError(build_invalid_secret(name, causes))


class SecretStore:
    """Secrets of the control plane by (namespace, name); thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], dict[str, Any]] = {}
        self._revision = 120000

    @staticmethod
    def check_namespace(namespace: str) -> None:
        if namespace not in CONTROL_PLANE_NAMESPACES:
            raise SecretApiError(status.build_not_found("namespaces", namespace))

    def create(self, namespace: str, obj: object) -> dict[str, Any]:
        """Store a new Secret (stringData merged into base64 data); returns it as the API shows it."""
        if not isinstance(obj, dict):
            raise _bad_request("the object provided is unrecognized (must be of type Secret)")
        if obj.get("kind", "Secret") != "Secret" or obj.get("apiVersion", "v1") != "v1":
            got = f"{obj.get('apiVersion', 'v1')}, Kind={obj.get('kind', 'Secret')}"
            raise _bad_request(f"the object provided is unrecognized (must be of type Secret): got {got}")
        metadata = obj.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise _bad_request("metadata must be an object")
        if metadata.get("namespace") not in (None, "", namespace):
            raise _bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        self.check_namespace(namespace)
        name = metadata.get("name") or ""
        if not isinstance(name, str):
            raise _bad_request("metadata.name must be a string")
        data = _decode_data(obj.get("data"))
        string_data = obj.get("stringData") or {}
        if not isinstance(string_data, dict) or not all(isinstance(v, str) for v in string_data.values()):
            raise _bad_request(
                'Secret in version "v1" cannot be handled as a Secret: stringData must map to strings'
            )
        data.update({key: value.encode() for key, value in string_data.items()})
        _validate(name, data)
        secret_type = obj.get("type") or "Opaque"
        with self._lock:
            if (namespace, name) in self._items:
                raise SecretApiError(build_already_exists(name))
            self._revision += 1
            stored_meta: dict[str, Any] = {
                "name": name,
                "namespace": namespace,
                "uid": make_uid("secret", namespace, name, str(self._revision)),
                "resourceVersion": str(self._revision),
                "creationTimestamp": format_rfc3339(self._clock()),
            }
            for key in ("labels", "annotations"):
                if isinstance(metadata.get(key), dict):
                    stored_meta[key] = dict(metadata[key])
            stored = {
                "kind": "Secret",
                "apiVersion": "v1",
                "metadata": stored_meta,
                "data": {key: base64.b64encode(value).decode("ascii") for key, value in sorted(data.items())},
                "type": secret_type,
            }
            self._items[(namespace, name)] = stored
            return copy.deepcopy(stored)

    def get(self, namespace: str, name: str) -> dict[str, Any]:
        self.check_namespace(namespace)
        with self._lock:
            found = self._items.get((namespace, name))
            if found is None:
                raise SecretApiError(status.build_not_found("secrets", name))
            return copy.deepcopy(found)

    def list_secrets(self, namespace: str, field_selector: str = "") -> dict[str, Any]:
        """A SecretList; its items carry no kind/apiVersion, as typed lists are served."""
        self.check_namespace(namespace)
        wanted = parse_field_selector(field_selector)
        with self._lock:
            items = [
                {k: v for k, v in copy.deepcopy(s).items() if k not in ("kind", "apiVersion")}
                for (ns, _), s in sorted(self._items.items())
                if ns == namespace and _selected(s, wanted)
            ]
            revision = str(self._revision)
        return {
            "kind": "SecretList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": revision},
            "items": items,
        }

    def delete(self, namespace: str, name: str) -> dict[str, Any]:
        self.check_namespace(namespace)
        with self._lock:
            found = self._items.pop((namespace, name), None)
            if found is None:
                raise SecretApiError(status.build_not_found("secrets", name))
            self._revision += 1
            return build_delete_success(name, found["metadata"]["uid"])

    def secrets(self, namespace: str) -> list[dict[str, Any]]:
        """Every Secret of a namespace, as stored (for tests and debugging)."""
        with self._lock:
            return [copy.deepcopy(s) for (ns, _), s in sorted(self._items.items()) if ns == namespace]


def parse_field_selector(text: str) -> list[tuple[str, bool, str]]:
    """`a=b,c!=d` → [(label, equal, value)]; labels the apiserver does not index are refused."""
    terms: list[tuple[str, bool, str]] = []
    for raw in filter(None, (part.strip() for part in text.split(","))):
        label, op, value = (
            re.split(r"(!=|==|=)", raw, maxsplit=1) if re.search(r"!=|=", raw) else (raw, "", "")
        )
        if not op:
            raise _bad_request(f"invalid selector: '{raw}'; can't understand '{raw}'")
        if label not in FIELD_LABELS:
            raise _bad_request(f'"{label}" is not a known field selector: only "{", ".join(FIELD_LABELS)}"')
        terms.append((label, op != "!=", value))
    return terms


def _selected(secret: dict[str, Any], terms: list[tuple[str, bool, str]]) -> bool:
    values = {
        "metadata.name": secret["metadata"]["name"],
        "metadata.namespace": secret["metadata"]["namespace"],
        "type": secret["type"],
    }
    return all((values[label] == value) == equal for label, equal, value in terms)


_STORES: weakref.WeakKeyDictionary[Federation, SecretStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def secret_store(federation: Federation) -> SecretStore:
    """The Secrets of one simulated control plane (made on first use, on the federation's clock)."""
    with _STORES_LOCK:
        store = _STORES.get(federation)
        if store is None:
            store = SecretStore(federation.now)
            _STORES[federation] = store
        return store


def handle_secret_request(
    federation: Federation, method: str, path: str, query_string: str, body: bytes
) -> Response | None:
    """Serve `/api/v1/namespaces/{ns}/secrets[/{name}]`; None for any other path."""
    match = _PATH_RE.match(path)
    if match is None:
        return None
    namespace, name = match[1], match[2]
    store = secret_store(federation)
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    try:
        if name is None and method in ("GET", "HEAD"):
            return json_response(store.list_secrets(namespace, query.get("fieldSelector", "")))
        if name is None and method == "POST":
            try:
                obj = orjson.loads(body) if body.strip() else None
            except orjson.JSONDecodeError as error:
                raise _bad_request(
                    f"the object provided is unrecognized (must be of type Secret): {error}"
                ) from None
            return json_response(store.create(namespace, obj), 201)
        if name is not None and method in ("GET", "HEAD"):
            return json_response(store.get(namespace, name))
        if name is not None and method == "DELETE":
            return json_response(store.delete(namespace, name))
        return status_response(status.build_method_not_allowed())
    except SecretApiError as error:
        return status_response(error.body)
