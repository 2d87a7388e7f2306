"""Find US tariff lines from the words sellers type, in Chinese or English, offline.

Each 8-digit line of the search tables (``assumptions/us/search/``) is a document with the US description path
(heading > subheading > line, and its statistical lines), China's official names of its heading and six-digit
subheading, and the names of China's own sub-lines under that subheading (search words only). Ranking is BM25
over those fields with field weights, plus the team's seller names: a name counts when the query says all of its
words. A query word is also searched as the tariff words the synonym table maps it to (Chinese synonyms by
longest match). Chinese text is cut into characters and bigrams (no dictionary needed); English words are
lower-cased and stemmed, and a word the texts never use is matched to the closest one they do (rapidfuzz), so a
typo still finds its line. A listing title's first part (the product) weighs more than 'for ...'/'with ...'.

The index is built once per assumption set (content hash) and kept in memory and in a disk cache, so a query
answers in milliseconds.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from costimpact.assumptions import AssumptionSet

LINES, HEADINGS, CN_SUBHEADINGS = "us/search/us_lines", "us/search/headings", "us/search/cn_subheadings"
SELLER_NAMES, SYNONYMS = "us/search/seller_names", "us/search/synonyms"
# The disk cache is keyed on this module's own text too, so a changed index layout never reads an old pickle.
INDEX_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
# Field weights and BM25 constants (weight, b) of the official texts; a seller name the query says in full is the
# strongest evidence (SELLER_WEIGHT times the summed rarity of its words).
FIELDS = {"en": (1.0, 0.75), "zh": (1.2, 0.75), "zh_detail": (0.3, 0.75)}
SELLER_WEIGHT = 2.5
K1 = 1.2
EXPANSION_WEIGHT = 0.6
UNIGRAM_WEIGHT = 0.3  # a single Chinese character of a longer word: some recall, little say in the order
ATTRIBUTE_WEIGHT = 0.5  # words after the product's own ('for kids', 'with lid', Chinese words after a space)
HEAD_WEIGHT = 1.5  # the last word of a title's first part, usually the product noun
FIRST_PAGE, PER_HEADING = 5, 2  # the first five results show at most two lines of one heading ...
DIVERSE_SHARE = 0.3  # ... while another heading scores at least 30 % of the best
HEADING_WEIGHT = 0.5  # share of the best line's score in a heading that its sibling lines also get

_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and or of the for to in on with without by as at from not other others thereof therefor whether than "
    "nesoi its their be is are such kind used use including parts part new hot sale pcs pc set sets piece pieces "
    "pack 1pc 2pcs high quality".split()
)


def normalize(text: str) -> str:
    """NFKC (full-width forms to ASCII, compatibility ideographs) and lower case."""
    return unicodedata.normalize("NFKC", str(text or "")).lower()


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A small English stemmer: plurals and a few suffixes, enough to meet 'shirts' and 'shirt'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Chinese runs as character bigrams (a single character alone), English words stemmed, stop words and
    words with digits dropped."""
    text = normalize(text)
    out: list[str] = []
    for run in _CJK.findall(text):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(stem(w) for w in _WORD.findall(_CJK.sub(" ", text)) if w.isalpha() and w not in _STOP and (len(w) > 1 or w == "t"))
    return out


@dataclass(frozen=True)
class Index:
    hts: np.ndarray  # 8-digit codes, one per document
    heading: np.ndarray  # document -> heading number (0..H-1)
    terms: dict[str, int]  # term -> row of the postings (compressed sparse rows over documents)
    indptr: np.ndarray
    doc_ids: np.ndarray
    impacts: np.ndarray  # field-weighted BM25 impact of the term in the document
    english_vocab: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]  # seller word (normalised) -> tariff tokens
    zh_words: tuple[str, ...]  # Chinese synonym terms and seller names, longest first (for maximum matching)
    phrases: tuple[tuple[tuple[str, ...], int, int], ...]  # seller name tokens, first and end line it names
    phrase_idf: dict[str, float]
    phrases_of: dict[str, tuple[int, ...]]  # token -> the seller names holding it
    docs: dict[str, np.ndarray]  # description, description_zh (China's subheading name), seller_names


