"""A Mollie-compatible sandbox: the v2 Payments API, a hosted test checkout and webhooks.

The site talks to it through the real mollie-api-python client over real HTTP, in development
(``python -m website.mollie_sandbox``) and in tests (``website.mollie_sandbox.testing``), so
no Mollie account or internet connection is needed. The Mollie behaviour it reproduces, and
where each rule comes from, is described in ``docs/mollie.md``. The ``/_sim/...`` control
endpoints let tests and developers do what Mollie's customers, banks
and clocks would otherwise do: pay, fail, expire, refund, charge back, lose webhooks.
"""
