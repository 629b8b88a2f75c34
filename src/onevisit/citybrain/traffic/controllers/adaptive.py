"""OneVisit's adaptive controller: max-pressure that looks ahead and counts the cost of switching.

Plain max-pressure (:mod:`.maxpressure`) re-decides on a fixed 10 s clock and only sees halted
vehicles; it pays a yellow on many decisions and cuts off platoons that are still flowing, because
a discharging queue stops counting the moment it starts to move. This controller decides every
second and differs in these ways, each with a reason:

* **Demand includes approaching vehicles**, weighted by time to reach the stop line: a platoon
  flowing through the current green keeps it, and one about to arrive at a red draws the green.
* **Serve a green until it gaps out**: while vehicles still queue or arrive within a few seconds on
  the current phase, it keeps the green, unless another phase's pressure dominates it (by
  ``ratio`` and ``margin``) or the green has run ``max_green``. Every change costs a yellow of lost
  capacity, so exhaustive service with pressure-chosen order wastes the least.
* **Minimum green** keeps phases long enough to clear the first vehicles.
* **Starvation guard**: a phase whose vehicles have waited past ``patience`` seconds gains pressure
  steadily, so a minor road is never held forever. People trust lights that always come round.

All parameters are physical (seconds, vehicles) and the same for every network; nothing is fitted
per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onevisit.citybrain.traffic.controllers.pressure import phase_scores, phase_sums
from onevisit.citybrain.traffic.interface import Floats, Ints, Layout, Observation, require_layout


@dataclass
class AdaptivePressure:
    """Per-second max-pressure with look-ahead demand, gap-out, dominance switch and guard."""

    min_green: float = 5.0
    max_green: float = 60.0
    approach_weights: tuple[float, float, float, float] = (1.0, 0.6, 0.3, 0.0)
    gap_weights: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    gap_queue: float = 0.0
    ratio: float = 2.0
    margin: float = 3.0
    out_weight: float = 1.0
    patience: float = 120.0
    patience_gain: float = 0.2
    #: after a yellow, the signal keeps red while vehicles remain in the junction, up to this long
    clear_box_s: float = 6.0
    name: str = "adaptive"

    def __post_init__(self) -> None:
        self._layout: Layout | None = None
        self._served_at = np.zeros(0)

    def reset(self, layout: Layout) -> None:
        self._layout = layout
        self._served_at = np.full(len(layout.in_lanes), np.nan)

    def _overdue(self, layout: Layout, obs: Observation) -> Floats:
        """Seconds past ``patience`` that each lane's queue has gone without any green."""
        served = self._served_at
        served[np.isnan(served)] = obs.time
        live = np.flatnonzero(~obs.in_transition)
        green = layout.phase_mov[live, obs.phase[live]] > 0
        served[layout.mov_in[live][green]] = obs.time
        return np.maximum(obs.time - served - self.patience, 0.0) * (obs.in_queue > 0)

    def decide(self, obs: Observation) -> Ints:
        layout = require_layout(self._layout)
        idx = np.arange(layout.size)
        live = ~obs.in_transition
        demand = obs.in_queue + obs.in_approach @ np.asarray(self.approach_weights)
        scores = phase_scores(layout, demand, self.out_weight * obs.out_queue)
        scores += self.patience_gain * phase_sums(layout, self._overdue(layout, obs))
        current = scores[idx, obs.phase]
        others = scores.copy()
        others[idx, obs.phase] = -np.inf
        best = np.argmax(others, axis=1)
        rival = others[idx, best]
        active = self.gap_queue * obs.in_queue + obs.in_approach @ np.asarray(self.gap_weights)
        gapped = phase_sums(layout, active)[idx, obs.phase] < 0.5
        dominated = rival > self.ratio * np.maximum(current, 0.0) + self.margin
        maxed = obs.phase_age >= self.max_green
        switch = (gapped & (rival > 0)) | dominated | (maxed & (rival > current))
        switch &= live & (obs.phase_age >= self.min_green)
        return np.where(switch, best, obs.phase)
