"""Every error of ``/api`` and ``/v1`` is JSON: ``{"error": {"status", "code", "message", "details"}}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.service.schemas import ErrorBody, ErrorDetail


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 details: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.details = status, code, message, headers, details

    def body(self) -> dict:
        return ErrorBody(error=ErrorDetail(status=self.status, code=self.code, message=self.message,
                                           details=self.details)).model_dump(exclude_none=True)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


# Status codes that come from Starlette itself (unknown route, wrong method) get a name too.
_CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
          413: "too_large", 422: "invalid_request", 429: "rate_limited", 503: "unavailable"}

# The responses documented on every route in /docs.
ERROR_RESPONSES = {status: {"model": ErrorBody, "description": code.replace("_", " ")}
                   for status, code in _CODES.items() if status not in (405,)}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, err: ApiError) -> JSONResponse:
        return err.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            problems.append({"field": where, "problem": e.get("msg", "invalid")})
        summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems[:5])
        return ApiError(422, "invalid_request", f"the request is not valid: {summary}", details=problems).response()

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        return ApiError(500, "internal_error", f"{type(err).__name__}: {err}").response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        message = err.detail if isinstance(err.detail, str) else str(err.detail)
        return ApiError(err.status_code, _CODES.get(err.status_code, "error"), message,
                        headers=getattr(err, "headers", None)).response()
