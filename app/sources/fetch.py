"""One HTTP GET, bounded: connect/read timeouts, a size cap, a clear User-Agent, few redirects.

Every failure (timeout, refused connection, HTTP error, too large, too many redirects) is a
``FetchError`` whose message names the URL and says what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

USER_AGENT = "Newsdesk/0.1 (news question answering; reads feeds and article pages)"


class FetchError(Exception):
    """A URL could not be fetched; the message says why."""


@dataclass(frozen=True)
class FetchLimits:
    timeout_s: float = 15.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass
class Response:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def fetch(url: str, limits: FetchLimits = FetchLimits(), *, etag: str | None = None,
          last_modified: str | None = None, client: httpx.Client | None = None) -> Response:
    """GET ``url``; a 304 (with ``etag``/``last_modified`` sent) comes back as ``not_modified``."""
    headers = {"User-Agent": limits.user_agent, "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own = client is None
    client = client or httpx.Client(
        timeout=httpx.Timeout(limits.timeout_s, connect=min(limits.timeout_s, 10.0)),
        follow_redirects=True, max_redirects=limits.max_redirects,
    )
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchError(f"{url}: too large ({int(declared) / 1e6:.1f} MB > "
                                 f"{limits.max_bytes / 1e6:.1f} MB limit)")
            body = bytearray()
            for piece in response.iter_bytes():
                body.extend(piece)
                if len(body) > limits.max_bytes:  # servers may lie about (or omit) the length
                    raise FetchError(f"{url}: too large (over the {limits.max_bytes / 1e6:.1f} MB limit)")
            return Response(url=url, final_url=str(response.url), status=response.status_code,
                            content=bytes(body), headers={k.lower(): v for k, v in response.headers.items()})
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: more than {limits.max_redirects} redirects") from None
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {limits.timeout_s:g} s (timed out)") from None
    except httpx.InvalidURL as err:
        raise FetchError(f"{url}: not a valid URL ({err})") from None
    except httpx.HTTPError as err:
        raise FetchError(f"{url}: {type(err).__name__}: {err or 'connection failed'}") from None
    finally:
        if own:
            client.close()
