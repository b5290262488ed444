"""The client and the sandbox agree on the OpenAPI document the sandbox serves."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema
import pytest

from semine_plugins.sandbox import (
    SandboxAdmin,
    SandboxClient,
    SandboxServer,
    sample_detail,
    sample_document,
)
from semine_plugins.semine import (
    NotFoundError,
    RejectedError,
    RetryPolicy,
    SemineClient,
    _contract,
)
from semine_plugins.settings import Secret

from .conftest import EMAIL, PASSWORD, FakeTime


class Recorder(httpx.BaseTransport):
    """A real HTTP transport that keeps every request and answer."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        self.exchanges.append((request, response))
        return response

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def openapi(server: SandboxServer) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(server.url + "/openapi.json").json()
    return document


def _template(paths: dict[str, Any], path: str) -> str:
    for template in paths:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def test_the_document_is_valid_openapi_3_1(openapi: dict[str, Any]) -> None:
    """The served document passes the OpenAPI 3.1 validator."""
    validator = pytest.importorskip("openapi_spec_validator")
    assert openapi["openapi"].startswith("3.1")
    validator.validate(openapi)


def test_every_client_endpoint_is_documented(openapi: dict[str, Any]) -> None:
    """Each (method, path) the client's contract module uses is in the document."""
    for method, path in _contract.ENDPOINTS:
        assert method.lower() in openapi["paths"].get(path, {}), (method, path)


def test_every_contract_endpoint_is_used_by_the_client(openapi: dict[str, Any]) -> None:
    """Each non-sandbox path of the document is one the client uses (nothing drifts)."""
    documented = {
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        if not path.startswith(("/sandbox/", "/openapi.json"))
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert documented == set(_contract.ENDPOINTS)


@pytest.fixture
def recorded(
    server: SandboxServer, admin: SandboxAdmin, company: SandboxClient, fake_time: FakeTime
) -> Recorder:
    recorder = Recorder()
    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    with SemineClient(
        server.url, email=EMAIL, password=Secret(PASSWORD), transport=recorder, retry=policy
    ) as client:
        invoice_id = admin.seed_invoice(company, sample_detail())
        summaries = list(client.iter_invoices())
        client.get_invoice(summaries[0].id)
        client.set_status(invoice_id, "PostingError", message="no", voucher_number="V")
        client.set_status(invoice_id, "Posted", voucher_number="V")
        imported = client.import_document(sample_document(), idempotency_key="k")
        client.import_document(sample_document(), idempotency_key="k")
        client.get_document(imported.id)
        list(client.iter_invoices("Received"))
        with pytest.raises(RejectedError):
            client.import_document(b"<x/>", idempotency_key="bad")
        with pytest.raises(NotFoundError):
            client.get_invoice(999)
        admin.revoke_tokens()
        admin.add_fault(method="GET", status=503)
        client.get_invoice(invoice_id)
    return recorder


def test_every_answer_matches_its_schema(openapi: dict[str, Any], recorded: Recorder) -> None:
    """Every answer the client received is documented and validates against its schema."""
    seen = set()
    for request, response in recorded.exchanges:
        template = _template(openapi["paths"], request.url.path)
        operation = openapi["paths"][template][request.method.lower()]
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, (request.method, template, response.status_code)
        seen.add((request.method, template, response.status_code))
        media = response.headers.get("content-type", "").split(";")[0]
        if not documented.get("content"):
            assert response.content == b""
            continue
        assert media in documented["content"], (template, response.status_code, media)
        if media.endswith("json"):
            _validate(openapi, documented["content"][media]["schema"], response.json())
    statuses = {status for _, _, status in seen}
    assert {200, 201, 204, 401, 404, 422, 503} <= statuses
    assert {(m, p) for m, p, _ in seen} == set(_contract.ENDPOINTS)


def test_every_json_request_matches_its_schema(openapi: dict[str, Any], recorded: Recorder) -> None:
    """Every JSON body the client sent validates against the documented request body."""
    checked = 0
    for request, _ in recorded.exchanges:
        if request.headers.get("content-type") != "application/json":
            continue
        template = _template(openapi["paths"], request.url.path)
        body = openapi["paths"][template][request.method.lower()]["requestBody"]
        _validate(
            openapi, body["content"]["application/json"]["schema"], json.loads(request.content)
        )
        checked += 1
    assert checked >= 2
