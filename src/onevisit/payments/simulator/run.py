"""Running the simulator as its own process."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from onevisit.kernel.settings import get_settings
from onevisit.payments.config import get_payments_config
from onevisit.payments.simulator.app import Behaviour, create_simulator


def serve(
    *, host: str, port: int, behaviour: Behaviour, statement_dir: Path | None, seed: int | None, secret: str | None
) -> None:
    import uvicorn

    config = get_payments_config()
    if secret:
        config = config.model_copy(update={"channel_secret": secret})
    app = create_simulator(config.secret(get_settings()), behaviour=behaviour, statement_dir=statement_dir, seed=seed)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="onevisit-payments-simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--behaviour", default="{}", help='JSON, e.g. {"drop_rate": 0.1}')
    parser.add_argument("--statement-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--secret", default=None, help="channel secret (else ONEVISIT_PAYMENTS_CHANNEL_SECRET)")
    args = parser.parse_args(argv)
    behaviour = Behaviour()
    behaviour.update(json.loads(args.behaviour))
    serve(
        host=args.host,
        port=args.port,
        behaviour=behaviour,
        statement_dir=args.statement_dir,
        seed=args.seed,
        secret=args.secret,
    )
