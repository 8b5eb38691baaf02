"""Chinese text understanding on real reviews (online-shopping-10-cats-zh), and search on the
Chinese demo shop against the English one.

    python benchmarks/bench_chinese.py

Part 1, on the 62,773 non-empty real reviews of `online-shopping-10-cats-zh` (10 categories):
- retrieval: each category's Chinese name ("手机", "洗发水", ...) is a query over the whole
  corpus, relevant = that category's reviews, NDCG@10 (binary gains; every category has far
  more than 10 reviews, so the ideal DCG is that of 10 hits). The same with the categories'
  English names ("mobile phone", "shampoo", ...: cross-lingual);
- classification: 10-way category by nearest centroid (cosine) on frozen vectors, centroids
  from a seeded stratified 80% split (seed 0), accuracy and macro-F1 on the other 20%.
Rows, side by side in one run: lexical without segmentation (the regex tokens of the English
pipeline: a run of Han characters is one token), lexical with the shop's Chinese analysis
(jieba segmentation, normalisation, stop words), all-MiniLM-L6-v2 (the English encoder),
multilingual-e5-small (the encoder Chinese shops get), and the hybrids: English-only
(unsegmented BM25 + MiniLM) and Chinese (segmented BM25 + e5). Retrieval fuses the two lists by
reciprocal rank (as search does before it has learned a fusion); classification adds the two
cosines to each centroid. "ShopSense search" is `Searcher.build` over the reviews as a
catalogue, with everything it does by default for a Chinese shop.

Part 2, on the demo shops (SYNTHETIC, generated): `evaluate_search`, the protocol of the Home
Depot benchmark (learned fusion trained on the dev queries, NDCG@10 on the test queries), on each
demo's judged queries (relevant = the products that satisfy the query, from the generator),
Chinese against English.
"""

from __future__ import annotations

import argparse
import io
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
import polars as pl
from benchmarks_md import command_line, machine_line, markdown_table, write_section
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from shopsense.data import Dataset
from shopsense.data.demo import judged_demo_shop
from shopsense.evaluation.search import evaluate_search, ndcg
from shopsense.search import Searcher
from shopsense.search.analysis import analyze
from shopsense.search.candidates import RRF_K
from shopsense.text import Encoder, EncoderConfig
from shopsense.text.backends import DEFAULT_MODEL, MULTILINGUAL_MODEL

FOLDER = "online-shopping-10-cats-zh"
#: Category -> an English name for the cross-lingual queries (蒙牛 is a dairy brand).
ENGLISH_NAMES = {
    "书籍": "books",
    "平板": "tablet computer",
    "手机": "mobile phone",
    "水果": "fruit",
    "洗发水": "shampoo",
    "热水器": "water heater",
    "蒙牛": "Mengniu milk",
    "衣服": "clothes",
    "计算机": "computer",
    "酒店": "hotel",
}
_UNSEGMENTED = re.compile(r"\d+(?:[./]\d+)*|[^\W\d_]+")
K = 10


def unsegmented(text: str) -> list[str]:
    """The English pipeline's tokens: a run of Han characters stays one token."""
    return _UNSEGMENTED.findall(text.lower())


def load_reviews(root: Path) -> pl.DataFrame:
    """The corpus's non-empty reviews with their category (read from the zip in place)."""
    with zipfile.ZipFile(root / FOLDER / "online_shopping_10_cats.zip") as archive:
        raw = archive.read("online_shopping_10_cats.csv").decode("utf-8-sig")
    frame = pl.read_csv(io.StringIO(raw))
    frame = frame.with_columns(pl.col("review").str.strip_chars("\ufeff \n\t"))
    return frame.filter(pl.col("review").is_not_null() & (pl.col("review") != ""))


def bm25_scores(tokenize: Callable[[str], list[str]], corpus: list[str]) -> Callable:
    """A function from a query to BM25 scores over `corpus` under `tokenize`."""
    index = bm25s.BM25()
    index.index([tokenize(text) for text in corpus], show_progress=False)
    return lambda query: index.get_scores(tokenize(query))


def top(scores: np.ndarray, k: int) -> np.ndarray:
    head = np.argpartition(-scores, k)[:k]
    return head[np.argsort(-scores[head], kind="stable")]


def rrf(*rankings: np.ndarray, k: int = RRF_K, depth: int = 100) -> np.ndarray:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking[:depth]):
            fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (k + rank + 1)
    return np.array(sorted(fused, key=lambda row: -fused[row]), dtype=np.int64)


