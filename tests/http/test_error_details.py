"""Error bodies become a short detail that keeps the platform's reason: RFC 7807 problems,
JSON:API error objects (Shopware) and SP-API errors (Amazon, the reason in ``details``)."""

from __future__ import annotations

import httpx

from ordersync.http.client import _problem_detail


def detail_of(body: dict) -> str:
    return _problem_detail(httpx.Response(400, json=body))


def test_sp_api_errors_keep_message_and_details():
    text = detail_of({"errors": [{"code": "InvalidInput", "message": "Invalid Input",
                                  "details": "orderItemId 1 would ship more than ordered"}]})
    assert text == "InvalidInput: Invalid Input (orderItemId 1 would ship more than ordered)"


def test_json_api_errors_give_code_and_detail():
    text = detail_of({"errors": [{"status": "400", "code": "FRAMEWORK__WRITE_CONSTRAINT",
                                  "title": "Constraint violation", "detail": "too long"}]})
    assert text == "FRAMEWORK__WRITE_CONSTRAINT: too long"


def test_a_problem_keeps_title_and_detail():
    assert "Bad request" in detail_of({"title": "Bad request", "detail": "no such offer"})
