"""Review trends and alerts: NAB realTweets scoring and an injected complaint burst in real reviews.

    python benchmarks/bench_alerts.py

1. NAB scorer check: `shopsense.evaluation.nab` scores the published raw outputs of the `numenta`
   and `null` detectors on the 10 realTweets files at their published thresholds; the largest
   per-file difference from NAB's shipped scores is reported.
2. Our detector on NAB realTweets (standard profile): `BurstDetector` read point by point, alerts
   by `alarm_points` (threshold, cooldown). The files are split in two halves (alphabetical order,
   alternate files; and, as a check, first five against last five). On the tuning half we choose
   the design (from a small list of detector settings), the cooldown and the threshold that
   maximise the summed NAB score, then score the other half with them; both directions, and their
   sum (comparable to a raw score over the 10 files). Other rows fix the design to the one we
   settled on in development (which looked at all 10 files) and choose only cooldown and
   threshold, and re-choose the threshold of NAB's published numenta outputs the same way.
3. Gift Cards 2018 5-core (2,972 real reviews with their dates; negative = 1-2 stars), replayed
   through `ReviewMonitor` with its default settings: alerts per month on the untouched stream
   (every alert counts as a false alarm), on each half of its timeline; then, for products with at
   least `MIN_ITEM_REVIEWS` reviews and burst starts spread over the second half of the timeline,
   a burst of `BURST` negative reviews of one product, one every `GAP_HOURS` hours, injected into
   the stream: detection rate and delay (injected reviews seen and hours from the burst's first
   review to the first alert on that product), and whether the alert's reviews are the injected
   ones.
"""

from __future__ import annotations

import copy
import gzip
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.evaluation import nab
from shopsense.reviews.alerts import MonitorConfig, ObservedReview, ReviewMonitor
from shopsense.reviews.detector import BurstDetector, DetectorConfig, alarm_points

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NAB = DATA / "nab-realtweets"
GIFT_CARDS = DATA / "amazon-giftcards-2018-5core-raw"

#: Detector settings the tuning half chooses from (5-minute buckets; 4,032 = two weeks).
DESIGNS = {
    "surprise, horizons 1-3-12": DetectorConfig(),
    "record 2 wk, horizons 1-3-12, floor 6": DetectorConfig(record_window=4032, record_floor=6.0),
    **{
        f"record 2 wk, horizons 1-3-12-72, floor {floor:g}": DetectorConfig(
            horizons=(1, 3, 12, 72), record_window=4032, record_floor=floor
        )
        for floor in (5.0, 6.0, 8.0)
    },
    "record 1 wk, horizons 1-3-12-72, floor 6": DetectorConfig(
        horizons=(1, 3, 12, 72), record_window=2016, record_floor=6.0
    ),
}
#: The design settled on in development (chosen while looking at all 10 files).
SETTLED = "record 2 wk, horizons 1-3-12-72, floor 5"
COOLDOWNS = (144, 288, 576)
RAW_THRESHOLDS = np.geomspace(2.0, 60.0, 30)
RECORD_THRESHOLDS = np.geomspace(0.3, 3.0, 30)
PUBLISHED = {"ARTime": 21.02, "contextOSE": 16.16, "numenta": 11.89, "twitterADVec": 6.35}

BURST = 8
GAP_HOURS = (2.0, 12.0)
MIN_ITEM_REVIEWS = 20
BURST_STARTS = 4


def check_scorer(files: list[nab.NabFile], profile: nab.CostProfile) -> list[list[str]]:
    """Our scores of the published numenta and null outputs against NAB's shipped ones."""
    rows = []
    sweeps = [nab.sweep(file, profile) for file in files]
    for detector in ("numenta", "null"):
        results = nab.load_detector_results(NAB, detector, files)
        published = nab.load_published_scores(NAB, detector)
        ours = [nab.score_file(s, results[s.name], published[s.name][0]).score for s in sweeps]
        theirs = [published[s.name][1] for s in sweeps]
        diff = max(abs(a - b) for a, b in zip(ours, theirs, strict=True))
        rows.append([detector, f"{sum(theirs):.3f}", f"{sum(ours):.3f}", f"{diff:.2e}"])
    return rows


