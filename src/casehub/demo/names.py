"""Synthetic Chinese names and phone numbers for the demo county.

Surnames lean towards those common in Yangbi (Han, Yi and Bai families: 字, 茶, 杞
and 自 are local); given names are drawn by sex and generation. Every draw goes
through the `random.Random` passed in, so a seed fixes every name.
"""

from __future__ import annotations

import random

_SURNAME_CHOICES = tuple("李杨张王字罗赵陈刘段茶毕左鲁自常杞苏马施何周董范起熊郭彭")
_SURNAME_WEIGHTS = (14, 14, 9, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1)

# (first characters, second characters) per sex; older generations have their own pools.
_GIVEN = {
    ("M", "old"): ("正德文国建朝学绍永家志开发树光汝兴", "荣华明清福贵先才昌林忠有祥寿宽武"),
    ("F", "old"): ("秀桂玉凤兰美春金淑翠云彩琼菊", "英兰芬仙珍花梅香芳莲秀娥凤兰"),
    ("M", "young"): ("俊子浩宇思梓一晨嘉明志泽天皓", "轩豪然宇杰睿涵博航阳辰霖铭"),
    ("F", "young"): ("雨欣梓思佳紫可诗梦语晓若怡心", "涵琪萱彤怡妍婷瑶菲悦蕊雪露"),
}
_PHONE_PREFIXES = (130, 131, 132, 133, 135, 136, 138, 139, 150, 151, 153, 155, 157, 158, 180, 182, 187, 188, 189, 199)


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_CHOICES, _SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    firsts, seconds = _GIVEN[(sex, "old" if birth_year < 1985 else "young")]
    if rng.random() < 0.15:  # a one-character given name
        return rng.choice(seconds)
    return rng.choice(firsts) + rng.choice(seconds)


def full_name(rng: random.Random, sex: str, birth_year: int, family: str | None = None) -> str:
    return (family or surname(rng)) + given_name(rng, sex, birth_year)


def phone(rng: random.Random) -> str:
    """A synthetic 11-digit mobile number."""
    return f"{rng.choice(_PHONE_PREFIXES)}{rng.randrange(100_000_000):08d}"
