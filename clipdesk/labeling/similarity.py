"""Finding photos by words or by example, and near-duplicates, from the embeddings clipdesk already
holds: cosine similarity of unit vectors, best first, ties in the photos' own order.

Pure tensor work on the CPU (no model here): 20,000 photos of 512-wide embeddings are one matrix-vector
product (a few milliseconds); duplicate search compares blocks of rows, so memory stays that of one
``BLOCK x n`` block whatever the number of photos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from clipdesk.defaults import DEFAULT_MIN_SIMILARITY

BLOCK = 2048  # rows compared at once when looking for duplicates


@dataclass(frozen=True)
class Match:
    path: str
    score: float  # cosine similarity of the normalised embeddings, -1..1


def unit_rows(embeddings: torch.Tensor) -> torch.Tensor:
    """Each row scaled to length 1 (float32); a zero row stays zero (it matches nothing)."""
    rows = embeddings.detach().to(torch.float32)
    norms = rows.norm(dim=-1, keepdim=True)
    return rows / norms.clamp_min(torch.finfo(torch.float32).tiny)


def rank_by_similarity(query: torch.Tensor, embeddings: torch.Tensor, paths: Sequence[str],
                       top: int | None = None) -> list[Match]:
    """``paths`` ordered by the cosine similarity of their embeddings to ``query``, best first; equal
    scores keep the order of ``paths`` (a stable sort), so the same search always reads the same."""
    if len(paths) != embeddings.shape[0]:
        raise ValueError(f"{len(paths)} paths for {embeddings.shape[0]} embeddings")
    if not paths:
        return []
    scores = unit_rows(embeddings) @ unit_rows(query.reshape(1, -1))[0]
    ordered, order = torch.sort(scores, descending=True, stable=True)
    if top is not None:
        ordered, order = ordered[:top], order[:top]
    return [Match(paths[i], score) for i, score in zip(order.tolist(), ordered.tolist())]  # one copy each


def near_duplicate_groups(embeddings: torch.Tensor, paths: Sequence[str],
                          min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[list[Match]]:
    """Groups of photos linked by similarity ≥ ``min_similarity`` (a chain a~b~c is one group), each
    led by its first photo in ``paths`` with the others scored against that one; groups of one are left
    out. Groups are ordered by their first photo."""
    if not -1.0 <= min_similarity <= 1.0:
        raise ValueError(f"a similarity is between -1 and 1, not {min_similarity}")
    count = len(paths)
    if count != embeddings.shape[0]:
        raise ValueError(f"{count} paths for {embeddings.shape[0]} embeddings")
    unit = unit_rows(embeddings)
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, count, BLOCK):
        block = unit[start:start + BLOCK] @ unit[start:].T  # only pairs (i, j) with j >= i
        rows, columns = torch.nonzero(block >= min_similarity, as_tuple=True)
        for row, column in zip(rows.tolist(), columns.tolist()):
            i, j = start + row, start + column
            if j > i:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)  # the earlier photo leads
    members: dict[int, list[int]] = {}
    for i in range(count):
        members.setdefault(root(i), []).append(i)
    groups = []
    for lead, indices in sorted(members.items()):
        if len(indices) < 2:
            continue
        scores = (unit[indices] @ unit[lead]).tolist()
        groups.append([Match(paths[i], float(s)) for i, s in zip(indices, scores)])
    return groups