@dataclass(frozen=True)
class Choice:
    design: str
    cooldown: int
    threshold: float


def splits_of(files: list[nab.NabFile]) -> dict[str, dict[str, list[str]]]:
    """Two ways to halve the files (alphabetical order): alternate files (A / B, the main split)
    and the first five against the last five (C / D, a robustness check)."""
    names = sorted(file.name for file in files)
    half = len(names) // 2
    return {
        "alternate": {"A": names[0::2], "B": names[1::2]},
        "first / last five": {"C": names[:half], "D": names[half:]},
    }


def detect(scores: dict[str, np.ndarray], choice: Choice) -> dict[str, np.ndarray]:
    """Each file's alerts under `choice` (the batch form of `Alarm`)."""
    return {
        name: alarm_points(values, choice.threshold, choice.cooldown)
        for name, values in scores.items()
    }


def result_row(
    label: str, direction: str, choice: Choice, tuned: float, scored: list[nab.FileScore], sweeps
) -> list[str]:
    return [
        label,
        direction,
        choice.design,
        str(choice.cooldown) if choice.cooldown else "–",
        f"{choice.threshold:.3f}",
        f"{tuned:.2f}",
        f"{sum(s.score for s in scored):.2f}",
        f"{sum(s.detected_windows for s in scored)} / "
        f"{sum(sweeps[s.name].scored_windows for s in scored)}",
        str(sum(s.fp for s in scored)),
    ]


def nab_scores(files: list[nab.NabFile], profile: nab.CostProfile) -> tuple[list[list[str]], dict]:
    """Per split: tune on one half, score the other, both ways — our detector choosing its design
    too or with the settled design, and NAB's numenta outputs choosing their threshold."""
    sweeps = {file.name: nab.sweep(file, profile) for file in files}
    scores = {}
    for name, config in DESIGNS.items():
        per_file = {}
        for file in files:
            detector = BurstDetector(config)
            per_file[file.name] = np.array([detector.update(value) for value in file.values])
        scores[name] = per_file
    table: dict[Choice, dict[str, nab.FileScore]] = {}
    for name, config in DESIGNS.items():
        thresholds = RECORD_THRESHOLDS if config.record_window else RAW_THRESHOLDS
        for cooldown in COOLDOWNS:
            for threshold in thresholds:
                choice = Choice(name, cooldown, float(threshold))
                alerts = detect(scores[name], choice)
                table[choice] = {f: nab.score_file(sweeps[f], alerts[f], 0.5) for f in sweeps}
    numenta = nab.load_detector_results(NAB, "numenta", files)
    rows, report = [], {}
    for split, halves in splits_of(files).items():
        first, second = halves
        for label, designs in (
            ("ours: design, cooldown, threshold", list(DESIGNS)),
            ("ours (settled design): cooldown, threshold", [SETTLED]),
            ("numenta (published outputs): threshold", []),
        ):
            total = 0.0
            for tune, test in ((first, second), (second, first)):
                if designs:
                    candidates = [choice for choice in table if choice.design in designs]
                    best = max(
                        candidates, key=lambda c: sum(table[c][f].score for f in halves[tune])
                    )
                    tuned = sum(table[best][f].score for f in halves[tune])
                    scored = [table[best][f] for f in halves[test]]
                else:
                    threshold, tuned = nab.best_threshold(
                        [sweeps[f] for f in halves[tune]], numenta
                    )
                    best = Choice("", 0, threshold)
                    scored = [
                        nab.score_file(sweeps[f], numenta[f], threshold) for f in halves[test]
                    ]
                total += sum(s.score for s in scored)
                direction = f"{tune} → {test}"
                rows.append(result_row(label, direction, best, tuned, scored, sweeps))
                report[f"{split}: {label} {direction}"] = {
                    "choice": best.__dict__,
                    "tune": tuned,
                    "per_file": {s.name: s.score for s in scored},
                }
            both = f"{first} + {second} ({split})"
            bold = f"**{total:.2f}**" if designs else f"{total:.2f}"
            rows.append([label, f"both test halves, {both}", "", "", "", "", bold, "", ""])
            report[f"{split}: {label} total"] = total
    report["splits"] = splits_of(files)
    return rows, report


