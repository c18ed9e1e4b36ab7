"""Text normalisation for matching: unit names, codes and column headers.

``normalise_name`` is the one normaliser behind ``units.name_norm``: every writer of
``units`` (the importer, the demo generator) must use it, or name matching breaks.
"""

from __future__ import annotations

import re
import unicodedata

# Organisation words that precede a unit's real name ("UBND", "Ủy ban nhân dân").
_ORG_PREFIXES = (
    "uy ban nhan dan",
    "hoi dong nhan dan",
    "ubnd",
    "hdnd",
)
# Administrative level words ("Phường", "Xã", "tỉnh", "Sở" ...), longest first so that
# "thi tran" wins over "thi", "thanh pho" over nothing.
_LEVEL_PREFIXES = (
    "thanh pho",
    "thi tran",
    "thi xa",
    "dac khu",
    "phuong",
    "quan",
    "huyen",
    "tinh",
    "tp",
    "xa",
    "so",
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def nfc(s: str) -> str:
    """Compose to NFC: Windows-1258 text and some Mac exports arrive decomposed."""
    return unicodedata.normalize("NFC", s)


def fold(s: str) -> str:
    """Lower case, no diacritics (đ → d), punctuation as single spaces."""
    s = unicodedata.normalize("NFD", str(s)).casefold()
    s = s.replace("đ", "d").replace("ð", "d")
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", s).strip()


def _strip_prefix(s: str, prefixes: tuple[str, ...]) -> str:
    for p in prefixes:
        if s.startswith(p + " ") and len(s) > len(p) + 1:
            return s[len(p) + 1 :]
    return s


def _strip_prefix_count(words: list[str]) -> int:
    """How many leading words :func:`normalise_name` drops (folded words)."""
    n = 0
    for group in (_ORG_PREFIXES, _LEVEL_PREFIXES):
        rest = " ".join(words[n:])
        for p in group:
            k = len(p.split())
            if rest.startswith(p + " ") and len(words) > n + k:
                n += k
                break
    return n


def normalise_name(s: str | None) -> str:
    """The matching key of a unit name (``units.name_norm``).

    Case, spacing, punctuation, diacritics (composed or decomposed, old or new tone
    placement) are ignored; one organisation prefix ("UBND") and then one level
    prefix ("Phường", "Xã", "tỉnh", "Sở", "Thành phố" ...) are dropped, so
    "UBND Phường Hoàn Kiếm", "phuong hoan kiem" and "Hoàn  Kiếm" share one key.
    Different units can share a key ("Xã Tân Hội" and "Phường Tân Hội"): the matcher
    then refuses to guess.
    """
    if s is None:
        return ""
    key = fold(s)
    key = _strip_prefix(key, _ORG_PREFIXES)
    key = _strip_prefix(key, _LEVEL_PREFIXES)
    return key


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


def has_diacritics(s: str) -> bool:
    d = unicodedata.normalize("NFD", s)
    return any(unicodedata.combining(c) for c in d) or "đ" in d.casefold()


def toned_name(s: str | None) -> str:
    """The name with its diacritics but without prefixes, case, spacing, or the choice of
    vowel that carries the tone ("Hoà" = "Hòa"): tells "Đông Anh" from "Đông Ánh"."""
    if s is None:
        return ""
    words = fold(s).split()
    raw = re.sub(r"[^\w]+", " ", nfc(str(s)).casefold()).split()
    if len(raw) != len(words):  # punctuation folded differently: compare without prefixes skipped
        raw_words = raw
    else:
        raw_words = raw[_strip_prefix_count(words) :]
    out = []
    for w in raw_words:
        d = unicodedata.normalize("NFD", w)
        tones = "".join(sorted(c for c in d if c in TONES))
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
        out.append(base + tones)
    return " ".join(out)


def exact_name(s: str | None) -> str:
    """A stricter key: NFC, case, spacing and "UBND" ignored, diacritics and the level
    word ("Phường", "Xã") kept. Chooses between units that share a :func:`normalise_name` key.
    """
    if s is None:
        return ""
    raw = re.sub(r"[^\w]+", " ", nfc(str(s)).casefold()).split()
    words = fold(s).split()
    if len(raw) == len(words):
        rest = " ".join(words)
        for p in _ORG_PREFIXES:
            k = len(p.split())
            if rest.startswith(p + " ") and len(words) > k:
                raw = raw[k:]
                break
    return " ".join(raw)


def normalise_code(s) -> str:
    """A code as compared: trimmed, NFC, upper case, inner spaces removed."""
    if s is None:
        return ""
    return _SPACES.sub("", nfc(str(s)).strip().upper())


def normalise_header(s) -> str:
    """A column header as compared with the known field names: ``Mã đơn vị`` → ``ma_don_vi``."""
    return fold(s).replace(" ", "_")
