"""The deterministic synthetic demo province."""
