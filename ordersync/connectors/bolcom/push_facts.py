"""bol.com push subscriptions (webhooks): the one table of facts the receiver and the twin use.

Sources: the vendor's OpenAPI ``retailer.json`` v10 (the ``/retailer/subscriptions`` endpoints,
``KeySet``: "maps to the keyId value in the signature header of the push request") and its
functional docs (v7/v10 "Subscriptions": the push message, delivery and retries). Facts neither
states are marked *unverified*, with the choice made; confirm each with ``POST
/retailer/subscriptions/test/{subscription-id}`` against the real API (its push shows the header
and whether it verifies with ``GET /retailer/subscriptions/signature-keys``).
"""

from __future__ import annotations

PROCESS_STATUS = "PROCESS_STATUS"  # SubscriptionRequest.resources value
WEBHOOK = "WEBHOOK"  # SubscriptionRequest.subscriptionType for an https URL
SETTLED_TYPES = ("SUCCESS", "FAILURE", "TIMEOUT")  # push event.type of a process status
# Push message (functional docs): {"retailerId": 1234567, "timestamp": "...+01:00",
# "event": {"resource": "PROCESS_STATUS", "type": "SUCCESS", "resourceId": "<process id>"}}.

# Delivery (functional docs): a push that fails (non-2xx, timeout, unreachable) is retried 10
# times over about 10 minutes, then the subscription is disabled (PUT it enabled again).
# Messages may arrive out of order and more than once.
DELIVERY_ATTEMPTS = 10  # *unverified* whether the first try counts among the 10: assumed so
DELIVERY_WINDOW = 600.0  # seconds, "about 10 minutes"

# The signature header: *unverified* (not in the vendor material we hold). A third-party
# integration note gives ``Signature: keyId=0, algorithm="rsa-sha256", signature=<base64>``;
# the receiver parses it leniently (spaces, quoted or unquoted values, any order, an optional
# leading "Signature" scheme word).
SIGNATURE_HEADER = "Signature"
# *unverified*: RSA PKCS#1 v1.5 with SHA-256 over the raw request body (same note).
ALGORITHM = "rsa-sha256"
# *unverified*: ``KeySet.publicKey`` is a base64 DER SubjectPublicKeyInfo (the spec says only
# "The Base64 encoded public key"; a PEM body without its armour is the same bytes).
# *unverified*: the test push (``POST /retailer/subscriptions/test/{id}``) sends resource
# "TEST" (SubscriptionResponse.resources lists it); the receiver answers any other resource 200
# and ignores it.


def signature_header(key_id: str, signature: str) -> str:
    """The header value as the note gives it (the twin sends this)."""
    return f'keyId={key_id}, algorithm="{ALGORITHM}", signature={signature}'
