"""Names: whether two names are the same person or thing (spelling variants included), and whether a
text mentions a name (by its initials, by each of its words, a demonym by its country).
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher


def same_name(a: str, b: str) -> bool:
    """Two names share a word, spelling variants included ("Mishan" and "Hamza Mishaan")."""
    return any(x == y or SequenceMatcher(None, x, y).ratio() >= 0.8 for x in _name_words(a) for y in _name_words(b))


def _name_words(name: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", name.lower().replace("'s", "")) if len(w) > 2 and w != "the"}


def _mentioned(name: str, text: str, demonym: bool = False) -> bool:
    letters = name.replace(".", "").strip()
    if 2 <= len(letters) <= 4 and letters.isalpha() and letters.isupper():
        # "US" is mentioned by "United States", "NDS" by "National Directorate of Security": the
        # initials of its words, short function words skipped.
        if re.search(r"\b" + r"\w{2,}\s+(?:(?:of|for|and|the|on|de)\s+)*".join(letters.lower()) + r"\w{2,}", text) \
                or re.search(rf"\b{re.escape(name.lower())}\b", text) \
                or re.search(r"\b" + r"\.".join(letters.lower()) + r"\.", text):  # "US" = "U.S."
            return True
    name = re.sub(r"['’]s?$", "", name.lower().removeprefix("the ").strip())  # "North Korea's"
    if name in text:
        return True
    # "Jolo Cathedral" is mentioned by "the cathedral in Jolo": every word of the name; a demonym
    # by its country ("South Korean" by "South Korea").
    parts = [p for p in re.findall(r"[\w'’-]+", name) if len(p) > 2]
    return bool(parts) and all(any(re.search(rf"\b{re.escape(stem)}", text) for stem in _stems(p, demonym))
                               for p in parts)


# Demonym endings and what the country name keeps: Korean -> Korea, Iranian -> Iran, Iraqi -> Iraq,
# Japanese -> Japan, British -> Brit(ain).
_DEMONYM_ENDINGS = (("ian", ""), ("an", "a"), ("n", ""), ("i", ""), ("ese", ""), ("ish", ""))


def _stems(word: str, demonym: bool) -> list[str]:
    stems = [word.rstrip("s")]
    for ending, keep in _DEMONYM_ENDINGS if demonym else ():
        if word.endswith(ending) and len(word) - len(ending) + len(keep) >= 4:
            stems.append(word[: len(word) - len(ending)] + keep)
    if demonym and word.endswith("ish"):  # Polish -> Poland, Finnish -> Finland, Irish -> Ireland
        stems += [word[:-3] + "and", word[:-3] + "land", word[:-3] + "eland"]
    return stems
