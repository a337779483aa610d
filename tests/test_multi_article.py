"""Multi-article questions read with the real spaCy model: a comparison's alternatives, its
sub-question per alternative, what each side's answer must state (real Wikinews sentences) and how
values compare; a bridge's described person and the question with the name in its place. No
generator, no index."""

from datetime import datetime

import pytest

from app.answering.bridging import read_bridge
from app.answering.comparison import read_comparison, side_frame, side_value
from app.answering.question_frame import AnswerKind, analyse_question
from app.answering.candidates import candidates
from app.answering.verification import verify
from app.nlp import load_spacy

HAJJ = "the January 2006 Hajj stampede at the Jamarat Bridge"
CRANE = "the September 2015 crane collapse at Mecca's Grand Mosque"
KILLED_MORE = f"Which killed more people, {HAJJ} or {CRANE}?"
LION_AIR = "Lion Air Flight 610 that crashed into the Java Sea"
# wikinews-0001 (2006-01-12) and wikinews-0048 (2015-09-12), verbatim.
HAJJ_TOLL = ("According to the Saudi Interior Ministry over 345 Muslim pilgrims have been killed in a stampede "
             "during the annual Hajj pilgrimage near Mecca, Saudi Arabia.")
HAJJ_CONTEXT = ("Hundreds dead in Hajj stampede\n12 January 2006\nThe stampede at Islam's most holy site happened "
                "at Jamarat Bridge, during an event where pebbles are thrown at pillars.")
HOTEL = ("Last week, at least 76 people were killed when the Al-Ghaza Hotel near the Masjid Al-Haram (Grand Mosque) "
         "collapsed.")
CRANE_TOLL = ("A storm yesterday caused a crane to fall into Mecca's Grand Mosque, killing 107 or more and wounding "
              "238, according to Saudi Arabia's Civil Defense Authority.")
CRANE_CONTEXT = "At least 107 killed in Mecca crane collapse\n12 September 2015\n"
LION_AIR_TOLL = "All 189 on the aircraft died when the flight came down last October."
LION_AIR_CONTEXT = ("Lion Air disaster: Crashed jet's voice recorder recovered from Java Sea\n16 January 2019\n"
                    "The cockpit voice recorder from Lion Air Flight 610 has been recovered from the Java Sea.")


@pytest.fixture(scope="module")
def nlp():
    return load_spacy()


def test_a_count_comparison_asks_each_alternative_how_many_under_the_same_verb(nlp):
    comparison = read_comparison(nlp(KILLED_MORE))
    assert comparison.alternatives == (HAJJ, CRANE)
    assert comparison.sub_questions == (f"How many people did {HAJJ} kill?", f"How many people did {CRANE} kill?")
    assert comparison.kind == AnswerKind.NUMBER and comparison.largest


def test_the_rest_of_the_clause_stays_in_each_sub_question(nlp):
    comparison = read_comparison(nlp(
        f"Which flight had more people on board, {LION_AIR} or Air India Express flight 1344 that crashed at Calicut?"))
    assert comparison.sub_questions[0] == f"How many people did {LION_AIR} have on board?"


def test_a_fronted_preposition_goes_with_the_alternative(nlp):
    comparison = read_comparison(nlp("In which attack were fewer people killed, the Kabul bombing or the Jalalabad "
                                     "attack?"))
    assert comparison.sub_questions == ("How many people were killed in the Kabul bombing?",
                                        "How many people were killed in the Jalalabad attack?")
    assert not comparison.largest


def test_three_alternatives_each_get_a_sub_question(nlp):
    comparison = read_comparison(nlp("Which team scored more goals in the final, Liverpool, Chelsea or Arsenal?"))
    assert comparison.sub_questions == tuple(f"How many goals did {team} score in the final?"
                                             for team in ("Liverpool", "Chelsea", "Arsenal"))


@pytest.mark.parametrize("question, sub_question, largest", [
    ("Who is older, Joe Biden or Bernie Sanders?", "How old is Joe Biden?", True),
    ("Who is younger, Joe Biden or Bernie Sanders?", "How old is Joe Biden?", False),
])
def test_an_age_comparison_asks_how_old_and_knows_which_end_wins(nlp, question, sub_question, largest):
    comparison = read_comparison(nlp(question))
    assert comparison.sub_questions[0] == sub_question and comparison.largest == largest


@pytest.mark.parametrize("question, sub_question", [
    ("Who was born first, Joe Biden or Bernie Sanders?", "When was Joe Biden born?"),
    ("Which was founded earlier, Google or Amazon?", "When was Google founded?"),
    ("Which storm made landfall first, Dorian or Humberto?", "When did Dorian make landfall?"),
])
def test_an_order_in_time_keeps_the_verb_and_its_voice(nlp, question, sub_question):
    assert read_comparison(nlp(question)).sub_questions[0] == sub_question


def test_an_order_in_time_asks_when_each_happened(nlp):
    comparison = read_comparison(nlp("Which happened first, the Calicut crash or the Lion Air crash?"))
    assert comparison.sub_questions == ("When did the Calicut crash happen?", "When did the Lion Air crash happen?")
    assert comparison.kind == AnswerKind.TIME and not comparison.largest


def test_a_comparison_no_single_fact_measures_is_recognised_but_has_no_sub_questions(nlp):
    comparison = read_comparison(nlp("Which storm had the stronger winds, Hurricane Dorian or Hurricane Humberto?"))
    assert comparison is not None and not comparison.supported and comparison.measure == "stronger winds"


