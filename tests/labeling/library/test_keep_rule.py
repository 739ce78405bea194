"""The keep rule decides which labels a photo gets; its edges are where users notice mistakes."""

import pytest

from clipdesk.labeling.keep_rule import KeepRule, parse_keep_rule
from clipdesk.labeling.predictions import LabelScore, Prediction


def ranked(*pairs):
    return Prediction("p.jpg", tuple(LabelScore(label, p) for label, p in pairs))


def test_default_keeps_the_single_most_probable_label():
    assert KeepRule().kept(ranked(("cat", 0.5), ("dog", 0.3), ("car", 0.2))) == ("cat",)


def test_top_n_larger_than_the_label_count_keeps_every_label():
    assert parse_keep_rule("top:10").kept(ranked(("cat", 0.6), ("dog", 0.4))) == ("cat", "dog")


def test_a_tie_at_the_cut_keeps_the_label_listed_first_and_never_more_than_n():
    prediction = ranked(("cat", 0.4), ("dog", 0.3), ("car", 0.3))
    assert parse_keep_rule("top:2").kept(prediction) == ("cat", "dog")
    assert parse_keep_rule("min:0.3").kept(prediction) == ("cat", "dog", "car")  # a floor keeps every tie


def test_min_zero_keeps_every_label_and_min_one_keeps_only_a_certain_one():
    prediction = ranked(("cat", 0.7), ("dog", 0.3), ("car", 0.0))
    assert parse_keep_rule("min:0").kept(prediction) == ("cat", "dog", "car")
    assert parse_keep_rule("min:1").kept(prediction) == ()
    assert parse_keep_rule("min:1").kept(ranked(("cat", 1.0), ("dog", 0.0))) == ("cat",)


def test_a_photo_whose_best_label_misses_the_floor_keeps_none():
    assert parse_keep_rule("top:1,min:0.5").kept(ranked(("cat", 0.45), ("dog", 0.35), ("car", 0.2))) == ()
    assert parse_keep_rule("min:50%").kept(ranked(("cat", 0.5), ("dog", 0.5))) == ("cat", "dog")


def test_a_failed_photo_keeps_nothing():
    assert KeepRule().kept(Prediction.failed("bad.jpg", "not an image")) == ()


@pytest.mark.parametrize("text", ["", "top", "top:0", "top:-1", "top:1.5", "min:", "min:1.5", "min:-0.1",
                                  "min:nan", "max:3", "top:1,top:2", "top:1,", "min:101%"])
def test_a_rule_that_means_nothing_is_refused_with_the_reason(text):
    with pytest.raises(ValueError, match="top|min|keep rule"):
        parse_keep_rule(text)


@pytest.mark.parametrize("text", ["top:1", "top:3", "min:0.25", "top:2,min:0.1", "min:0", "min:1"])
def test_the_text_form_reads_back_as_the_same_rule(text):
    rule = parse_keep_rule(text)
    assert parse_keep_rule(rule.text) == rule


def test_the_labels_a_rule_may_keep_fit_in_the_scores_a_result_holds():
    assert KeepRule(top=3).scores_needed(1000) == 3
    assert KeepRule(top=None, min_probability=0.3).scores_needed(1000) == 3  # at most 3 labels reach 0.3
    assert KeepRule(top=None, min_probability=0.0).scores_needed(1000) == 1000
    assert KeepRule(top=50).scores_needed(4) == 4
