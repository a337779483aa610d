"""A fake generator that reads the prompt as the real one must: it answers the pick prompt (copy the
answer from the numbered sentence holding a fragment) and the choose prompt (the numbered candidate
with that answer from that sentence), whatever the ranking put where. For the flow's fast tests."""

from __future__ import annotations

import json
import re

from langchain_core.language_models.fake_chat_models import FakeListChatModel


def read_like_a_reader(prompt: str, picks: dict[str, str]) -> str:
    """The JSON a reader who knows ``picks`` (sentence fragment -> answer) gives for ``prompt``."""
    sentences = {int(n): text for n, text in re.findall(r"^\[(\d+)\] (.*)$", prompt, flags=re.M)}
    if "\nCandidates:\n" in prompt:
        for number, text, sentence in re.findall(r"^(\d+)\. (.*) \(sentence (\d+)\)$", prompt, flags=re.M):
            if any(fragment in sentences.get(int(sentence), "") and answer.lower() == text.lower()
                   for fragment, answer in picks.items()):
                return json.dumps({"choice": int(number)})
        return json.dumps({"choice": 0})
    for number, text in sentences.items():
        for fragment, answer in picks.items():
            if fragment in text:
                return json.dumps({"sentence": number, "answer": answer})
    return json.dumps({"sentence": 0, "answer": ""})


class Reader(FakeListChatModel):
    """Answers the sentence prompts with ``read_like_a_reader`` and keeps their questions; any other
    prompt (a follow-up's rewrite) gets the next of ``responses``."""

    responses: list = []
    picks: dict = {}
    asked: list = []
    calls: list = []  # the keyword arguments of each sentence prompt's call (its JSON schema)

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        prompt = messages[-1].content
        if not prompt.startswith("Sentences:"):
            return super()._call(messages, stop, run_manager, **kwargs)
        self.asked.append(re.search(r"Question: (.*)", prompt).group(1))
        self.calls.append(kwargs)
        return read_like_a_reader(prompt, self.picks)
