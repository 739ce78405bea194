"""What ``clipdesk bench`` measures with: the model's weights (the cached file, or random weights of
the same architecture), typical labels, and camera-sized JPEGs when the user gives no folder.

Everything is generated from fixed seeds, so two runs (or two machines) measure the same work.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

_THINGS = ("dog", "cat", "horse", "bird", "car", "bicycle", "train", "boat", "plane", "tree", "flower",
           "house", "bridge", "beach", "mountain", "river", "street", "kitchen", "bedroom", "office",
           "receipt", "invoice", "envelope", "letter", "book", "laptop", "phone", "cup", "bottle",
           "plate of food", "birthday cake", "child", "man", "woman", "group of people", "crowd",
           "screenshot", "diagram", "map", "painting")
_QUALITIES = ("", "red ", "old ", "small ", "blurry ")
PROMPT = "a photo of a {}."
CHINESE_PROMPT = "一张{}的照片。"
_CHINESE_THINGS = ("狗", "猫", "马", "鸟", "汽车", "自行车", "火车", "船", "飞机", "树", "花", "房子", "桥", "海滩",
                   "山", "河", "街道", "厨房", "卧室", "办公室", "收据", "发票", "红包", "信", "书", "笔记本电脑",
                   "手机", "杯子", "瓶子", "一盘菜", "生日蛋糕", "孩子", "男人", "女人", "一群人", "人群", "截图",
                   "图表", "地图", "油画")
_CHINESE_QUALITIES = ("", "红色的", "旧的", "小", "模糊的")


def typical_labels(count: int) -> list[str]:
    """``count`` distinct short labels like the ones people type ("dog", "red envelope", "old map")."""
    labels = [quality + thing for quality in _QUALITIES for thing in _THINGS]
    while len(labels) < count:  # more than 200: numbered variants, still short
        labels.append(f"{_THINGS[len(labels) % len(_THINGS)]} number {len(labels)}")
    return labels[:count]


def typical_chinese_labels(count: int) -> list[str]:
    """The same, as a Chinese-speaking user types them ("猫", "红色的汽车", "旧的地图")."""
    labels = [quality + thing for quality in _CHINESE_QUALITIES for thing in _CHINESE_THINGS]
    while len(labels) < count:
        labels.append(f"第{len(labels)}号{_CHINESE_THINGS[len(labels) % len(_CHINESE_THINGS)]}")
    return labels[:count]


def typical_prompts(count: int, chinese: bool = False) -> list[str]:
    if chinese:
        return [CHINESE_PROMPT.format(label) for label in typical_chinese_labels(count)]
    return [PROMPT.format(label) for label in typical_labels(count)]


def chinese_release_name(model: str) -> str | None:
    """``CN-CLIP/ViT-B-16`` (any case) -> ``ViT-B-16``; None for anything else."""
    from clipdesk.cnclip.architecture import RELEASED
    from clipdesk.weights.registry import CN_CLIP_PREFIX

    name = model.strip()
    if not name.casefold().startswith(CN_CLIP_PREFIX.casefold()):
        return None
    wanted = name[len(CN_CLIP_PREFIX):].casefold()
    return next((release for release in RELEASED if release.casefold() == wanted), None)


@dataclass(frozen=True)
class Weights:
    path: Path
    real: bool  # False: random weights of the named architecture, in a temporary file
    description: str


def cached_weights(model: str) -> Path | None:
    """The verified file of ``model`` in the weights cache, or None -- never downloads."""
    from clipdesk.weights import list_models
    from clipdesk.weights.cache import CACHED

    try:
        entries = list_models()
    except Exception:  # noqa: BLE001 - an unreadable registry just means "not cached"
        return None
    for entry in entries:
        if entry.spec.name.casefold() == model.strip().casefold() and entry.state == CACHED:
            return entry.path
    return None


def choose_weights(model: str, scratch: Path) -> Weights:
    """The real weights (a checkpoint path, or a cached model), else random weights of the named
    architecture written to ``scratch``. Raises ValueError for an unknown name that is not a file."""
    given = Path(model).expanduser()
    if given.is_file():
        return Weights(given, True, f"checkpoint {given}")
    cached = cached_weights(model)
    if cached is not None:
        return Weights(cached, True, f"{model} (cached weights)")
    chinese = chinese_release_name(model)
    if chinese is not None:
        path = scratch / f"clip_cn_{chinese.lower()}-random.pt"
        write_random_chinese_checkpoint(chinese, path)
        return Weights(path, False, f"CN-CLIP/{chinese} architecture with RANDOM weights (real weights not "
                                    "cached; speed is the same, labels are meaningless)")
    from clipdesk.clip.architecture import RELEASED as OPENAI_RELEASES
    from clipdesk.cnclip.architecture import RELEASED as CHINESE_RELEASES

    name = next((key for key in OPENAI_RELEASES if key.casefold() == model.strip().casefold()), None)
    if name is None:
        from clipdesk.weights.registry import CN_CLIP_PREFIX

        raise ValueError(f"unknown model {model!r}: give a checkpoint file or one of "
                         f"{', '.join([*OPENAI_RELEASES, *(CN_CLIP_PREFIX + n for n in CHINESE_RELEASES)])}")
    path = scratch / (name.replace("/", "-").replace("@", "-") + "-random.pt")
    write_random_checkpoint(name, path)
    return Weights(path, False, f"{name} architecture with RANDOM weights (real weights not cached; "
                                "speed is the same, labels are meaningless)")


def write_random_checkpoint(name: str, path: Path, seed: int = 0) -> Path:
    """A checkpoint of the architecture ``name`` with seeded random weights, in the format OpenAI
    released theirs: a TorchScript archive (the model traced) with fp16 convolutions, linear layers
    and projections -- so both clipdesk's and the reference's loaders do what they do with the real
    file, and loading costs what it costs then."""
    import torch

    from clipdesk.clip.architecture import RELEASED
    from clipdesk.clip.model import CLIP, convert_weights

    torch.manual_seed(seed)
    model = CLIP(RELEASED[name]).eval()
    resolution = model.visual.input_resolution
    example = (torch.zeros(1, 3, resolution, resolution), torch.zeros(1, model.context_length, dtype=torch.long))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings (data-dependent shapes: never run), jit deprecation
        traced = torch.jit.trace(model, example, check_trace=False)
        convert_weights(model)  # the traced module holds the same parameters: fp16 as in OpenAI's files
        torch.jit.save(traced, str(path))
    return path


def write_random_chinese_checkpoint(name: str, path: Path, seed: int = 0) -> Path:
    """A Chinese-CLIP checkpoint of the released architecture ``name`` with seeded random fp32 weights,
    saved as OFA-Sys saved theirs: ``{"epoch", "step", "state_dict"}`` with ``module.`` keys."""
    import torch

    from clipdesk.cnclip.architecture import RELEASED
    from clipdesk.cnclip.model import ChineseCLIP

    generator = torch.Generator().manual_seed(seed)
    with torch.device("meta"):
        meta_state = ChineseCLIP(RELEASED[name]).state_dict()
    shapes = {key: (tuple(value.shape), value.dtype) for key, value in meta_state.items()}
    state = {}
    for key, (shape, dtype) in shapes.items():
        if not dtype.is_floating_point:
            state[f"module.{key}"] = torch.zeros(shape, dtype=dtype)
        elif key.endswith("running_var"):
            state[f"module.{key}"] = torch.rand(shape, generator=generator) + 0.5
        elif "LayerNorm.weight" in key or key.endswith(("ln_pre.weight", "ln_post.weight")):
            state[f"module.{key}"] = torch.ones(shape) + 0.02 * torch.randn(shape, generator=generator)
        else:
            state[f"module.{key}"] = 0.02 * torch.randn(shape, generator=generator)
    state["module.logit_scale"] = torch.tensor(4.6052)
    torch.save({"epoch": 0, "step": 0, "state_dict": state}, path)
    return path


def write_camera_photos(folder: Path, count: int, size: tuple[int, int] = (4000, 3000),
                        quality: int = 92) -> list[Path]:
    """``count`` different JPEGs the size of a phone camera's (12 MP by default, about 3 MB each):
    smooth colour fields over edges, texture and sensor-like grain, so decoding and resampling cost
    what real photos cost. The texture is made once and shifted per photo (generation stays cheap)."""
    import numpy as np
    from PIL import Image, ImageChops, ImageFilter

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12)
    detail = Image.fromarray(rng.integers(0, 256, (size[1] // 6, size[0] // 6, 3), dtype=np.uint8))
    detail = detail.resize(size, Image.Resampling.BILINEAR).filter(ImageFilter.FIND_EDGES)
    texture = Image.blend(detail, Image.effect_noise(size, 40).convert("RGB"), 0.35)
    paths = []
    for index in range(count):
        coarse = np.random.default_rng(index).integers(0, 256, (6, 8, 3), dtype=np.uint8)  # colour regions
        base = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
        shifted = ImageChops.offset(texture, 97 * index, 61 * index)
        path = folder / f"photo-{index:03d}.jpg"
        Image.blend(base, shifted, 0.3).save(path, "JPEG", quality=quality)
        paths.append(path)
    return paths


def scratch_folder() -> tempfile.TemporaryDirectory:
    """A temporary folder for generated weights and photos, removed when the benchmark ends."""
    base = os.environ.get("CLIPDESK_BENCH_TMP") or None
    return tempfile.TemporaryDirectory(prefix="clipdesk-bench-", dir=base)
