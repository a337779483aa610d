"""Reading numbers, quantities and dates in answers and gold answers, for scoring only.

Gold matching must not depend on the answering code it scores (a bug shared by both would go
unseen), so this module reads numbers itself rather than reusing ``app.answering.grounding``.

- ``quantities(text)``: every number with its scale and unit, in the order written:
  "$5 million" and "5,000,000 US dollars" are both (5000000, "dollar"); "12%" and "12 per cent"
  are (12, "percent"); "3.5 kilometres" is (3.5, "km"); "two dozen" is (24, None).
- ``dates(text)``: every calendar date written with a month name (or as ISO yyyy-mm-dd), parsed
  with dateparser, with the parts it states: "20th April 2018", "April 20, 2018" and
  "2018-04-20" are the same date; "April 20" states no year; "April 2018" no day.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

# -- numbers -----------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SHORT_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}

# Units, longest spellings first; each maps to one canonical name.
_UNIT_WORDS = {
    "percentage points": "point", "percentage point": "point", "per cent": "percent", "percent": "percent",
    "pc": "percent", "points": "point", "point": "point",
    "us dollars": "dollar", "u.s. dollars": "dollar", "dollars": "dollar", "dollar": "dollar", "usd": "dollar",
    "euros": "euro", "euro": "euro", "eur": "euro", "pounds sterling": "pound", "pounds": "pound", "pound": "pound",
    "gbp": "pound", "yen": "yen", "rupees": "rupee", "rupee": "rupee",
    "kilometres per hour": "km/h", "kilometers per hour": "km/h", "km/h": "km/h", "kph": "km/h", "kmh": "km/h",
    "miles per hour": "mph", "miles an hour": "mph", "mph": "mph",
    "kilometres": "km", "kilometers": "km", "kilometre": "km", "kilometer": "km", "km": "km",
    "metres": "metre", "meters": "metre", "metre": "metre", "meter": "metre",
    "centimetres": "cm", "centimeters": "cm", "cm": "cm", "miles": "mile", "mile": "mile",
    "feet": "foot", "foot": "foot", "ft": "foot",
    "kilograms": "kg", "kilogram": "kg", "kg": "kg", "tonnes": "tonne", "tonne": "tonne", "tons": "tonne",
    "degrees celsius": "celsius", "°c": "celsius", "degrees fahrenheit": "fahrenheit", "°f": "fahrenheit",
    "years": "year", "year": "year", "months": "month", "weeks": "week", "days": "day", "hours": "hour",
    "minutes": "minute", "seconds": "second",
}
_CURRENCY_SIGNS = {"us$": "dollar", "a$": "dollar", "nz$": "dollar", "c$": "dollar", "$": "dollar",
                   "€": "euro", "£": "pound", "¥": "yen", "₹": "rupee", "usd": "dollar", "eur": "euro",
                   "gbp": "pound"}

_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORD_NUMBER = (rf"(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten|half\s+a)\s+)?dozen"
                rf"|(?:{_NUMBER_WORD})(?:[\s-]+(?:{'|'.join(_UNITS)}))?")
_SCALE = "|".join(_SCALES)
_UNIT = "|".join(re.escape(u) for u in sorted(_UNIT_WORDS, key=len, reverse=True))
_SIGN = "|".join(re.escape(s) for s in sorted(_CURRENCY_SIGNS, key=len, reverse=True))
_QUANTITY_RE = re.compile(
    rf"(?:(?P<sign>{_SIGN})\s?)?"
    rf"(?:(?P<digits>(?<![\w.,])(?:{_DIGITS}))(?:(?P<short>{'|'.join(_SHORT_SCALES)})\b|(?:st|nd|rd|th)?(?!\w))"
    rf"|(?P<words>\b(?:{_WORD_NUMBER})\b))"
    rf"(?:\s?(?P<scale>(?:\s*(?:{_SCALE})\b)+))?"
    rf"(?:\s?(?P<unit>%|(?:{_UNIT})\b))?",
    re.IGNORECASE,
)
_MARKER_RE = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Curly quotes and dashes made plain, accents dropped, citation markers removed."""
    text = unicodedata.normalize("NFKD", _MARKER_RE.sub("", text or "").translate(_FOLD))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str | None
    start: int
    end: int


