import pytest

from app.answering.citations import cite, split_claims
from app.answering.grounding import is_refusal, support
from app.text import names_in, normalise_markers, numbers_in, sentence_spans
from app.retrieval import reciprocal_rank_fusion
from app.types import Passage

LAUNCH = ("Iraqi General Hamad Naims said that on Tuesday, a truck carrying flour launched a total of 24 rockets. "
          "“This car has all the necessary authorizations to pass the checkpoint,” he told reporters.")
HIT = "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base."
KIRBY = "“They are using lethal weapons,” Pentagon spokesman John Kirby told reporters."


def passages():
    texts = [LAUNCH, HIT, KIRBY]
    starts = [1000, 1300, 2000]
    return [Passage(number=i + 1, chunk_id=f"seed#{i}", article_id="seed", title="Seed", text=t,
                    start=s, end=s + len(t)) for i, (t, s) in enumerate(zip(texts, starts))]


@pytest.mark.parametrize("text, values", [
    ("Fourteen of the projectiles", {14.0}),
    ("two dozen rockets", {24.0}),
    ("a total of 24 rockets and 1,200 people", {24.0, 1200.0}),
    ("twenty-four hours, 3.5 km", {24.0, 3.5}),
])
def test_numbers_are_read_from_digits_and_words(text, values):
    assert numbers_in(text) == values


def test_names_skip_sentence_initial_capitals_but_keep_real_names():
    assert names_in("Fourteen rockets hit. The spokesman is John Kirby.") == {"john", "kirby"}
    assert "paris" in names_in("The capital of France is Paris.")


def test_a_claim_with_a_number_absent_from_the_passage_is_unsupported():
    result = support("24 projectiles hit the target.", HIT)
    assert not result.supported and result.missing_numbers == {24.0}
    assert support("Fourteen projectiles hit the target.", HIT).supported
    assert support("14 projectiles hit the target.", HIT).supported


def test_outside_knowledge_fails_the_support_check():
    result = support("The capital of France is Paris.", LAUNCH + HIT, question="What is the capital of France?")
    assert not result.supported and "paris" in result.missing_names


def test_marker_styles_are_normalised():
    assert normalise_markers("A【2】 B [1, 3] C (Passage 2) D [source 1]") == "A[2] B [1][3] C [2] D [1]"


def test_sentence_splitting_keeps_abbreviations_inside_sentences():
    text = "U.S. forces were hit. Gen. Naims spoke to the U.S. Embassy staff. It ended."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "U.S. forces were hit.", "Gen. Naims spoke to the U.S. Embassy staff.", "It ended."]


def test_a_quotation_and_its_attribution_stay_one_sentence():
    text = "“They are using lethal weapons. I don’t know,” Kirby told reporters. Iran denies it."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "“They are using lethal weapons. I don’t know,” Kirby told reporters.", "Iran denies it."]


def test_markers_pointing_at_no_passage_are_removed():
    claims = split_claims("Fourteen hit the target [2][9].", passage_count=3)
    assert claims[0].cited == [2]


def test_model_citations_are_kept_renumbered_and_resolved_to_the_exact_sentence():
    answer = cite("Fourteen of the projectiles hit the target [2].", passages(), "How many rockets hit the base?")
    assert answer.text == "Fourteen of the projectiles hit the target [1]."
    (citation,) = answer.citations
    assert citation.origin == "model" and citation.chunk_id == "seed#1"
    assert citation.span.text == HIT
    assert (citation.span.start, citation.span.end) == (1300, 1300 + len(HIT))
    assert answer.passages[0].chunk_id == "seed#1" and answer.passages[0].number == 1


def test_uncited_answers_get_citations_by_matching_their_facts():
    answer = cite("The spokesman is John Kirby.", passages(), "Who is the Pentagon spokesman?")
    (citation,) = answer.citations
    assert citation.origin == "matched" and citation.chunk_id == "seed#2"
    assert "John Kirby" in citation.span.text and answer.text.endswith("[1].")


def test_a_wrong_citation_is_repaired_to_the_passage_that_holds_the_fact():
    answer = cite("Fourteen projectiles hit the target [1].", passages(), "How many rockets hit the base?")
    assert answer.citations[0].chunk_id == "seed#1"


