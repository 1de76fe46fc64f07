"""Login: the OAuth token endpoint (password, client credentials, JWT bearer), SOAP login
and the OpenID Connect userinfo endpoint.

Answers follow the reference byte for byte where clients parse them: simple-salesforce
reads only the unprefixed ``sessionId``/``serverUrl`` of a SOAP login and the
``sf:``-prefixed fault elements; OAuth clients read ``error``/``error_description``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.sessions import Sessions

JWT_KEY_FILE = "jwt-private-key.pem"
JWT_CERT_FILE = "jwt-certificate.pem"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")


def ensure_jwt_keys(data_dir: Path) -> bytes:
    """The PEM certificate JWT assertions are checked against (key pair made on first start).

    The private key is what a connected app's owner would hold; ``sandbox.json`` points
    clients at it so they can sign assertions.
    """
    key_path, cert_path = data_dir / JWT_KEY_FILE, data_dir / JWT_CERT_FILE
    if key_path.exists() and cert_path.exists():
        return cert_path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "b1hub sandbox connected app")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path.read_bytes()


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


class Authenticator:
    def __init__(self, org: Org, sessions: Sessions) -> None:
        self.org = org
        self.sessions = sessions
        self.settings = org.settings
        cert = x509.load_pem_x509_certificate(ensure_jwt_keys(self.settings.data_dir))
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        self._public_key = key

    def routes(self) -> list[Route]:
        return [
            Route("/services/oauth2/token", self.token, methods=["POST"]),
            Route("/services/Soap/u/{version}", self.soap_login, methods=["POST"]),
            Route("/services/oauth2/userinfo", self.userinfo, methods=["GET", "POST"]),
        ]

    async def userinfo(self, request: Request) -> Response:
        """Who the bearer token belongs to. A bad token gets 403 ``Bad_OAuth_Token`` as
        plain text; the field subset is the OpenID Connect standard one [unconfirmed]."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user_id = self.sessions.resolve(token.strip()) if scheme.lower() == "bearer" else None
        user = self.org.fetch(user_id) if user_id else None
        if user is None:
            return Response("Bad_OAuth_Token", status_code=403, media_type="text/plain")
        data = user.data
        org_id = self.settings.org_id
        return JSONResponse({
            "sub": f"{self.settings.instance_url}/id/{org_id}/{user.id}",
            "user_id": user.id, "organization_id": org_id,
            "preferred_username": data.get("Username"), "nickname": data.get("Alias"),
            "name": data.get("Name"), "given_name": data.get("FirstName"),
            "family_name": data.get("LastName"), "email": data.get("Email"),
            "email_verified": True, "active": bool(data.get("IsActive")),
            "user_type": "STANDARD", "zoneinfo": "America/Los_Angeles", "locale": "en_US",
            "language": "en_US", "updated_at": data.get("LastModifiedDate"),
        })

    def _user_id(self, username: str) -> str | None:
        matches = self.org.find_by_external("User", "Username", username)
        if not matches:
            return None
        user = self.org.fetch(matches[0])
        return user.id if user and user.data.get("IsActive") else None

    def _password_ok(self, username: str, password: str) -> bool:
        expected = self.settings.password + self.settings.security_token
        return hmac.compare_digest(username.lower(), self.settings.username.lower()) and (
            hmac.compare_digest(password, expected)
        )

    def _token_body(self, user_id: str, scope: bool) -> dict[str, Any]:
        token = self.sessions.create(user_id)
        issued = str(int(time.time() * 1000))
        identity = f"{self.settings.instance_url}/id/{self.settings.org_id}/{user_id}"
        digest = hmac.new(self.settings.client_secret.encode(), (identity + issued).encode(),
                          hashlib.sha256).digest()
        body = {
            "access_token": token, "instance_url": self.settings.instance_url, "id": identity,
            "token_type": "Bearer", "issued_at": issued,
            "signature": base64.b64encode(digest).decode(),
        }
        if scope:
            body["scope"] = "api"
        return body

    async def token(self, request: Request) -> Response:
        params = dict(parse_qsl((await request.body()).decode(errors="replace")))
        grant = params.get("grant_type", "")
        if grant == JWT_GRANT:
            return self._jwt(params.get("assertion", ""))
        client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return _oauth_error("invalid_client", "invalid client credentials")
        if grant not in ("password", "client_credentials"):
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        if client_id != self.settings.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if not hmac.compare_digest(secret, self.settings.client_secret):
            return _oauth_error("invalid_client", "invalid client credentials")
        if grant == "password":
            username = params.get("username", "")
            if not self._password_ok(username, params.get("password", "")):
                return _oauth_error("invalid_grant", "authentication failure")
        else:
            username = self.settings.username
        user_id = self._user_id(username)
        if user_id is None:
            return _oauth_error("invalid_grant", "authentication failure")
        return JSONResponse(self._token_body(user_id, scope=grant == "client_credentials"))

    def _jwt(self, assertion: str) -> Response:
        audiences = [*JWT_AUDIENCES, self.settings.instance_url]
        try:
            claims = jwt.decode(
                assertion, self._public_key, algorithms=["RS256"], audience=audiences,
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_grant", "expired authorization code")
        except jwt.InvalidAudienceError:
            return _oauth_error("invalid_grant", "audience is invalid")
        except jwt.PyJWTError:
            return _oauth_error("invalid_grant", "invalid assertion")
        if claims["iss"] != self.settings.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        user_id = self._user_id(str(claims["sub"]))
        if user_id is None:
            return _oauth_error("invalid_grant", "user hasn't approved this consumer")
        body = self._token_body(user_id, scope=True)
        del body["issued_at"], body["signature"]
        return JSONResponse(body)

    async def soap_login(self, request: Request) -> Response:
        version = request.path_params["version"]
        username = password = ""
        try:
            root = ET.fromstring(await request.body())
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "username":
                    username = element.text or ""
                elif tag == "password":
                    password = element.text or ""
        except ET.ParseError:
            return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; "
                               "or user locked out.")
        user_id = self._user_id(username) if self._password_ok(username, password) else None
        if user_id is None:
            return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; "
                               "or user locked out.")
        return Response(self._soap_success(version, user_id, username),
                        media_type="text/xml; charset=utf-8")

    def _soap_success(self, version: str, user_id: str, username: str) -> str:
        token = self.sessions.create(user_id)
        base = self.settings.instance_url
        org15 = self.settings.org_id[:15]
        user = self.org.fetch(user_id)
        data = user.data if user else {}
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{base}/services/Soap/m/{escape(version)}/{org15}"
            "</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
            f"<serverUrl>{base}/services/Soap/u/{escape(version)}/{org15}</serverUrl>"
            f"<sessionId>{token}</sessionId><userId>{user_id}</userId>"
            "<userInfo>"
            f"<currencySymbol>$</currencySymbol><organizationId>{self.settings.org_id}"
            "</organizationId><organizationMultiCurrency>true</organizationMultiCurrency>"
            "<organizationName>b1hub Sandbox</organizationName>"
            "<sessionSecondsValid>"
            f"{int(self.org.runtime.session_timeout_hours * 3600)}</sessionSecondsValid>"
            f"<userEmail>{escape(str(data.get('Email', '')))}</userEmail>"
            f"<userFullName>{escape(str(data.get('Name', '')))}</userFullName>"
            f"<userId>{user_id}</userId><userName>{escape(username)}</userName>"
            "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )


def _soap_fault(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring>"
        f'<detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}'
        f"</sf:exceptionCode><sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status_code=500, media_type="text/xml; charset=utf-8")
