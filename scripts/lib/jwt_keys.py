#!/usr/bin/env python3
"""Key material for the local Supabase Auth (GoTrue) stack (scripts/stack).

Python 3 standard library only, plus the optional `cryptography` package for
generating the ES256 key; without it, `openssl` is used instead.

Subcommands (all print to stdout, nothing is written to disk here):

  secret
      A fresh random GOTRUE_JWT_SECRET (URL-safe text, 64 chars).

  jwks SECRET
      A compact JSON array for GOTRUE_JWT_KEYS:
        * one ES256 private JWK (P-256) with key_ops ["sign","verify"] and a
          random kid: GoTrue signs access tokens with it and serves its public
          half at /.well-known/jwks.json;
        * one oct/HS256 JWK holding SECRET with key_ops ["verify"] only. It
          makes HS256 one of the accepted algorithms (GoTrue derives
          JWT_VALID_METHODS from the configured keys), so HS256 tokens such as
          the anon and service_role keys (no kid -> verified with
          GOTRUE_JWT_SECRET) are still accepted. Same layout as upstream's
          hack/test_asymmetric.env.

  jwt SECRET ROLE [ISSUER]
      An HS256 JWT {"iss","role","iat","exp"} signed with SECRET, valid for
      20 years (the anon / service_role "API keys" of a hosted project).
"""

import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import time
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_secret() -> str:
    # 48 random bytes -> 64 URL-safe characters
    return secrets.token_urlsafe(48)


def _ec_p256_with_cryptography():
    from cryptography.hazmat.primitives.asymmetric import ec  # type: ignore

    key = ec.generate_private_key(ec.SECP256R1())
    priv = key.private_numbers()
    pub = priv.public_numbers
    return (
        priv.private_value.to_bytes(32, "big"),
        pub.x.to_bytes(32, "big"),
        pub.y.to_bytes(32, "big"),
    )


def _ec_p256_with_openssl():
    # SEC1 ECPrivateKey DER for P-256 with named curve and public key:
    # 30 77 02 01 01 04 20 <d:32> a0 0a 06 08 <oid:8> a1 44 03 42 00 04 <x:32> <y:32>
    pem = subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"],
        check=True, capture_output=True,
    ).stdout
    der = subprocess.run(
        ["openssl", "ec", "-inform", "PEM", "-outform", "DER"],
        input=pem, check=True, capture_output=True,
    ).stdout
    if len(der) != 121 or der[:7] != bytes.fromhex("30770201010420"):
        raise SystemExit("jwt_keys.py: unexpected DER layout from openssl")
    d = der[7:39]
    marker = der.find(bytes.fromhex("034200" "04"), 39)
    if marker < 0:
        raise SystemExit("jwt_keys.py: no public key in openssl output")
    point = der[marker + 4: marker + 4 + 64]
    return d, point[:32], point[32:]


def new_es256_jwk() -> dict:
    try:
        d, x, y = _ec_p256_with_cryptography()
    except ImportError:
        d, x, y = _ec_p256_with_openssl()
    return {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "kid": str(uuid.uuid4()),
        "key_ops": ["sign", "verify"],
        "d": b64url(d),
        "x": b64url(x),
        "y": b64url(y),
    }


def jwks(secret: str) -> str:
    oct_key = {
        "kty": "oct",
        "alg": "HS256",
        "kid": "latchkey-local-hs256",
        "key_ops": ["verify"],
        "k": b64url(secret.encode("utf-8")),
    }
    return json.dumps([new_es256_jwk(), oct_key], separators=(",", ":"))


def hs256_jwt(secret: str, role: str, issuer: str = "latchkey-local") -> str:
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"iss": issuer, "role": role, "iat": now, "exp": now + 20 * 365 * 24 * 3600}
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(payload, separators=(",", ":")).encode())
    )
    sig = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def main(argv):
    if len(argv) >= 2 and argv[1] == "secret":
        print(new_secret())
    elif len(argv) == 3 and argv[1] == "jwks":
        print(jwks(argv[2]))
    elif len(argv) in (4, 5) and argv[1] == "jwt":
        print(hs256_jwt(argv[2], argv[3], *(argv[4:5])))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
