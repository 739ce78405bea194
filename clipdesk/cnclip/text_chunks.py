"""Chinese-CLIP's text features for many labels at once, faster than ``ChineseCLIP.encode_text`` and
the same numbers: [PAD] keys get -10000 added to their attention scores, which makes their weight
exactly 0 in fp32, so texts sorted by length run in chunks, each only up to its own longest text.
Built from the model's parts; ``model.py`` stays the reference's computation.
"""

from __future__ import annotations

import torch

from clipdesk.clip.text_chunks import run_in_length_chunks
from clipdesk.cnclip.model import PAD_ID, ChineseCLIP
from clipdesk.defaults import TEXT_CHUNK


def encode_text_by_length(model: ChineseCLIP, text: torch.Tensor, most: int = TEXT_CHUNK) -> torch.Tensor:
    """``model.encode_text(text)``, computed in chunks of similar length."""
    if text.dim() != 2 or text.shape[0] == 0:
        return model.encode_text(text)  # its message for a wrong shape; an empty batch costs nothing
    positions = torch.arange(1, text.shape[1] + 1, device=text.device)
    lengths = torch.where(text != PAD_ID, positions, 0).amax(dim=1).clamp(min=1)  # up to the last real token
    return run_in_length_chunks(lengths, lambda rows, length: model.encode_text(text[rows, :length]), most)
