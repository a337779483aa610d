"""Answering a question: the pipeline and the steps it runs.

- ``pipeline``        the flow (rewrite, retrieve, rank sentences, pick, verify);
- ``question_input``  the question checked as typed, and the prompt files;
- ``rewriting``       follow-up questions made standalone;
- ``sentences``       sentences ranked, the answer taken from the one that states it, composed and cited;
- ``question_frame``  what a question asks for (spaCy parse); its words in ``relation_lexicon``, its parse
                      helpers in ``question_parse``;
- ``verification``    whether a sentence states a picked answer (type, relation, argument, constraints), its
                      checks in ``answer_span``, ``answer_type``, ``constraints``, ``name_matching``,
                      ``number_relation``, ``argument_relation``, ``open_relation``, ``explanations`` and the
                      shared ``dependency_tree`` helpers;
- ``candidates``      the verified answers a sentence holds, an open question's slot filler;
- ``pronouns``        who "he"/"she" is ("…,” he said): the person named just before;
- ``picking``         the generator's constrained JSON pick of a sentence and a span, and its confidence;
- ``weighing``        an outcome's evidence and the calibrated decision on it (``evidence``, ``decision``);
- ``noun_classes``    what a noun names (person, organisation, place, time, money), by WordNet;
- ``citations``       passage evidence text and claim citing (the evaluation's judge, tests);
- ``grounding``       whether a claim's facts are in a passage (the evaluation, rewriting helpers);
- ``refusals``        every refusal, built in one place;
- ``comparison``      "Which killed more, A or B?": one sub-question per alternative, values compared;
- ``bridging``        "How old is the driver involved in <event>?": the person named first, then asked about;
- ``subquestions``    what those two share: a sub-question through the verified flow, per-sentence citations;
- ``dated_answers``   the question's dates as filters, "latest" preferring newer reports, "As of <date>"
                      answers and citations' relative dates resolved (parsing: ``app.dates``);
- ``conflicts``       other sources giving another value for the answer's fact, named and cited;
- ``timeline``        "what happened with X": dated, cited events in date order.
"""

import app.nlp  # noqa: F401,E402  (before any step imports spaCy: spaCy without torch)

__all__ = ["Pipeline", "QuestionError", "Turn", "final_answer", "validate_question"]


def __getattr__(name):
    # Lazy, so that the light steps (``app.answering.grounding``...) import without LangChain.
    if name == "Turn":
        from app.answering.rewriting import Turn

        return Turn
    if name in __all__:
        from app.answering import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
