"""json_of parses like Response.json(), absurd values included."""

import math

import httpx
import pytest

from ordersync.http.json_body import json_of


@pytest.mark.parametrize("body", [
    b'{"orders": [{"id": 1, "price": "9.99", "name": "Zo\\u00eb \xe2\x82\xac"}]}',
    b'{"id": 123456789012345678901234567890, "qty": -99999999999999999999}',  # beyond 64 bits
    b'{"price": 1e400, "n": 0.1, "dup": 1, "dup": 2}',
    b"[]",
])
def test_same_value_as_the_standard_library(body):
    response = httpx.Response(200, content=body)
    assert json_of(response) == response.json()


def test_nan_and_infinity_literals_parse_as_before():
    value = json_of(httpx.Response(200, content=b'{"a": NaN, "b": Infinity}'))
    assert math.isnan(value["a"]) and value["b"] == math.inf


@pytest.mark.parametrize("body", [b"", b"<html>502</html>", b'{"a": '])
def test_a_body_that_is_not_json_raises_value_error(body):
    with pytest.raises(ValueError):
        json_of(httpx.Response(200, content=body))


def test_an_integer_past_64_bits_keeps_every_digit():
    value = json_of(httpx.Response(200, content=b'{"id": 18446744073709551616}'))
    assert value["id"] == 18446744073709551616 and isinstance(value["id"], int)
