"""The data API client behind cube_sdk (standard library only: urllib, json)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

_TIMEOUT = 30.0


class DataApiError(Exception):
    """An error answer of the data API (or of the token endpoint), with what it said."""

    def __init__(self, status: int, code: str, message: str, request_id: Optional[str] = None, field_name: Optional[str] = None):
        super().__init__(f"{status} {code}: {message}" + (f" (request id {request_id})" if request_id else ""))
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.field = field_name


@dataclass
class ObjectInfo:
    key: str
    size: int
    last_modified: Optional[str] = None


class Client:
    """A data API client; ``Client.from_env()`` reads the settings described in the package docs."""

    def __init__(self, base_url: str, token: Optional[str] = None, token_url: Optional[str] = None,
                 client_id: Optional[str] = None, client_secret: Optional[str] = None, timeout: float = _TIMEOUT):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be an http(s) URL, e.g. https://data.example.com")
        if token is None and not (token_url and client_id and client_secret):
            raise ValueError("a token is needed: ODS_API_TOKEN, or ODS_TOKEN_URL with ODS_CLIENT_ID and ODS_CLIENT_SECRET")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._expires_at = float("inf") if token else 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Optional[Dict[str, str]] = None) -> "Client":
        e = os.environ if env is None else env
        url = e.get("ODS_DATA_API_URL")
        if not url:
            raise ValueError("ODS_DATA_API_URL is not set (the data API's base URL)")
        return cls(url, token=e.get("ODS_API_TOKEN") or None, token_url=e.get("ODS_TOKEN_URL"),
                   client_id=e.get("ODS_CLIENT_ID"), client_secret=e.get("ODS_CLIENT_SECRET"))

    def _bearer(self) -> str:
        with self._lock:
            if self._token is None or time.time() >= self._expires_at:
                self._fetch_token()
            return f"Bearer {self._token}"

    def _fetch_token(self) -> None:
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": self._client_id,
                                       "client_secret": self._client_secret}).encode()
        req = urllib.request.Request(str(self._token_url), data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                answer = json.load(res)
        except urllib.error.HTTPError as err:
            # The token endpoint's answer names the problem; the secret is never in it.
            raise DataApiError(err.code, "token_request_failed", _error_text(err)) from None
        self._token = answer["access_token"]
        # Renew 30 s early (or at half the lifetime for short ones).
        life = float(answer.get("expires_in", 60))
        self._expires_at = time.time() + max(life - 30, life / 2)

    def request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None, query: Optional[Dict[str, Any]] = None) -> Any:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "Authorization": self._bearer()}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                raw = res.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raise _api_error(err) from None

    def fetch(self, url: str, max_bytes: Optional[int] = None) -> bytes:
        """GET a presigned URL (no Authorization header: the signature is the credential)."""
        headers = {"Range": f"bytes=0-{max_bytes - 1}"} if max_bytes else {}
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return res.read()
        except urllib.error.HTTPError as err:
            raise DataApiError(err.code, "object_fetch_failed", f"the object store answered {err.code}") from None

    def put(self, url: str, data: bytes) -> None:
        req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout):
                return
        except urllib.error.HTTPError as err:
            raise DataApiError(err.code, "object_upload_failed", f"the object store answered {err.code}") from None


def _error_text(err: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(err.read() or b"{}")
    except ValueError:
        return f"HTTP {err.code}"
    return str(body.get("error_description") or body.get("error") or f"HTTP {err.code}")


def _api_error(err: urllib.error.HTTPError) -> DataApiError:
    try:
        body = json.loads(err.read() or b"{}")
        e = body.get("error") or {}
        return DataApiError(err.code, str(e.get("code", "error")), str(e.get("message", f"HTTP {err.code}")), e.get("request_id"), e.get("field"))
    except (ValueError, AttributeError):
        return DataApiError(err.code, "error", f"HTTP {err.code}")


_default: Optional[Client] = None


def _client() -> Client:
    global _default
    if _default is None:
        _default = Client.from_env()
    return _default


@dataclass
class Dataset:
    """A registered dataset: its metadata, and its objects under ``path`` in the datasets bucket."""

    id: str
    name: str
    path: str
    description: Optional[str] = None
    format: Optional[str] = None
    columns: List[Dict[str, Any]] = field(default_factory=list)
    tags: List[str] = field(default_factory=list)
    version: int = 1
    client: Optional[Client] = field(default=None, repr=False, compare=False)

    @classmethod
    def _of(cls, d: Dict[str, Any], client: Client) -> "Dataset":
        return cls(id=d["id"], name=d["name"], path=d["path"], description=d.get("description"), format=d.get("format"),
                   columns=d.get("columns") or [], tags=d.get("tags") or [], version=int(d.get("version", 1)), client=client)

    @classmethod
    def get(cls, dataset_id: str, client: Optional[Client] = None) -> "Dataset":
        c = client or _client()
        return cls._of(c.request("GET", f"/api/v1/datasets/{urllib.parse.quote(dataset_id, safe='')}"), c)

    @classmethod
    def list(cls, limit: int = 20, offset: int = 0, name: Optional[str] = None, tag: Optional[str] = None,
             client: Optional[Client] = None) -> List["Dataset"]:
        c = client or _client()
        page = c.request("GET", "/api/v1/datasets", query={"limit": limit, "offset": offset, "name": name, "tag": tag})
        return [cls._of(d, c) for d in page["items"]]

    @classmethod
    def register(cls, name: str, path: str, description: Optional[str] = None, format: Optional[str] = None,
                 tags: Optional[List[str]] = None, client: Optional[Client] = None) -> "Dataset":
        c = client or _client()
        body: Dict[str, Any] = {"name": name, "path": path}
        for k, v in (("description", description), ("format", format), ("tags", tags)):
            if v is not None:
                body[k] = v
        return cls._of(c.request("POST", "/api/v1/datasets", body=body), c)

    def _c(self) -> Client:
        return self.client or _client()

    def objects(self, limit: int = 1000) -> Iterator[ObjectInfo]:
        """Every object under the dataset's prefix, keys relative to it, in key order."""
        after: Optional[str] = None
        while True:
            page = self._c().request("GET", f"/api/v1/datasets/{self.id}/objects", query={"limit": limit, "after": after})
            for o in page["items"]:
                yield ObjectInfo(o["key"], int(o["size"]), o.get("last_modified"))
            after = page.get("next")
            if not after:
                return

    def url(self, key: str, method: str = "GET", expires_in: int = 300) -> str:
        """A presigned URL for one object of the dataset (PUT needs write access)."""
        return self._c().request("POST", f"/api/v1/datasets/{self.id}/presign", body={"key": key, "method": method, "expires_in": expires_in})["url"]

    def read_bytes(self, key: Optional[str] = None) -> bytes:
        """One object's bytes, or every object's, concatenated in key order."""
        keys = [key] if key is not None else [o.key for o in self.objects()]
        return b"".join(self._c().fetch(self.url(k)) for k in keys)

    def read(self, key: Optional[str] = None, encoding: str = "utf-8") -> str:
        """One object's text, or every object's, concatenated in key order."""
        return self.read_bytes(key).decode(encoding)

    def write(self, key: str, data: bytes) -> None:
        """Uploads one object under the dataset's prefix through a presigned PUT URL."""
        self._c().put(self.url(key, method="PUT"), data)
