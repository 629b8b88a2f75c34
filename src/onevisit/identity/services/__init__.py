"""Identity actions: the only code that changes identity state."""
