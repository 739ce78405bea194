"""Chinese-CLIP's network: OpenAI's image towers (reused from ``clipdesk.clip.model``) and a BERT text
tower, and ``build_model``.

Attribute names equal the keys of the released checkpoints (``visual.*``, ``bert.*``,
``text_projection``, ``logit_scale``), so weights load without renaming. The text tower is BERT as the
reference runs it: post-LayerNorm blocks (eps 1e-12), erf GELU, an additive -10000 mask on [PAD]
keys, and the [CLS] state times ``text_projection`` as the feature (BERT's pooler is not used).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from clipdesk.clip.architecture import StateDictError, check_keys_and_shapes, listing
from clipdesk.clip.model import ModifiedResNet, VisionTransformer, vision_tower
from clipdesk.cnclip.architecture import DROPPED_PREFIXES, ChineseCLIPConfig, TextShape, infer_config

LAYER_NORM_EPS = 1e-12
MASKED = -10000.0  # what BERT adds to the attention scores of [PAD] keys
PAD_ID = 0


class BertEmbeddings(nn.Module):
    def __init__(self, text: TextShape) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(text.vocab_size, text.width)
        self.position_embeddings = nn.Embedding(text.positions, text.width)
        self.token_type_embeddings = nn.Embedding(text.token_types, text.width)
        self.LayerNorm = nn.LayerNorm(text.width, eps=LAYER_NORM_EPS)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # [batch, length] -> [batch, length, width]
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.word_embeddings(tokens) + self.position_embeddings(positions)
        x = x + self.token_type_embeddings.weight[0]  # every token is of type 0
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(width, width)
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x: [batch, length, width]; mask: [batch, 1, 1, length], 0 or ``MASKED`` per key."""
        batch, length, width = x.shape
        q, k, v = (projection(x).view(batch, length, self.heads, width // self.heads).transpose(1, 2)
                   for projection in (self.query, self.key, self.value))  # each [batch, heads, length, hw]
        x = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.dtype))
        return x.transpose(1, 2).reshape(batch, length, width)


class BertSelfOutput(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.dense = nn.Linear(width, width)
        self.LayerNorm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)

    def forward(self, attended: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(attended) + residual)


class BertAttention(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.self = BertSelfAttention(width, heads)
        self.output = BertSelfOutput(width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, width: int, intermediate: int) -> None:
        super().__init__()
        self.dense = nn.Linear(width, intermediate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))  # the erf form, as BERT's "gelu"


class BertOutput(nn.Module):
    def __init__(self, width: int, intermediate: int) -> None:
        super().__init__()
        self.dense = nn.Linear(intermediate, width)
        self.LayerNorm = nn.LayerNorm(width, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class BertLayer(nn.Module):
    def __init__(self, text: TextShape) -> None:
        super().__init__()
        self.attention = BertAttention(text.width, text.heads)
        self.intermediate = BertIntermediate(text.width, text.intermediate)
        self.output = BertOutput(text.width, text.intermediate)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        attended = self.attention(x, mask)
        return self.output(self.intermediate(attended), attended)


class BertEncoder(nn.Module):
    def __init__(self, text: TextShape) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(text) for _ in range(text.layers)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertModel(nn.Module):
    """The text tower: token ids -> the last layer's states, [PAD] keys masked out."""

    def __init__(self, text: TextShape) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(text)
        self.encoder = BertEncoder(text)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # [batch, length] -> [batch, length, width]
        x = self.embeddings(tokens)
        mask = (tokens == PAD_ID).to(x.dtype)[:, None, None, :] * MASKED  # [batch, 1, 1, length]
        return self.encoder(x, mask)


class ChineseCLIP(nn.Module):
    """Chinese-CLIP: ``encode_image``, ``encode_text`` and a forward like OpenAI's CLIP."""

    def __init__(self, config: ChineseCLIPConfig) -> None:
        super().__init__()
        self.config = config
        self.context_length = config.context_length
        self.vocab_size = config.text.vocab_size
        self.visual: VisionTransformer | ModifiedResNet = vision_tower(config.vision, config.embed_dim,
                                                                      config.vision_head_width)
        self.bert = BertModel(config.text)
        self.text_projection = nn.Parameter(torch.empty(config.text.width, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    @property
    def dtype(self) -> torch.dtype:
        return self.visual.conv1.weight.dtype

    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        """[batch, 3, resolution, resolution] preprocessed images -> [batch, embed_dim] features."""
        return self.visual(image.type(self.dtype))

    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        """[batch, tokens] token ids from ``tokenize`` -> [batch, embed_dim] features: the [CLS] state of
        the BERT tower times ``text_projection``, as the reference computes them
        (``cnclip.text_chunks.encode_text_by_length``: the same, faster for many short labels)."""
        if text.dim() != 2:
            raise ValueError(f"encode_text expects [batch, tokens] token ids, got shape {tuple(text.shape)}")
        if text.shape[1] > self.config.text.positions:
            raise ValueError(f"texts of {text.shape[1]} tokens; this model reads at most "
                             f"{self.config.text.positions}")
        states = self.bert(text).type(self.dtype)  # [batch, tokens, width]
        return states[:, 0] @ self.text_projection  # the [CLS] state

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Scaled cosine similarities: ([images, texts], [texts, images])."""
        image_features = self.encode_image(image)
        text_features = self.encode_text(text)
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()
        return logits_per_image, logits_per_image.t()


def convert_weights(model: ChineseCLIP) -> None:
    """fp16 as the reference runs on GPUs: the image tower as OpenAI's ``convert_weights`` (LayerNorms
    and BatchNorms fp32), the whole BERT tower (LayerNorms and embeddings included), both projections."""
    from clipdesk.clip.model import convert_weights as openai_convert_weights

    openai_convert_weights(model.visual)
    model.bert.half()
    model.text_projection.data = model.text_projection.data.half()


def checkpoint_state(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The release file's tensors as this network's state dict: BERT's unused pooler dropped."""
    return {key: value for key, value in state_dict.items() if not key.startswith(DROPPED_PREFIXES)}


def build_model(state_dict: Mapping[str, torch.Tensor], round_to_fp16: bool = False,
                on_converted: Callable[[torch.Tensor], object] | None = None) -> ChineseCLIP:
    """A fp32 Chinese-CLIP in eval mode holding ``state_dict``'s weights; the architecture comes from
    the shapes alone. Raises ``StateDictError`` naming missing, unexpected and mis-shaped entries.

    The released checkpoints are fp32 and are used at full precision. ``round_to_fp16=True`` rounds
    every tensor the reference keeps in fp16 through fp16 first -- what ``cn_clip.load_from_name``
    does even on a CPU -- to reproduce that loader's numbers exactly. ``on_converted``: as in
    ``clipdesk.clip.model.build_model``.
    """
    state = checkpoint_state(state_dict)
    not_tensors = sorted(key for key, value in state.items() if not isinstance(value, torch.Tensor))
    if not_tensors:
        raise StateDictError(f"entries that are not tensors: {listing(not_tensors)}")
    config = infer_config(state)
    with torch.device("meta"):
        model = ChineseCLIP(config)
    check_keys_and_shapes({key: tuple(value.shape) for key, value in model.state_dict().items()}, state, config)
    if round_to_fp16:
        convert_weights(model)
    stored = {key: value.dtype for key, value in model.state_dict().items()}
    weights = {}
    for key, value in state.items():
        weights[key] = value.to(stored[key]).float() if value.is_floating_point() else value
        if on_converted is not None:
            on_converted(value)
    model.load_state_dict(weights, assign=True)
    return model.eval()
