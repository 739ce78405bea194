"""``precision="fast"`` on a CPU that multiplies bf16 natively: a model *built from* a loaded exact one,
with its own block classes, so the exact model stays the reference's code and its ``state_dict()`` the
checkpoint's.

In every transformer block the matrix products run in bf16 (oneDNN-packed where this torch has the ops,
see ``onednn.py``) while the residual stream, LayerNorms, embeddings and projections stay fp32, so
rounding does not pile up across layers; a ViT's last block computes only the class token it is read
for. A modified-ResNet image tower runs in bf16 from its second convolution on. The converted model
shares the exact one's fp32 LayerNorms, embeddings and projections; its block weights are new bf16
tensors (the caller drops the exact model, so its fp32 block weights are freed).
"""

from __future__ import annotations

import copy
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.model import (
    CLIP,
    ModifiedResNet,
    MultiheadSelfAttention,
    ResidualAttentionBlock,
    Transformer,
    VisionTransformer,
)
from clipdesk.clip.onednn import (
    PackedPatchEmbedding,
    PackedSelfAttention,
    attend_queries,
    packed_mlp,
    packing_available,
)

LOW = torch.bfloat16


class Bf16SelfAttention(nn.Module):
    """Self-attention with bf16 copies of the projections (``F.linear`` in bf16), which can answer only
    the first ``queries`` tokens: the fast path where oneDNN's packed products are missing."""

    def __init__(self, attention: MultiheadSelfAttention) -> None:
        super().__init__()
        self.heads, self.causal = attention.heads, attention.causal
        self.in_proj_weight = nn.Parameter(attention.in_proj_weight.detach().to(LOW), requires_grad=False)
        self.in_proj_bias = nn.Parameter(attention.in_proj_bias.detach().to(LOW), requires_grad=False)
        self.out_proj = copy.deepcopy(attention.out_proj).to(LOW)

    def forward(self, x: torch.Tensor, queries: int | None = None) -> torch.Tensor:  # x: bf16 [batch, tokens, width]
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        return self.out_proj(attend_queries(qkv, self.heads, self.causal, queries))


class FastBlock(nn.Module):
    """A residual attention block: LayerNorms on the fp32 stream, products in bf16, results added back
    to the fp32 stream; ``queries`` computes only the first tokens' outputs."""

    def __init__(self, block: ResidualAttentionBlock, pack: bool) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = block.ln_1, block.ln_2  # fp32, shared with the exact block
        self.attn: nn.Module = PackedSelfAttention(block.attn) if pack else Bf16SelfAttention(block.attn)
        self.mlp: nn.Module = packed_mlp(block.mlp) if pack else copy.deepcopy(block.mlp).to(LOW)

    def forward(self, x: torch.Tensor, queries: int | None = None) -> torch.Tensor:  # x: fp32 [batch, tokens, width]
        attended = self.attn(self.ln_1(x).to(LOW), queries)
        x = x[:, :queries] + attended  # the whole stream when queries is None
        return x + self.mlp(self.ln_2(x).to(LOW))


class FastTransformer(nn.Module):
    def __init__(self, transformer: Transformer, pack: bool, release: bool = False) -> None:
        super().__init__()
        self.width, self.layers, self.heads = transformer.width, transformer.layers, transformer.heads
        self.resblocks = nn.ModuleList()
        for index in range(len(transformer.resblocks)):
            self.resblocks.append(FastBlock(cast(ResidualAttentionBlock, transformer.resblocks[index]), pack))
            if release:  # free the exact block's fp32 weights now, not after the whole model is built
                transformer.resblocks[index] = nn.Identity()

    def forward(self, x: torch.Tensor, last_queries: int | None = None) -> torch.Tensor:
        """``last_queries``: the last block computes only the first ``last_queries`` tokens' outputs."""
        for block in self.resblocks[:-1]:
            x = block(x)
        return cast(torch.Tensor, self.resblocks[-1](x, last_queries))


