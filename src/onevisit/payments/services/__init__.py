"""Payment services: the only code that changes payment state (see docs/payments.md)."""