def load_gift_cards() -> list[ObservedReview]:
    """The Gift Cards 5-core reviews as observed reviews (brand and categories from metadata)."""
    meta = {}
    with gzip.open(GIFT_CARDS / "meta_Gift_Cards.json.gz", "rt") as lines:
        for line in lines:
            row = json.loads(line)
            categories = tuple(
                dict.fromkeys(c.strip() for c in row.get("category") or [] if c.strip())
            )
            meta[row["asin"]] = ((row.get("brand") or "").strip() or None, categories)
    reviews = []
    with gzip.open(GIFT_CARDS / "Gift_Cards_5.json.gz", "rt") as lines:
        for number, line in enumerate(lines):
            row = json.loads(line)
            brand, categories = meta.get(row["asin"], (None, ()))
            reviews.append(
                ObservedReview(
                    review_id=f"r{number}",
                    item_id=row["asin"],
                    brand=brand,
                    categories=categories,
                    timestamp=datetime.fromtimestamp(row["unixReviewTime"], UTC),
                    negative=row["overall"] <= 2,
                )
            )
    return sorted(reviews, key=lambda r: r.timestamp)


def months(start: datetime, end: datetime) -> float:
    return (end - start).days / (365.25 / 12)


def gift_cards(config: MonitorConfig) -> tuple[list[list[str]], list[list[str]], dict]:
    """False alarms on the untouched stream and detection of injected bursts."""
    reviews = load_gift_cards()
    first, last = reviews[0].timestamp, reviews[-1].timestamp
    middle = first + (last - first) / 2
    monitor = ReviewMonitor.replay(reviews, config)
    quiet_rows = []
    for label, lo, hi in (("first half", first, middle), ("second half", middle, last)):
        count = sum(1 for alert in monitor.alerts() if lo <= alert.raised_at < hi)
        quiet_rows.append(
            [label, f"{lo:%Y-%m-%d} – {hi:%Y-%m-%d}", str(count), f"{count / months(lo, hi):.3f}"]
        )
    counts: dict[str, int] = {}
    for review in reviews:
        counts[review.item_id] = counts.get(review.item_id, 0) + 1
    items = sorted(item for item, n in counts.items() if n >= MIN_ITEM_REVIEWS)
    span = last - middle
    starts = [middle + span * (k + 0.5) / BURST_STARTS for k in range(BURST_STARTS)]
    template = {r.item_id: r for r in reviews}
    prefixes = [
        ReviewMonitor.replay([r for r in reviews if r.timestamp < s], config) for s in starts
    ]
    burst_rows, report = [], {"items": len(items), "quiet_alerts": len(monitor.alerts())}
    for gap in GAP_HOURS:
        delays_reviews, delays_hours, exact, trials = [], [], 0, 0
        for start, prefix in zip(starts, prefixes, strict=True):
            end = start + timedelta(hours=gap * (BURST - 1))
            during = [r for r in reviews if start <= r.timestamp <= end]
            for item in items:
                trials += 1
                base = template[item]
                injected = [
                    ObservedReview(
                        review_id=f"burst{k}",
                        item_id=item,
                        brand=base.brand,
                        categories=base.categories,
                        timestamp=start + timedelta(hours=gap * k),
                        negative=True,
                    )
                    for k in range(BURST)
                ]
                replayed = copy.deepcopy(prefix)
                for review in sorted(during + injected, key=lambda r: r.timestamp):
                    replayed.observe(review)
                hits = [
                    a for a in replayed.alerts(since=start) if a.scope == "item" and a.key == item
                ]
                if not hits:
                    continue
                alert = hits[0]
                seen = sum(1 for r in injected if r.timestamp <= alert.raised_at)
                delays_reviews.append(seen)
                delays_hours.append((alert.raised_at - start).total_seconds() / 3600)
                exact += set(alert.reviews) <= {r.review_id for r in injected}
        detected = len(delays_reviews)
        burst_rows.append(
            [
                f"{BURST} negatives, one every {gap:g} h",
                f"{detected} / {trials}",
                f"{np.median(delays_reviews):.1f}" if detected else "–",
                f"{np.median(delays_hours):.1f}" if detected else "–",
                f"{max(delays_hours):.1f}" if detected else "–",
                f"{exact} / {detected}",
            ]
        )
        report[f"gap {gap:g}h"] = {
            "detected": detected,
            "trials": trials,
            "median_reviews": float(np.median(delays_reviews)) if detected else None,
            "median_hours": float(np.median(delays_hours)) if detected else None,
        }
    return quiet_rows, burst_rows, report


