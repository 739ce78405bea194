"""How ``CLIP.encode_text`` splits a batch of texts into transformer passes.

A pure planning function, kept apart from the networks in ``model.py``: the causal mask makes running a
pass only up to its longest text exact, so the plan only trades padding against the number of passes.
"""

from __future__ import annotations

import math

# What one extra transformer pass costs, in padded token positions: fewer, fuller passes beat many tiny ones.
PASS_COST = 256


def similar_length_chunks(lengths: list[int], most: int) -> list[int]:
    """Sizes of consecutive chunks of ascending ``lengths`` (each chunk runs to its longest text), at
    most ``most`` texts each. Chosen to minimise padded positions computed plus ``PASS_COST`` per pass
    (dynamic programming over the distinct lengths), so short labels are not padded to long ones yet
    each pass still multiplies large matrices."""
    groups: list[list[int]] = []  # [length, count], ascending
    for length in lengths:
        if groups and groups[-1][0] == length:
            groups[-1][1] += 1
        else:
            groups.append([length, 1])
    best = [0] + [math.inf] * len(groups)  # best[j]: cost of the first j groups
    cut = [0] * (len(groups) + 1)  # cut[j]: where the last chunk of the best plan for j groups starts
    for end in range(1, len(groups) + 1):
        rows = 0
        for start in range(end - 1, -1, -1):
            rows += groups[start][1]
            cost = best[start] + rows * groups[end - 1][0] + PASS_COST
            if cost < best[end]:
                best[end], cut[end] = cost, start
    sizes: list[int] = []
    end = len(groups)
    while end:
        rows = sum(count for _, count in groups[cut[end]:end])
        sizes[:0] = [most] * (rows // most) + ([rows % most] if rows % most else [])
        end = cut[end]
    return sizes
