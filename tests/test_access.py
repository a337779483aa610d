"""Access: the server binds loopback by default, a configured login is enforced, and hostile upload
names never write outside ``settings.data_dir``.

The server tests run ``newsdesk serve`` (``start_server`` in conftest.py) with a login set and its
upload cache in a temporary folder. No test here asks the generator: the only question asked is
one that is refused before the model runs. They are marked ``slow`` only because starting a server
(embedding model, indexing the corpus) takes tens of seconds.
Run: ``.venv/bin/python -m pytest tests/test_access.py -v``
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from conftest import REPO, SEED_ID, make_settings, start_server

USER, PASSWORD = "desk-editor", "correct horse battery staple"
HOSTILE_NAMES = [
    "../../x.txt", "../../../../../../outside/x.txt", "/outside/passwd.txt", "..\\..\\win.txt", "C:\\Windows\\system.txt",
    "a/../../etc/passwd.txt", "bad\x00name.txt", "bell\x07esc\x1bname.txt", "rtl\u202egnp.txt", "..", ".",
]
# Where a traversal would land if it got through; none of these may appear during the tests.
ESCAPE_NAMES = ("x.txt", "passwd.txt", "win.txt", "system.txt")


# -- helpers ------------------------------------------------------------------------------------------
def listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) != port or fields[3] != "0A":  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:  # four little-endian 32-bit words
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def escape_candidates(*folders: Path) -> set[Path]:
    """Existing files with the names a traversal would create, in the folders it would reach."""
    places = {Path("/"), Path("/etc"), Path("/tmp"), REPO, REPO.parent, *folders}
    for folder in folders:
        places.update(folder.parents)
    return {place / name for place in places for name in ESCAPE_NAMES if (place / name).exists()}


def call_api(url: str, api: str, data: list, cookies, timeout: float = 300) -> tuple[str, object]:
    """One call through Gradio's HTTP API (POST, then read the event stream): (event, data)."""
    posted = httpx.post(f"{url}gradio_api/call/{api}", json={"data": data}, cookies=cookies, timeout=30)
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    event, payload = None, None
    with httpx.stream("GET", f"{url}gradio_api/call/{api}/{event_id}", cookies=cookies, timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                raw = line.split(":", 1)[1].strip()
                payload = json.loads(raw) if raw and raw != "null" else None
                break
    return event, payload


# -- bind address ----------------------------------------------------------------------------------------
def test_default_launch_binds_loopback_without_share_or_login(monkeypatch, tmp_path):
    from app.config import ServerSettings, Settings
    from app.ui import launch_options

    for key in ("NEWSDESK_SERVER__HOST", "NEWSDESK_SERVER__USERNAME", "NEWSDESK_SERVER__PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSDESK_CONFIG", str(tmp_path / "absent.toml"))  # no newsdesk.toml from the cwd
    assert ServerSettings().host == "127.0.0.1"
    options = launch_options(Settings())
    assert options["server_name"] == "127.0.0.1"
    assert options["share"] is False and options["auth"] is None

    monkeypatch.setenv("NEWSDESK_SERVER__USERNAME", USER)
    monkeypatch.setenv("NEWSDESK_SERVER__PASSWORD", PASSWORD)
    assert launch_options(Settings())["auth"] == (USER, PASSWORD)


# -- the real server, with a login ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    gradio_tmp = tmp_path_factory.mktemp("gradio-tmp")
    with start_server(tmp_path_factory, "newsdesk-access", NEWSDESK_SERVER__USERNAME=USER,
                      NEWSDESK_SERVER__PASSWORD=PASSWORD, NEWSDESK_SERVER__MAX_UPLOAD_MB="1",
                      GRADIO_TEMP_DIR=str(gradio_tmp)) as running:
        yield running, gradio_tmp


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    running, _ = server
    return Client(running.url, auth=(USER, PASSWORD), verbose=False, download_files=False)


@pytest.mark.slow
def test_server_listens_on_loopback_only(server):
    running, _ = server
    addresses = listening_addresses(running.port)
    assert addresses, f"nothing listens on port {running.port}"
    assert set(addresses) <= {"127.0.0.1", "::1"}, addresses


@pytest.mark.slow
def test_unauthenticated_and_wrong_password_clients_are_refused(server):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    running, _ = server
    with pytest.raises(AuthenticationError):
        Client(running.url, verbose=False, download_files=False)
    with pytest.raises(ValueError, match="Could not login"):  # Gradio answers a wrong password with 400
        Client(running.url, auth=(USER, "wrong password"), verbose=False, download_files=False)
    login = httpx.post(f"{running.url}login", data={"username": USER, "password": "wrong password"}, timeout=30)
    assert login.status_code in (400, 401) and "access-token" not in "".join(login.cookies.keys()), login.text
    # Not just the config: the API endpoints and the file upload route refuse without the login cookie.
    for api in ("ask", "articles", "upload", "delete"):
        response = httpx.post(f"{running.url}gradio_api/call/{api}", json={"data": ["x"]}, timeout=30)
        assert response.status_code == 401, (api, response.status_code, response.text[:200])
    response = httpx.post(f"{running.url}gradio_api/upload", files=[("files", ("a.txt", b"text", "text/plain"))],
                          timeout=30)
    assert response.status_code == 401, response.status_code
    assert not (running.data_dir / "uploads").exists() or not any((running.data_dir / "uploads").iterdir())


@pytest.mark.slow
def test_authenticated_client_works(client):
    table = client.submit("", api_name="/articles").result(timeout=60)
    assert SEED_ID in [row[0] for row in table["data"]]
    text, details = client.submit("What is the capital of France?", None, api_name="/ask").result(timeout=120)
    assert details["refused"] and "don't say" in text, text


@pytest.mark.slow
def test_oversized_question_and_upload_are_refused_at_the_door(server, client):
    from gradio_client.exceptions import AppError

    running, gradio_tmp = server
    with pytest.raises(AppError, match="limit is 1000"):
        client.submit("why " * 400, None, api_name="/ask").result(timeout=60)
    # Gradio's upload route caps a file at twice the article limit (1 MB here): 413, nothing stored.
    before = files_under(gradio_tmp)
    response = httpx.post(f"{running.url}gradio_api/upload", cookies=client.cookies, timeout=60,
                          files=[("files", ("huge.txt", b"The ferry sailed. " * 150_000, "text/plain"))])
    assert response.status_code == 413, (response.status_code, response.text[:200])
    assert files_under(gradio_tmp) == before


@pytest.mark.slow
def test_hostile_upload_names_never_write_outside_the_data_dir(server, client, tmp_path):
    """Raw multipart uploads with hostile file names (NUL and control bytes included), then /upload."""
    from app.corpus import safe_upload_name

    running, gradio_tmp = server
    base_before = files_under(running.base)
    escapes_before = escape_candidates(running.base, gradio_tmp, tmp_path)
    uploaded = []
    for i, name in enumerate(HOSTILE_NAMES):
        body = (f"---\ntitle: Hostile upload {i}\n---\nThe harbour authority inspected pier {i} on Monday.\n")
        boundary = "nd-boundary-7f3a"
        raw = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"".encode()
               + name.encode("utf-8") + b"\"\r\nContent-Type: text/plain\r\n\r\n" + body.encode()
               + f"\r\n--{boundary}--\r\n".encode())
        response = httpx.post(f"{running.url}gradio_api/upload", content=raw, cookies=client.cookies, timeout=30,
                              headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if response.status_code != 200:  # refused by Gradio's upload route: nothing stored
            assert response.status_code in (400, 422), (name, response.status_code, response.text[:200])
            continue
        (stored,) = response.json()
        stored_path = Path(stored).resolve()
        assert gradio_tmp.resolve() in stored_path.parents, (name, stored)  # Gradio's cache, nothing else
        uploaded.append({"path": stored, "orig_name": name, "meta": {"_type": "gradio.FileData"}})
    assert uploaded, "every upload was refused; the /upload step was not exercised"

    event, result = call_api(running.url, "upload", [uploaded], client.cookies)
    assert event == "complete", (event, result)
    report = result[0]

    uploads = running.data_dir / "uploads"
    for path in files_under(running.base) - base_before:  # everything new is in data/ or the index
        relative = path.relative_to(running.base)
        assert relative.parts[0] in ("data", "index"), f"an upload wrote {path}"
    for path in files_under(running.data_dir):
        assert uploads in path.parents or path.name == "feedback.jsonl", path
        assert "\x00" not in path.name and not any(ord(c) < 32 for c in path.name), path
    for path in files_under(uploads):
        assert path.parent == uploads, f"an upload created a sub-folder: {path}"
        assert safe_upload_name(path.name) == path.name, f"saved under an unsafe name: {path.name!r}"
    assert escape_candidates(running.base, gradio_tmp, tmp_path) == escapes_before
    assert not Path("/etc/passwd.txt").exists()
    assert "Indexed" in report or "Not accepted" in report, report

    # Clean up what was accepted (under safe names) so that the other tests see the seed index only.
    table = call_api(running.url, "articles", [""], client.cookies)[1][0]
    extra = [row[0] for row in table["data"] if row[0] != SEED_ID]
    if extra:
        call_api(running.url, "delete", [" ".join(extra)], client.cookies)


@pytest.mark.slow
def test_upload_cannot_read_server_files_outside_the_upload_cache(server, client):
    """A FileData path pointing at a file on the server (not an upload) is refused by Gradio."""
    running, _ = server
    secret = running.base / "secret-notes.txt"
    secret.write_text("---\ntitle: Secret\n---\nThe launch code is 0000.\n", encoding="utf-8")
    event, result = call_api(running.url, "upload",
                             [[{"path": str(secret), "orig_name": "secret-notes.txt",
                                "meta": {"_type": "gradio.FileData"}}]], client.cookies)
    assert event == "error", (event, result)
    table = call_api(running.url, "articles", [""], client.cookies)[1][0]
    assert "secret-notes" not in [row[0] for row in table["data"]]
    assert not (running.data_dir / "uploads" / "secret-notes.txt").exists()


# -- the upload function itself (the API client's FileData name reaches it) ------------------------------
def test_upload_files_with_hostile_names_writes_only_inside_the_data_dir(tmp_path):
    """``upload_files`` with the client-supplied ``orig_name`` (the name a FileData dict carries)."""
    from app.corpus import Corpus
    from app.store import Store
    from app.ui.layout import upload_files

    settings = make_settings(tmp_path / "sandbox" / "index")
    corpus = Corpus(settings, Store(settings))
    data_dir = Path(settings.data_dir)
    source = tmp_path / "incoming" / "story.txt"
    source.parent.mkdir()
    source.write_text("---\ntitle: A story\n---\nThe ferry left at noon.\n", encoding="utf-8")
    before = files_under(tmp_path)
    escapes_before = escape_candidates(tmp_path, data_dir)

    report = upload_files(corpus, [{"path": str(source), "orig_name": name} for name in HOSTILE_NAMES])

    assert "Indexed" not in report, report
    assert report.count("**rejected**") == len(HOSTILE_NAMES), report
    for path in files_under(tmp_path) - before:
        assert data_dir in path.parents or Path(settings.index_dir) in path.parents, path
    assert not [p for p in files_under(data_dir / "uploads")], "a rejected upload was saved"
    assert not (data_dir / ".staging").exists() or not any((data_dir / ".staging").iterdir())
    assert escape_candidates(tmp_path, data_dir) == escapes_before
    assert source.read_text(encoding="utf-8").startswith("---")  # the source file is untouched
