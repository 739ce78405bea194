"""Label and template clean-up: what a person types becomes labels the model can rank."""

from __future__ import annotations

import pytest

from clipdesk.labeling.labels import DEFAULT_TEMPLATE, clean_labels, clean_templates, fill_template


def test_labels_are_trimmed_and_blanks_dropped_in_order() -> None:
    cleaned = clean_labels(["  dog ", "", "   ", "\tcat\n", "red envelope"])
    assert cleaned.labels == ("dog", "cat", "red envelope")
    assert cleaned.warnings == ()


def test_duplicates_are_dropped_with_one_warning_each_first_kept() -> None:
    cleaned = clean_labels(["cat", "dog", " cat", "cat ", "Dog"])
    assert cleaned.labels == ("cat", "dog", "Dog")  # case matters: "Dog" is another prompt
    assert len(cleaned.warnings) == 2
    assert all("'cat'" in warning and "duplicate" in warning for warning in cleaned.warnings)


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


def test_fill_template_treats_other_braces_as_text() -> None:
    assert fill_template("{}", "dog") == "dog"
    assert fill_template("a {x} photo of a {}.", "{weird} label}") == "a {x} photo of a {weird} label}."
