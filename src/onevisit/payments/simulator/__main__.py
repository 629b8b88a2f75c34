"""``python -m onevisit.payments.simulator --port 8100`` (also ``onevisit payments simulator``)."""

from __future__ import annotations

from onevisit.payments.simulator.run import main

if __name__ == "__main__":
    main()
