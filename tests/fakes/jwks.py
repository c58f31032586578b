"""A local Bot Framework OpenID metadata and keys server, and a minter for the tokens it vouches for.

It runs in its own thread: the SDK fetches keys with blocking `requests.get`, so a server on the test's event loop
would deadlock (platform fact T8b).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
DEFAULT_ENDORSEMENTS = ("msteams", "emulator", "webchat", "directline")


@dataclass(frozen=True)
class SigningKey:
    """An RSA key made at test time, with the channel endorsements the SDK checks against `channelId` (T2)."""

    kid: str
    private_key: rsa.RSAPrivateKey
    endorsements: tuple[str, ...] = DEFAULT_ENDORSEMENTS

    @classmethod
    def generate(cls, kid: str | None = None, endorsements: tuple[str, ...] = DEFAULT_ENDORSEMENTS) -> SigningKey:
        """A fresh 2048-bit key; never reuse keys between tests."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"test-key-{uuid.uuid4().hex[:8]}", key, endorsements)

    def jwk(self) -> dict[str, Any]:
        """The public half as it appears in the keys document."""
        document = dict(RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True))
        document.update({"kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)})
        return document

    def public_pem(self) -> bytes:
        """For the HS256 key-confusion case: an attacker knows the public key."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: JwksServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requested.set()
        owner.wait_until_released()
        if self.path == "/.well-known/openidconfiguration":
            document: dict[str, Any] = owner.metadata_document()
        elif self.path == "/keys":
            document = owner.keys_document()
        else:
            self.send_error(404)
            return
        owner.record_fetch(self.path, self.headers.get("User-Agent", ""))
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; `fetches` says what was asked for."""


class JwksServer:
    """OpenID metadata plus a JWKS on 127.0.0.1, in a thread; `mint` signs tokens its keys will verify."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self._published = [self.key]
        self._lock = threading.Lock()
        self.fetches: list[str] = []
        self.agents: list[str] = []
        self.requested = threading.Event()
        self._released = threading.Event()
        self._released.set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._serve, name="test-jwks", daemon=True)

    def _serve(self) -> None:
        """Poll often, so stopping the server does not hold up each test's teardown."""
        self._server.serve_forever(poll_interval=0.02)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """Point REFLECT_BOT_OPENID_METADATA_URL here."""
        return f"{self.base_url}/.well-known/openidconfiguration"

    def publish(self, key: SigningKey) -> None:
        """Add a key to the keys document, as Microsoft does when it rotates keys."""
        with self._lock:
            self._published.append(key)

    def metadata_document(self) -> dict[str, Any]:
        return {
            "issuer": BOT_FRAMEWORK_ISSUER,
            "jwks_uri": f"{self.base_url}/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def keys_document(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [key.jwk() for key in self._published]}

    def record_fetch(self, path: str, agent: str) -> None:
        with self._lock:
            self.fetches.append(path)
            self.agents.append(agent)

    def hold(self) -> None:
        """Answer nothing until `release`: a key server that takes as long as the test wants."""
        self.requested.clear()
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_until_released(self) -> None:
        """Called by each request's thread; the bound only keeps a broken test from hanging forever."""
        self._released.wait(timeout=30)

    def mint(
        self,
        *,
        audience: str,
        service_url: str | None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: timedelta | None = timedelta(hours=1),
        not_before_in: timedelta | None = None,
        signing_key: SigningKey | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """A Bot Framework channel token; every field a check looks at can be set wrong on purpose.

        `expires_in` may be negative (already expired), or None to leave `exp` out; `not_before_in` defaults to an hour before expiry;
        `kid` defaults to the signing key's; `algorithm` may be RS256/384/512, "none" or "HS256" (signed with the
        public key as the HMAC secret, the classic key-confusion attack). `service_url=None` omits the claim.
        """
        key = signing_key or self.key
        now = datetime.now(UTC)
        expires = now + (expires_in if expires_in is not None else timedelta(hours=1))
        not_before = now + not_before_in if not_before_in is not None else expires - timedelta(hours=1)
        claims: dict[str, Any] = {"iss": issuer, "aud": audience, "nbf": int(not_before.timestamp())}
        if expires_in is not None:
            claims["exp"] = int(expires.timestamp())
        if service_url is not None:
            claims["serviceurl"] = service_url
        header = {"kid": kid if kid is not None else key.kid}
        if algorithm.startswith("RS"):
            return jwt.encode(claims, key.private_key, algorithm=algorithm, headers=header)
        if algorithm == "none":
            return _unsigned_or_hmac({**header, "alg": "none", "typ": "JWT"}, claims, None)
        if algorithm == "HS256":
            return _unsigned_or_hmac({**header, "alg": "HS256", "typ": "JWT"}, claims, key.public_pem())
        raise ValueError(f"mint does not support {algorithm!r}")


def _unsigned_or_hmac(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """Hand-built tokens PyJWT refuses to make: alg=none, or HS256 keyed with a public key."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
