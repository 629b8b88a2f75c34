"""Payment channels: one interface (:class:`~onevisit.payments.channels.gateway.Channel`),
four gateway styles (Alipay-, WeChat Pay-, UnionPay-style and a bank counter).

``wire`` holds each style's message formats and signatures (used by the adapters here
and, from the other side, by the channel simulator); ``gateway`` is the HTTP adapter.
"""
