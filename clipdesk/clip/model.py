"""CLIP's networks — vision transformer, modified ResNet, text transformer — and ``build_model``.

Attribute names equal the keys of OpenAI's checkpoints, so weights load without renaming, and every
hyper-parameter is read from tensor shapes (``architecture.py``). Attention runs through
``F.scaled_dot_product_attention`` on batch-first tensors, but keeps ``nn.MultiheadAttention``'s
parameter names. This module never opens a file: reading checkpoints is ``checkpoint.py``'s job.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.architecture import (
    EXTRA_KEYS,
    HEAD_WIDTH,
    CLIPConfig,
    StateDictError,
    VisionShape,
    check_keys_and_shapes,
    infer_config,
    listing,
)


class LayerNorm(nn.LayerNorm):
    """Normalises in fp32 whatever the input dtype (fp16 on GPUs), as the reference does."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.type(torch.float32)).type(x.dtype)


QUICK_GELU_SCALE = 1.702


class QuickGELU(nn.Module):
    """The sigmoid approximation of GELU that CLIP was trained with."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(QUICK_GELU_SCALE * x)


def attend(qkv: torch.Tensor, heads: int, causal: bool) -> torch.Tensor:
    """[batch, tokens, 3 * width] queries, keys and values side by side -> [batch, tokens, width]."""
    batch, tokens, width = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    q, k, v = qkv.view(batch, tokens, 3, heads, width // heads).permute(2, 0, 3, 1, 4)  # [batch, heads, tokens, hw]
    x = F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # [batch, heads, tokens, head_width]
    return x.transpose(1, 2).reshape(batch, tokens, width)


class MultiheadSelfAttention(nn.Module):
    """Self-attention with ``nn.MultiheadAttention``'s parameter names (``in_proj_weight``,
    ``in_proj_bias``, ``out_proj``), computed batch-first by ``scaled_dot_product_attention``."""

    def __init__(self, width: int, heads: int, causal: bool) -> None:
        super().__init__()
        self.heads = heads
        self.causal = causal  # text: each token sees only itself and earlier tokens
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, tokens, width]
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)  # [batch, tokens, 3 * width]
        return self.out_proj(attend(qkv, self.heads, self.causal))


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width: int, heads: int, causal: bool) -> None:
        super().__init__()
        self.attn = MultiheadSelfAttention(width, heads, causal)
        self.ln_1 = LayerNorm(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(width * 4, width)),
        ]))
        self.ln_2 = LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, tokens, width]
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, causal: bool = False) -> None:
        super().__init__()
        self.width = width
        self.layers = layers
        self.heads = heads
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, causal) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, tokens, width]
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, input_resolution: int, patch_size: int, width: int, layers: int, heads: int,
                 output_dim: int) -> None:
        super().__init__()
        self.input_resolution = input_resolution
        self.output_dim = output_dim
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        scale = width ** -0.5
        grid = input_resolution // patch_size
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, 3, resolution, resolution]
        x = self.conv1(x)  # [batch, width, grid, grid]
        x = x.flatten(2).transpose(1, 2)  # [batch, grid ** 2, width]
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)  # [batch, 1, width]
        x = torch.cat([cls, x], dim=1)  # [batch, grid ** 2 + 1, width]
        x = x + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x)
        x = self.transformer(x)
        x = self.ln_post(x[:, 0, :])  # [batch, width]: the class token
        return x @ self.proj  # [batch, output_dim]


class Bottleneck(nn.Module):
    """ResNet bottleneck; strided blocks average-pool (anti-aliasing) instead of striding a conv."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=True)
        self.avgpool = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu3 = nn.ReLU(inplace=True)
        self.downsample: nn.Sequential | None = None
        if stride > 1 or inplanes != planes * self.expansion:
            self.downsample = nn.Sequential(OrderedDict([
                ("-1", nn.AvgPool2d(stride)),
                ("0", nn.Conv2d(inplanes, planes * self.expansion, 1, bias=False)),
                ("1", nn.BatchNorm2d(planes * self.expansion)),
            ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, inplanes, h, w]
        out = self.relu1(self.bn1(self.conv1(x)))  # [batch, planes, h, w]
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.avgpool(out)  # [batch, planes, h / stride, w / stride]
        out = self.bn3(self.conv3(out))  # [batch, 4 * planes, h / stride, w / stride]
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu3(out + identity)


class AttentionPool2d(nn.Module):
    """Pools a feature map with one attention query: the mean of all positions."""

    def __init__(self, spacial_dim: int, embed_dim: int, num_heads: int, output_dim: int) -> None:
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(spacial_dim ** 2 + 1, embed_dim) / embed_dim ** 0.5)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.c_proj = nn.Linear(embed_dim, output_dim)
        self.num_heads = num_heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, channels, grid, grid]
        batch, channels = x.shape[:2]
        head_width = channels // self.num_heads
        x = x.flatten(2).transpose(1, 2)  # [batch, grid ** 2, channels]
        x = torch.cat([x.mean(dim=1, keepdim=True), x], dim=1)  # [batch, grid ** 2 + 1, channels]
        x = x + self.positional_embedding.to(x.dtype)
        tokens = x.shape[1]  # explicit, not -1: an empty batch must still reshape
        q = self.q_proj(x[:, :1]).view(batch, 1, self.num_heads, head_width).transpose(1, 2)  # [batch, heads, 1, hw]
        k = self.k_proj(x).view(batch, tokens, self.num_heads, head_width).transpose(1, 2)  # [batch, heads, tokens, hw]
        v = self.v_proj(x).view(batch, tokens, self.num_heads, head_width).transpose(1, 2)  # [batch, heads, tokens, hw]
        x = F.scaled_dot_product_attention(q, k, v)  # [batch, heads, 1, head_width]
        return self.c_proj(x.reshape(batch, channels))  # [batch, output_dim]


