"""Answering a question: the pipeline and the steps it runs.

- ``pipeline``   the flow (rewrite, retrieve, focus, generate, check) and question validation;
- ``rewriting``  follow-up questions made standalone;
- ``focus``      the relevant sentences of each passage, most relevant first;
- ``citations``  the model's markers repaired, each claim cited to a passage and an exact span;
- ``grounding``  whether a claim's facts are in the passage it cites; refusal and answer-type checks;
- ``refusals``   every refusal, built in one place.
"""

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
