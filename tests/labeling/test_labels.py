"""Label and template clean-up: what a person types becomes labels the model can rank."""

from __future__ import annotations

import pytest

from clipdesk.labeling.labels import DEFAULT_TEMPLATE, clean_labels, clean_templates, fill_template


def test_labels_are_trimmed_and_blanks_dropped_in_order() -> None:
    cleaned = clean_labels(["  dog ", "", "   ", "\tcat\n", "red envelope"])
    assert cleaned.labels == ("dog", "cat", "red envelope")
    assert cleaned.warnings == ()


def test_duplicates_are_dropped_with_one_warning_each_first_kept() -> None:
    cleaned = clean_labels(["cat", "dog", " cat", "cat "])
    assert cleaned.labels == ("cat", "dog")
    assert len(cleaned.warnings) == 2
    assert all("'cat'" in warning and "duplicate" in warning for warning in cleaned.warnings)


def test_labels_the_model_cannot_tell_apart_are_one_label() -> None:
    """CLIP lower-cases prompts and collapses whitespace, so "Dog" next to "dog" would only split one
    probability in two; the first spelling is kept and the user is told why the other went."""
    from clipdesk.clip import tokenize

    variants = ["Red Envelope", "red envelope", "RED  ENVELOPE", "red\tenvelope"]
    assert all(tokenize([v]).equal(tokenize([variants[0]])) for v in variants)
    cleaned = clean_labels([*variants, "dog", "Dog"])
    assert cleaned.labels == ("Red Envelope", "dog")
    assert len(cleaned.warnings) == 4
    assert "same as 'Red Envelope'" in cleaned.warnings[0] and "case" in cleaned.warnings[0]


def test_whitespace_inside_a_label_becomes_single_spaces() -> None:
    assert clean_labels(["red   envelope", "multi\nline\tlabel"]).labels == ("red envelope", "multi line label")


def test_unicode_variants_of_one_label_count_as_duplicates() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    cleaned = clean_labels([composed, decomposed, "中国", "🐱"])
    assert cleaned.labels == (composed, "中国", "🐱")
    assert len(cleaned.warnings) == 1


def test_templates_default_trimmed_deduplicated() -> None:
    assert clean_templates(None) == (DEFAULT_TEMPLATE,)
    assert clean_templates(["", "  "]) == (DEFAULT_TEMPLATE,)
    assert clean_templates([" {} ", "a photo of a {}.", "{}"]) == ("{}", "a photo of a {}.")


def test_template_without_placeholder_is_refused_with_an_example() -> None:
    with pytest.raises(ValueError, match=r"no \{\}.*a photo of a \{\}"):
        clean_templates(["a photo"])
    for formatted in ("a photo of a {0}.", "a photo of a {label}."):  # str.format habits
        with pytest.raises(ValueError, match=r"without a name or number inside"):
            clean_templates([formatted])


def test_fill_template_treats_other_braces_as_text() -> None:
    assert fill_template("{}", "dog") == "dog"
    assert fill_template("a {x} photo of a {}.", "{weird} label}") == "a {x} photo of a {weird} label}."


def test_command_line_bytes_that_are_not_utf8_become_a_replacement_character() -> None:
    """``--labels $'caf\\xe9'`` arrives as a lone surrogate, which no UTF-8 export could write."""
    assert clean_labels(["caf\udce9", "dog"]).labels == ("caf\ufffd", "dog")


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200e", "\u00ad", "\u2060", "\u200d"])
def test_invisible_characters_never_make_a_second_label(invisible: str) -> None:
    cleaned = clean_labels(["dog", f"dog{invisible}", f"{invisible}d{invisible}og"])
    assert cleaned.labels == ("dog",)
    assert len(cleaned.warnings) == 2


def test_a_label_of_only_invisible_characters_is_dropped_with_a_warning() -> None:
    cleaned = clean_labels(["\u200b\u200b", "cat", "\ufeff"])
    assert cleaned.labels == ("cat",)
    assert len(cleaned.warnings) == 2 and all("no visible characters" in w for w in cleaned.warnings)


def test_joiners_that_shape_an_emoji_or_a_word_are_kept() -> None:
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert clean_labels([family, persian]).labels == (family, persian)


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x9b"])
def test_a_label_holding_control_characters_is_refused_with_a_warning(control: str) -> None:
    cleaned = clean_labels([f"do{control}g", "cat"])
    assert cleaned.labels == ("cat",)
    assert "control characters" in cleaned.warnings[0]


def test_cleaning_a_long_keyword_list_reports_progress_to_the_end() -> None:
    seen: list[tuple[int, int]] = []
    cleaned = clean_labels((f"word {i}" for i in range(25)), on_progress=lambda d, t: seen.append((d, t)), every=10)
    assert seen == [(0, 25), (10, 25), (20, 25), (25, 25)]
    assert len(cleaned.labels) == 25


def test_results_keep_every_label_of_a_readable_list_and_the_best_few_of_a_huge_one() -> None:
    from clipdesk.labeling.labels import ALL_SCORES_MAX_LABELS, HUGE_LIST_TOP_K, KEEP_ALL, kept_per_photo

    assert kept_per_photo(ALL_SCORES_MAX_LABELS) is None
    assert kept_per_photo(ALL_SCORES_MAX_LABELS + 1) == HUGE_LIST_TOP_K
    assert kept_per_photo(200_000, KEEP_ALL) is None  # asked for: every label, however many
    assert kept_per_photo(200_000, 3) == 3
    assert kept_per_photo(4, 10) is None  # a top beyond the list is the whole list
