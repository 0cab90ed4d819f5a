"""The HTTP API end to end, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from mythos_auth.domain.accounts import USERNAME_RULE
from mythos_auth.settings import AuthSettings

PASSWORD = "miskatonic"


async def _register(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/register", json={"username": username, "password": password})


async def _login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/login", json={"username": username, "password": password})


async def _verify(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """Verify a token the way another service would: offline, with the published JWKS."""
    jwks = (await client.get("/auth/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in jwks["keys"] if key["kid"] == kid]
    return jwt.decode(
        token, jwt.PyJWK(jwk), algorithms=["EdDSA"], audience="mythos", issuer="mythos-auth"
    )


async def test_register_returns_the_new_account(client: httpx.AsyncClient) -> None:
    response = await _register(client, "Armitage")
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "Armitage"
    assert str(uuid.UUID(body["user_id"])) == body["user_id"]


async def test_duplicate_usernames_conflict_case_insensitively(client: httpx.AsyncClient) -> None:
    assert (await _register(client, "Armitage")).status_code == 201
    for name in ("Armitage", "armitage", "ARMITAGE"):
        response = await _register(client, name, "another password")
        assert response.status_code == 409
        assert response.json() == {"detail": "username is taken"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"username": "ab", "password": PASSWORD}, USERNAME_RULE),
        ({"username": "9lives", "password": PASSWORD}, USERNAME_RULE),
        ({"username": "has space", "password": PASSWORD}, USERNAME_RULE),
        ({"username": "Armitage", "password": "short"}, "password must be at least 8 characters"),
        (
            {"username": "Armitage", "password": "x" * 257},
            "password must be at most 256 characters",
        ),
    ],
)
async def test_rule_breakers_get_a_readable_422(
    client: httpx.AsyncClient, body: dict[str, str], detail: str
) -> None:
    response = await client.post("/auth/register", json=body)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("path", ["/auth/register", "/auth/login"])
async def test_malformed_bodies_get_a_readable_422(client: httpx.AsyncClient, path: str) -> None:
    missing = await client.post(path, json={"username": "Armitage"})
    assert missing.status_code == 422
    assert missing.json() == {"detail": "password: field required"}

    wrong_type = await client.post(path, json={"username": 7, "password": "secret-ish"})
    assert wrong_type.status_code == 422
    assert wrong_type.json()["detail"].startswith("username: ")
    assert "secret-ish" not in wrong_type.text

    not_json = await client.post(
        path, content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json() == {"detail": "request body is not valid JSON"}


async def test_login_issues_a_token_that_verifies_with_the_jwks(
    client: httpx.AsyncClient,
) -> None:
    user_id = (await _register(client, "Armitage")).json()["user_id"]

    response = await _login(client, "armitage")  # any case logs in
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900

    header = jwt.get_unverified_header(body["access_token"])
    jwks = (await client.get("/auth/.well-known/jwks.json")).json()
    assert header["alg"] == "EdDSA"
    assert header["kid"] == jwks["keys"][0]["kid"]

    claims = await _verify(client, body["access_token"])
    assert claims["sub"] == user_id
    assert claims["name"] == "Armitage"  # as registered, not as typed at login
    assert claims["iss"] == "mythos-auth" and claims["aud"] == "mythos"
    assert claims["exp"] - claims["iat"] == 900


async def test_jwks_publishes_only_public_material(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json()["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["x"]
    assert "d" not in key


async def test_bad_credentials_get_identical_401s(client: httpx.AsyncClient) -> None:
    await _register(client, "Armitage")
    unknown = await _login(client, "Nobody")
    wrong_password = await _login(client, "Armitage", "wrong password")
    invalid_name = await _login(client, "?", "whatever")
    for response in (unknown, wrong_password, invalid_name):
        assert response.status_code == 401
        assert response.json() == {"detail": "invalid username or password"}
        assert response.headers["www-authenticate"] == "Bearer"
    assert unknown.content == wrong_password.content == invalid_name.content


async def test_health_reports_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_docs_and_openapi_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/auth/openapi.json")).json()
    register = schema["paths"]["/auth/register"]["post"]["responses"]
    assert {"201", "409", "422"} <= set(register)
    assert "401" in schema["paths"]["/auth/login"]["post"]["responses"]
    assert "503" in schema["paths"]["/auth/healthz"]["get"]["responses"]


EXPECTED_RESPONSES = {
    ("post", "/auth/register"): {"201", "403", "409", "413", "422", "429", "503"},
    ("post", "/auth/login"): {"200", "401", "403", "413", "422", "429", "503"},
    ("post", "/auth/refresh"): {"200", "401", "403", "413", "422"},
    ("post", "/auth/logout"): {"204", "401", "413", "422"},
    ("get", "/auth/me"): {"200", "401"},
    ("get", "/auth/.well-known/jwks.json"): {"200"},
    ("get", "/auth/healthz"): {"200", "503"},
}


async def test_openapi_documents_every_endpoint_and_error_with_a_model(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/auth/openapi.json")).json()
    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == set(EXPECTED_RESPONSES)
    for key, operation in operations.items():
        responses = operation["responses"]
        assert set(responses) == EXPECTED_RESPONSES[key], key
        for code, response in responses.items():
            assert response["description"], (key, code)
            if code == "204":
                assert "content" not in response
                continue
            # Every answer, errors included, names its body's model.
            assert response["content"]["application/json"]["schema"], (key, code)
            if code == "401":
                assert response["headers"]["WWW-Authenticate"]["required"] is True
            if code in ("429", "503") and key != ("get", "/auth/healthz"):
                assert response["headers"]["Retry-After"]["required"] is True
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ThrottledResponse")
    bearer = schema["components"]["securitySchemes"]["HTTPBearer"]
    assert bearer == {**bearer, "type": "http", "scheme": "bearer"}
    assert operations[("get", "/auth/me")]["security"] == [{"HTTPBearer": []}]
    assert operations[("post", "/auth/logout")]["security"] == [{"HTTPBearer": []}, {}]
    register = schema["components"]["schemas"]["Registration"]["properties"]
    assert register["username"]["pattern"] == "^[A-Za-z][A-Za-z0-9_]{2,19}$"
    assert (register["password"]["minLength"], register["password"]["maxLength"]) == (8, 256)


async def test_a_body_that_is_not_even_utf8_is_a_readable_422(client: httpx.AsyncClient) -> None:
    for path in ("/auth/register", "/auth/login", "/auth/refresh", "/auth/logout"):
        response = await client.post(
            path, content=b"\xa4\x17+", headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, path
        assert response.json() == {"detail": "request body is not valid JSON"}


async def test_lone_surrogates_in_passwords_are_refused_not_crashed(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"username": "Armitage", "password": "miskatonic\\ud800"}'
    headers = {"content-type": "application/json"}
    registered = await client.post("/auth/register", content=body, headers=headers)
    assert registered.status_code == 422
    assert registered.json() == {"detail": "password must be valid Unicode text"}
    logged_in = await client.post("/auth/login", content=body, headers=headers)
    assert logged_in.status_code == 401


async def test_accounts_and_key_survive_a_restart(
    auth_settings: AuthSettings, serve: Callable[..., Any]
) -> None:
    async with serve(auth_settings) as (_, client):
        await _register(client, "Armitage")
        token = (await _login(client, "Armitage")).json()["access_token"]
        kid_before = (await client.get("/auth/.well-known/jwks.json")).json()["keys"][0]["kid"]

    assert auth_settings.key_file.exists()
    async with serve(auth_settings) as (_, client):
        jwks = (await client.get("/auth/.well-known/jwks.json")).json()
        assert jwks["keys"][0]["kid"] == kid_before
        assert (await _verify(client, token))["name"] == "Armitage"
        assert (await _login(client, "Armitage")).status_code == 200
        assert (await _register(client, "armitage")).status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/auth/login", {"username": "A" * 65, "password": PASSWORD}, "username"),
        ("/auth/login", {"username": "Armitage", "password": "x" * 1025}, "password"),
        ("/auth/register", {"username": "A" * 65, "password": PASSWORD}, "username"),
        ("/auth/register", {"username": "Armitage", "password": "x" * 1025}, "password"),
        (
            "/auth/register",
            {"username": "Armitage", "password": PASSWORD, "invite_code": "c" * 257},
            "invite_code",
        ),
        ("/auth/refresh", {"refresh_token": "r" * 513}, "refresh_token"),
    ],
)
async def test_oversized_fields_are_refused_before_any_lookup_or_hashing(
    client: httpx.AsyncClient, path: str, body: dict[str, str], field: str
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}: string should have at most")


async def test_oversized_bodies_get_413_whether_declared_or_streamed(
    auth_settings: AuthSettings, serve: Callable[..., Any], configure: Any
) -> None:
    settings = configure(auth_settings, max_body_bytes=2048)
    async with serve(settings) as (_, client):
        big = json.dumps({"username": "Armitage", "password": "x" * 4000}).encode()
        declared = await client.post(
            "/auth/login", content=big, headers={"content-type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.json() == {"detail": "request body too large: at most 2048 bytes"}

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(big), 512):
                yield big[start : start + 512]

        streamed = await client.post(
            "/auth/register", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in streamed.request.headers
        assert streamed.status_code == 413
        assert streamed.json() == {"detail": "request body too large: at most 2048 bytes"}
        # A body within the limit is served as before.
        ok = await client.post(
            "/auth/register", json={"username": "Armitage", "password": PASSWORD}
        )
        assert ok.status_code == 201
