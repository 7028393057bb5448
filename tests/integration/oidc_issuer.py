"""A minimal OAuth 2.0 / OIDC token issuer on loopback for OAUTHBEARER tests: the client
credentials grant (RFC 6749 §4.4, client id and secret in HTTP Basic auth) answers an RS256 JWT
(RFC 7519) signed with a fresh RSA key, whose public half is served as a JWKS (RFC 7517) for
Kafka's OAuthBearerValidatorCallbackHandler."""
import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(n: int) -> str:
    return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class OidcIssuer:
    def __init__(self, clients, audience="kafka", lifetime_s=3600):
        """clients: {"client id": "secret"}; a token's subject is its client id."""
        self.clients = dict(clients)
        self.audience = audience
        self.lifetime_s = lifetime_s
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "pinpipe-test-key"
        self.issued = 0
        self.refused = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/jwks":
                    return self._answer(200, issuer.jwks())
                self._answer(404, {"error": "not_found"})

            def do_POST(self):
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
                auth = self.headers.get("Authorization", "")
                client = secret = None
                if auth.startswith("Basic "):
                    client, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                if self.path != "/token" or form.get("grant_type") != ["client_credentials"]:
                    return self._answer(400, {"error": "unsupported_grant_type"})
                if client not in issuer.clients or issuer.clients[client] != secret:
                    issuer.refused += 1
                    return self._answer(401, {"error": "invalid_client"})
                issuer.issued += 1
                scope = form.get("scope", [""])[0]
                self._answer(200, {"access_token": issuer.token(client, scope), "token_type": "bearer",
                                   "expires_in": issuer.lifetime_s})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def token_url(self):
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self):
        return f"http://127.0.0.1:{self.port}/jwks"

    def jwks(self):
        pub = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _uint(pub.n), "e": _uint(pub.e)}]}

    def token(self, subject, scope=""):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {"sub": subject, "iat": now, "exp": now + self.lifetime_s, "aud": self.audience,
                  "iss": self.issuer}
        if scope:
            claims["scope"] = scope
        signing_input = (_b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())).encode()
        signature = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + _b64url(signature)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
