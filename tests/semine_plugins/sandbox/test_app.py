"""The sandbox's HTTP behaviour, seen from a plain HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import httpx
import pytest
from starlette.routing import Route

from semine_plugins.sandbox import (
    SandboxAdmin,
    SandboxClient,
    SandboxServer,
    create_app,
    openapi_document,
    sample_detail,
    sample_document,
)

from .conftest import EMAIL, PASSWORD, PAT


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as client:
        yield client


def _token(http: httpx.Client) -> dict[str, str]:
    answer = http.post(
        "/api/v1.0/token", data={"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_token_answer(http: httpx.Client, company: SandboxClient) -> None:
    """The password grant answers a bearer token with its lifetime."""
    answer = http.post(
        "/api/v1.0/token", data={"grant_type": "password", "username": EMAIL, "password": PASSWORD}
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] == 3600


def test_bad_grant_is_a_problem(http: httpx.Client, company: SandboxClient) -> None:
    """Wrong credentials: 400 invalid_grant as problem details."""
    answer = http.post(
        "/api/v1.0/token", data={"grant_type": "password", "username": EMAIL, "password": "x"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic abc"])
def test_unauthenticated(http: httpx.Client, company: SandboxClient, auth: str | None) -> None:
    """No or a wrong token: 401 problem details."""
    headers = {"Authorization": auth} if auth else {}
    answer = http.get("/api/v1.0/organizations", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


def test_personal_access_token(http: httpx.Client, company: SandboxClient) -> None:
    """A user's personal access token is accepted as a bearer token."""
    answer = http.get("/api/v1.0/organizations", headers={"Authorization": f"Bearer {PAT}"})
    assert answer.json()[0]["clients"][0]["organizationNumber"] == "123456785"


