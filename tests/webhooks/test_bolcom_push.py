"""bol.com pushes: the signature check (pure) and the receiver's ``/webhooks/bolcom/{connection}``
route (verify against the connection's keys, refresh on an unknown keyId, dedup, 503 on a
failed emit)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.testclient import TestClient

from ordersync.webhooks import bolcom
from ordersync.webhooks.receiver import BolcomAccounts, Receiver

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEYS = {"0": KEY.public_key()}
PUSH = {"retailerId": 1234567, "timestamp": "2020-02-02T23:23:23+01:00",
        "event": {"resource": "PROCESS_STATUS", "type": "SUCCESS", "resourceId": "42"}}


def signature(body: bytes, key: rsa.RSAPrivateKey = KEY) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def header(body: bytes, key: rsa.RSAPrivateKey = KEY, key_id: str = "0") -> str:
    return f'keyId={key_id}, algorithm="rsa-sha256", signature={signature(body, key)}'


def encoded(key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


BODY = json.dumps(PUSH).encode()


def test_a_valid_signature_verifies():
    assert bolcom.verify(BODY, header(BODY), KEYS)


def test_a_tampered_body_does_not_verify():
    assert not bolcom.verify(BODY + b" ", header(BODY), KEYS)
    assert not bolcom.verify(BODY.replace(b"42", b"43"), header(BODY), KEYS)


def test_another_key_or_an_unknown_key_id_does_not_verify():
    assert not bolcom.verify(BODY, header(BODY, OTHER), KEYS)
    assert not bolcom.verify(BODY, header(BODY, key_id="1"), KEYS)
    assert not bolcom.verify(BODY, header(BODY), {})


@pytest.mark.parametrize("garbled", [
    None, "", "keyId=0", "signature=abc", "keyId=0, signature=not-base64!!",
    'keyId=0, algorithm="hmac-sha256", signature=' + signature(BODY),
    "keyId=0, signature=" + signature(BODY)[:-8], "nonsense", "keyId=, signature=",
])
def test_a_missing_or_garbled_header_does_not_verify(garbled):
    assert not bolcom.verify(BODY, garbled, KEYS)


@pytest.mark.parametrize("template", [
    'keyId={k}, algorithm="rsa-sha256", signature={s}',
    'keyId="{k}",algorithm="rsa-sha256",signature="{s}"',
    'signature={s}, keyId={k}',
    '  keyId = {k} ,  signature = "{s}"  , algorithm = rsa-sha256 ',
    'Signature keyId={k}, algorithm="rsa-sha256", signature={s}',
    'KEYID={k}, Signature={s}',
])
def test_header_variants_verify(template):
    assert bolcom.verify(BODY, template.format(k="0", s=signature(BODY)), KEYS)


def test_parse_signature_reads_the_parts():
    assert bolcom.parse_signature('keyId=7, algorithm="rsa-sha256", signature=YWJj==') == {
        "keyId": "7", "algorithm": "rsa-sha256", "signature": "YWJj=="}
    assert bolcom.parse_signature("keyId=7") is None


def test_key_set_loads_rsa_keys_and_skips_broken_ones():
    keys = bolcom.key_set({"signatureKeys": [
        {"id": "0", "type": "RSA", "publicKey": encoded(KEY)},
        {"id": "1", "type": "RSA", "publicKey": "bm90IGEga2V5"},
        {"id": "2", "type": "RSA"}]})
    assert list(keys) == ["0"]
    assert bolcom.verify(BODY, header(BODY), keys)
    assert bolcom.key_set(None) == {} and bolcom.key_set({"signatureKeys": None}) == {}


def test_notification_maps_settled_process_statuses_only():
    note = bolcom.notification(PUSH)
    assert note is not None
    assert (note.event, note.process_id, note.topic) == (
        bolcom.SETTLED, "42", "PROCESS_STATUS/SUCCESS")
    for kind in ("FAILURE", "TIMEOUT"):
        assert bolcom.notification({"event": {**PUSH["event"], "type": kind}})
    assert bolcom.notification({"event": {**PUSH["event"], "type": "PENDING"}}) is None
    assert bolcom.notification({"event": {**PUSH["event"], "resource": "SHIPMENT"}}) is None
    assert bolcom.notification({"event": {"resource": "TEST", "type": "TEST"}}) is None
    assert bolcom.notification({"event": {"resource": "PROCESS_STATUS",
                                          "type": "SUCCESS"}}) is None
    assert bolcom.notification(["not", "an", "object"]) is None


# -- the receiver -----------------------------------------------------------------------


class Keys:
    """A key provider that records its calls."""

    def __init__(self, *answers: dict) -> None:
        self.answers, self.calls = list(answers), []

    def __call__(self, connection: str) -> dict:
        self.calls.append(connection)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_receiver(keys: Keys, emitted: list, clock: Clock | None = None, emit=None):
    accounts = BolcomAccounts({"bol-shop"}, keys, clock=clock or Clock())
    return Receiver([], emit or (lambda c, n: emitted.append((c, n))), bolcom=accounts)


def push(client: TestClient, body: bytes = BODY, sign: str | None = "sign",
         connection: str = "bol-shop", key: rsa.RSAPrivateKey = KEY, key_id: str = "0"):
    headers = {"Content-Type": "application/json"}
    if sign == "sign":
        headers["Signature"] = header(body, key, key_id)
    elif sign is not None:
        headers["Signature"] = sign
    return client.post(f"/webhooks/bolcom/{connection}", content=body, headers=headers)


def test_a_signed_push_is_emitted_for_its_connection():
    emitted: list = []
    receiver = make_receiver(Keys(KEYS), emitted)
    with TestClient(receiver.app) as client:
        answer = push(client)
    assert answer.status_code == 200
    assert answer.json() == {"status": "accepted", "connections": ["bol-shop"]}
    [(connection, note)] = emitted
    assert connection == "bol-shop" and note.process_id == "42"
    assert note.event == "ordersync.marketplace.process.settled"


@pytest.mark.parametrize("case", ["other key", "tampered", "no header", "garbled",
                                  "unknown connection"])
def test_a_bad_push_is_401_and_not_emitted(case):
    emitted: list = []
    keys = Keys(KEYS)
    receiver = make_receiver(keys, emitted)
    with TestClient(receiver.app) as client:
        answer = {
            "other key": lambda: push(client, key=OTHER),
            "tampered": lambda: push(client, sign=header(BODY + b"x")),
            "no header": lambda: push(client, sign=None),
            "garbled": lambda: push(client, sign="keyId"),
            "unknown connection": lambda: push(client, connection="other"),
        }[case]()
    assert answer.status_code == 401
    assert emitted == [] and receiver.counts["rejected"] == 1
    if case in ("no header", "garbled", "unknown connection"):
        assert keys.calls == []  # nothing fetched for a push that cannot verify


def test_keys_are_cached_and_refreshed_once_a_minute_on_an_unknown_key_id():
    emitted: list = []
    rotated = {"1": OTHER.public_key()}
    keys, clock = Keys(KEYS, rotated), Clock()
    receiver = make_receiver(keys, emitted, clock)
    with TestClient(receiver.app) as client:
        assert push(client).status_code == 200
        again = json.dumps({**PUSH, "event": {**PUSH["event"], "resourceId": "43"}}).encode()
        assert push(client, again).status_code == 200
        assert len(keys.calls) == 1  # cached
        clock.now = 61.0
        third = json.dumps({**PUSH, "event": {**PUSH["event"], "resourceId": "44"}}).encode()
        assert push(client, third, key=OTHER, key_id="1").status_code == 200  # refreshed
        assert len(keys.calls) == 2
        fourth = json.dumps({**PUSH, "event": {**PUSH["event"], "resourceId": "45"}}).encode()
        assert push(client, fourth, key=OTHER, key_id="9").status_code == 401
        assert push(client, fourth, key=OTHER, key_id="8").status_code == 401
        assert len(keys.calls) == 2  # at most once a minute
    assert [n.process_id for _, n in emitted] == ["42", "43", "44"]


def test_a_failed_key_fetch_is_503_so_bolcom_retries():
    emitted: list = []
    keys = Keys(RuntimeError("bol.com down"), KEYS)
    receiver = make_receiver(keys, emitted)
    with TestClient(receiver.app) as client:
        assert push(client).status_code == 503
        assert push(client).status_code == 200  # the first fetch did not count as cached
    assert len(emitted) == 1


def test_a_push_delivered_twice_is_emitted_once():
    emitted: list = []
    receiver = make_receiver(Keys(KEYS), emitted)
    with TestClient(receiver.app) as client:
        first, again = push(client), push(client)
        failed = json.dumps({**PUSH, "event": {**PUSH["event"], "type": "FAILURE"}}).encode()
        other = push(client, failed)
    assert again.json() == {"status": "duplicate"}
    assert [first.status_code, other.status_code] == [200, 200]
    assert len(emitted) == 2


def test_a_failed_emit_is_503_and_the_retry_goes_through():
    emitted: list = []
    calls: list = []

    def flaky(connection, note):
        calls.append(connection)
        if len(calls) == 1:
            raise RuntimeError("events API down")
        emitted.append((connection, note))

    receiver = make_receiver(Keys(KEYS), emitted, emit=flaky)
    with TestClient(receiver.app) as client:
        assert push(client).status_code == 503
        assert push(client).status_code == 200
    assert [c for c, _ in emitted] == ["bol-shop"]


def test_other_resources_are_ignored_after_the_signature_check():
    emitted: list = []
    receiver = make_receiver(Keys(KEYS), emitted)
    test_push = json.dumps({**PUSH, "event": {"resource": "TEST", "type": "TEST",
                                              "resourceId": "1"}}).encode()
    with TestClient(receiver.app) as client:
        assert push(client, test_push).json() == {"status": "ignored"}
        assert push(client, test_push, key=OTHER).status_code == 401
    assert emitted == [] and receiver.counts["ignored"] == 1
