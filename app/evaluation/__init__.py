"""Evaluation of Newsdesk on question sets: accuracy, retrieval, citations, refusals, latency.

    >>> from app.evaluation import run_eval
    >>> result = run_eval("tests/questions/seed.yaml", out_dir="eval-runs/seed")
    >>> result.summary["accuracy"]

Modules: ``questions`` (YAML/QuAIL loading and validation), ``metrics`` (definitions in its
docstring), ``runner`` (``run_eval``), ``report`` (JSON/Markdown/HTML), ``compare``, ``judge``,
``cli`` (``newsdesk eval``). Imports are lazy so that ``app.evaluation.cli`` stays light.
"""

__all__ = ["run_eval", "EvalResult", "load_questions", "Question", "QuestionSetError", "compare_reports",
           "load_report"]


def __getattr__(name):
    if name in ("run_eval", "EvalResult"):
        from app.evaluation import runner

        return getattr(runner, name)
    if name in ("load_questions", "Question", "QuestionSetError"):
        from app.evaluation import questions

        return getattr(questions, name)
    if name in ("compare_reports", "load_report"):
        from app.evaluation import compare

        return getattr(compare, name)
    raise AttributeError(name)