def main() -> None:
    started = time.perf_counter()
    files = nab.load_files(NAB)
    profile = nab.load_profile(NAB)
    scorer_rows = check_scorer(files, profile)
    nab_rows, nab_report = nab_scores(files, profile)
    config = MonitorConfig()
    quiet_rows, burst_rows, gift_report = gift_cards(config)
    print(json.dumps({"nab": nab_report, "gift_cards": gift_report}, default=str, indent=1))
    published = ", ".join(f"{name} {score:.2f}" for name, score in PUBLISHED.items())
    body = "\n\n".join(
        [
            "## Review trends and alerts",
            f"`{command_line()}` — {machine_line()} Took {time.perf_counter() - started:.0f} s.",
            "### NAB scorer against NAB's shipped per-file scores (realTweets, standard profile)",
            markdown_table(
                ["detector", "published total", "our total", "largest per-file difference"],
                scorer_rows,
            ),
            "### Our detector on NAB realTweets (tuned on one half of the files, scored on the "
            "other)",
            "; ".join(
                f"{half} = {', '.join(f.split('_')[-1][:-4] for f in names)}"
                for halves in nab_report["splits"].values()
                for half, names in halves.items()
            )
            + ". ",
            "Published raw scores on all 10 files (threshold chosen by NAB over all 58 NAB "
            "files): "
            f"{published}; target ≥ 21.0.",
            markdown_table(
                [
                    "chosen on tuning half",
                    "tune → test",
                    "design",
                    "cooldown (5-min buckets)",
                    "threshold",
                    "tuning score",
                    "test score",
                    "test windows detected",
                    "test FP points",
                ],
                nab_rows,
            ),
            "Designs (bucket = 5 minutes): "
            + "; ".join(f"*{name}*: `{config!r}`" for name, config in DESIGNS.items())
            + ". Caveat: this list, and the settled design, were put together in development "
            "while looking at scores on all 10 files, so the settled-design rows are optimistic; "
            "the first rows choose among the list on the tuning half only. A detection is an "
            "alert of `Alarm(threshold, cooldown)`; numenta rows re-choose the threshold of NAB's "
            "published numenta outputs on the tuning half with `nab.best_threshold`.",
            "### Gift Cards 2018 replayed through `ReviewMonitor` (default settings)",
            f"Threshold {config.threshold:g} (-log10 p), at least {config.min_negatives} "
            "negatives, "
            f"{config.bucket_hours:g}-hour buckets, horizons {config.detector.horizons} buckets. "
            "Untouched stream — every alert counts as a false alarm:",
            markdown_table(["timeline", "dates", "alerts", "alerts per month"], quiet_rows),
            f"Injected bursts: {gift_report['items']} products with ≥ {MIN_ITEM_REVIEWS} reviews × "
            f"{BURST_STARTS} start times spread over the second half; delay counted from the "
            "burst's "
            "first review to the first item alert on that product (within the burst).",
            markdown_table(
                [
                    "burst",
                    "detected",
                    "median delay (reviews)",
                    "median delay (hours)",
                    "worst delay (hours)",
                    "alerts whose reviews are all injected",
                ],
                burst_rows,
            ),
        ]
    )
    write_section("reviews-alerts", body)


if __name__ == "__main__":
    main()
