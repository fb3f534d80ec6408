"""bol.com push messages: the signature check and what a message means for the hub (no I/O).

The header format, algorithm and key encoding are *unverified* facts kept in
``ordersync.connectors.bolcom.push_facts``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ordersync.connectors.bolcom.push_facts import ALGORITHM, PROCESS_STATUS, SETTLED_TYPES
from ordersync.webhooks.shopify import Notification

SETTLED = "ordersync.marketplace.process.settled"
_SCHEME = re.compile(r"^\s*signature\s+(?=[A-Za-z])", re.IGNORECASE)
_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"]*)"|([^,\s"]*))')


def parse_signature(header: str | None) -> dict[str, str] | None:
    """``keyId``, ``algorithm`` and ``signature`` of a header (names case-insensitive, values
    quoted or not, any order, spaces anywhere, an optional leading ``Signature`` word);
    None when ``keyId`` or ``signature`` is missing. ``algorithm`` defaults to rsa-sha256."""
    if not header:
        return None
    text = _SCHEME.sub("", header)
    found: dict[str, str] = {}
    for match in _PARAM.finditer(text):
        name = match.group(1).lower()
        value = match.group(2) if match.group(2) is not None else match.group(3)
        found.setdefault(name, value.strip())
    key_id, signature = found.get("keyid"), found.get("signature")
    if not key_id or not signature:
        return None
    return {"keyId": key_id, "algorithm": found.get("algorithm") or ALGORITHM,
            "signature": signature}


def public_key(encoded: str) -> rsa.RSAPublicKey:
    """A ``KeySet.publicKey`` (base64 DER SubjectPublicKeyInfo, PEM armour tolerated)."""
    body = re.sub(r"-----[A-Z ]+-----|\s", "", encoded)
    key = load_der_public_key(base64.b64decode(body, validate=True))
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def key_set(payload: Any) -> dict[str, rsa.RSAPublicKey]:
    """keyId -> public key from a ``KeySetResponse``; RSA keys that do not load are left out."""
    keys: dict[str, rsa.RSAPublicKey] = {}
    entries = payload.get("signatureKeys") if isinstance(payload, dict) else None
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("type", "RSA") != "RSA":
            continue
        try:
            keys[str(entry["id"])] = public_key(str(entry["publicKey"]))
        except (KeyError, ValueError, binascii.Error, UnsupportedAlgorithm):
            continue
    return keys


def verify(body: bytes, signature_header: str | None,
           keys: Mapping[str, rsa.RSAPublicKey]) -> bool:
    """Whether the header's signature over the raw body verifies with its ``keyId``'s key
    (RSA PKCS#1 v1.5, SHA-256). False on a missing or garbled header, another algorithm, an
    unknown keyId or a bad signature; never raises."""
    try:
        parsed = parse_signature(signature_header)
        if parsed is None or parsed["algorithm"].lower() != ALGORITHM:
            return False
        key = keys.get(parsed["keyId"])
        if key is None:
            return False
        signature = base64.b64decode(parsed["signature"], validate=True)
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError, binascii.Error, TypeError, AttributeError):
        return False


def key_id(signature_header: str | None) -> str | None:
    """The header's keyId, or None when it does not parse."""
    parsed = parse_signature(signature_header)
    return parsed["keyId"] if parsed else None


def notification(payload: Any) -> Notification | None:
    """A settled process status (``event.resource`` PROCESS_STATUS, ``type`` SUCCESS, FAILURE
    or TIMEOUT, ``resourceId`` its process id) as the ``SETTLED`` notification; None for any
    other resource or a message without those fields."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if not isinstance(event, dict) or event.get("resource") != PROCESS_STATUS:
        return None
    kind, process = event.get("type"), event.get("resourceId")
    if kind not in SETTLED_TYPES or process in (None, ""):
        return None
    return Notification(SETTLED, f"{PROCESS_STATUS}/{kind}", None, "bolcom",
                        process_id=str(process))


def dedup_id(note: Notification) -> str:
    """Messages may arrive more than once: one per (process, outcome)."""
    return f"bolcom:{note.process_id}:{note.topic}"
