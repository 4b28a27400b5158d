"""What the search scenarios type.

The warm sets are the ~30 Chinese and ~30 pinyin queries people type most (full pinyin and
initials). Each hits item names, keywords (社保, 低保, 网约车, 个税) or, through the standard
material catalog's synonyms, the items requiring that material. The cold pools are many more distinct terms: what people type part-way
(prefixes and 2-4 character pieces of names) and the pinyin and initials of those.
"""

from __future__ import annotations

import random

from bench.catalog import vocab
from bench.catalog.generate import Dataset

SEARCH_ZH = [
    "身份证", "营业执照", "公积金", "社保", "户口", "驾驶证", "结婚", "护照", "居住证", "养老保险",
    "医保", "不动产", "出生", "低保", "教师资格", "发票", "个体工商户", "食品经营", "失业", "工伤",
    "异地就医", "生育", "残疾人证", "落户", "港澳", "网约车", "公积金提取", "身份证补领", "社保卡", "施工许可",
]  # fmt: skip
SEARCH_PINYIN = [
    "shenfenzheng", "sfz", "gongjijin", "gjj", "shebao", "shebaoka", "sbk", "yingyezhizhao", "yyzz", "hukou",
    "luohu", "jiashizheng", "jsz", "jiehun", "jhdj", "huzhao", "juzhuzheng", "jzz", "yanglao", "yibao",
    "budongchan", "bdc", "gongjijintiqu", "gjjtq", "shengyu", "canjizheng", "wangyueche", "wyc", "fapiao", "geshui",
]  # fmt: skip


def name_hit_share(ds: Dataset, queries: list[str], pinyin: bool) -> dict[str, float]:
    """Share of the items whose name contains each query (normalised as the index does and, for
    Latin queries, in pinyin or initials). Material synonyms (and keywords) add more hits."""
    from app.catalog.text import normalise, pinyin_full, pinyin_initials

    readings = {}
    for name in ds.names:
        n = normalise(name)
        readings[name] = (n, pinyin_full(name), pinyin_initials(name)) if pinyin else (n,)
    out = {}
    for q in queries:
        hits = sum(count for name, count in ds.names.items() if any(q in r for r in readings[name]))
        out[q] = hits / max(1, ds.size)
    return out


def cold_pools(ds: Dataset, seed: int, with_keywords: bool = True) -> tuple[list[str], list[str]]:
    """Distinct search terms beyond the warm sets, shuffled: (Chinese, pinyin)."""
    from app.catalog.text import normalise, pinyin_full, pinyin_initials

    words = set(ds.names)
    if with_keywords:
        for bureau in vocab.BUREAUS:
            for s in bureau.subjects:
                words.update(s.keywords)
    zh: set[str] = set()
    for word in sorted(words):
        w = normalise(word)
        for length in range(2, len(w) + 1):
            zh.add(w[:length])
        for length in (2, 3, 4):
            for start in range(1, len(w) - length + 1):
                zh.add(w[start : start + length])
    zh -= set(SEARCH_ZH)
    py: set[str] = set()
    for term in zh:
        py.add(pinyin_full(term))
        initials = pinyin_initials(term)
        if len(initials) >= 2:
            py.add(initials)
    py -= set(SEARCH_PINYIN)
    # the API refuses queries over 50 characters (ServiceQuerySchema)
    zh = {q for q in zh if len(q) <= 50}
    py = {q for q in py if len(q) <= 50}
    rng = random.Random(f"cold-{seed}")
    zh_list, py_list = sorted(zh), sorted(py)
    rng.shuffle(zh_list)
    rng.shuffle(py_list)
    return zh_list, py_list
