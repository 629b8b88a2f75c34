from __future__ import annotations

from onevisit.kernel.platform import Platform
from onevisit.ledger.signing import SigningKey
from onevisit.ledger.witness import DatabaseSource, Witness, WitnessState


def make_witness(platform: Platform, tmp_path, name: str = "zj-court") -> Witness:  # type: ignore[no-untyped-def]
    from onevisit.ledger.services import witnesses

    key = SigningKey.generate()
    with platform.uow() as uow:
        witnesses.register_witness(uow, name, key.public)
    return Witness(name, key, WitnessState(tmp_path / f"{name}.json"), clock=platform.clock)


def db_source(platform: Platform) -> DatabaseSource:
    return DatabaseSource(platform)