def _word_value(phrase: str) -> float | None:
    parts = re.split(r"[\s-]+", phrase.lower().strip())
    if parts[-1] == "dozen":
        head = " ".join(parts[:-1])
        return {"": 12.0, "a": 12.0, "one": 12.0, "half a": 6.0}.get(head, float(_UNITS.get(head, 1) * 12))
    total = 0
    for part in parts:
        if part not in _UNITS and part not in _TENS:
            return None
        total += _UNITS.get(part, 0) + _TENS.get(part, 0)
    return float(total)


def quantities(text: str) -> list[Quantity]:
    """Numbers with scale and unit, in the order written; offsets are into ``fold(text)``."""
    text = fold(text)
    found = []
    for match in _QUANTITY_RE.finditer(text):
        digits = match.group("digits")
        value = float(digits.replace(",", "")) if digits else _word_value(match.group("words"))
        if value is None:
            continue
        if match.group("short"):
            if not match.group("sign"):  # "5m" alone may be five metres; after a currency sign it is millions
                found.append(Quantity(value, None, match.start("digits"), match.end("digits")))
                continue
            value *= _SHORT_SCALES[match.group("short").lower()]
        for scale in (match.group("scale") or "").lower().split():
            value *= _SCALES[scale]
        unit = match.group("unit")
        unit = "percent" if unit == "%" else _UNIT_WORDS.get(" ".join(unit.lower().split())) if unit else None
        sign = match.group("sign")
        if sign:
            unit = _CURRENCY_SIGNS[sign.lower()]
        found.append(Quantity(round(value, 6), unit, match.start(), match.end()))
    return found


def number_values(text: str) -> list[float]:
    return [q.value for q in quantities(text)]


def same_quantity(answer: Quantity, gold: Quantity) -> bool:
    """Same value, and the same unit where both state one ("12 percent" is not "12 points")."""
    return answer.value == gold.value and (gold.unit is None or answer.unit in (None, gold.unit))


# -- dates -------------------------------------------------------------------------------------

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_DATE_RE = re.compile(
    rf"\b(?P<iso>{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))\b"
    rf"|\b(?P<dmy>{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?)\b"
    rf"|\b(?P<mdy>{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?)\b"
    rf"|\b(?P<my>{_MONTH},?\s+{_YEAR})\b"
)
_ORDINAL_RE = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b|\bof\s+")


@dataclass(frozen=True)
class Date:
    year: int | None
    month: int
    day: int | None
    start: int
    end: int

    def agrees_with(self, gold: Date, year_known: bool = False) -> bool:
        """Month and every part the gold states; a year the answer leaves out counts when
        ``year_known`` (the question or the answer states it elsewhere)."""
        if self.month != gold.month or (gold.day is not None and self.day != gold.day):
            return False
        if gold.year is None:
            return True
        return self.year == gold.year or (self.year is None and year_known)


@lru_cache(maxsize=4096)
def _parse_date(text: str) -> tuple[int, int, int] | None:
    import dateparser

    # A leap year as the base, so that "February 29" without a year still parses; its year is not used.
    parsed = dateparser.parse(text, languages=["en"], settings={
        "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY" if text[0].isdigit() else "MDY",
        "RELATIVE_BASE": datetime(2000, 1, 1)})
    return (parsed.year, parsed.month, parsed.day) if parsed else None


def dates(text: str) -> list[Date]:
    """Calendar dates with a month (or ISO dates), in the order written; offsets into ``fold(text)``."""
    text = fold(text)
    found = []
    for match in _DATE_RE.finditer(text):
        kind = match.lastgroup
        written = match.group(kind)
        parsed = _parse_date(_ORDINAL_RE.sub("", written).replace(".", ""))
        if parsed is None:
            continue
        has_year = kind in ("iso", "my") or re.search(rf"\b{_YEAR}\b", written) is not None
        has_day = kind != "my"
        found.append(Date(parsed[0] if has_year else None, parsed[1], parsed[2] if has_day else None,
                          match.start(), match.end()))
    return found


def gold_date(gold: str) -> Date | None:
    """The date a gold answer consists of ("20th April 2018", "on Tuesday, April 20"), else None."""
    text = fold(gold).strip()
    found = dates(text)
    if len(found) != 1:
        return None
    rest = (text[:found[0].start] + text[found[0].end:]).lower()
    rest = re.sub(r"\b(?:on|in|of|the|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|[^\w]", "", rest)
    return found[0] if not rest else None