class ModifiedResNet(nn.Module):
    """ResNet with a three-conv stem, average pools instead of strides, and attention pooling."""

    def __init__(self, layers: tuple[int, int, int, int], output_dim: int, heads: int, input_resolution: int,
                 width: int) -> None:
        super().__init__()
        self.output_dim = output_dim
        self.input_resolution = input_resolution
        self.conv1 = nn.Conv2d(3, width // 2, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width // 2)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width // 2, width // 2, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width // 2)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(width // 2, width, kernel_size=3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.relu3 = nn.ReLU(inplace=True)
        self.avgpool = nn.AvgPool2d(2)
        self._inplanes = width  # grows as stages are added
        self.layer1 = self._make_layer(width, layers[0])
        self.layer2 = self._make_layer(width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(width * 8, layers[3], stride=2)
        self.attnpool = AttentionPool2d(input_resolution // 32, width * 32, heads, output_dim)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        layers = [Bottleneck(self._inplanes, planes, stride)]
        self._inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self._inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [batch, 3, resolution, resolution]
        x = x.type(self.conv1.weight.dtype)
        x = self.relu1(self.bn1(self.conv1(x)))  # [batch, width / 2, resolution / 2, resolution / 2]
        x = self.relu2(self.bn2(self.conv2(x)))
        x = self.relu3(self.bn3(self.conv3(x)))  # [batch, width, resolution / 2, resolution / 2]
        x = self.avgpool(x)  # [batch, width, resolution / 4, resolution / 4]
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))  # [batch, 32 * width, resolution / 32, ...]
        return self.attnpool(x)  # [batch, output_dim]


def vision_tower(vision: VisionShape, output_dim: int, head_width: int = HEAD_WIDTH
                 ) -> VisionTransformer | ModifiedResNet:
    """The image tower ``vision`` describes: a ViT when it has patches, else a modified ResNet.
    ``head_width``: 64 for every OpenAI model; Chinese-CLIP's ViT-H uses 80."""
    if vision.patch_size is not None:
        assert isinstance(vision.layers, int)
        return VisionTransformer(input_resolution=vision.image_resolution, patch_size=vision.patch_size,
                                 width=vision.width, layers=vision.layers, heads=vision.width // head_width,
                                 output_dim=output_dim)
    assert isinstance(vision.layers, tuple)
    return ModifiedResNet(layers=vision.layers, output_dim=output_dim, heads=vision.width * 32 // head_width,
                          input_resolution=vision.image_resolution, width=vision.width)


class CLIP(nn.Module):
    def __init__(self, config: CLIPConfig) -> None:
        super().__init__()
        self.config = config
        self.context_length = config.context_length
        self.vocab_size = config.vocab_size
        self.visual = vision_tower(VisionShape(config.image_resolution, config.vision_layers, config.vision_width,
                                               config.vision_patch_size), config.embed_dim)
        width = config.transformer_width
        self.transformer = Transformer(width, config.transformer_layers, config.transformer_heads, causal=True)
        self.token_embedding = nn.Embedding(config.vocab_size, width)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(config.context_length, width))
        self.ln_final = LayerNorm(width)
        self.text_projection = nn.Parameter(width ** -0.5 * torch.randn(width, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    @property
    def dtype(self) -> torch.dtype:
        """The dtype images and token embeddings are cast to: fp32 on CPU, fp16 on GPU."""
        return self.visual.conv1.weight.dtype

    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        """[batch, 3, resolution, resolution] preprocessed images -> [batch, embed_dim] features."""
        return self.visual(image.type(self.dtype))

    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        """[batch, tokens] token ids from ``tokenize`` -> [batch, embed_dim] features, read at each text's
        end-of-text token (its highest id), as the reference does. ``text_chunks.encode_text_by_length``
        gives the same features faster for many short labels."""
        if text.dim() != 2:
            raise ValueError(f"encode_text expects [batch, tokens] token ids, got shape {tuple(text.shape)}")
        if text.shape[1] > self.context_length:
            raise ValueError(f"texts of {text.shape[1]} tokens, more than this model's context length of "
                             f"{self.context_length}")
        x = self.token_embedding(text).type(self.dtype)  # [batch, tokens, width]
        x = x + self.positional_embedding[:text.shape[1]].type(self.dtype)
        x = self.transformer(x)
        x = self.ln_final(x).type(self.dtype)
        x = x[torch.arange(x.shape[0], device=x.device), text.argmax(dim=-1)]  # [batch, width]
        return x @ self.text_projection  # [batch, embed_dim]

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled cosine similarities: ([images, texts], [texts, images])."""
        image_features = self.encode_image(image)
        text_features = self.encode_text(text)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()  # [images, texts]
        return logits_per_image, logits_per_image.t()


def convert_weights(model: nn.Module) -> None:
    """Cast convolutions, linear layers, attention and projections to fp16 in place, as OpenAI did for
    GPUs; LayerNorms, BatchNorms, embeddings and ``logit_scale`` stay fp32."""

    def to_half(module: nn.Module) -> None:
        names = []
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            names = ["weight", "bias"]
        elif isinstance(module, MultiheadSelfAttention):
            names = ["in_proj_weight", "in_proj_bias"]
        for name in [*names, "text_projection", "proj"]:
            tensor = getattr(module, name, None)
            if isinstance(tensor, torch.Tensor):
                tensor.data = tensor.data.half()

    model.apply(to_half)


def build_model(state_dict: Mapping[str, torch.Tensor], round_to_fp16: bool = True,
                on_converted: Callable[[torch.Tensor], object] | None = None) -> CLIP:
    """A fp32 CLIP in eval mode holding ``state_dict``'s weights; the architecture comes from the tensor
    shapes alone. Raises ``StateDictError`` listing missing, unexpected and mis-shaped entries.

    ``round_to_fp16``: round the tensors that the reference keeps in fp16 (see ``convert_weights``) to
    fp16 precision, as the reference's ``build_model`` does before its ``load`` casts back to fp32 on
    CPU -- so a fp32 checkpoint gives the reference's numbers (OpenAI's files are fp16 already: no
    change). ``False`` keeps a fp32 checkpoint's full precision. fp32 tensors that need no rounding are
    used without a copy; the mapping itself is not modified.

    ``on_converted`` is called with each of ``state_dict``'s tensors once its fp32 copy exists: ``load``
    gives a memory-mapped file's pages back there, tensor by tensor, so the file and the fp32 model are
    never resident in full at the same time.
    """
    state = {key: value for key, value in state_dict.items() if key not in EXTRA_KEYS}
    not_tensors = sorted(key for key, value in state.items() if not isinstance(value, torch.Tensor))
    if not_tensors:
        raise StateDictError(f"entries that are not tensors: {listing(not_tensors)}")
    config = infer_config(state)
    with torch.device("meta"):  # no memory and no random init for weights that are replaced at once
        model = CLIP(config)
    check_keys_and_shapes({key: tuple(value.shape) for key, value in model.state_dict().items()}, state, config)
    if round_to_fp16:
        convert_weights(model)  # on meta: just marks which tensors the reference stores in fp16
    stored = {key: value.dtype for key, value in model.state_dict().items()}
    weights = {}
    for key, value in state.items():
        weights[key] = _as_fp32(value, stored[key])
        if on_converted is not None:
            on_converted(value)
    model.load_state_dict(weights, assign=True)
    return model.eval()


def _as_fp32(value: torch.Tensor, stored: torch.dtype) -> torch.Tensor:
    if not value.is_floating_point():
        return value  # BatchNorm's num_batches_tracked
    return value.to(stored).float()  # a no-op for fp32 -> fp32, one rounding for fp32 -> fp16 -> fp32
