"""Attribute evidence as a sentence: `size:  { value:"ipad case" }` -> "The size is ipad case."

Product attributes arrive as a name and a JSON-like value (`{ unit:inches, value:30. }`, lists
of such objects separated by `;`, possibly cut off) or as a plain `key: value` line. They are
parsed leniently and written as one plain sentence that states nothing the text does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(
    r"^\s*([A-Za-z][\w ]{0,60}?|[\u4e00-\u9fff][^:：{]{0,20}?)\s*[:：]\s*(.*)$", re.S
)
_TOKEN = re.compile(r'"(?:[^"]|"")*"?|[{}\[\],;:]|[^{}\[\],;:"]+')
_SKIPPED_KEYS = {"normalized_value", "language_tag", "marketplace_id"}
_SKIPPED_VALUES = {"unknown", ""}


@dataclass(frozen=True)
class Attribute:
    """A parsed attribute: its name (words, not snake case) and its values as short phrases."""

    name: str
    values: tuple[str, ...]


def _number(text: str) -> str:
    """`30.` -> `30`, `0.250` -> `0.25`; other text unchanged."""
    if re.fullmatch(r"\d+\.\d*", text):
        text = text.rstrip("0").rstrip(".")
    return text


def _parse(tokens: list[str], at: int) -> tuple[object, int]:
    """One value from `tokens[at]`: a dict, a list or a string; tolerant of truncation."""
    if at >= len(tokens):
        return "", at
    token = tokens[at]
    if token == "{":
        obj: dict[str, object] = {}
        at += 1
        while at < len(tokens) and tokens[at] != "}":
            if tokens[at] == ",":
                at += 1
                continue
            key = tokens[at].strip()
            at += 1
            if at < len(tokens) and tokens[at] == ":":
                obj[key], at = _parse(tokens, at + 1)
        return obj, at + 1
    if token == "[":
        items: list[object] = []
        at += 1
        while at < len(tokens) and tokens[at] != "]":
            if tokens[at] == ",":
                at += 1
                continue
            item, at = _parse(tokens, at)
            items.append(item)
        return items, at + 1
    if token.startswith('"'):
        return token.strip('"').replace('""', '"').strip(), at + 1
    return token.strip(), at + 1


def _phrases(value: object) -> list[str]:
    """Short phrases of a parsed value: `{unit:inches, value:30.}` -> ["30 inches"]."""
    if isinstance(value, list):
        return [phrase for item in value for phrase in _phrases(item)]
    if not isinstance(value, dict):
        text = _number(str(value))
        return [] if text.lower() in _SKIPPED_VALUES else [text.replace("_", " ")]
    if "value" in value or "quantity" in value:
        main = value.get("value", value.get("quantity"))
        words = _phrases(main)
        unit = value.get("unit") or (value.get("type") if "quantity" in value else None)
        if isinstance(unit, str) and words and unit.lower() not in _SKIPPED_VALUES:
            words = [f"{words[0]} {unit.replace('_', ' ')}"] + words[1:]
        return words
    phrases = []
    for key, item in value.items():
        if key in _SKIPPED_KEYS or key in {"unit", "type"}:
            continue
        phrases += [f"{key.replace('_', ' ')} {phrase}" for phrase in _phrases(item)]
    return phrases


def parse_attribute(text: str) -> Attribute | None:
    """The attribute in `text` (`name: {...}; {...}` or `key: value`), or None for prose."""
    match = _NAME.match(text)
    if not match:
        return None
    name, rest = match.group(1).strip(), match.group(2).strip()
    if not rest.startswith(("{", "[")):
        value = _number(rest.strip(" .。"))
        if not value or len(value.split()) > 8 or len(name.split()) > 3:
            return None
        return Attribute(name.replace("_", " "), (value,))
    tokens = [t for t in _TOKEN.findall(rest) if t.strip()]
    values: list[str] = []
    at = 0
    while at < len(tokens):
        if tokens[at] == ";":
            at += 1
            continue
        value, at = _parse(tokens, at)
        values += [v for v in _phrases(value) if v not in values]
    return Attribute(name.replace("_", " ").strip(), tuple(values)) if values else None


def _join(values: tuple[str, ...], language: str) -> str:
    if language == "zh":
        return "、".join(values)
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + " and " + values[-1]


def _flag_sentence(name: str, value: bool) -> str:
    """An English sentence for a true/false attribute (`is_electric`, `batteries_included`)."""
    words = name.split()
    if words[0] == "is" and len(words) > 1:
        rest = " ".join(words[1:])
        return f"It is {rest}." if value else f"It is not {rest}."
    if words[0] in {"includes", "has", "contains", "requires", "supports"} and len(words) > 1:
        verb, rest = words[0], " ".join(words[1:])
        return f"It {verb} {rest}." if value else f"It does not {verb[:-1]} {rest}."
    if words[-1] in {"included", "required", "supported"} and len(words) > 1:
        rest = " ".join(words[:-1])
        return f"The {rest} are {words[-1]}." if value else f"The {rest} are not {words[-1]}."
    return f"The {name} is {'yes' if value else 'no'}."


def attribute_sentence(attribute: Attribute, language: str = "en") -> str:
    """One sentence stating the attribute ("The size is ipad case."; "颜色是红色。")."""
    if language == "zh":
        return f"{attribute.name}是{_join(attribute.values, language)}。"
    flags = {v.lower() for v in attribute.values}
    if flags in ({"true"}, {"false"}):
        return _flag_sentence(attribute.name.lower(), flags == {"true"})
    verb = "are" if attribute.name.endswith("s") else "is"
    return f"The {attribute.name.lower()} {verb} {_join(attribute.values, language)}."
