"""How a year is written (2016, 二〇一六), and the spans built from it (2018—2020年, 自2010年以来)."""
from __future__ import annotations

import re

# Each alternative opens on one plain character (19…|20…, not (?:19|20)…), so re skips ahead to the candidates.
ARABIC_YEAR = r"19\d{2}|20\d{2}"
YEAR_DIGITS = rf"{ARABIC_YEAR}|一[〇零九][〇零一二三四五六七八九]{{2}}|二[〇零九][〇零一二三四五六七八九]{{2}}"
_CN_YEAR_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# a span of years: 2018—2020年, 从2005年至2020年, 2021-2025年
SPAN = re.compile(rf"(?<!\d)({YEAR_DIGITS})\s*年?\s*(?:[~～\-—–]+|至|到)\s*({YEAR_DIGITS})\s*年(?!\d)")
# the opening year of a period running to the time of writing: 自2010年以来, 2016年以来, 2010年至今
YEAR_SINCE = re.compile(rf"(?<!\d)({YEAR_DIGITS})\s*年(?:\s*|[^，,。；;\d]{{0,14}}?)(?:以来|至今|起|开始)"
                        rf"|(?<!\d)({YEAR_DIGITS})\s*年\s*来")


def year_value(written: str) -> int:
    return int(written.translate(_CN_YEAR_DIGITS))

# one year named as the time of what follows (2021年, not 2021年以来 or 2018～2020年)
SINGLE_YEAR = re.compile(rf"(?<![\d～~\-—–至到])({YEAR_DIGITS})\s*年(?!\s*(?:以来|来|至今|起|开始|[~～\-—–]|至|到|\d))")
# the year of the value a change starts from: 由2020年的600家增至…
FROM_YEAR = re.compile(rf"(?:由|从)\s*({YEAR_DIGITS})\s*年(?:底|末|初)?的?")
