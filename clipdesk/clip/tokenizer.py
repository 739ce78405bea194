"""CLIP's byte-level BPE tokenizer: text -> the token ids OpenAI's ``clip.tokenize`` gives, for any string.

The pipeline (every step is needed for identical ids):

1. clean: ``ftfy.fix_text`` (repairs mojibake, strips terminal escapes and control characters), HTML
   entities unescaped twice (scraped captions were often double-escaped), whitespace runs collapsed to
   one space, ends stripped, lower-cased;
2. split into words with one regex (the two special markers, English contractions, runs of letters,
   single digits, runs of other symbols);
3. encode each word's UTF-8 bytes as printable characters (one per byte) and merge neighbouring symbols
   by the ranked merge list of ``bpe_simple_vocab_16e6.txt.gz`` until no ranked pair is left; the last
   symbol of a word carries the end-of-word marker ``</w>``.

The vocab is read lazily on first use; per-word BPE results are kept in a bounded cache because
captions and prompt templates repeat the same words over and over.
"""

from __future__ import annotations

import gzip
import html
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import ftfy
import regex

from clipdesk.resource_files import resource_path

if TYPE_CHECKING:
    import torch

VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"
START_OF_TEXT = "<|startoftext|>"
END_OF_TEXT = "<|endoftext|>"
END_OF_WORD = "</w>"
VOCAB_SIZE = 49408  # 256 byte symbols, 256 end-of-word byte symbols, 48894 merges, 2 markers
_MERGE_COUNT = VOCAB_SIZE - 2 * 256 - 2
_WORD_CACHE_SIZE = 100_000  # distinct words kept; an English caption corpus rarely needs more

# IGNORECASE matters even after lower-casing: e.g. "'ſ" (long s) matches the contraction "'s".
_WORD_PATTERN = regex.compile(
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+",
    regex.IGNORECASE,
)
_WHITESPACE_RUN = regex.compile(r"\s+")  # the `regex` module's idea of \s, not `re`'s