def test_unknown_route_is_a_problem(http: httpx.Client) -> None:
    """Even a 404 for an unknown path is problem details."""
    answer = http.get("/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_import_needs_key_and_xml(http: httpx.Client, company: SandboxClient) -> None:
    """Without an Idempotency-Key: 400; with a non-XML body type: 415."""
    path = "/api/v1.0/organizations/1/clients/1/invoices"
    headers = _token(http)
    answer = http.post(
        path, content=sample_document(), headers={**headers, "Content-Type": "application/xml"}
    )
    assert answer.status_code == 400
    answer = http.post(
        path,
        content=b"{}",
        headers={**headers, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    assert answer.status_code == 415


_SBDH = (
    b'<StandardBusinessDocument xmlns="http://www.unece.org/cefact/namespaces/'
    b'StandardBusinessDocumentHeader"><StandardBusinessDocumentHeader/><!-- payload -->'
)


@pytest.mark.parametrize(
    ("payload", "status"),
    [(sample_document().split(b"?>", 1)[1], 201), (b'<Order xmlns="urn:x"/>', 422)],
)
def test_import_sbdh_with_a_comment(
    http: httpx.Client, company: SandboxClient, payload: bytes, status: int
) -> None:
    """An SBDH envelope with a comment beside its payload is read (or refused with 422)."""
    path = f"/api/v1.0/organizations/{company.organization_id}/clients/{company.client_id}/invoices"
    headers = {**_token(http), "Idempotency-Key": "sbdh", "Content-Type": "application/xml"}
    answer = http.post(
        path, content=_SBDH + payload + b"</StandardBusinessDocument>", headers=headers
    )
    assert answer.status_code == status


def test_import_of_other_client_is_not_found(http: httpx.Client, company: SandboxClient) -> None:
    """A client that does not exist in the organization: 404."""
    answer = http.get("/api/v1.0/organizations/1/clients/77/invoices", headers=_token(http))
    assert answer.status_code == 404


def test_keys_are_per_client(
    admin: SandboxAdmin, http: httpx.Client, company: SandboxClient
) -> None:
    """The same Idempotency-Key at two clients creates two invoices."""
    (other,) = admin.setup(organizations=[{"name": "B", "clients": [{"name": "B"}]}])
    headers = {**_token(http), "Idempotency-Key": "same", "Content-Type": "application/xml"}
    for c in (company, other):
        path = f"/api/v1.0/organizations/{c.organization_id}/clients/{c.client_id}/invoices"
        assert http.post(path, content=sample_document(), headers=headers).status_code == 201
    assert len(admin.received()) == 2  # duplicates are detected per client


def test_setup_fills_in_ids(admin: SandboxAdmin) -> None:
    """Given ids are kept; missing ids are assigned."""
    clients = admin.setup(
        organizations=[{"id": 40, "name": "O", "clients": [{"id": 41, "name": "A"}, {"name": "B"}]}]
    )
    assert [(c.organization_id, c.client_id) for c in clients] == [(40, 41), (40, 42)]


def test_seed_with_id_and_status(admin: SandboxAdmin, company: SandboxClient) -> None:
    """A seeded invoice keeps its id; its status defaults to Posting."""
    assert admin.seed_invoice(company, sample_detail(id=12345)) == 12345
    assert admin.invoice(12345)["invoiceStatus"] == "Posting"
    with pytest.raises(RuntimeError, match="409"):
        admin.seed_invoice(company, sample_detail(id=12345))


@pytest.mark.parametrize(
    "body",
    [{}, {"status": 99}, {"drop": True, "when": "later"}, {"status": 500, "count": 0}],
)
def test_nonsense_faults_are_refused(http: httpx.Client, body: dict[str, object]) -> None:
    """A fault without an effect or with bad values is a 400."""
    assert http.post("/sandbox/v1/faults", json=body).status_code == 400


def test_faults_count_down_and_spare_sandbox_paths(admin: SandboxAdmin, http: httpx.Client) -> None:
    """A fault hits the next `count` matching contract calls and never /sandbox or /openapi."""
    admin.add_fault(status=500, count=2)
    assert http.get("/openapi.json").status_code == 200
    assert admin.faults()[0]["count"] == 2
    assert http.get("/api/v1.0/organizations").status_code == 500
    assert http.get("/api/v1.0/organizations").status_code == 500
    assert http.get("/api/v1.0/organizations").status_code == 401
    assert admin.faults() == []
    assert [c["status"] for c in admin.calls()] == [500, 500, 401]
    admin.reset()
    assert admin.calls() == []


def test_fault_matches_method_and_prefix(admin: SandboxAdmin, http: httpx.Client) -> None:
    """Only calls with the fault's method and path prefix are hit."""
    admin.add_fault(method="POST", path="/api/v1.0/token", status=503, retry_after=9)
    assert http.get("/api/v1.0/organizations").status_code == 401
    answer = http.post("/api/v1.0/token", data={})
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "9")


def test_drop_closes_without_answer(admin: SandboxAdmin, http: httpx.Client) -> None:
    """A drop closes the connection: the client gets no status line at all."""
    admin.add_fault(drop=True, when="before")
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/api/v1.0/organizations")
    assert admin.calls()[0]["status"] is None


def test_every_route_is_documented() -> None:
    """Every route the app serves is in its OpenAPI document, with the same methods."""
    app = create_app()
    try:
        starlette_app = app._app.app
        documented = openapi_document()["paths"]
        for route in starlette_app.routes:
            assert isinstance(route, Route)
            path = route.path.replace(":int}", "}")
            methods = {m.lower() for m in route.methods or ()} - {"head"}
            assert methods <= set(documented.get(path, {})), path
    finally:
        app.close()


def test_in_process() -> None:
    """The app also runs in-process (no socket) for fast tests."""
    app = create_app()

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            setup = {"users": [{"email": "a", "password": "b"}]}
            assert (await client.post("/sandbox/v1/setup", json=setup)).status_code == 200
            form = {"grant_type": "password", "username": "a", "password": "b"}
            token = (await client.post("/api/v1.0/token", data=form)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assert (await client.get("/api/v1.0/organizations", headers=headers)).json() == []
            await client.post("/sandbox/v1/faults", json={"drop": True})
            with pytest.raises(ConnectionResetError):
                await client.get("/api/v1.0/organizations")

    try:
        anyio.run(scenario)
    finally:
        app.close()
