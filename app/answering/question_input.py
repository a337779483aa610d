"""What the flow reads before it answers: the question as typed (checked, whitespace normalised)
and the prompt files the generator is given."""

from __future__ import annotations

import logging
from pathlib import Path

from app.answering.ranked_sentences import Prompts
from app.config import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
SHIPPED_PROMPTS = PROJECT_ROOT / "prompts"


class QuestionError(ValueError):
    """The question cannot be asked as it is (empty, too long)."""


def validate_question(question: str, settings: Settings) -> str:
    """The question with its whitespace normalised, or ``QuestionError`` saying what is wrong."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    question = " ".join(question.split())
    if not question:
        raise QuestionError("the question is empty: type a question about the articles")
    if len(question) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(question)} characters long; the limit is {settings.max_question_chars}. "
            "Ask something shorter."
        )
    return question


def load_prompt(settings: Settings, name: str) -> str:
    """A prompt of ``prompts_dir``; one a custom folder lacks (copied before the prompt existed)
    comes from the shipped folder."""
    path = Path(settings.prompts_dir) / name
    if not path.is_file() and (SHIPPED_PROMPTS / name).is_file():
        log.info("prompt %s is not in %s: using the shipped one", name, settings.prompts_dir)
        path = SHIPPED_PROMPTS / name
    return path.read_text(encoding="utf-8").strip()


def load_prompts(settings: Settings) -> Prompts:
    """The answer flow's prompts (pick, explain, choose, yes/no), system and user each."""
    return Prompts(*(load_prompt(settings, f"{name}.txt") for name in
                     ("pick_system", "pick_user", "explain_system", "explain_user", "choose_system", "choose_user",
                      "yes_no_system", "yes_no_user")))
