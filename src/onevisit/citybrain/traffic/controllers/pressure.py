"""Phase scores from per-lane values: the vectorised core shared by the pressure controllers.

For every movement (incoming lane -> outgoing lane) the score is ``in_value - out_value`` weighted
by 1/(movements leaving that lane); a phase scores the sum over the movements it gives green.
One einsum over ``[N, P, M]`` decides every signal at once.
"""

from __future__ import annotations

import numpy as np

from onevisit.citybrain.traffic.interface import Floats, Layout


def phase_scores(layout: Layout, in_value: Floats, out_value: Floats) -> Floats:
    """``[N, P]`` pressure of each phase; padding phases score ``-inf``."""
    mov = (in_value[layout.mov_in] - out_value[layout.mov_out]) * layout.mov_weight
    scores = np.einsum("npm,nm->np", layout.phase_mov, mov)
    return np.where(layout.phase_valid, scores, -np.inf)


def phase_sums(layout: Layout, in_value: Floats) -> Floats:
    """``[N, P]`` sum of a per-incoming-lane value over the lanes each phase serves (0 if padding)."""
    mov = in_value[layout.mov_in] * layout.mov_weight
    sums: Floats = np.einsum("npm,nm->np", layout.phase_mov, mov)
    return sums
