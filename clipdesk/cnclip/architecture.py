"""What a Chinese-CLIP state dict says about its network, read from tensor shapes alone.

The image towers are OpenAI's (same keys), so their shape is read by ``clipdesk.clip.architecture``;
the text tower is a BERT encoder (``bert.*``) whose width, depth, feed-forward width, positions and
vocabulary are all visible in the weights. Neither tower stores its head count:

* BERT heads are 64 wide in every released text tower (RBT3, RoBERTa-wwm-ext base and large);
* vision heads are 64 wide except in ViT-H-14, whose 1280-wide blocks use 80-wide heads (16 heads,
  as ``cn_clip``'s ``vision_head_width``). Any width that 64 does not divide but 80 does gets 80-wide
  heads too, so reduced-width test models of the ViT-H shape are expressible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from clipdesk.clip.architecture import (
    HEAD_WIDTH,
    StateDictError,
    VisionShape,
    check_heads,
    count_blocks,
    infer_vision,
    shape_of,
    vision_attention_width,
)

BERT_HEAD_WIDTH = 64
VIT_H_WIDTH, VIT_H_HEAD_WIDTH = 1280, 80
CONTEXT_LENGTH = 52  # the text length every released model was trained with (BERT itself has 512 positions)
DROPPED_PREFIXES = ("bert.pooler.",)  # BERT's pooler is in the release files, but Chinese-CLIP never uses it


@dataclass(frozen=True)
class TextShape:
    """The BERT text tower's hyper-parameters."""

    vocab_size: int
    width: int  # hidden size
    layers: int
    heads: int
    intermediate: int  # feed-forward width
    positions: int  # position embeddings (512): the longest text the tower could read
    token_types: int


@dataclass(frozen=True)
class ChineseCLIPConfig:
    embed_dim: int
    vision: VisionShape
    vision_head_width: int
    text: TextShape
    context_length: int  # tokens per text: 52, or fewer for a tower with fewer positions


def vision_head_width(vision: VisionShape) -> int:
    width = vision_attention_width(vision)
    vit_h_like = width == VIT_H_WIDTH or (width % HEAD_WIDTH and not width % VIT_H_HEAD_WIDTH)
    if vision.patch_size is not None and vit_h_like:
        return VIT_H_HEAD_WIDTH
    return HEAD_WIDTH


def infer_config(state: Mapping[str, torch.Tensor]) -> ChineseCLIPConfig:
    vision = infer_vision(state)
    head_width = vision_head_width(vision)
    check_heads(vision_attention_width(vision), "visual.*", head_width)
    vocab_size, width = shape_of(state, "bert.embeddings.word_embeddings.weight", 2)
    check_heads(width, "bert.embeddings.word_embeddings.weight", BERT_HEAD_WIDTH)
    layers = count_blocks(state, "bert.encoder.layer.")
    if layers < 1:
        raise StateDictError("no text layers: expected 'bert.encoder.layer.0.*' keys")
    positions = shape_of(state, "bert.embeddings.position_embeddings.weight", 2)[0]
    text = TextShape(
        vocab_size=vocab_size, width=width, layers=layers, heads=width // BERT_HEAD_WIDTH,
        intermediate=shape_of(state, "bert.encoder.layer.0.intermediate.dense.weight", 2)[0],
        positions=positions,
        token_types=shape_of(state, "bert.embeddings.token_type_embeddings.weight", 2)[0],
    )
    if positions < 2:
        raise StateDictError(f"the text tower has {positions} positions; [CLS] and [SEP] need two")
    return ChineseCLIPConfig(embed_dim=shape_of(state, "text_projection", 2)[1], vision=vision,
                             vision_head_width=head_width, text=text,
                             context_length=min(CONTEXT_LENGTH, positions))


# The released models' shapes (vision tower, text tower), for random weights of the same architecture
# (``clipdesk bench`` without the real file) and the conformance tests. Text towers: RBT3 (3 layers),
# RoBERTa-wwm-ext base (12) and large (24 layers, 1024 wide); 512 positions, 21,128 tokens.
_BASE_TEXT = TextShape(vocab_size=21128, width=768, layers=12, heads=12, intermediate=3072, positions=512,
                       token_types=2)
RELEASED: dict[str, ChineseCLIPConfig] = {
    "ViT-B-16": ChineseCLIPConfig(512, VisionShape(224, 12, 768, 16), HEAD_WIDTH, _BASE_TEXT, CONTEXT_LENGTH),
    "ViT-L-14": ChineseCLIPConfig(768, VisionShape(224, 24, 1024, 14), HEAD_WIDTH, _BASE_TEXT, CONTEXT_LENGTH),
    "ViT-L-14-336": ChineseCLIPConfig(768, VisionShape(336, 24, 1024, 14), HEAD_WIDTH, _BASE_TEXT,
                                      CONTEXT_LENGTH),
    "ViT-H-14": ChineseCLIPConfig(1024, VisionShape(224, 32, 1280, 14), VIT_H_HEAD_WIDTH,
                                  TextShape(21128, 1024, 24, 16, 4096, 512, 2), CONTEXT_LENGTH),
    "RN50": ChineseCLIPConfig(1024, VisionShape(224, (3, 4, 6, 3), 64, None), HEAD_WIDTH,
                              TextShape(21128, 768, 3, 12, 3072, 512, 2), CONTEXT_LENGTH),
}
