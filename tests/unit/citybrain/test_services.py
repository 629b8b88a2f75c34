"""Control areas without HTTP: layouts from phase lists, merging readings, error codes."""

from __future__ import annotations

import pytest

from onevisit.citybrain.errors import CityBrainError, CityBrainInputError
from onevisit.citybrain.services import AreaRegistry, PhaseSpec, SignalSpec, network_from_specs, phase_movements
from onevisit.citybrain.traffic import IntersectionReading

NS = PhaseSpec((("n_in", "s_out"), ("s_in", "n_out")))
EW = PhaseSpec((("e_in", "w_out"), ("w_in", "e_out")))


def test_a_layout_from_phase_lists_round_trips() -> None:
    registry = AreaRegistry()
    area = registry.register("a", network_from_specs([SignalSpec("J1", (NS, EW))]), "max-pressure", "layout")
    assert area.layout.ids == ("J1",)
    assert phase_movements(area.layout, 0) == [
        [["n_in", "s_out"], ["s_in", "n_out"]],
        [["e_in", "w_out"], ["w_in", "e_out"]],
    ]


def test_readings_merge_per_junction_and_decide_for_all() -> None:
    registry = AreaRegistry()
    net = network_from_specs([SignalSpec("J1", (NS, EW)), SignalSpec("J2", (NS, EW))])
    registry.register("a", net, "max-pressure", "layout")
    first = registry.submit("a", 10.0, {"J1": IntersectionReading(phase=0, phase_age=10.0, queues={"e_in": 5})})
    assert first == {"J1": 1, "J2": 0}
    # J2 reports alone; J1 keeps its last reading (queue on e_in) and so its decision.
    second = registry.submit("a", 20.0, {"J2": IntersectionReading(phase=0, phase_age=10.0, queues={"w_in": 4})})
    assert second == {"J1": 1, "J2": 1}
    assert registry.decision("a") == (20.0, {"J1": 1, "J2": 1})


@pytest.mark.parametrize(
    ("signals", "code"),
    [
        ([], CityBrainError.AREA_INVALID),
        ([SignalSpec("J1", (NS,)), SignalSpec("J1", (EW,))], CityBrainError.AREA_INVALID),
        ([SignalSpec("J1", ())], CityBrainError.AREA_INVALID),
    ],
)
def test_bad_layouts_are_refused_with_a_code(signals: list[SignalSpec], code: CityBrainError) -> None:
    with pytest.raises(CityBrainInputError) as caught:
        network_from_specs(signals)
    assert caught.value.code is code