def test_unsupported_sentences_are_dropped_and_reported():
    answer = cite("Fourteen projectiles hit the target [2]. Paris is lovely in spring [1].", passages(),
                  "How many rockets hit the base?")
    assert answer.text == "Fourteen projectiles hit the target [1]."
    assert [c.text for c in answer.unsupported] == ["Paris is lovely in spring."]


@pytest.mark.parametrize("raw, refused", [
    ("I don't know.", True),
    ("The passages do not mention the capital of France.", True),
    ("", True),
    ("Fourteen rockets hit the base [1].", False),
    ("John Kirby said “I don’t know what else you can say” [1].", False),
])
def test_refusals_are_recognised_from_the_first_sentence(raw, refused):
    assert is_refusal(raw) is refused


def test_reciprocal_rank_fusion_rewards_agreement_and_weights():
    fused = reciprocal_rank_fusion([(["a", "b", "c"], 1.0), (["c", "a"], 1.0)], k=60)
    assert max(fused, key=fused.get) == "a"
    assert fused["c"] > fused["b"]
    weighted = reciprocal_rank_fusion([(["a"], 1.0), (["b"], 3.0)], k=60)
    assert weighted["b"] == pytest.approx(3 * weighted["a"])


def test_a_span_widens_to_the_nearby_sentence_holding_a_fact_the_best_sentence_lacks():
    from app.answering.citations import best_span

    concerned = ("The Pentagon said on Thursday that it is deeply concerned about the series of attacks "
                 "against American personnel in Iraq and Syria in recent days.")
    text = f"{concerned}\n\n{KIRBY}\n\nAnalysts have warned that militias are playing with fire."
    passage = Passage(number=1, chunk_id="seed#4", article_id="seed", title="Seed", text=text,
                      start=500, end=500 + len(text))
    fused = ("The Pentagon spokesman John Kirby told reporters that he is deeply concerned about the series "
             "of attacks against American personnel in Iraq and Syria in recent days.")
    span = best_span([fused], passage)
    assert span.text == f"{concerned}\n\n{KIRBY}"  # both facts highlighted, not the unrelated third sentence
    assert (span.start, span.end) == (500, 500 + len(span.text))
    # A claim the best sentence fully supports keeps the single sentence.
    assert best_span(["The Pentagon is deeply concerned about the attacks in Iraq and Syria."], passage).text == concerned


def test_a_year_or_name_restated_from_the_question_needs_no_support_but_other_numbers_do():
    passage = "The Conservatives won 365 seats, a majority of 80."
    question = "How many seats did the Conservative Party win in the December 2019 UK general election?"
    assert support("The Conservative Party won 365 seats in the December 2019 UK general election.",
                   passage, question).supported
    # A number the question asserts is still a claim: no confirming a false premise.
    assert not support("Yes, 400 seats were won.", passage, "Were 400 seats won in 2019?").supported
    assert not support("They won 365 seats in 2017.", passage, question).supported  # 2017: not given, not there


def test_the_articles_title_and_date_count_as_evidence():
    from app.answering.citations import evidence_text

    passage = Passage(number=1, chunk_id="uk#0", article_id="uk", title="Conservatives win UK general election",
                      date="2019-12-13", text="The Conservatives won 365 seats on Thursday.", start=0, end=44)
    assert "13 December 2019" in evidence_text(passage)
    claim = "The Conservatives won 365 seats in the general election of December 2019."
    assert support(claim, evidence_text(passage)).supported
    assert not support(claim, passage.text).supported


def test_a_percentage_is_not_a_count_and_number_words_are_checked_as_numbers():
    assert support("The index fell 12.7 points.", "The index fell 12.7% on Monday.").missing_numbers == {12.7}
    assert support("The index fell 12.7 percent.", "The index fell 12.7% on Monday.").supported
    assert support("Two dozen rockets were launched.", LAUNCH).supported  # "two dozen" is 24
    assert support("Twenty rockets were launched.", LAUNCH).missing_numbers == {20.0}