class FastVisionTransformer(nn.Module):
    """A ViT image tower whose last block computes only the class token (~7 % of ViT-B/32's work; on a
    CPU a one-row product rounds differently from many rows, which is why exact does not do it)."""

    def __init__(self, visual: VisionTransformer, pack: bool, release: bool = False) -> None:
        super().__init__()
        self.input_resolution, self.output_dim = visual.input_resolution, visual.output_dim
        self.conv1: nn.Module = PackedPatchEmbedding(visual.conv1) if pack else visual.conv1
        self.class_embedding, self.positional_embedding = visual.class_embedding, visual.positional_embedding
        self.ln_pre, self.ln_post, self.proj = visual.ln_pre, visual.ln_post, visual.proj
        self.transformer = FastTransformer(visual.transformer, pack, release)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, 3, resolution, resolution]
        x = self.conv1(x)  # [batch, width, grid, grid]
        x = x.flatten(2).transpose(1, 2)  # [batch, grid ** 2, width]
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.transformer(self.ln_pre(x), last_queries=1)  # [batch, 1, width]: the class token only
        return self.ln_post(x[:, 0, :]) @ self.proj


class FastModifiedResNet(nn.Module):
    """A modified-ResNet image tower in bf16 from the stem's second convolution to the attention pool.
    The first convolution stays fp32 (0.5 % of the work), so ``CLIP.dtype`` -- what images and token
    embeddings are cast to -- stays fp32 and the text tower keeps its fp32 stream; features come out fp32."""

    def __init__(self, visual: ModifiedResNet, release: bool = False) -> None:
        super().__init__()
        self.input_resolution, self.output_dim = visual.input_resolution, visual.output_dim
        self.body = (visual if release else copy.deepcopy(visual)).to(LOW)
        self.body.conv1.float()
        self.body.bn1.float()

    @property
    def conv1(self) -> nn.Conv2d:
        return self.body.conv1

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, 3, resolution, resolution]
        body = self.body
        x = body.relu1(body.bn1(body.conv1(x.float())))
        x = x.to(LOW)
        x = body.relu2(body.bn2(body.conv2(x)))
        x = body.avgpool(body.relu3(body.bn3(body.conv3(x))))
        x = body.layer4(body.layer3(body.layer2(body.layer1(x))))
        return cast(torch.Tensor, body.attnpool(x)).float()


def fast_vision_tower(visual: nn.Module, pack: bool, release: bool = False) -> nn.Module:
    if isinstance(visual, VisionTransformer):
        return FastVisionTransformer(visual, pack, release)
    if isinstance(visual, ModifiedResNet):
        return FastModifiedResNet(visual, release)
    raise TypeError(f"no fast version of the image tower {type(visual).__name__}")


class FastCLIP(CLIP):
    """``CLIP``'s interface (``encode_image``, ``encode_text``, forward: the reference's code) over fast
    towers. Not made by ``CLIP.__init__``: built from an exact model by :func:`to_fast`."""

    def __init__(self, exact: CLIP, pack: bool, release: bool = False) -> None:
        nn.Module.__init__(self)
        self.config, self.context_length, self.vocab_size = exact.config, exact.context_length, exact.vocab_size
        self.visual = fast_vision_tower(exact.visual, pack, release)  # type: ignore[assignment]
        self.transformer = FastTransformer(exact.transformer, pack, release)  # type: ignore[assignment]
        self.token_embedding, self.positional_embedding = exact.token_embedding, exact.positional_embedding
        self.ln_final, self.text_projection, self.logit_scale = exact.ln_final, exact.text_projection, exact.logit_scale
        self.eval()


def to_fast(model: CLIP, pack: bool | None = None, release: bool = False) -> FastCLIP:
    """The fast model built from ``model`` (fp32, as ``build_model`` made it), which is left unchanged
    -- unless ``release``: a loader that drops ``model`` afterwards lets each part go as soon as it is
    converted, so memory never holds both models (``model`` is unusable after). ``pack``:
    oneDNN-packed products (default: where this torch has them and they agree with F.linear)."""
    return FastCLIP(model, packing_available() if pack is None else pack, release)
