"""Tiny random Chinese-CLIP checkpoints, built with the reference (``cn-clip``, test-only) and saved the way
the release files are: ``torch.save({"epoch", "step", "state_dict"})`` with ``module.``-prefixed keys and
BERT's unused pooler included. Every parameter gets seeded noise, so a wrong mapping cannot hide.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from cn_clip.clip import model as reference_model

VOCAB_SIZE = 21128  # the real vocabulary, so real Chinese strings can be encoded


@dataclass(frozen=True)
class TinyCNConfig:
    """Keyword arguments of the reference ``cn_clip`` ``CLIP`` constructor, at reduced width."""

    embed_dim: int
    image_resolution: int
    vision_layers: int | tuple[int, int, int, int]
    vision_width: int
    vision_patch_size: int | None
    vision_head_width: int = 64
    text_hidden_size: int = 128
    text_num_hidden_layers: int = 2
    text_intermediate_size: int = 256
    text_max_position_embeddings: int = 64
    extra: dict = field(default_factory=dict)

    def kwargs(self) -> dict:
        return {"embed_dim": self.embed_dim, "image_resolution": self.image_resolution,
                    "vision_layers": self.vision_layers, "vision_width": self.vision_width,
                    "vision_patch_size": self.vision_patch_size, "vocab_size": VOCAB_SIZE,
                    "text_attention_probs_dropout_prob": 0.1, "text_hidden_act": "gelu",
                    "text_hidden_dropout_prob": 0.1,
                    "text_hidden_size": self.text_hidden_size, "text_initializer_range": 0.02,
                    "text_intermediate_size": self.text_intermediate_size,
                    "text_max_position_embeddings": self.text_max_position_embeddings,
                    "text_num_attention_heads": self.text_hidden_size // 64,
                    "text_num_hidden_layers": self.text_num_hidden_layers, "text_type_vocab_size": 2,
                    "vision_head_width": self.vision_head_width}


# Every vision/text pairing of the releases, shrunk: ViT-B/L (64-wide heads) with a base-like text
# tower, ViT-H's 80-wide heads with a large-like one (wider, deeper), RN50 with RBT3's 3 layers.
TINY_CN_CONFIGS: dict[str, TinyCNConfig] = {
    "vit-base": TinyCNConfig(embed_dim=32, image_resolution=32, vision_layers=2, vision_width=128,
                             vision_patch_size=16),
    "vit-h-large": TinyCNConfig(embed_dim=48, image_resolution=28, vision_layers=2, vision_width=160,
                                vision_patch_size=14, vision_head_width=80, text_hidden_size=192,
                                text_num_hidden_layers=3, text_intermediate_size=384),
    "rn50-rbt3": TinyCNConfig(embed_dim=32, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=8,
                              vision_patch_size=None, text_num_hidden_layers=3),
    "resnet-deep": TinyCNConfig(embed_dim=40, image_resolution=96, vision_layers=(2, 1, 2, 1), vision_width=8,
                                vision_patch_size=None, text_max_position_embeddings=52),
}


def make_reference_cn_model(config: TinyCNConfig, seed: int = 0) -> torch.nn.Module:
    """A reference ``cn_clip`` CLIP in fp32, eval mode, every parameter and BatchNorm statistic perturbed."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = reference_model.CLIP(**config.kwargs())
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name != "logit_scale":
                parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.02)
        for name, buffer in model.named_buffers():
            if buffer.is_floating_point() and "running_var" in name:
                buffer.uniform_(0.5, 1.5, generator=generator)
            elif buffer.is_floating_point() and "running_mean" in name:
                buffer.normal_(0.0, 0.1, generator=generator)
    return model.eval()


def save_release_format(model: torch.nn.Module, path: Path) -> Path:
    """As OFA-Sys saved the released files: a training checkpoint of the DataParallel-wrapped model."""
    state = {f"module.{key}": value.clone() for key, value in model.state_dict().items()}
    width = model.bert_config.hidden_size
    state["module.bert.pooler.dense.weight"] = torch.randn(width, width)
    state["module.bert.pooler.dense.bias"] = torch.randn(width)
    torch.save({"epoch": 30, "step": 12345, "state_dict": state}, path)
    return path
