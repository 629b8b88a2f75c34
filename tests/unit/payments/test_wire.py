"""The channel styles' signatures and formats: what is signed verifies, nothing else does."""

from __future__ import annotations

import json

import pytest

from onevisit.payments.channels import wire
from onevisit.payments.channels.wire import Keys, WireError
from tests.unit.payments.helpers import SECRET, event, signed


@pytest.mark.parametrize("channel", wire.CHANNELS)
def test_a_signed_notification_decodes_to_the_same_event(channel: str) -> None:
    ev = event("P1", 12_345, channel=channel)
    headers, body = signed(ev)
    decoded = wire.decode_notification(Keys.derive(SECRET, channel, with_private=False), headers, body)
    assert decoded == ev


@pytest.mark.parametrize("channel", wire.CHANNELS)
def test_a_forged_notification_is_refused(channel: str) -> None:
    headers, body = signed(event("P1", 100, channel=channel), secret=b"f" * 32)
    with pytest.raises(WireError) as err:
        wire.decode_notification(Keys.derive(SECRET, channel), headers, body)
    assert err.value.reason == "signature"


@pytest.mark.parametrize("channel", wire.CHANNELS)
def test_changing_the_amount_breaks_the_signature(channel: str) -> None:
    headers, body = signed(event("P1", 100, channel=channel))
    tampered = body.replace(b"100", b"1") if b"100" in body else body.replace(b"1.00", b"0.01")
    assert tampered != body
    with pytest.raises(WireError):
        wire.decode_notification(Keys.derive(SECRET, channel), headers, tampered)


def test_the_algorithm_is_fixed_by_the_channel_not_the_message() -> None:
    """An Alipay-style notification 'signed' with HMAC (sign_type changed) is still refused."""
    ev = event("P1", 100, channel="alipay")
    hmac_keys = Keys.derive(SECRET, "wechat")
    fields = {
        "notify_id": ev.notify_id,
        "notify_time": str(ev.timestamp),
        "out_trade_no": "P1",
        "trade_no": "T1",
        "total_amount": "1.00",
        "trade_status": "TRADE_SUCCESS",
        "gmt_payment": ev.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "charset": "utf-8",
    }
    fields["sign_type"] = "HMAC"
    fields["sign"] = hmac_keys.gateway_sign(wire._sorted_query(fields))
    from urllib.parse import urlencode

    with pytest.raises(WireError):
        wire.decode_notification(Keys.derive(SECRET, "alipay"), {}, urlencode(fields).encode())


def test_yuan_amounts_are_parsed_exactly() -> None:
    assert wire.yuan_to_fen("0.10") == 10
    assert wire.yuan_to_fen("12345678.99") == 1_234_567_899
    assert wire.fen_to_yuan(1_234_567_899) == "12345678.99"
    for bad in ("1.005", "1e3", "0x10", "12,00", ""):
        with pytest.raises(WireError):
            wire.yuan_to_fen(bad)


def test_a_float_amount_is_refused_even_when_signed() -> None:
    keys = Keys.derive(SECRET, "counter")
    body = json.dumps(
        {
            "notify_id": "N",
            "order_number": "P1",
            "receipt_no": "T",
            "amount_fen": 100.0,
            "status": "paid",
            "paid_at": "2026-11-21T00:00:00Z",
        }
    ).encode()
    headers = {
        "x-counter-timestamp": "1",
        "x-counter-nonce": "n",
        "x-counter-signature": keys.gateway_sign(wire.signed_message("1", "n", body)),
    }
    with pytest.raises(WireError) as err:
        wire.decode_notification(keys, headers, body)
    assert err.value.reason == "malformed"


def test_merchant_requests_are_bound_to_method_path_and_body() -> None:
    keys = Keys.derive(SECRET, "alipay")
    headers = wire.sign_request(keys, "POST", "/alipay/refunds", b"{}", timestamp=1, nonce="n")
    assert wire.verify_request(keys, "POST", "/alipay/refunds", headers, b"{}")
    assert not wire.verify_request(keys, "POST", "/alipay/refunds", headers, b'{"amount_fen":1}')
    assert not wire.verify_request(keys, "POST", "/wechat/refunds", headers, b"{}")
