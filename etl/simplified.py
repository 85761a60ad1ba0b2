"""Traditional characters to simplified (OpenCC's t2s), one character for one so that the text keeps its length,
and pinyin glosses dropped (项(xiàng)目 -> 项目). Part of normalisation: the stored text is the converted one."""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

_CJK = (0x3400, 0xA000)          # CJK Extension A and the Unified Ideographs
TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# a gloss in brackets right after a Chinese character, holding at least one tone-marked vowel
PINYIN_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff])[(（]\s*(?=[a-zü{TONE_VOWELS}\s]*[{TONE_VOWELS}])"
                          rf"[a-zü{TONE_VOWELS}]+(?:\s+[a-zü{TONE_VOWELS}]+){{0,5}}\s*[)）]")
_TONE = re.compile(f"[{TONE_VOWELS}]")


@lru_cache(maxsize=None)
def _converter():
    import opencc                  # OpenCC (pyproject.toml); imported on first use: most texts need no conversion

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=None)
def _traditional() -> re.Pattern:
    """The characters that t2s changes on their own, as one class."""
    chars = [chr(c) for c in range(*_CJK)]
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        converted = [_converter().convert(c) for c in chars]
    changed = [c for c, s in zip(chars, converted) if s != c and len(s) == 1]
    return re.compile("[" + "".join(changed) + "]")


@lru_cache(maxsize=None)
def _either() -> re.Pattern:
    """A traditional character or a tone-marked vowel: what simplify acts on (one pass over most texts)."""
    return re.compile(_traditional().pattern[:-1] + TONE_VOWELS + "]")


def simplify(text: str) -> str:
    """drop_pinyin, then to_simplified: the normalisation step (most texts hold neither and are returned as they
    are after one search)."""
    if not _either().search(text):
        return text
    return to_simplified(drop_pinyin(text))


def _is_traditional(text: str) -> bool:
    """Traditional characters are the text's script, not a stray name in simplified text (昇腾): three different
    ones among the first two hundred found, or (in a short text) one different one per fifty characters."""
    distinct = len({m.group() for m in itertools.islice(_traditional().finditer(text), 200)})
    return distinct >= 3 or (distinct > 0 and distinct * 50 >= len(text))


def to_simplified(text: str) -> str:
    """text with its traditional characters converted when they are its script (_is_traditional); every line keeps
    its length (a line whose phrase-level conversion would change its length is converted character by
    character)."""
    if not _is_traditional(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _traditional().search(line):
            done = _convert(line)
            lines[i] = done if done is not None and len(done) == len(line) else "".join(map(_one, line))
    return "\n".join(lines)


def _convert(text: str) -> str | None:
    """OpenCC's conversion, or None where it cannot take the text (a lone surrogate, a NUL)."""
    if "\x00" in text:
        return None
    try:
        return _converter().convert(text)
    except UnicodeError:
        return None


@lru_cache(maxsize=8192)
def _one(ch: str) -> str:
    """One character converted on its own (unchanged when the conversion is not one character)."""
    done = _convert(ch) if _traditional().match(ch) else None
    return done if done is not None and len(done) == 1 else ch


def drop_pinyin(text: str) -> str:
    """text without pinyin glosses (项(xiàng)目 -> 项目)."""
    if not _TONE.search(text):
        return text
    return PINYIN_GLOSS.sub("", text)