def retrieval_ndcg(rankings: dict[str, np.ndarray], categories: np.ndarray) -> float:
    ids = np.arange(len(categories)).astype(str)
    values = []
    for category, ranking in rankings.items():
        relevance = {ids[row]: 1.0 for row in ranking[:K] if categories[row] == category}
        # Every category has >= 575 reviews: the ideal ranking has 10 relevant ones.
        relevance.update({f"ideal-{i}": 1.0 for i in range(K)})
        values.append(ndcg([ids[row] for row in ranking], relevance, K))
    return float(np.mean(values))


def centroid_scores(vectors, train: np.ndarray, labels: np.ndarray, names: list[str]):
    """Cosine of each row to each category's centroid (rows and centroids unit-normalised)."""
    rows = []
    for name in names:
        centre = np.asarray(vectors[train[labels[train] == name]].mean(axis=0)).ravel()
        rows.append(centre / max(np.linalg.norm(centre), 1e-12))
    centroids = np.stack(rows)
    if sparse.issparse(vectors):
        return np.asarray(vectors @ centroids.T)
    return vectors @ centroids.T


def part_one(root: Path, limit: int | None) -> tuple[str, dict[str, float]]:
    reviews = load_reviews(root)
    if limit:
        reviews = reviews.sample(n=limit, seed=0)
    texts = reviews["review"].to_list()
    categories = reviews["cat"].to_numpy()
    names = sorted(ENGLISH_NAMES)
    queries_zh = {name: name for name in names}
    queries_en = {name: ENGLISH_NAMES[name] for name in names}
    rows = np.arange(len(texts))
    train, test = train_test_split(rows, test_size=0.2, random_state=0, stratify=categories)

    timings: dict[str, float] = {}
    lexical = {"plain": unsegmented, "segmented": analyze}
    bm25 = {key: bm25_scores(tok, texts) for key, tok in lexical.items()}
    tfidf = {
        key: TfidfVectorizer(analyzer=tok, sublinear_tf=True).fit_transform(texts)
        for key, tok in lexical.items()
    }
    dense: dict[str, np.ndarray] = {}
    encoders: dict[str, Encoder] = {}
    for key, model in (("minilm", DEFAULT_MODEL), ("e5", MULTILINGUAL_MODEL)):
        encoders[key] = Encoder(EncoderConfig(model_name=model))
        started = time.perf_counter()
        dense[key] = encoders[key].encode(texts, show_progress=True)
        timings[key] = time.perf_counter() - started

    def rankings(method: str, queries: dict[str, str]) -> dict[str, np.ndarray]:
        out = {}
        for category, query in queries.items():
            if method in bm25:
                out[category] = top(bm25[method](query), 100)
            elif method in dense:
                vector = encoders[method].encode([query], kind="query")[0]
                out[category] = top(dense[method] @ vector, 100)
        return out

    def hybrid(lexical_key: str, dense_key: str, queries: dict[str, str]) -> dict[str, np.ndarray]:
        a, b = rankings(lexical_key, queries), rankings(dense_key, queries)
        return {category: rrf(a[category], b[category]) for category in queries}

    def classify(*scores: np.ndarray) -> tuple[float, float]:
        total = sum(np.asarray(s)[test] for s in scores)
        predicted = np.array(names)[np.argmax(total, axis=1)]
        truth = categories[test]
        return float(np.mean(predicted == truth)), float(
            f1_score(truth, predicted, average="macro")
        )

    centroid = {key: centroid_scores(m, train, categories, names) for key, m in tfidf.items()}
    centroid.update({key: centroid_scores(m, train, categories, names) for key, m in dense.items()})
    methods = [
        ("lexical, no segmentation (English pipeline)", ("plain",)),
        ("lexical, jieba segmentation", ("segmented",)),
        ("all-MiniLM-L6-v2 (English encoder)", ("minilm",)),
        ("multilingual-e5-small", ("e5",)),
        ("hybrid, English-only: unsegmented + MiniLM", ("plain", "minilm")),
        ("hybrid, Chinese: segmented + e5", ("segmented", "e5")),
    ]
    results: dict[str, float] = {}
    table = []
    for label, keys in methods:
        if len(keys) == 1:
            zh, en = rankings(keys[0], queries_zh), rankings(keys[0], queries_en)
        else:
            zh, en = hybrid(*keys, queries_zh), hybrid(*keys, queries_en)
        accuracy, macro_f1 = classify(*(centroid[key] for key in keys))
        scores = [retrieval_ndcg(zh, categories), retrieval_ndcg(en, categories)]
        results[label] = scores[0]
        table.append([label, *(f"{v:.4f}" for v in scores), f"{accuracy:.4f}", f"{macro_f1:.4f}"])

    searcher, language, build_seconds = shipped_searcher(texts)
    shipped = {}
    for queries in (queries_zh, queries_en):
        found = {
            category: np.array([int(hit.item_id) for hit in searcher.search(query, k=K).hits])
            for category, query in queries.items()
        }
        shipped[id(queries)] = retrieval_ndcg(found, categories)
    results["shopsense search"] = shipped[id(queries_zh)]
    table.append(
        [
            "ShopSense search, as shipped for a Chinese shop",
            f"{shipped[id(queries_zh)]:.4f}",
            f"{shipped[id(queries_en)]:.4f}",
            "",
            "",
        ]
    )
    body = markdown_table(
        [
            "method",
            "NDCG@10, Chinese category name",
            "NDCG@10, English name (cross-lingual)",
            "category accuracy",
            "macro-F1",
        ],
        table,
    )
    speed = ", ".join(
        f"{key} {len(texts) / max(seconds, 1e-9):,.0f} reviews/s (cold cache: {seconds:,.0f} s)"
        if seconds > 1
        else f"{key} from the vector cache"
        for key, seconds in timings.items()
    )
    notes = (
        f"{len(texts):,} reviews; classification on {len(test):,} held-out reviews (stratified "
        f"80/20, seed 0). Encoding: {speed}. ShopSense search built over them in "
        f"{build_seconds:,.0f} s (encoder: {searcher.index.encoder.config.model_name}, "
        f"shop language detected: {language})."
    )
    return body + "\n\n" + notes, results