@pytest.mark.parametrize("question", [
    "How many people died in the stampede at the funeral of the Iranian commander?",
    "How old is the truck driver involved in the June 2019 crash?",
    "Which team did Caloundra beat in the round after their win over Maroochydore?",
    "Did more people die, or fewer?",  # no alternatives named
    "Who won the election, Biden or Sanders?",  # a choice, but nothing compared
    "Which team won the last final, Liverpool or Chelsea?",  # "last" names the final, it compares nothing
])
def test_a_question_without_a_comparative_over_named_alternatives_is_no_comparison(nlp, question):
    assert read_comparison(nlp(question)) is None


def test_a_verb_that_describes_the_alternative_is_not_the_asked_relation(nlp):
    frame = side_frame(nlp, f"How many people did {LION_AIR} have on board?", LION_AIR)
    assert "crash" not in frame.verbs
    assert ("Lion Air Flight 610", "ORG") in frame.constraints  # its names still constrain the answer
    assert verify(frame, nlp(LION_AIR_TOLL)[:], "189", LION_AIR_CONTEXT)


def test_more_people_is_answered_by_a_count_of_any_persons_under_the_asked_verb(nlp):
    frame = side_frame(nlp, f"How many people did {HAJJ} kill?", HAJJ)
    assert [c.text for c in candidates(frame, nlp(HAJJ_TOLL)[:], HAJJ_CONTEXT) if c.verdict.strength >= 2] \
        == ["over 345"]


def test_a_toll_from_another_incident_in_the_same_article_does_not_answer_a_side(nlp):
    # The 2006 Hajj article recalls a hotel collapse near the Grand Mosque: not the 2015 crane collapse.
    frame = side_frame(nlp, f"How many people did {CRANE} kill?", CRANE)
    assert not verify(frame, nlp(HOTEL)[:], "76", HAJJ_CONTEXT)
    assert verify(frame, nlp(CRANE_TOLL)[:], "107", CRANE_CONTEXT)


def test_a_side_states_one_value_or_none():
    assert side_value("over 345", AnswerKind.NUMBER) == 345
    assert side_value("five or six", AnswerKind.NUMBER) is None  # which one? no comparison on that
    assert side_value("the crew", AnswerKind.NUMBER) is None


def test_a_relative_date_is_read_against_its_article_date():
    assert side_value("Yesterday", AnswerKind.TIME, "2020-08-08") == datetime(2020, 8, 7)
    assert side_value("September 11, 2015", AnswerKind.TIME, "2020-08-08").date() == datetime(2015, 9, 11).date()


# -- bridges ------------------------------------------------------------------------------------
CRASH_DRIVER = "the truck driver involved in the June 2019 crash that killed seven motorcyclists"
PLEA = ("Acting via his lawyers, Volodoymyr Zhukovskyy, 23, pleaded not guilty on Tuesday to seven counts of "
        "negligent homicide in New Hampshire, United States.")  # wikinews-0120


@pytest.mark.parametrize("question, description, resolved", [
    (f"How old is {CRASH_DRIVER}?", CRASH_DRIVER, "How old is {name}?"),
    ("What did the man who shot the officer say in court?", "the man who shot the officer",
     "What did {name} say in court?"),
    ("How many people died at the funeral of the commander who was killed with Abu Mahdi al-Muhandis?",
     "the commander who was killed with Abu Mahdi al-Muhandis", "How many people died at the funeral of {name}?"),
])
def test_a_person_described_by_a_clause_is_a_bridge_to_find_by_name_first(nlp, question, description, resolved):
    bridge = read_bridge(nlp(question))
    assert bridge.description == description and bridge.template == resolved
    assert bridge.who == f"Who is {description}?"


@pytest.mark.parametrize("question", [
    "Who is the driver who hit the motorcycles?",  # asks the name itself
    "What is the name of the driver of the flour truck?",  # no clause to find him by
    "How many US soldiers were killed?",
    "Which news network did the injured resident Hamza Mishaan speak to about the attack?",  # named already
    "Which planet did the two Swiss scientists who shared the other half discover?",  # two people, no one name
    "What did the driver John Smith, who hit the motorcycles, say in court?",  # named already
    # The description is in a statement before the question, which says "him": no bridge to substitute.
    "A fellow Kenyan became the first person to run a marathon in under two hours. How many pacemakers "
    "supported him?",
])
def test_a_question_that_names_or_asks_the_person_is_no_bridge(nlp, question):
    assert read_bridge(nlp(question)) is None


def test_an_age_in_apposition_to_the_asked_name_answers_how_old(nlp):
    assert verify(analyse_question(nlp("How old is Volodoymyr Zhukovskyy?")), nlp(PLEA)[:], "23")


def test_an_age_in_apposition_to_another_name_does_not(nlp):
    sentence = nlp("John Smith, 45, and Jane Doe, 32, were injured in the crash.")[:]
    verdict = verify(analyse_question(nlp("How old is Jane Doe?")), sentence, "45")
    assert not verdict and verdict.failure == "wrong-argument"
    assert verify(analyse_question(nlp("How old is Jane Doe?")), sentence, "32")


def test_a_time_with_a_zone_compares_with_a_bare_date():
    with_zone = side_value("August 7, 2020 7:38 pm IST", AnswerKind.TIME)
    assert with_zone > side_value("September 11, 2015", AnswerKind.TIME)
