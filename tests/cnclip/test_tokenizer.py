"""The WordPiece tokenizer gives ``cn_clip.clip.tokenize``'s ids for any string a person may type."""

from __future__ import annotations

import random
import warnings

import pytest
import torch

from clipdesk.cnclip.tokenizer import CONTEXT_LENGTH, token_lengths, tokenize, tokenize_reporting_truncation

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import cn_clip.clip as reference

ALPHABETS = [
    "红包猫狗照片一张的。，！？「」《》（）、；：", "繁體中文龍門鬥臺灣", "abcdefgXYZ ÀÉÎõüñçÅ",
    "０１２ＡＢＣａｂｃ！？＃",
    "😀🎉👍🏽‍♂️🇨🇳", " \t\n\r\u3000\u2028\u00a0\x00\ufffd\u200b\u00ad\x1c\x85", "$^+=<>|~`@#%&*_-[]{}",
    "ひらがなカタカナ한국어", "İıßﬁ℃№Ⅻ", "𠀀𠀁𪜀\U0002b740", "٠١٢مرحباשלום", "0123456789.,'\"",
]


def mixed_strings(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(rng.choice(ALPHABETS)) for _ in range(rng.randint(0, 70))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(3))
def test_ids_equal_the_reference_on_thousands_of_mixed_strings(seed):
    texts = mixed_strings(2000, seed)
    assert torch.equal(tokenize(texts), reference.tokenize(texts))


@pytest.mark.parametrize("text", [
    "一张红包的照片。", "a photo of a CAT", "Café crème brûlée", "unaffable", "ＡＢＣ１２３", "[PAD] [CLS]",
    "", "   ", "x" * 300, "supercalifragilistic" * 12, "中" * 80, "猫" * 50 + "狗" * 5,
])
def test_ids_equal_the_reference_on_edge_cases(text):
    for context in (CONTEXT_LENGTH, 10, 77):
        assert torch.equal(tokenize(text, context_length=context), reference.tokenize(text, context_length=context))


def test_a_long_label_is_cut_before_sep_and_reported():
    tokens, cut = tokenize_reporting_truncation(["猫" * 60, "猫" * 50, "猫" * 51], 52)
    assert cut == [True, False, True]
    assert tokens[0, -1].item() == tokens[1, 51].item()  # [SEP] last
    assert token_lengths(["猫" * 60])[0] == 62


def test_an_empty_list_gives_an_empty_tensor():
    assert tokenize([]).shape == (0, CONTEXT_LENGTH)
