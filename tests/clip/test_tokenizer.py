"""The tokenizer gives exactly the ids of OpenAI's reference for every kind of text a user may type."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import warnings

import pytest
import torch

from clipdesk.clip.tokenizer import VOCAB_FILE, SimpleTokenizer, default_tokenizer, token_lengths, tokenize
from clipdesk.resource_files import resource_path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # clip-anytorch imports the deprecated pkg_resources
    import clip as reference
    from clip.simple_tokenizer import SimpleTokenizer as ReferenceTokenizer

ALPHABETS = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789٠١٢٣४५६²½Ⅻ",
    "punctuation": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»„“”‘’—–…¿¡·•©®™°§¶",
    "latin_accents": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœŒÉÀÇÑŠŽłŁđĐőűğışİſ",
    "combining": "e\u0301a\u0300o\u0308n\u0303\u0327\u20dd",
    "greek_cyrillic": "αβγδεζηθΣΩλπφψωабвгдеёжзийклмнопрстуфхцчшщъыьэюяЖЩ",
    "rtl": "العربيةשלוםעברית",
    "indic_thai": "हिन्दीதமிழ்ภาษาไทย",
    "cjk": "中文字符漢字日本語汉语大家好你好世界",
    "kana_hangul": "ひらがなカタカナﾊﾝｶｸ한국어조선말",
    "fullwidth": "ＡＢＣａｂｃ１２３！？",
    "emoji": ["😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🐶", "🍕", "☃", "✨", "🏳️‍🌈", "🤷‍♀️"],
    "entities": ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&amp;amp;", "&amp;lt;", "&nbsp;",
                 "&eacute;", "&#128512;", "&foo;", "&", "&#", "&amp;#39;", "&AMP;", "&copy"],
    "whitespace": [" ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\u00a0", "\u200b", "\u3000",
                   "\u2028", "\u2029", "\x85", "\x1c", "\x1f", "\u2009", "\ufeff", "\u200d", "\u180e"],
    "control": ["\x00", "\x07", "\x08", "\x1b", "\x1b[31m", "\x1b[0m", "\x7f", "\x9b", "\ufffd", "\ud800"],
    "markers": ["<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>", "<|endoftext", "|>"],
    "contractions": ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "n't", "’s", "'ſ", "''"],
}
MOJIBAKE_SOURCES = ["café", "naïve façade", "don’t", "—", "São Paulo", "Ünïcödé", "日本", "😀 smile", "€100"]
HARD_CASES = [
    "", " ", "\n\t ", "a", "A photo of a dog.", "a photo of a {}", "It's a cat, isn't it? They'll've gone.",
    "Hello, World!!!", "1234567890", "3.14159e-10", "$1,000,000.00", "user@example.com",
    "https://example.com/a?b=c&d=e#f", "C++ / C# / F#", "#hashtag @mention", "snake_case_words",
    "Ã©tÃ©", "donâ€™t", "Ã¢â‚¬â„¢", "The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.", "ï»¿BOM",
    "&amp;amp;amp;", "&lt;b&gt;bold&lt;/b&gt;", "Tom &amp; Jerry", "&#x1F600;",
    "caf\u00e9 vs cafe\u0301", "ﬁnancial ﬂow", "Ａｍａｚｏｎ", "İstanbul", "ǅ ǆ Ǆ", "ß ẞ",
    "中文 字符 😀👍🏽", "日本語のテキスト", "한국어 텍스트", "Привет, мир!", "مرحبا بالعالم", "שלום עולם",
    "\u00a0nbsp\u00a0", "zero\u200bwidth", "tab\tsep\tvalues", "line\nbreaks\r\nhere", "\x00null\x00",
    "\x1b[1;31mred text\x1b[0m", "<|startoftext|>", "<|endoftext|>", "a<|endoftext|>b",
    "x" * 300, "supercalifragilisticexpialidocious" * 3, "🙂" * 80, "ab" * 100, "!" * 50,
    "lone \ud800 surrogate", "\ud83d\ude00 paired surrogates", "\U0010ffff", "\ue000 private use",
]


def random_text(rng: random.Random) -> str:
    """A string mixing pieces of several alphabets, emoji, entities, whitespace and mojibake."""
    pieces = []
    for _ in range(rng.randint(0, 12)):
        kind = rng.choice([*ALPHABETS, "mojibake", "word"])
        if kind == "mojibake":
            source = rng.choice(MOJIBAKE_SOURCES)
            pieces.append(source.encode("utf-8").decode(rng.choice(["latin-1", "cp1252"]), errors="replace"))
        elif kind == "word":
            pieces.append(rng.choice(["photo", "dog", "The", "CAT", "running", "a", "of", "New York", "2024"]))
        else:
            alphabet = ALPHABETS[kind]
            pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))))
        if rng.random() < 0.5:
            pieces.append(rng.choice([" ", " ", "", "\t", "\u00a0", "\n", "-"]))
    return "".join(pieces)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    rng = random.Random(1234)
    return HARD_CASES + [random_text(rng) for _ in range(4000)]


@pytest.fixture(scope="module")
def reference_tokenizer() -> ReferenceTokenizer:
    return ReferenceTokenizer()


def test_vocab_equals_reference_vocab(reference_tokenizer: ReferenceTokenizer) -> None:
    ours = default_tokenizer()
    assert ours.encoder == reference_tokenizer.encoder
    assert ours.bpe_ranks == reference_tokenizer.bpe_ranks
    assert (ours.sot_token, ours.eot_token) == (49406, 49407)


def test_tokenize_matches_reference_on_thousands_of_strings(texts: list[str]) -> None:
    ours = tokenize(texts, truncate=True)
    theirs = reference.tokenize(texts, truncate=True)
    assert ours.dtype == theirs.dtype
    assert ours.shape == theirs.shape == (len(texts), 77)
    mismatched = [texts[i] for i in range(len(texts)) if not torch.equal(ours[i], theirs[i])]
    assert mismatched == []


def test_plain_ascii_fast_path_matches_reference() -> None:
    """Printable ASCII without "&" skips ftfy; that is only right while ftfy leaves such text alone."""
    import string

    import ftfy

    rng = random.Random(42)
    alphabet = string.printable[:95].replace("&", "")  # letters, digits, punctuation, space
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts += [t.upper() for t in texts[:200]] + ["a photo of a dog.", "IT'S A CAT'S TOY", "  spaced   out  "]
    assert [t for t in texts if ftfy.fix_text(t) != t] == []
    assert torch.equal(tokenize(texts, truncate=True), reference.tokenize(texts, truncate=True))


def test_encode_and_lengths_match_reference_without_truncation(
        texts: list[str], reference_tokenizer: ReferenceTokenizer) -> None:
    ours = default_tokenizer()
    expected = [reference_tokenizer.encode(text) for text in texts]
    assert [ours.encode(text) for text in texts] == expected
    assert token_lengths(texts) == [len(ids) + 2 for ids in expected]


def test_decode_matches_reference(texts: list[str], reference_tokenizer: ReferenceTokenizer) -> None:
    ours = default_tokenizer()
    for text in texts[:1000]:
        ids = reference_tokenizer.encode(text)
        assert ours.decode(ids) == reference_tokenizer.decode(ids), text
    rng = random.Random(7)  # arbitrary ids, which may split a UTF-8 character: replaced the same way
    for _ in range(200):
        ids = [rng.randrange(49408) for _ in range(rng.randint(0, 10))]
        assert ours.decode(ids) == reference_tokenizer.decode(ids)


@pytest.mark.parametrize("text", ["a photo of a dog", "naïve café", "中文 字符", "😀 🐶 !!", "year 2 of 3"])
def test_decode_round_trips_clean_text(text: str, reference_tokenizer: ReferenceTokenizer) -> None:
    """Lower-case text whose words are separated by spaces comes back, plus the last end-of-word space."""
    tokenizer = default_tokenizer()
    assert tokenizer.decode(tokenizer.encode(text)) == text + " "
    assert reference_tokenizer.decode(reference_tokenizer.encode(text)) == text + " "


def test_single_text_gives_one_row_with_markers_and_zero_padding() -> None:
    row = tokenize("a dog")
    ids = default_tokenizer().encode("a dog")
    assert row.shape == (1, 77)
    assert row[0, : len(ids) + 2].tolist() == [49406, *ids, 49407]
    assert row[0, len(ids) + 2 :].eq(0).all()
    assert tokenize([]).shape == (0, 77)


def test_too_long_text_raises_the_reference_error() -> None:
    text = "dog " * 80
    with pytest.raises(RuntimeError) as ours:
        tokenize(["short", text])
    with pytest.raises(RuntimeError) as theirs:
        reference.tokenize(["short", text])
    assert str(ours.value) == str(theirs.value) == f"Input {text} is too long for context length 77"


def test_text_that_exactly_fits_is_not_an_error() -> None:
    text = "dog " * 75  # 75 words + 2 markers = 77
    assert token_lengths(text) == [77]
    assert tokenize(text)[0, -1].item() == 49407


@pytest.mark.parametrize("context_length", [5, 16, 77])
def test_truncate_keeps_end_of_text_last(context_length: int) -> None:
    text = "one two three " * 40
    ours = tokenize(text, context_length=context_length, truncate=True)
    assert ours.shape == (1, context_length)
    assert ours[0, -1].item() == 49407
    assert ours[0, 0].item() == 49406
    assert torch.equal(ours, reference.tokenize(text, context_length=context_length, truncate=True))


def test_token_lengths_tell_how_much_of_each_row_is_not_padding() -> None:
    texts = ["a", "a photo of a dog", "", "😀😀"]
    rows = tokenize(texts)
    for row, length in zip(rows, token_lengths(texts)):
        assert row[length - 1].item() == 49407
        assert row[length:].eq(0).all()


def test_own_vocab_path_and_small_word_cache_give_same_ids(texts: list[str]) -> None:
    from clipdesk.resource_files import resource_path

    tiny_cache = SimpleTokenizer(resource_path("bpe_simple_vocab_16e6.txt.gz"), cache_size=2)
    default = default_tokenizer()
    for text in texts[:300]:
        assert tiny_cache.encode(text) == default.encode(text)


def test_non_string_input_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="expected a string"):
        tokenize([None])  # type: ignore[list-item]


def test_vocab_is_read_on_first_use_and_reference_package_never_imported() -> None:
    code = (
        "import sys\n"
        "import clipdesk.clip.tokenizer as t\n"
        "assert t._read_merges.cache_info().currsize == 0, 'vocab read at import'\n"
        "print(t.tokenize('hello world').tolist()[0][:4])\n"
        "assert 'clip' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[49406, 3306, 1002, 49407]"


def test_shipped_vocab_is_openais_file_byte_for_byte() -> None:
    """The SHA256 pinned in the engine issue: a re-compressed or edited vocab would be caught here."""
    data = resource_path(VOCAB_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == "924691ac288e54409236115652ad4aa250f48203de50a9e4722a6ecd48d6804a"
