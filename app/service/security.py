"""Who is calling: HTTP Basic (the UI's username/password) or a bearer token, both from the settings."""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Request

from app.config import ServerSettings, secret
from app.service.errors import ApiError


def auth_schemes(server: ServerSettings) -> list[str]:
    schemes = []
    if server.username and secret(server.password):
        schemes.append("basic")
    if server.api_token:
        schemes.append("bearer")
    return schemes


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def identify(request: Request, server: ServerSettings) -> str:
    """The client's identity for rate limiting; ``ApiError(401)`` when credentials are required and wrong."""
    schemes = auth_schemes(server)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if not schemes:
        return f"ip:{request.client.host if request.client else 'unknown'}"
    if scheme == "bearer" and "bearer" in schemes and _same(value.strip(), secret(server.api_token) or ""):
        return "token"
    if scheme == "basic" and "basic" in schemes:
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if _same(user, server.username or "") & _same(password, secret(server.password) or ""):
            return f"user:{user}"
    challenge = ", ".join({"basic": 'Basic realm="newsdesk"', "bearer": 'Bearer realm="newsdesk"'}[s]
                          for s in schemes)
    message = ("wrong credentials" if header else "credentials required") + \
        f": send {' or '.join('HTTP Basic (the server login)' if s == 'basic' else 'Authorization: Bearer <api token>' for s in schemes)}"
    raise ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})
