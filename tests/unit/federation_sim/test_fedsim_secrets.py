"""The simulated control plane's Secrets: Kubernetes answers for create, read, list and delete."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from i3plat.federation_sim._secrets import SecretApiError, SecretStore, handle_secret_request

NS = "kube-system"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def token_secret(name: str = "bootstrap-token-abcdef", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NS},
        "type": "bootstrap.kubernetes.io/token",
        "data": {"token-id": b64("abcdef"), "token-secret": b64("0123456789abcdef")},
    }
    body.update(extra)
    return body


def refusal(store: SecretStore, method: str, *args: Any) -> dict[str, Any]:
    with pytest.raises(SecretApiError) as info:
        getattr(store, method)(*args)
    return info.value.body


def test_create_stores_data_and_answers_the_object() -> None:
    store = SecretStore(lambda: 1_748_852_045.0)
    created = store.create(NS, token_secret(stringData={"description": "hello", "token-id": "abcdef"}))
    assert created["metadata"]["name"] == "bootstrap-token-abcdef"
    assert created["metadata"]["namespace"] == NS
    assert created["metadata"]["creationTimestamp"] == "2025-06-02T08:14:05Z"
    assert created["metadata"]["uid"] and created["metadata"]["resourceVersion"]
    assert created["type"] == "bootstrap.kubernetes.io/token"
    assert "stringData" not in created
    assert base64.b64decode(created["data"]["description"]) == b"hello"
    assert store.get(NS, "bootstrap-token-abcdef") == created
    assert store.secrets(NS) == [created] and store.secrets("default") == []


def test_duplicate_names_get_409_already_exists() -> None:
    store = SecretStore(lambda: 0.0)
    store.create(NS, token_secret())
    body = refusal(store, "create", NS, token_secret())
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'secrets "bootstrap-token-abcdef" already exists',
        "reason": "AlreadyExists",
        "details": {"name": "bootstrap-token-abcdef", "kind": "secrets"},
        "code": 409,
    }
    assert len(store.secrets(NS)) == 1


@pytest.mark.parametrize("name", ["Bad_Name", "-x", "a" * 254, "x..y"])
def test_bad_names_get_422_invalid_with_causes(name: str) -> None:
    store = SecretStore(lambda: 0.0)
    body = refusal(store, "create", NS, token_secret(name))
    assert body["code"] == 422 and body["reason"] == "Invalid" and body["status"] == "Failure"
    assert body["message"].startswith(f'Secret "{name}" is invalid: metadata.name: Invalid value: "{name}": ')
    assert body["details"]["kind"] == "Secret" and body["details"]["name"] == name
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["details"]["causes"][0]["reason"] == "FieldValueInvalid"
    assert store.secrets(NS) == []


def test_missing_name_bad_keys_and_bad_base64() -> None:
    store = SecretStore(lambda: 0.0)
    missing = refusal(store, "create", NS, token_secret(""))
    assert missing["details"]["causes"][0]["reason"] == "FieldValueRequired"
    keys = refusal(store, "create", NS, token_secret(data={"bad key": b64("x")}))
    assert keys["code"] == 422 and keys["details"]["causes"][0]["field"] == "data[bad key]"
    bad64 = refusal(store, "create", NS, token_secret(data={"k": "***"}))
    assert bad64["code"] == 400 and bad64["reason"] == "BadRequest" and "base64" in bad64["message"]
    other = refusal(store, "create", "default", token_secret())
    assert other["code"] == 400 and "namespace" in other["message"]
    kind = refusal(store, "create", NS, token_secret(kind="ConfigMap"))
    assert kind["code"] == 400
    assert store.secrets(NS) == []


def test_unknown_namespace_and_missing_secret_are_404() -> None:
    store = SecretStore(lambda: 0.0)
    assert refusal(store, "get", NS, "nope")["message"] == 'secrets "nope" not found'
    assert refusal(store, "get", NS, "nope")["details"] == {"name": "nope", "kind": "secrets"}
    assert refusal(store, "list_secrets", "no-such-ns")["message"] == 'namespaces "no-such-ns" not found'
    assert refusal(store, "delete", NS, "nope")["code"] == 404


def test_list_with_field_selectors_and_delete() -> None:
    store = SecretStore(lambda: 0.0)
    store.create(NS, token_secret())
    store.create(NS, {"metadata": {"name": "plain"}, "stringData": {"a": "b"}})
    listed = store.list_secrets(NS)
    assert listed["kind"] == "SecretList" and [i["metadata"]["name"] for i in listed["items"]] == [
        "bootstrap-token-abcdef",
        "plain",
    ]
    assert "kind" not in listed["items"][0]
    tokens = store.list_secrets(NS, "type=bootstrap.kubernetes.io/token")
    assert [i["metadata"]["name"] for i in tokens["items"]] == ["bootstrap-token-abcdef"]
    others = store.list_secrets(NS, "type!=bootstrap.kubernetes.io/token")
    assert [i["type"] for i in others["items"]] == ["Opaque"]
    assert refusal(store, "list_secrets", NS, "spec.x=1")["code"] == 400
    deleted = store.delete(NS, "plain")
    assert deleted["status"] == "Success" and deleted["details"]["name"] == "plain"
    assert [s["metadata"]["name"] for s in store.secrets(NS)] == ["bootstrap-token-abcdef"]


def test_routing_answers_status_codes_and_ignores_other_paths() -> None:
    class Fed:
        def now(self) -> float:
            return 0.0

    fed: Any = Fed()
    path = f"/api/v1/namespaces/{NS}/secrets"
    created = handle_secret_request(fed, "POST", path, "", orjson.dumps(token_secret()))
    assert created is not None and created.status_code == 201
    again = handle_secret_request(fed, "POST", path, "", orjson.dumps(token_secret()))
    assert again is not None and again.status_code == 409
    assert orjson.loads(again.get_data())["reason"] == "AlreadyExists"
    garbage = handle_secret_request(fed, "POST", path, "", b"{not json")
    assert garbage is not None and garbage.status_code == 400
    put = handle_secret_request(fed, "PUT", path + "/x", "", b"{}")
    assert put is not None and put.status_code == 405
    assert handle_secret_request(fed, "GET", f"/api/v1/namespaces/{NS}/configmaps", "", b"") is None
    listed = handle_secret_request(
        fed, "GET", path, "fieldSelector=metadata.name%3Dbootstrap-token-abcdef", b""
    )
    assert listed is not None and len(orjson.loads(listed.get_data())["items"]) == 1
