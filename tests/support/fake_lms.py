"""A fake LTI 1.3 platform (an LMS) for the tests: a real HTTP server on 127.0.0.1 in a thread,
PyJWT and cryptography only.

It registers one tool, starts launches (OIDC third-party login), answers /auth with the
id_token form_post, publishes its JWKS, issues AGS/NRPS access tokens against the tool's
client assertion, keeps line items and scores, serves a roster, and accepts deep-link
returns. It records what it receives (scores with the time they arrived) and can fail on
demand: `down = True` answers 503 on the token and service endpoints (counted in
`received.refused_down`); `stop_listening()` closes its port until `listen_again()`.

Drive a launch with `launch(client, ...)`: the client is Django's test Client or a
requests.Session; the /auth step is answered in-process (`authorize`), as a browser would
post it. A browser follows `login_url(...)` and the server's own /auth page instead.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from html import escape, unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER = [MEMBERSHIP + "Learner"]
INSTRUCTOR = [MEMBERSHIP + "Instructor"]
TA = ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"]
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e), "kid": kid,
            "alg": "RS256", "use": "sig"}  # fmt: skip


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass
class Pending:
    """A launch the platform started: what its id_token will say."""

    sub: str
    roles: list[str]
    message_type: str
    context_id: str
    resource_link_id: str
    deployment_id: str
    custom: dict[str, str]
    name: str
    email: str


@dataclass
class Received:
    scores: list[dict[str, Any]] = field(default_factory=list)  # every score POST, in order
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)  # id URL -> line item
    deep_links: list[dict[str, Any]] = field(default_factory=list)  # decoded response JWTs
    token_requests: int = 0
    refused: list[str] = field(default_factory=list)  # why a request was refused
    refused_down: int = 0  # requests answered 503 while `down`


class FakeLMS:
    def __init__(
        self,
        *,
        client_id: str = "partial-credit-tool",
        deployment_id: str = "deployment-1",
        context_id: str = "course-101",
        context_title: str = "Calculus 101",
    ) -> None:
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.context_id = context_id
        self.context_title = context_title
        self.key = new_key()
        self.kid = "lms-key-1"
        self.published: dict[str, rsa.RSAPrivateKey] = {self.kid: self.key}
        self.received = Received()
        self.down = False
        self.members: list[dict[str, Any]] = []
        self.tool_login_url = ""
        self.tool_launch_url = ""
        self.tool_jwks: dict[str, Any] | str = {"keys": []}  # a JWKS, or its URL
        self._pending: dict[str, Pending] = {}
        self._tokens: dict[str, list[str]] = {}
        self._jtis: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.port = int(self._server.server_address[1])
        self._listening = False

    # lifecycle
    def __enter__(self) -> FakeLMS:
        self._serve()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_listening()

    def _serve(self) -> None:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._listening = True

    def stop_listening(self) -> None:
        """Close the port: calls are refused (connection refused), as by a host that is down."""
        if self._listening:
            self._server.shutdown()
            self._server.server_close()
            self._listening = False

    def listen_again(self) -> None:
        """Open the same port again (same issuer and URLs), keeping everything received."""
        if not self._listening:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self._serve()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return self.issuer + "/auth"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    def lineitems_url(self, context_id: str | None = None) -> str:
        return f"{self.issuer}/contexts/{context_id or self.context_id}/lineitems"

    def memberships_url(self, context_id: str | None = None) -> str:
        return f"{self.issuer}/contexts/{context_id or self.context_id}/memberships"

    @property
    def deep_link_return_url(self) -> str:
        return self.issuer + "/deep_link_return"

    def use_tool(self, *, base_url: str, jwks: dict[str, Any] | str) -> None:
        """Where the tool is (its login and launch URLs) and its keys (JWKS or its URL)."""
        self.tool_login_url = base_url + "/lti/login/"
        self.tool_launch_url = base_url + "/lti/launch/"
        self.tool_jwks = jwks

    # launches
    def login_params(
        self,
        *,
        sub: str,
        roles: list[str],
        message_type: str = "LtiResourceLinkRequest",
        context_id: str | None = None,
        resource_link_id: str = "link-1",
        deployment_id: str | None = None,
        custom: dict[str, str] | None = None,
        name: str = "",
        email: str = "",
    ) -> dict[str, str]:
        """Start a launch: the third-party login initiation parameters for the tool."""
        hint = uuid.uuid4().hex
        self._pending[hint] = Pending(
            sub=sub,
            roles=roles,
            message_type=message_type,
            context_id=context_id or self.context_id,
            resource_link_id=resource_link_id,
            deployment_id=deployment_id or self.deployment_id,
            custom=custom or {},
            name=name,
            email=email,
        )
        return {
            "iss": self.issuer,
            "login_hint": sub,
            "target_link_uri": self.tool_launch_url,
            "lti_message_hint": hint,
            "client_id": self.client_id,
            "lti_deployment_id": deployment_id or self.deployment_id,
        }

    def login_url(self, **kwargs: Any) -> str:
        return self.tool_login_url + "?" + urlencode(self.login_params(**kwargs))

    def claims(self, pending: Pending, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [self.client_id],
            "azp": self.client_id,
            "sub": pending.sub,
            "iat": now - 5,
            "exp": now + 300,
            "nonce": nonce,
            "name": pending.name,
            "email": pending.email,
            LTI + "message_type": pending.message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": pending.deployment_id,
            LTI + "target_link_uri": self.tool_launch_url,
            LTI + "roles": pending.roles,
            LTI + "context": {
                "id": pending.context_id,
                "title": self.context_title,
                "label": "CALC101",
            },  # fmt: skip
            LTI + "tool_platform": {"guid": "fake-lms", "name": "Fake LMS"},
            LTI + "launch_presentation": {"return_url": self.issuer + "/return"},
            LTI + "custom": pending.custom,
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": SCOPES[:4],
                "lineitems": self.lineitems_url(pending.context_id),
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url(pending.context_id),
                "service_versions": ["2.0"],
            },
        }
        if pending.message_type == "LtiResourceLinkRequest":
            body[LTI + "resource_link"] = {"id": pending.resource_link_id, "title": "Set link"}
        else:
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": self.deep_link_return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "data": "dl-data-1",
            }
        return body

    def sign(
        self, body: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None
    ) -> str:
        return jwt.encode(body, pem(key or self.key), algorithm="RS256",
                          headers={"kid": kid or self.kid})  # fmt: skip

    def authorize(self, params: dict[str, str], **tamper: Any) -> dict[str, str]:
        """The /auth step: check the tool's authentication request, answer with the form it
        posts back (action, id_token, state). `tamper` changes claims (or `key`/`kid`)."""
        checks = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.client_id,
        }
        for name, wanted in checks.items():
            if params.get(name) != wanted:
                raise AssertionError(f"auth request: {name}={params.get(name)!r}")
        if params.get("redirect_uri") != self.tool_launch_url:
            raise AssertionError(f"unregistered redirect_uri {params.get('redirect_uri')}")
        pending = self._pending.pop(params.get("lti_message_hint", ""), None)
        if pending is None or params.get("login_hint") != pending.sub:
            raise AssertionError("unknown or reused lti_message_hint")
        if not params.get("nonce") or not params.get("state"):
            raise AssertionError("nonce and state are required")
        key, kid = tamper.pop("key", None), tamper.pop("kid", None)
        body = {**self.claims(pending, params["nonce"]), **tamper}
        return {
            "action": params["redirect_uri"],
            "id_token": self.sign(body, key=key, kid=kid),
            "state": params["state"],
        }

    def launch(self, client: Any, **kwargs: Any) -> Any:
        """A whole launch driven through the tool's web layer; the tool's last response."""
        tamper = kwargs.pop("tamper", {})
        form = self.start(client, **kwargs)
        return post(client, form["action"], self.authorize(form["params"], **tamper))

    def start(self, client: Any, **kwargs: Any) -> dict[str, Any]:
        """Login initiation at the tool, past its cookie check, up to its redirect to /auth."""
        params = self.login_params(**kwargs)
        first = get(client, self.tool_login_url, params)
        assert first.status_code == 200, first.status_code  # PyLTI1p3's cookie check page
        second = get(client, self.tool_login_url, {**params, "lti1p3_new_window": "1"})
        assert second.status_code == 302, second.status_code
        location = second.headers["Location"]
        assert location.startswith(self.auth_url), location
        query = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        return {"action": query.get("redirect_uri", ""), "params": query}

    def tool_key(self, kid: str) -> Any:
        jwks = self.tool_jwks
        if isinstance(jwks, str):
            import requests

            jwks = requests.get(jwks, timeout=5).json()
        for jwk in jwks.get("keys", []):
            if jwk.get("kid") == kid:
                return jwt.PyJWK(jwk).key
        raise jwt.InvalidTokenError(f"unknown tool kid {kid}")

    def verify_tool_jwt(self, token: str, *, audience: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(token).get("kid", "")
        return jwt.decode(token, self.tool_key(kid), algorithms=["RS256"], audience=audience,
                          leeway=30)  # fmt: skip

    def new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    # what the tests read
    def scores_for(self, sub: str) -> list[dict[str, Any]]:
        return [s for s in self.received.scores if s["body"].get("userId") == sub]

    def result_for(self, sub: str, lineitem: str | None = None) -> dict[str, Any] | None:
        """The score the gradebook shows: the one with the newest timestamp (AGS rule)."""
        mine = [s for s in self.scores_for(sub) if lineitem is None or s["lineitem"] == lineitem]
        return max(mine, key=lambda s: s["body"]["timestamp"])["body"] if mine else None


def get(client: Any, url: str, params: dict[str, str]) -> Any:
    if hasattr(client, "mount"):  # requests.Session
        return client.get(url, params=params, allow_redirects=False, timeout=30)
    return client.get(url, params)


def post(client: Any, url: str, data: dict[str, str]) -> Any:
    data = {k: v for k, v in data.items() if k != "action"}
    if hasattr(client, "mount"):
        return client.post(url, data=data, allow_redirects=False, timeout=30)
    return client.post(url, data)


def form_fields(html: str) -> dict[str, str]:
    """The hidden fields of an auto-submitting form (id_token and state, or JWT)."""
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'name="([^"]+)"\s+value="([^"]*)"', html)
    }


def _handler(lms: FakeLMS) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any = None, content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> None:  # fmt: skip
            data = b""
            if body is not None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _down(self) -> None:
            with lms._lock:
                lms.received.refused_down += 1
            self._reply(503, {"error": "down for maintenance"})

        def _refuse(self, status: int, why: str) -> None:
            lms.received.refused.append(why)
            self._reply(status, {"error": why})

        def _scopes(self) -> list[str] | None:
            auth = self.headers.get("Authorization", "")
            return lms._tokens.get(auth.removeprefix("Bearer ")) if auth else None

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/jwks":
                keys = [public_jwk(k, kid) for kid, k in lms.published.items()]
                return self._reply(200, {"keys": keys})
            if url.path == "/auth":
                try:
                    form = lms.authorize(query)
                except AssertionError as exc:
                    return self._refuse(400, str(exc))
                html = (
                    f'<form id="f" method="post" action="{escape(form["action"])}">'
                    f'<input type="hidden" name="id_token" value="{escape(form["id_token"])}">'
                    f'<input type="hidden" name="state" value="{escape(form["state"])}"></form>'
                    '<script>document.getElementById("f").submit()</script>'
                )
                return self._reply(200, html, "text/html")
            if lms.down:
                return self._down()
            scopes = self._scopes()
            if scopes is None:
                return self._refuse(401, "no or unknown bearer token")
            match = re.fullmatch(r"/contexts/([^/]+)/memberships", url.path)
            if match:
                if SCOPES[4] not in scopes:
                    return self._refuse(403, "membership scope missing")
                return self._reply(
                    200,
                    {"id": url.path, "context": {"id": match[1]}, "members": lms.members},
                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                )
            match = re.fullmatch(r"/contexts/([^/]+)/lineitems", url.path)
            if match:
                items = [
                    item for item in lms.received.lineitems.values()
                    if item["_context"] == match[1]
                    and all(item.get(k) == v for k, v in query.items()
                            if k in ("tag", "resourceId", "resourceLinkId"))
                ]  # fmt: skip
                public = [{k: v for k, v in i.items() if not k.startswith("_")} for i in items]
                return self._reply(200, public, "application/vnd.ims.lis.v2.lineitemcontainer+json")
            return self._refuse(404, f"no GET {url.path}")

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            raw = self._body()
            if url.path == "/deep_link_return":
                token = parse_qs(raw.decode()).get("JWT", [""])[0]
                try:
                    body = lms.verify_tool_jwt(token, audience=lms.issuer)
                except jwt.InvalidTokenError as exc:
                    return self._refuse(400, f"deep link JWT: {exc}")
                if body.get("iss") != lms.client_id or body.get(LTI + "message_type") != (
                    "LtiDeepLinkingResponse"
                ):
                    return self._refuse(400, "deep link JWT: wrong iss or message type")
                lms.received.deep_links.append(body)
                return self._reply(200, "<p id='dl-done'>Content placed</p>", "text/html")
            if lms.down:
                return self._down()
            if url.path == "/token":
                return self._token(parse_qs(raw.decode()))
            scopes = self._scopes()
            if scopes is None:
                return self._refuse(401, "no or unknown bearer token")
            match = re.fullmatch(r"/contexts/([^/]+)/lineitems", url.path)
            if match:
                if SCOPES[0] not in scopes:
                    return self._refuse(403, "lineitem scope missing")
                item = json.loads(raw)
                if not item.get("label") or not float(item.get("scoreMaximum") or 0) > 0:
                    return self._refuse(400, "label and scoreMaximum > 0 are required")
                item["id"] = f"{lms.lineitems_url(match[1])}/{lms.new_id()}"
                item["_context"] = match[1]
                lms.received.lineitems[item["id"]] = item
                public = {k: v for k, v in item.items() if not k.startswith("_")}
                return self._reply(201, public, "application/vnd.ims.lis.v2.lineitem+json")
            match = re.fullmatch(r"(/contexts/[^/]+/lineitems/\d+)/scores", url.path)
            if match:
                if SCOPES[3] not in scopes:
                    return self._refuse(403, "score scope missing")
                if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                    return self._refuse(415, "score media type")
                lineitem = lms.issuer + match[1]
                if lineitem not in lms.received.lineitems:
                    return self._refuse(404, "no such line item")
                score = json.loads(raw)
                required = ("userId", "timestamp", "activityProgress", "gradingProgress")
                if any(not score.get(k) for k in required):
                    return self._refuse(400, "score without " + ", ".join(required))
                lms.received.scores.append({"lineitem": lineitem, "body": score, "at": time.time()})
                return self._reply(204)
            return self._refuse(404, f"no POST {url.path}")

        def _token(self, form: dict[str, list[str]]) -> None:
            lms.received.token_requests += 1
            value = {k: v[0] for k, v in form.items()}
            if (
                value.get("grant_type") != "client_credentials"
                or value.get("client_assertion_type")
                != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ):
                return self._refuse(400, "token: grant or assertion type")
            try:
                claims = lms.verify_tool_jwt(value.get("client_assertion", ""),
                                             audience=lms.token_url)  # fmt: skip
            except jwt.InvalidTokenError as exc:
                return self._refuse(401, f"token: {exc}")
            if claims.get("iss") != lms.client_id or claims.get("sub") != lms.client_id:
                return self._refuse(401, "token: iss/sub is not the client id")
            with lms._lock:
                if not claims.get("jti") or claims["jti"] in lms._jtis:
                    return self._refuse(401, "token: jti replayed")
                lms._jtis.add(claims["jti"])
            granted = [s for s in value.get("scope", "").split() if s in SCOPES]
            token = uuid.uuid4().hex
            lms._tokens[token] = granted
            self._reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                              "scope": " ".join(granted)})  # fmt: skip

    return Handler
