#!/usr/bin/env python3
"""Provisions the test identity provider (Keycloak) of the local stack and registers it with GoTrue.

Python 3 standard library only. Used by scripts/lib/keycloak.sh; every input comes from the environment,
so secrets never appear on a command line.

  realm   Makes the Keycloak realm exactly what the stack needs, through the admin REST API:
            * realm IDP_REALM (registration off, login with email allowed);
            * OIDC client IDP_OIDC_CLIENT_ID for GoTrue's `keycloak` provider: confidential, secret
              IDP_OIDC_CLIENT_SECRET, redirect URI <GOTRUE_URL>/callback, standard (code) flow only,
              consent required (so a test can deny it);
            * SAML client for GoTrue's service provider, built from GoTrue's SP metadata
              (<GOTRUE_URL>/sso/saml/metadata): client id = its entity id, ACS = its HTTP-POST
              AssertionConsumerService, GoTrue's certificate to verify its signed AuthnRequests; responses
              and assertions signed (GoTrue wants signed assertions); attributes email, firstName,
              lastName; consent required;
            * the users of IDP_USERS (JSON [{"username","email","password","first","last"}]), enabled,
              email verified, names set (so Keycloak never asks to update the profile).
          The realm carries a hash of that definition (attribute latchkeyProvisionHash): an identical
          realm is left alone ("unchanged"); any difference deletes and recreates it ("created").
          Env: KC_URL KC_ADMIN_USER KC_ADMIN_PASSWORD IDP_REALM GOTRUE_URL IDP_OIDC_CLIENT_ID
               IDP_OIDC_CLIENT_SECRET IDP_USERS
  sso     Registers the realm as GoTrue's SAML SSO provider through GoTrue's admin API: metadata_xml from
          <KC_URL>/realms/<IDP_REALM>/protocol/saml/descriptor (GoTrue accepts metadata_url only over
          https), domains [IDP_SSO_DOMAIN], attribute mapping email/given_name/family_name. Creates it
          (POST /admin/sso/providers) or updates the one with the realm's entity id (PUT); a provider of
          another entity id that holds the domain is deleted first. Prints the provider id.
          Env: KC_URL IDP_REALM GOTRUE_URL GOTRUE_SERVICE_ROLE_KEY IDP_SSO_DOMAIN

Exit status 1 with a one-line reason on stderr when a request fails.
"""

import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
HASH_ATTRIBUTE = "latchkeyProvisionHash"


class Failure(Exception):
    pass


def env(name):
    value = os.environ.get(name, "")
    if not value:
        raise Failure(f"{name} is not set")
    return value


def request(method, url, token=None, body=None, form=None, accept="application/json"):
    """Returns (status, text). Network errors and 5xx raise Failure; 4xx are returned."""
    headers = {"Accept": accept}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        text = err.read().decode(errors="replace")
        if err.code >= 500:
            raise Failure(f"{method} {url}: HTTP {err.code} {text[:300]}") from None
        return err.code, text
    except OSError as err:
        raise Failure(f"{method} {url}: {err}") from None


def expect(status, text, ok, what):
    if status not in ok:
        raise Failure(f"{what}: HTTP {status} {text[:300]}")
    return json.loads(text) if text.strip() else None


def admin_token(kc_url):
    status, text = request("POST", f"{kc_url}/realms/master/protocol/openid-connect/token", form={
        "grant_type": "password", "client_id": "admin-cli",
        "username": env("KC_ADMIN_USER"), "password": env("KC_ADMIN_PASSWORD")})
    if status == 401:
        raise Failure("Keycloak refused the stack's admin password; its data folder predates the secret "
                      "(remove <stack dir>/keycloak and run 'scripts/stack up --with-idp' again)")
    return expect(status, text, (200,), "Keycloak admin token")["access_token"]