def shipped_searcher(texts: list[str]) -> tuple[Searcher, str, float]:
    """`Searcher.build` over the reviews as a catalogue: the searcher, the language it detected
    and the seconds it took."""
    items = pl.DataFrame({"item_id": [str(i) for i in range(len(texts))], "title": texts})
    started = time.perf_counter()
    dataset = Dataset(items=items, name=FOLDER)
    searcher = Searcher.build(dataset)
    return searcher, dataset.language or "", time.perf_counter() - started


def part_two() -> tuple[str, dict[str, float]]:
    """`evaluate_search` (the same protocol as on Home Depot) on each demo's judged queries."""
    results: dict[str, dict[str, float]] = {}
    encoders: dict[str, str] = {}
    counts: dict[str, str] = {}
    for language in ("en", "zh"):
        report = evaluate_search(judged_demo_shop(language=language))
        methods = report["methods"]
        results[language] = {name: scores[f"ndcg@{K}"] for name, scores in methods.items()}
        encoders[language] = report["protocol"]["encoder"]
        queries = report["protocol"]["queries"]
        counts[language] = f"{queries['dev']:,} / {queries['test']:,}"
    names = list(results["en"])
    rows = [[name, *(f"{results[lang][name]:.4f}" for lang in ("en", "zh"))] for name in names]
    rows.append(["dev / test queries", counts["en"], counts["zh"]])
    rows.append(["encoder", encoders["en"], encoders["zh"]])
    ratio = results["zh"]["hybrid"] / results["en"]["hybrid"]
    body = markdown_table(["NDCG@10 on test queries", "English demo", "Chinese demo"], rows)
    note = f"Chinese / English, hybrid: {ratio:.3f} (target: at least 0.90)."
    return body + "\n\n" + note, {"ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--limit", type=int, help="Use a sample of this many reviews (a quick run)."
    )
    args = parser.parse_args()
    started = time.perf_counter()
    corpus, _ = part_one(args.data_root, args.limit)
    demo, _ = part_two()
    body = "\n\n".join(
        [
            "## Chinese shops: real reviews (online-shopping-10-cats-zh) and the demo shops",
            f"`{command_line()}` ({time.perf_counter() - started:,.0f} s). {machine_line()}",
            "### Retrieval and classification on 10 categories of real Chinese reviews",
            corpus,
            "### Search on the demo shops (SYNTHETIC data, generated: not a result on real data)",
            demo,
        ]
    )
    print(body)
    if not args.limit:
        write_section("chinese", body)


if __name__ == "__main__":
    main()
