"""Chinese-CLIP's WordPiece tokenizer: text -> the token ids ``cn_clip.clip.tokenize`` gives, for any string.

The pipeline of Google's BERT tokenizer, which Chinese-CLIP uses with the 21,128-entry Chinese BERT
vocabulary (``resources/chinese_wordpiece_vocab.txt``); every step is needed for identical ids:

1. clean: drop NUL, U+FFFD and control/format characters (categories Cc, Cf; tab and line breaks
   count as whitespace), turn every whitespace character into a space;
2. put spaces around each CJK ideograph, so every Chinese character is a word of its own;
3. split on whitespace; per word: lower-case, strip accents (NFD, drop combining marks), split off
   each punctuation character (ASCII symbols count as punctuation);
4. WordPiece: greedy longest match from the left against the vocab, continuations prefixed ``##``;
   a word with no full cover, or longer than 200 characters, is one ``[UNK]``.

Rows are ``[CLS] ids[:context - 2] [SEP]`` padded with ``[PAD]`` (0): a long text is cut before its
end marker, as the reference cuts it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from clipdesk.resource_files import resource_path

if TYPE_CHECKING:
    import torch

VOCAB_FILE = "chinese_wordpiece_vocab.txt"
CONTEXT_LENGTH = 52  # what every released Chinese-CLIP model was trained with
PAD, UNK, CLS, SEP = "[PAD]", "[UNK]", "[CLS]", "[SEP]"
CONTINUATION = "##"
MAX_WORD_CHARS = 200  # longer words are one [UNK], as in BERT
_WORD_CACHE_SIZE = 100_000

# The CJK Unified Ideographs blocks BERT splits into single characters (not kana, not hangul).
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
               (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    return char not in "\t\n\r" and unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True  # every ASCII symbol, e.g. "$" and "^", which Unicode does not call punctuation
    return unicodedata.category(char).startswith("P")


def basic_words(text: str) -> list[str]:
    """Steps 1-3: the words and punctuation marks WordPiece then splits further."""
    cleaned = []
    for char in text:
        if char in "\x00\ufffd" or _is_control(char):
            continue
        if _is_whitespace(char):
            cleaned.append(" ")
        elif is_cjk(char):
            cleaned.append(f" {char} ")
        else:
            cleaned.append(char)
    words: list[str] = []
    for word in "".join(cleaned).split():  # str.split, as BERT: it also splits at U+2028, U+001C...
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        words.extend(_split_punctuation(word))
    return " ".join(words).split()  # accent stripping may have left a word empty or spaced


def _split_punctuation(word: str) -> list[str]:
    pieces: list[str] = []
    start_new = True
    for char in word:
        if _is_punctuation(char):
            pieces.append(char)
            start_new = True
        else:
            if start_new:
                pieces.append("")
            start_new = False
            pieces[-1] += char
    return pieces


def read_vocab(path: str) -> dict[str, int]:
    """Token -> id: one token per line, stripped; a repeated token keeps its last line (as BERT's loader)."""
    vocab: dict[str, int] = {}
    with open(path, encoding="utf-8") as file:
        for index, line in enumerate(file):
            vocab[line.strip()] = index
    return vocab


class WordPieceTokenizer:
    """Encodes text to Chinese BERT token ids; per-word results are kept in a bounded cache."""

    def __init__(self, vocab_path: str | None = None) -> None:
        self.vocab = read_vocab(vocab_path or str(resource_path(VOCAB_FILE)))
        self.pad_token, self.unk_token = self.vocab[PAD], self.vocab[UNK]
        self.cls_token, self.sep_token = self.vocab[CLS], self.vocab[SEP]
        self._pieces = lru_cache(maxsize=_WORD_CACHE_SIZE)(self._word_pieces)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` without [CLS]/[SEP]."""
        ids: list[int] = []
        for word in basic_words(text):
            ids.extend(self._pieces(word))
        return ids

    def _word_pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk_token,)
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else CONTINUATION + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    start = end
                    break
            else:  # no piece of the vocab starts here: the whole word is unknown
                return (self.unk_token,)
        return tuple(pieces)


@lru_cache(maxsize=1)
def default_tokenizer() -> WordPieceTokenizer:
    """The tokenizer over the shipped vocab, built once on first use."""
    return WordPieceTokenizer()


def _as_list(texts: str | Sequence[str]) -> list[str]:
    return [texts] if isinstance(texts, str) else list(texts)


def token_lengths(texts: str | Sequence[str]) -> list[int]:
    """Tokens each text really uses, [CLS] and [SEP] included (before any truncation)."""
    tokenizer = default_tokenizer()
    return [len(tokenizer.encode(text)) + 2 for text in _as_list(texts)]


def tokenize(texts: str | Sequence[str], context_length: int = CONTEXT_LENGTH) -> torch.Tensor:
    """Token ids of one text or a list of texts as a ``[len(texts), context_length]`` int64 tensor,
    exactly as ``cn_clip.clip.tokenize``: a text that does not fit is cut (never an error)."""
    return tokenize_reporting_truncation(_as_list(texts), context_length)[0]


def tokenize_reporting_truncation(texts: Sequence[str], context_length: int = CONTEXT_LENGTH
                                  ) -> tuple[torch.Tensor, list[bool]]:
    """``tokenize(texts)`` and, per text, whether it was cut to fit ``context_length``."""
    import torch

    if context_length < 2:
        raise ValueError(f"context length {context_length} leaves no room for [CLS] and [SEP]")
    tokenizer = default_tokenizer()
    rows, cut = [], []
    for text in texts:
        ids = tokenizer.encode(text)
        cut.append(len(ids) > context_length - 2)
        row = [tokenizer.cls_token, *ids[:context_length - 2], tokenizer.sep_token]
        rows.append(row + [tokenizer.pad_token] * (context_length - len(row)))
    if not rows:
        return torch.zeros(0, context_length, dtype=torch.long), cut
    return torch.tensor(rows, dtype=torch.long), cut
