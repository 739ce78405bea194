"""Text features for many labels at once, faster than ``CLIP.encode_text`` and the same numbers.

The reference runs every text through all 77 positions. Its causal mask means a text's feature (read at
its end-of-text token) depends on no later position, so texts sorted by length can run in chunks, each
only up to its own longest text. Built from the model's own parts, beside the networks rather than
inside them: ``model.py`` stays the reference's code. The labeling service and the benchmark use this;
``tests/clip`` prove it equal to ``encode_text``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from clipdesk.defaults import TEXT_CHUNK

if TYPE_CHECKING:
    from clipdesk.clip.model import CLIP

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


def run_in_length_chunks(lengths: torch.Tensor, encode: Callable[[torch.Tensor, int], torch.Tensor],
                         most: int = TEXT_CHUNK) -> torch.Tensor:
    """``encode(rows, length)`` over chunks of texts of similar ``lengths`` (positions each needs),
    the results put back in input order."""
    order = torch.argsort(lengths, stable=True)  # shortest texts first
    sizes = similar_length_chunks(lengths[order].tolist(), most)
    chunks = [encode(rows, int(lengths[rows].max())) for rows in torch.split(order, sizes)]
    return torch.cat(chunks)[torch.argsort(order)]


def encode_text_by_length(model: CLIP, text: torch.Tensor, most: int = TEXT_CHUNK) -> torch.Tensor:
    """``model.encode_text(text)``, computed in chunks of similar length (see the module docstring)."""
    if text.dim() != 2:
        raise ValueError(f"encode_text expects [batch, tokens] token ids, got shape {tuple(text.shape)}")
    if text.shape[0] == 0:
        return model.text_projection.new_empty(0, model.text_projection.shape[1]).type(model.dtype)
    eot = text.argmax(dim=-1)  # [batch]: position of each end-of-text token

    def encode(rows: torch.Tensor, length: int) -> torch.Tensor:
        if length > model.context_length:
            raise ValueError(f"a text has {length} tokens up to its end-of-text token, more than this "
                             f"model's context length of {model.context_length}")
        x = model.token_embedding(text[rows, :length]).type(model.dtype)  # [chunk, length, width]
        x = x + model.positional_embedding[:length].type(model.dtype)
        x = model.transformer(x)
        x = model.ln_final(x).type(model.dtype)
        x = x[torch.arange(x.shape[0], device=x.device), eot[rows]]  # [chunk, width]: end-of-text tokens
        return x @ model.text_projection  # [chunk, embed_dim]

    return run_in_length_chunks(eot + 1, encode, most)
