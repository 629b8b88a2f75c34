"""The payment-channel simulator: an honest stand-in for Alipay-, WeChat Pay-, UnionPay-style
gateways and a bank counter, run as its own process (``onevisit payments simulator``).

It has its own payment page (the payer confirms or cancels), sends signed asynchronous
notifications that may come late, twice, out of order or never (rates configurable),
answers signed order queries, refunds (never more than was paid) and serves a signed daily
statement file per channel. See ``docs/payments.md``.
"""