@lru_cache(maxsize=1)
def byte_symbols() -> tuple[str, ...]:
    """The character that stands for each byte value 0..255 inside BPE symbols.

    Bytes that are printable Latin-1 characters stand for themselves; the others (controls, space,
    NBSP, soft hyphen) are shifted to code points 256.. so no symbol is whitespace or a control.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [b for b in range(256) if b not in printable]
    symbol = {b: chr(b) for b in printable}
    symbol.update({b: chr(256 + k) for k, b in enumerate(shifted)})
    return tuple(symbol[b] for b in range(256))


@lru_cache(maxsize=4)
def _read_merges(path: str) -> tuple[tuple[str, str], ...]:
    """The ranked merge pairs, best first (the file's first line is a version header)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")[1 : _MERGE_COUNT + 1]
    merges = []
    for line in lines:
        first, second = line.split()
        merges.append((first, second))
    if len(merges) != _MERGE_COUNT:
        raise ValueError(f"{path}: expected {_MERGE_COUNT} BPE merges, found {len(merges)}")
    return tuple(merges)


def clean_text(text: str) -> str:
    """The normalisation CLIP was trained with: fixed Unicode, entities resolved, one space, lower case."""
    # ftfy only changes non-ASCII text, control characters, line breaks and HTML entities, so printable
    # ASCII without "&" (most labels and prompts) skips its ~40 us per call. Tested against ftfy itself.
    if not (text.isascii() and text.isprintable() and "&" not in text):
        text = html.unescape(html.unescape(ftfy.fix_text(text)))
    return _WHITESPACE_RUN.sub(" ", text.strip()).strip().lower()


def _merge_pair(symbols: list[str], first: str, second: str) -> list[str]:
    """Replace every non-overlapping ``first second`` neighbour pair, scanning left to right."""
    merged: list[str] = []
    i, n = 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == first and symbols[i + 1] == second:
            merged.append(first + second)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


class SimpleTokenizer:
    """Encode text to CLIP token ids and decode them back; same interface as OpenAI's ``SimpleTokenizer``."""

    def __init__(self, bpe_path: str | os.PathLike[str] | None = None, cache_size: int = _WORD_CACHE_SIZE):
        path = str(bpe_path if bpe_path is not None else resource_path(VOCAB_FILE))
        merges = _read_merges(path)
        symbols = byte_symbols()
        base = sorted(symbols, key=ord)  # ids 0..255: printable bytes first, then the shifted ones
        vocab = base + [s + END_OF_WORD for s in base] + [a + b for a, b in merges] + [START_OF_TEXT, END_OF_TEXT]
        self.encoder: dict[str, int] = {token: i for i, token in enumerate(vocab)}
        self.decoder: dict[int, str] = dict(enumerate(vocab))
        self.bpe_ranks: dict[tuple[str, str], int] = {pair: rank for rank, pair in enumerate(merges)}
        self._merges = merges
        self.sot_token: int = self.encoder[START_OF_TEXT]
        self.eot_token: int = self.encoder[END_OF_TEXT]
        # str.translate tables: Latin-1 char of a byte <-> its BPE symbol.
        self._to_symbols = {b: symbols[b] for b in range(256)}
        self._to_bytes = {ord(symbols[b]): b for b in range(256)}
        self._word_ids = lru_cache(maxsize=cache_size)(self._word_ids_uncached)

    def bpe(self, symbols: str) -> list[str]:
        """Merge a word (already in byte symbols) into vocab tokens; the last one ends with ``</w>``."""
        parts = list(symbols[:-1]) + [symbols[-1] + END_OF_WORD]
        ranks, merges = self.bpe_ranks, self._merges
        unranked = len(merges)
        while len(parts) > 1:
            best = min([ranks.get(pair, unranked) for pair in zip(parts, parts[1:])])
            if best == unranked:
                break
            parts = _merge_pair(parts, *merges[best])
        return parts

    def _word_ids_uncached(self, word: str) -> tuple[int, ...]:
        if word == START_OF_TEXT or word == END_OF_TEXT:  # written literally in the text: the marker itself
            return (self.encoder[word],)
        symbols = word.encode("utf-8").decode("latin-1").translate(self._to_symbols)
        return tuple(self.encoder[token] for token in self.bpe(symbols))

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, without the start/end markers."""
        if not isinstance(text, str):
            raise TypeError(f"expected a string to tokenize, got {type(text).__name__}")
        ids: list[int] = []
        for word in _WORD_PATTERN.findall(clean_text(text)):
            ids.extend(self._word_ids(word))
        return ids

    def decode(self, tokens: Sequence[int]) -> str:
        """Text of token ids; each end of word becomes a space, invalid UTF-8 becomes U+FFFD."""
        symbols = "".join(self.decoder[int(t)] for t in tokens)
        data = symbols.translate(self._to_bytes).encode("latin-1")
        return data.decode("utf-8", errors="replace").replace(END_OF_WORD, " ")


@lru_cache(maxsize=1)
def default_tokenizer() -> SimpleTokenizer:
    """The tokenizer over the shipped vocab, built once on first use."""
    return SimpleTokenizer()


def _as_list(texts: str | Sequence[str]) -> list[str]:
    return [texts] if isinstance(texts, str) else list(texts)


def token_lengths(texts: str | Sequence[str]) -> list[int]:
    """Number of tokens each text really uses, start and end markers included (before any truncation).

    ``min(length, context_length)`` is how many leading positions of its ``tokenize`` row are not padding.
    """
    tokenizer = default_tokenizer()
    return [len(tokenizer.encode(text)) + 2 for text in _as_list(texts)]


def tokenize(texts: str | Sequence[str], context_length: int = 77, truncate: bool = False) -> torch.Tensor:
    """Token ids of one text or a list of texts as a ``[len(texts), context_length]`` int64 tensor.

    Rows are ``<|startoftext|> ... <|endoftext|>`` padded with zeros. A text that does not fit raises
    ``RuntimeError`` unless ``truncate=True``, which cuts it and keeps end-of-text as the last token.
    """
    texts = _as_list(texts)
    tokens, cut = tokenize_reporting_truncation(texts, context_length)
    if not truncate and any(cut):
        raise RuntimeError(f"Input {texts[cut.index(True)]} is too long for context length {context_length}")
    return tokens


def tokenize_reporting_truncation(texts: Sequence[str], context_length: int = 77
                                  ) -> tuple[torch.Tensor, list[bool]]:
    """``tokenize(texts, truncate=True)`` and, per text, whether it was cut: one tokenizer pass for a
    caller that must both encode prompts and warn about the ones too long for the context."""
    import torch  # torch only when tensors are asked for; encoding itself does not need it

    tokenizer = default_tokenizer()
    rows, cut = [], []
    for text in texts:
        ids = [tokenizer.sot_token, *tokenizer.encode(text), tokenizer.eot_token]
        cut.append(len(ids) > context_length)
        if cut[-1]:
            ids = ids[:context_length]
            ids[-1] = tokenizer.eot_token
        rows.append(ids + [0] * (context_length - len(ids)))
    if not rows:
        return torch.zeros(0, context_length, dtype=torch.long), cut
    return torch.tensor(rows, dtype=torch.long), cut