def service_provider(gotrue_url):
    """Entity id, HTTP-POST ACS and signing certificate from GoTrue's SAML SP metadata."""
    status, text = request("GET", f"{gotrue_url}/sso/saml/metadata", accept="application/xml")
    if status != 200:
        raise Failure(f"GoTrue SAML metadata: HTTP {status} {text[:200]} (is GOTRUE_SAML_ENABLED set?)")
    root = ET.fromstring(text)
    sp = root.find(f"{MD}SPSSODescriptor")
    acs = [e.get("Location") for e in sp.findall(f"{MD}AssertionConsumerService") if e.get("Binding") == POST_BINDING]
    cert = sp.find(f"{MD}KeyDescriptor[@use='signing']/{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    if not root.get("entityID") or not acs or cert is None:
        raise Failure("GoTrue SAML metadata lacks an entityID, an HTTP-POST ACS or a signing certificate")
    return root.get("entityID"), acs[0], "".join(cert.text.split())


def saml_mapper(attribute, name):
    return {"name": name, "protocol": "saml", "protocolMapper": "saml-user-property-mapper", "config": {
        "user.attribute": attribute, "attribute.name": name, "friendly.name": name,
        "attribute.nameformat": "Basic"}}


def realm_definition(gotrue_url):
    entity_id, acs, cert = service_provider(gotrue_url)
    users = json.loads(env("IDP_USERS"))
    oidc = {
        "clientId": env("IDP_OIDC_CLIENT_ID"), "name": "GoTrue (OIDC, Latchkey test stack)",
        "protocol": "openid-connect", "enabled": True, "publicClient": False,
        "clientAuthenticatorType": "client-secret", "secret": env("IDP_OIDC_CLIENT_SECRET"),
        "redirectUris": [f"{gotrue_url}/callback"], "webOrigins": [],
        "standardFlowEnabled": True, "implicitFlowEnabled": False, "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False, "consentRequired": True, "frontchannelLogout": False,
    }
    saml = {
        "clientId": entity_id, "name": "GoTrue (SAML, Latchkey test stack)", "protocol": "saml",
        "enabled": True, "redirectUris": [acs], "consentRequired": True, "frontchannelLogout": False,
        "attributes": {
            "saml_assertion_consumer_url_post": acs,
            "saml.server.signature": "true", "saml.assertion.signature": "true",
            "saml.signature.algorithm": "RSA_SHA256", "saml.authnstatement": "true",
            "saml.client.signature": "true", "saml.signing.certificate": cert,
            "saml.encrypt": "false", "saml_name_id_format": "persistent",
        },
        "protocolMappers": [saml_mapper("email", "email"), saml_mapper("firstName", "firstName"),
                            saml_mapper("lastName", "lastName")],
    }
    return {
        "realm": env("IDP_REALM"), "enabled": True, "displayName": "Latchkey test IdP",
        "registrationAllowed": False, "loginWithEmailAllowed": True, "duplicateEmailsAllowed": False,
        "resetPasswordAllowed": False, "rememberMe": False,
        "clients": [oidc, saml],
        "users": [{
            "username": u["username"], "email": u["email"], "firstName": u["first"], "lastName": u["last"],
            "enabled": True, "emailVerified": True, "requiredActions": [],
            "credentials": [{"type": "password", "value": u["password"], "temporary": False}],
        } for u in users],
    }


def cmd_realm():
    kc_url, realm, gotrue_url = env("KC_URL"), env("IDP_REALM"), env("GOTRUE_URL")
    definition = realm_definition(gotrue_url)
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    definition["attributes"] = {HASH_ATTRIBUTE: digest}
    token = admin_token(kc_url)
    status, text = request("GET", f"{kc_url}/admin/realms/{realm}", token)
    if status == 200:
        if (json.loads(text).get("attributes") or {}).get(HASH_ATTRIBUTE) == digest:
            print("unchanged")
            return
        expect(*request("DELETE", f"{kc_url}/admin/realms/{realm}", token), (204,), f"deleting realm {realm}")
    elif status != 404:
        raise Failure(f"reading realm {realm}: HTTP {status} {text[:300]}")
    expect(*request("POST", f"{kc_url}/admin/realms", token, body=definition), (201,), f"creating realm {realm}")
    print("created")


def cmd_sso():
    kc_url, realm, gotrue_url, domain = env("KC_URL"), env("IDP_REALM"), env("GOTRUE_URL"), env("IDP_SSO_DOMAIN")
    key = env("GOTRUE_SERVICE_ROLE_KEY")
    status, metadata = request("GET", f"{kc_url}/realms/{realm}/protocol/saml/descriptor", accept="application/xml")
    if status != 200:
        raise Failure(f"Keycloak SAML descriptor of realm {realm}: HTTP {status}")
    entity_id = ET.fromstring(metadata).get("entityID")
    providers = expect(*request("GET", f"{gotrue_url}/admin/sso/providers", key), (200,), "listing SSO providers")
    ours = None
    for p in providers.get("items") or []:
        if p["saml"]["entity_id"] == entity_id:
            ours = p
        elif domain in [d["domain"] for d in p.get("domains") or []]:
            expect(*request("DELETE", f"{gotrue_url}/admin/sso/providers/{p['id']}", key), (200,),
                   f"deleting SSO provider {p['id']} that held {domain}")
    body = {"metadata_xml": metadata, "domains": [domain], "attribute_mapping": {"keys": {
        "email": {"name": "email"}, "given_name": {"name": "firstName"}, "family_name": {"name": "lastName"}}}}
    if ours:
        expect(*request("PUT", f"{gotrue_url}/admin/sso/providers/{ours['id']}", key, body=body), (200,),
               "updating the SSO provider")
        print(ours["id"])
    else:
        created = expect(*request("POST", f"{gotrue_url}/admin/sso/providers", key, body={"type": "saml", **body}),
                         (200, 201), "creating the SSO provider")
        print(created["id"])


def main():
    commands = {"realm": cmd_realm, "sso": cmd_sso}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.stderr.write("usage: idp_provision.py realm|sso\n")
        return 2
    try:
        commands[sys.argv[1]]()
    except Failure as err:
        sys.stderr.write(f"idp_provision {sys.argv[1]}: {err}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