def _field_postings(parts: list[list[str]], field: str, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """One field's BM25 impacts (query term frequency taken as 1) as (term * n_docs + doc, impact), terms
    numbered in ``vocab``. ``parts`` are the field's pieces (heading, line, ...), each a list as long as the
    documents; a piece shared by many documents is tokenised once."""
    weight, b = FIELDS[field]
    cache: dict[str, list[int]] = {}
    ids: list[int] = []
    docs: list[int] = []
    for i, texts in enumerate(zip(*parts, strict=True)):
        for text in texts:
            got = cache.get(text)
            if got is None:
                got = cache[text] = [vocab.setdefault(t, len(vocab)) for t in tokens(text)]
            ids.extend(got)
            docs.extend([i] * len(got))
    n = len(parts[0])
    doc = np.asarray(docs, dtype=np.int64)
    keys, tf = np.unique(np.asarray(ids, dtype=np.int64) * n + doc, return_counts=True)
    term, doc_of = keys // n, keys % n
    lengths = np.bincount(doc, minlength=n).astype(float)
    norm = K1 * (1 - b + b * lengths / (lengths.mean() or 1.0))
    df = np.bincount(term)[term]
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    return keys, weight * idf * tf * (K1 + 1) / (tf + norm[doc_of])


def build_index(aset: AssumptionSet) -> Index:
    """The search index of an assumption set's search tables."""
    lines = aset.table(LINES).sort_values("hts").reset_index(drop=True)
    heads = aset.table(HEADINGS).set_index("hs4")
    cn = aset.table(CN_SUBHEADINGS).set_index("hs6")
    subs = cn["name_zh"]
    hts = lines["hts"].astype(str)
    h4, h6 = hts.str[:4], hts.str[:6]
    head_en = h4.map(heads["description"]).fillna("")
    sub_zh = h6.map(subs).fillna("")
    head_zh = h4.map(heads["name_zh"]).fillna("")
    seller = _seller_text(aset.table(SELLER_NAMES), hts)
    phrases = _phrases(aset.table(SELLER_NAMES), hts)
    df: dict[str, int] = {}
    for toks, _, _ in phrases:
        for tok in set(toks):
            df[tok] = df.get(tok, 0) + 1
    phrase_idf = {tok: float(np.log(1 + (len(phrases) - d + 0.5) / (d + 0.5))) for tok, d in df.items()}
    vocab: dict[str, int] = {}
    parts = [
        _field_postings([head_en.tolist(), lines["description"].tolist(), lines["detail"].tolist()], "en", vocab),
        _field_postings([head_zh.tolist(), sub_zh.tolist()], "zh", vocab),
        _field_postings([h6.map(cn["detail_zh"]).fillna("").tolist()], "zh_detail", vocab),
    ]
    keys, where = np.unique(np.concatenate([k for k, _ in parts]), return_inverse=True)  # by term, then document
    impacts = np.bincount(where, weights=np.concatenate([v for _, v in parts]))
    n = len(hts)
    indptr = np.searchsorted(keys // n, np.arange(len(vocab) + 1))
    syn = aset.table(SYNONYMS)
    synonyms = {normalize(t).strip(): phrase_tokens(e) for t, e in zip(syn["term"], syn["expansion"], strict=True)}
    names = aset.table(SELLER_NAMES)
    zh_words = {normalize(w).strip() for w in synonyms if not w.isascii()}
    zh_words |= {normalize(w).strip() for cell in names["name_zh"] for w in cell.split("|") if w.strip()}
    heading_ids, _ = pd.factorize(h4)
    description = head_en + np.where(lines["description"] != "", " > " + lines["description"], "")
    docs = {
        "description": description.str.strip().to_numpy(dtype=object),
        "description_zh": np.where(sub_zh != "", sub_zh, head_zh).astype(object),
        "seller_names": seller["names"].to_numpy(dtype=object),
    }
    return Index(
        hts=hts.to_numpy().astype(str),
        heading=np.asarray(heading_ids),
        terms=vocab,
        indptr=indptr,
        doc_ids=(keys % n).astype(np.int32),
        impacts=impacts.astype(np.float32),
        english_vocab=tuple(sorted({t for t in vocab if t.isascii()} | {t for t in phrase_idf if t.isascii()})),
        synonyms=synonyms,
        zh_words=tuple(sorted(zh_words, key=lambda w: (-len(w), w))),
        phrases=tuple(phrases),
        phrase_idf=phrase_idf,
        phrases_of=_phrases_of(phrases),
        docs=docs,
    )


def phrase_tokens(text: str) -> tuple[str, ...]:
    """The words a seller name is made of: English stems and Chinese bigrams (no single characters of longer
    runs, which would let 宠物 alone stand for 宠物牵引绳)."""
    toks = tokens(text)
    runs = {ch for run in _CJK.findall(normalize(text)) if len(run) > 1 for ch in run}
    return tuple(dict.fromkeys(t for t in toks if t not in runs))


def _phrases(names: pd.DataFrame, hts: pd.Series) -> list[tuple[tuple[str, ...], int, int]]:
    """Every seller name with the range of (sorted) lines its prefix covers."""
    codes = hts.to_numpy().astype(str)
    out = []
    for prefix, zh, en in zip(names["hts"].astype(str), names["name_zh"], names["name_en"], strict=True):
        lo, hi = int(np.searchsorted(codes, prefix)), int(np.searchsorted(codes, prefix + ":"))  # ':' sorts after '9'
        for name in [*zh.split("|"), *en.split("|")]:
            toks = phrase_tokens(name)
            if toks and hi > lo:
                out.append((toks, lo, hi))
    return out


def _phrases_of(phrases: list[tuple[tuple[str, ...], int, int]]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, (toks, _, _) in enumerate(phrases):
        for tok in toks:
            out.setdefault(tok, []).append(i)
    return {tok: tuple(ids) for tok, ids in out.items()}


def _seller_text(names: pd.DataFrame, hts: pd.Series) -> pd.DataFrame:
    """For each line (``hts`` sorted), the first seller names of every prefix (4, 6 or 8 digits) it falls under."""
    codes = hts.to_numpy().astype(str)
    shown = [""] * len(codes)
    for prefix, zh, en in zip(names["hts"].astype(str), names["name_zh"], names["name_en"], strict=True):
        lo, hi = np.searchsorted(codes, prefix), np.searchsorted(codes, prefix + ":")
        first = " / ".join(x for x in (zh.split("|")[0], en.split("|")[0]) if x)
        for i in range(lo, hi):
            shown[i] = f"{shown[i]}; {first}" if shown[i] else first
    return pd.DataFrame({"names": shown})


def _cache_dir() -> Path | None:
    from costimpact.assumptions.loader import cache_dir

    root = cache_dir()  # one folder per Python/pandas/numpy, like the compiled tables
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root


_INDEXES: dict[tuple[str, str], Index] = {}


def get_index(aset: AssumptionSet) -> Index:
    """The index of ``aset``, built once per content hash: kept in memory, and pickled in the user's cache
    folder so the next process loads it instead of building it."""
    key = (str(aset.root), aset.content_hash)
    if key in _INDEXES:
        return _INDEXES[key]
    folder = _cache_dir()
    name = f"hts-search-{INDEX_VERSION}-{hashlib.sha256('|'.join(key).encode()).hexdigest()[:16]}.pickle"
    index = None
    if folder is not None and (folder / name).is_file():
        try:
            with (folder / name).open("rb") as fh:
                index = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            index = None
    if not isinstance(index, Index):
        index = build_index(aset)
        if folder is not None:
            tmp = folder / f"{name}.{os.getpid()}.tmp"
            try:
                with tmp.open("wb") as fh:
                    pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
                tmp.replace(folder / name)
                old = sorted(folder.glob("hts-search-*.pickle"), key=lambda p: p.stat().st_mtime)[:-4]
                for stale in old:  # each edit of the assumptions leaves one; keep the four newest
                    stale.unlink(missing_ok=True)
            except OSError:
                tmp.unlink(missing_ok=True)
    if len(_INDEXES) >= 4:
        _INDEXES.clear()
    _INDEXES[key] = index
    return index


_SPLIT = re.compile(r"\s+(?:for|with|w/|in|to)\s+|[,;|(\[（]|\s+-\s+")


def _segments(text: str) -> list[tuple[str, float]]:
    """A listing title's parts: the product first, then uses and features ('for women', 'with lid'; in Chinese
    the words after the first space), which say less about the tariff line."""
    if _CJK.search(text):
        parts = text.split()
    else:
        parts = [p for p in _SPLIT.split(text) if p and p.strip()]
    return [(p, 1.0 if i == 0 else ATTRIBUTE_WEIGHT) for i, p in enumerate(parts)] or [(text, 1.0)]


def _chinese_words(index: Index, text: str) -> list[str]:
    """The synonym terms a Chinese query contains, longest first, a shorter one only where no longer known word
    (a synonym term or a seller name) covers it: 鞋垫 keeps 鞋 from firing, 指甲剪 keeps 指甲 from firing."""
    spans: list[tuple[int, int]] = []
    found: list[str] = []
    for word in index.zh_words:  # longest first
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
                if word in index.synonyms:
                    found.append(word)
            start = text.find(word, start + 1)
    return found


def _query_terms(index: Index, query: str) -> tuple[dict[str, float], set[str], set[str]]:
    """Query tokens with weights (the words typed, typo-corrected, plus the synonym table's expansions), the
    typed words alone (typo-corrected), which seller names are matched against, and the product noun's tokens.
    Who the product is for and how it is sold (儿童, 女士, 套装, kids, women, set ...) weigh half; the last word
    of the title's first part, the product noun, weighs HEAD_WEIGHT. A synonym's expansion shares one weight among
    its words, so a long expansion does not outvote a short one."""
    from rapidfuzz import fuzz, process

    text = normalize(query)
    terms: dict[str, float] = {}
    head: set[str] = set()

    def add(tok: str, weight: float) -> None:
        terms[tok] = max(terms.get(tok, 0.0), weight)

    for part, (segment, segment_weight) in enumerate(_segments(text)):
        core = segment
        for word in _ATTR_ZH:
            if word in core:
                for tok in tokens(word):
                    add(tok, ATTRIBUTE_WEIGHT * (UNIGRAM_WEIGHT if len(tok) == 1 else 1.0) * segment_weight)
                core = core.replace(word, " ")
        toks = tokens(core)
        runs = _CJK.findall(core)
        head_zh = runs[-1][-2:] if part == 0 and runs and len(runs[-1]) > 2 else None
        english = [t for t in toks if t.isascii() and t not in _ATTR_EN]
        head_en = english[-1] if part == 0 and len(english) > 1 else None
        for tok in toks:
            if tok not in index.terms and tok not in index.phrase_idf and tok.isascii() and len(tok) >= 5:
                best = process.extractOne(tok, index.english_vocab, scorer=fuzz.ratio, score_cutoff=88)
                tok = best[0] if best else tok
            weight = UNIGRAM_WEIGHT if len(tok) == 1 and not tok.isascii() else 1.0
            if tok in _ATTR_EN:
                weight *= ATTRIBUTE_WEIGHT
            elif tok in (head_en, head_zh):
                weight *= HEAD_WEIGHT
                head.add(tok)
            add(tok, weight * segment_weight)
    typed = set(terms)
    words = set(_WORD.findall(text)) | {stem(w) for w in _WORD.findall(text)}
    hits = [t for t in index.synonyms if t.isascii() and t in words] + _chinese_words(index, text)
    for term in hits:
        expansion = index.synonyms[term]
        share = EXPANSION_WEIGHT / max(1.0, len(expansion) / 2)
        for tok in expansion:
            add(tok, share)
    return terms, typed, head


# Who a product is for and how it is sold: words that qualify the product rather than name it.
_ATTR_ZH = tuple(
    sorted(
        "儿童 宝宝 家用 户外 便携式 便携 可折叠 大容量 迷你 新款 套装 加厚 防水 耐高温 "
        "多功能 创意 可爱 学生 成人 充电式 网红 高颜值".split(),
        key=len,
        reverse=True,
    )
)
_ATTR_EN = frozenset("kid kids adult adults portable mini reusable set pack".split())


def score(index: Index, query: str) -> np.ndarray:
    """Each line's score for ``query``: its BM25 sum plus a share of the best score in its heading."""
    scores = np.zeros(len(index.hts), dtype=np.float64)
    terms, typed, head = _query_terms(index, query)
    for tok, w in terms.items():
        row = index.terms.get(tok)
        if row is not None:
            lo, hi = index.indptr[row], index.indptr[row + 1]
            scores[index.doc_ids[lo:hi]] += w * index.impacts[lo:hi]  # a document appears once per term
    scores += _seller_scores(index, typed, head)
    starts = np.flatnonzero(np.r_[True, index.heading[1:] != index.heading[:-1]])  # lines are sorted by code
    best = np.maximum.reduceat(scores, starts)
    return scores + HEADING_WEIGHT * best[index.heading]


def _seller_scores(index: Index, said: set[str], head: set[str] = frozenset()) -> np.ndarray:
    """Each line's best seller-name match: a name counts only when the query says all of its words (one may be
    missing from a name of four or more), weighted by how rare those words are among the names; a name holding
    the title's product noun counts HEAD_WEIGHT times (蓝牙耳机收纳盒 is a 收纳盒 before it is a 蓝牙耳机)."""
    best = np.zeros(len(index.hts), dtype=np.float64)
    candidates = sorted({i for tok in said for i in index.phrases_of.get(tok, ())})
    for toks, lo, hi in (index.phrases[i] for i in candidates):
        hit = [t for t in toks if t in said]
        if len(hit) == len(toks) or (len(toks) >= 4 and len(hit) >= len(toks) - 1):
            value = SELLER_WEIGHT * sum(index.phrase_idf[t] for t in hit) * (HEAD_WEIGHT if head.intersection(toks) else 1.0)
            np.maximum(best[lo:hi], value, out=best[lo:hi])
    return best


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ties in code order."""
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def format_hts(code: str) -> str:
    """8518302000 -> 8518.30.20.00; 85183020 -> 8518.30.20."""
    code = str(code)
    return ".".join([code[:4]] + [code[i : i + 2] for i in range(4, len(code), 2)])


def search_hts(aset: AssumptionSet, query: str, limit: int = 10) -> pd.DataFrame:
    """The US lines best matching ``query``: a code (digits, dots allowed) lists the lines under it; words rank
    every line. Columns: hts (8 digits), description, description_zh (China's official name of the six-digit
    subheading), seller_names (the team's names, unverified), mfn_text and the schedule row's source and
    evidence when the loaded schedule has the line (empty otherwise), score."""
    index = get_index(aset)
    q = (query or "").strip()
    digits = re.sub(r"[\s.]", "", q)
    if not q:
        picked, scores = np.arange(0), np.zeros(0)
    elif digits.isdigit():
        picked = np.flatnonzero(np.char.startswith(index.hts, digits[:8]))[:limit]
        scores = np.ones(len(picked))
    else:
        s = score(index, q)
        top = _top(s, max(limit, FIRST_PAGE * 8))
        picked = _diverse(index, top[s[top] > 0], s)[:limit]
        scores = s[picked]
    return _result(aset, index, picked, scores)


def _diverse(index: Index, ranked: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The first page shows at most PER_HEADING lines of one heading while another heading scores at least
    DIVERSE_SHARE of the best, so a seller sees the other headings the words could mean; the rest follow in score
    order."""
    floor = DIVERSE_SHARE * float(scores[ranked[0]]) if len(ranked) else 0.0
    first: list[int] = []
    seen: dict[int, int] = {}
    for doc in ranked.tolist():
        if len(first) == FIRST_PAGE or scores[doc] < floor:
            break
        h = int(index.heading[doc])
        if seen.get(h, 0) < PER_HEADING:
            first.append(doc)
            seen[h] = seen.get(h, 0) + 1
    chosen = set(first)
    return np.asarray(first + [d for d in ranked.tolist() if d not in chosen], dtype=np.int64)


_SCHEDULES: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {}


def _schedule_rows(aset: AssumptionSet) -> dict[str, tuple[str, str, str]]:
    """8-digit line -> (rate text, source, grade) of the loaded schedule: its 8-digit row, else the first
    10-digit row under it. Built once per assumption set."""
    key = (str(aset.root), aset.content_hash)
    if key not in _SCHEDULES:
        from costimpact.assumptions.tariff import tariff_lines

        table = tariff_lines(aset)
        keys = table["hts"].astype(str)
        cols = [table[c].astype(str).tolist() if c in table else [""] * len(table) for c in ("mfn_text", "source", "evidence")]
        order = sorted(range(len(table)), key=lambda i: (keys.iat[i][:8], len(keys.iat[i]), keys.iat[i]))
        rows: dict[str, tuple[str, str, str]] = {}
        for i in order:
            rows.setdefault(keys.iat[i][:8], (cols[0][i], cols[1][i], cols[2][i]))
        if len(_SCHEDULES) >= 4:
            _SCHEDULES.clear()
        _SCHEDULES[key] = rows
    return _SCHEDULES[key]


def _result(aset: AssumptionSet, index: Index, picked: np.ndarray, scores: np.ndarray | None = None) -> pd.DataFrame:
    """The picked lines as a small frame, with the loaded schedule's rate text, source and grade (empty where
    the schedule lacks the line) and whether it has it."""
    sched = _schedule_rows(aset)
    hts = index.hts[picked].tolist()
    got = [sched.get(h) for h in hts]
    out = {
        "hts": hts,
        "description": index.docs["description"][picked].tolist(),
        "description_zh": index.docs["description_zh"][picked].tolist(),
        "seller_names": index.docs["seller_names"][picked].tolist(),
        "mfn_text": [g[0] if g else "" for g in got],
        "source": [g[1] if g else "" for g in got],
        "evidence": [g[2] if g else "" for g in got],
        "in_schedule": [g is not None for g in got],
    }
    if scores is not None:
        out["score"] = np.round(scores, 3).tolist()
    return pd.DataFrame(out, columns=list(out))


def suggest_for_code(aset: AssumptionSet, code: str, words: str = "", limit: int = 3) -> pd.DataFrame:
    """Lines to offer for a rejected code: the seller's own words about the product when given (searched within
    the code's heading first), else the lines sharing the longest prefix with the code."""
    index = get_index(aset)
    digits = re.sub(r"\D", "", str(code or ""))
    hts = index.hts.astype(str)
    for n in (8, 6, 4, 2):
        if len(digits) >= n:
            near = np.flatnonzero(np.char.startswith(hts, digits[:n]))
            if near.size:
                break
    else:
        near = np.arange(0)
    if words.strip():
        s = score(index, words)
        if near.size:
            s[near] += s.max() * 0.5  # the code's heading wins ties with another heading
        top = _top(s, limit)
        picked = top[s[top] > 0]
    else:
        picked = near[:limit]
    return _result(aset, index, picked)


def _label(row: pd.Series, zh: bool) -> str:
    """'8518.30.20 蓝牙耳机: 耳机、耳塞…': the code, the team's seller name if any, the official words."""
    name = str(row.get("seller_names") or "").split("; ")[0]
    name = name.split(" / ")[0 if zh else -1] if name else ""
    official = str(row["description_zh"] if zh else str(row["description"]).split(" > ")[-1])
    text = f"{name}: {official}" if name else official
    return f"{format_hts(row['hts'])} {text[:48]}"


def suggest_for_rejects(aset: AssumptionSet, rejects: pd.DataFrame, lines: pd.DataFrame | None = None, limit: int = 3) -> pd.DataFrame:
    """Codes to offer beside every line rejected for its HTS code: row_number, suggested_hts ('; '-joined
    8-digit codes), suggested_en and suggested_zh (code and a short name each). The line's own ``description``
    (from the imported ``lines``, matched on row_number) is searched when the order file has one."""
    cols = ["row_number", "suggested_hts", "suggested_en", "suggested_zh"]
    if rejects is None or rejects.empty or "column" not in rejects:
        return pd.DataFrame(columns=cols)
    bad = rejects.loc[rejects["column"] == "hts_code", ["row_number", "value"]].drop_duplicates("row_number")
    words = pd.Series("", index=bad.index)
    if lines is not None and "description" in lines and "row_number" in lines:
        text = lines.drop_duplicates("row_number").set_index("row_number")["description"].astype(str)
        words = bad["row_number"].map(text).fillna("").replace({"nan": "", "None": ""})
    out = []
    cache: dict[tuple[str, str], list] = {}
    for row, code, said in zip(bad["row_number"], bad["value"].astype(str), words, strict=True):
        key = (code, said)
        if key not in cache:
            hits = suggest_for_code(aset, code, said, limit=limit)
            cache[key] = [
                "; ".join(hits["hts"]),
                " | ".join(_label(h, zh=False) for _, h in hits.iterrows()),
                " | ".join(_label(h, zh=True) for _, h in hits.iterrows()),
            ]
        out.append([row, *cache[key]])
    return pd.DataFrame(out, columns=cols)
