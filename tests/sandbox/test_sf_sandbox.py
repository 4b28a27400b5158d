"""sandbox/sf over raw HTTP: msgDigest checked (SF's published rule, written out again here),
partner and timestamp checked, orders, duplicate order ids, route query, scripted failures."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.parse
import uuid

import pytest
import requests

from sandbox.server import SF_CHECKWORD, SF_PARTNER_ID


def sf_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    """SF's sample, step by step: urlencode(msgData + timestamp + checkWord) as UTF-8, MD5, base64."""
    encoded = urllib.parse.quote_plus(msg_data + timestamp + check_word, encoding="utf-8")
    return base64.b64encode(hashlib.md5(encoded.encode("utf-8")).digest()).decode()  # noqa: S324


def call(sandbox, service: str, msg: dict, *, check_word: str = SF_CHECKWORD, **overrides) -> dict:
    msg_data = json.dumps(msg, ensure_ascii=False)
    timestamp = overrides.pop("timestamp", str(int(time.time() * 1000)))
    form = {
        "partnerID": SF_PARTNER_ID,
        "requestID": uuid.uuid4().hex,
        "serviceCode": service,
        "timestamp": timestamp,
        "msgDigest": sf_digest(msg_data, timestamp, check_word),
        "msgData": msg_data,
        **overrides,
    }
    response = requests.post(f"{sandbox.sf_url}/std/service", data=form, timeout=5)
    return response.json() if response.status_code == 200 else {"http_status": response.status_code}


def order(order_id: str, **receiver) -> dict:
    return {
        "orderId": order_id,
        "contactInfoList": [
            {
                "contactType": 1,
                "contact": "云栖县公安局",
                "mobile": "08705212110",
                "province": "示范省",
                "city": "青岚市",
                "county": "云栖县",
                "address": "栖凤大道188号",
            },
            {
                "contactType": 2,
                "contact": "林晓岚",
                "mobile": "13912345678",
                "province": "示范省",
                "city": "青岚市",
                "county": "云栖县",
                "address": "栖凤大道66号 3栋&2单元+501",
                **receiver,
            },
        ],
        "cargoDetails": [{"name": "证照", "count": 1}],
    }


def data(answer: dict) -> dict:
    assert answer["apiResultCode"] == "A1000", answer
    return json.loads(answer["apiResultData"])


def test_the_digest_rule_matches_ours_and_the_simulators():
    from delivery.providers.sf import digest as ours
    from sandbox.sf import digest as simulators

    text = json.dumps({"remark": "签收人：本人 a+b&c=d/e~f*g"}, ensure_ascii=False)
    expected = sf_digest(text, "1733299200000", "chk w0rd")
    assert ours(text, "1733299200000", "chk w0rd") == expected == simulators(text, "1733299200000", "chk w0rd")
    assert ours(text, "1733299200001", "chk w0rd") != expected


def test_create_search_duplicate_and_routes(sandbox):
    order_id = f"T{uuid.uuid4().hex[:12]}"
    created = data(call(sandbox, "EXP_RECE_CREATE_ORDER", order(order_id)))
    assert created["success"] is True
    waybill = created["msgData"]["waybillNoInfoList"][0]["waybillNo"]
    assert waybill.startswith("SF") and len(waybill) == 15
    again = data(call(sandbox, "EXP_RECE_CREATE_ORDER", order(order_id)))
    assert again["success"] is False and again["errorCode"] == "8016"
    found = data(call(sandbox, "EXP_RECE_SEARCH_ORDER_RESP", {"orderId": order_id}))
    assert found["msgData"]["waybillNoInfoList"][0]["waybillNo"] == waybill

    routes = data(call(sandbox, "EXP_RECE_SEARCH_ROUTES", {"trackingType": "2", "trackingNumber": [order_id]}))
    assert routes["msgData"]["routeResps"] == [{"mailNo": waybill, "routes": []}]
    sandbox.sf_push(order_id, count=2, silent=True)
    by_waybill = data(call(sandbox, "EXP_RECE_SEARCH_ROUTES", {"trackingType": "1", "trackingNumber": [waybill]}))
    assert [r["opCode"] for r in by_waybill["msgData"]["routeResps"][0]["routes"]] == ["50", "30"]
    cancel = data(call(sandbox, "EXP_RECE_UPDATE_ORDER", {"orderId": order_id, "dealType": 2}))
    assert cancel["success"] is False and cancel["errorCode"] == "8037"  # already picked up


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"check_word": "wrong"}, "A1006"),
        ({"partnerID": "NOBODY"}, "A1003"),
        ({"msgDigest": ""}, "A1001"),
        ({"timestamp": str(int(time.time() * 1000) - 3600 * 1000)}, "A1002"),
    ],
)
def test_requests_that_fail_the_gateway_checks(sandbox, overrides, code):
    order_id = f"T{uuid.uuid4().hex[:12]}"
    answer = call(sandbox, "EXP_RECE_CREATE_ORDER", order(order_id), **overrides)
    assert answer["apiResultCode"] == code and answer["apiResultData"] is None
    assert order_id not in [o["order_id"] for o in sandbox.sf_orders()]


def test_bad_receiver_and_scripted_failures(sandbox):
    bad = data(call(sandbox, "EXP_RECE_CREATE_ORDER", order(f"T{uuid.uuid4().hex[:12]}", mobile="12345")))
    assert bad["success"] is False and bad["errorCode"] == "1013"
    sandbox.sf_fail_next(http_status=503, service="EXP_RECE_SEARCH_ROUTES")
    assert call(sandbox, "EXP_RECE_SEARCH_ROUTES", {"trackingType": "2", "trackingNumber": []}) == {"http_status": 503}
    sandbox.sf_fail_next(errcode="A1009", times=2)
    assert [call(sandbox, "EXP_RECE_SEARCH_ROUTES", {"trackingNumber": []})["apiResultCode"] for _ in range(3)] == [
        "A1009",
        "A1009",
        "A1000",
    ]
