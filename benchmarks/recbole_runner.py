"""Train and test RecBole's SASRec; runs INSIDE the separate `.venv-recbole` environment.

`bench_recbole.py` writes the atomic files, a spec and the test cases of ShopSense's split, then
runs `.venv-recbole/bin/python benchmarks/recbole_runner.py SPEC.json`. This script imports only
RecBole and its own dependencies (never shopsense), and writes one JSON result:

- RecBole's own test metrics (its evaluator; for sequential models it does NOT exclude the
  user's history from the full ranking, only the padding item),
- per test case the target's 0-based rank with the case's history excluded (the ShopSense
  protocol) and without it, and the top-10 items, so that the caller computes every metric
  with its own code,
- checks that RecBole's test cases are ShopSense's (same users, targets and input sequences).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

# RecBole 1.2.1 checkpoints pickle its Config: torch >= 2.6 refuses them under weights_only.
os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")

import numpy as np  # noqa: E402

# RecBole 1.2.1 still uses aliases that NumPy 2 removed.
np.float_ = np.float64
np.complex_ = np.complex128
np.unicode_ = np.str_

import recbole  # noqa: E402
import torch  # noqa: E402
from recbole.config import Config  # noqa: E402
from recbole.data import create_dataset, data_preparation  # noqa: E402
from recbole.model.sequential_recommender import SASRec  # noqa: E402
from recbole.trainer import Trainer  # noqa: E402
from recbole.utils import init_seed  # noqa: E402

TOP_K = 10


class BudgetReached(Exception):
    """Raised from the epoch callback when another epoch would end past the fit budget."""


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    logging.basicConfig(level=logging.INFO, format="recbole %(asctime)s %(message)s")
    torch.set_num_threads(spec["threads"])
    config = Config(model="SASRec", dataset=spec["dataset"], config_dict=spec["config"])
    init_seed(config["seed"], config["reproducibility"])

    started = time.perf_counter()
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    prepare_seconds = time.perf_counter() - started

    # Same seeding order as RecBole's own run_recbole: the model starts from the seed again.
    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model = SASRec(config, train_data.dataset).to(config["device"])
    trainer = Trainer(config, model)
    fit, history = _fit(trainer, train_data, valid_data, spec["max_fit_seconds"])
    native = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    cases = json.loads(Path(spec["cases"]).read_text())
    ranked = _rank_cases(model, test_data, dataset, cases)

    result = {
        "recbole": recbole.__version__,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "users": int(dataset.user_num - 1),
        "items": int(dataset.item_num - 1),
        "train_samples": len(train_data.dataset),
        "prepare_seconds": round(prepare_seconds, 3),
        **fit,
        "validation_history": history,
        "native_test": {key: float(value) for key, value in native.items()},
        **ranked,
    }
    Path(spec["output"]).write_text(json.dumps(result))


def _fit(trainer: Trainer, train_data, valid_data, budget: float | None) -> tuple[dict, list]:
    """Train with RecBole's own early stopping, also stopping before an epoch would end past
    `budget` seconds; the best epoch's checkpoint is the one `evaluate` loads."""
    history: list[dict] = []
    started, cpu_started = time.perf_counter(), time.process_time()

    def after_epoch(epoch: int, valid_score: float) -> None:
        elapsed = time.perf_counter() - started
        history.append(
            {
                "epoch": epoch + 1,
                "validation_ndcg10": float(valid_score),
                "seconds": round(elapsed, 1),
            }
        )
        done = len(history)
        if budget is not None and elapsed * (done + 1) / done > budget:
            raise BudgetReached

    stopped_by = "early stopping"
    try:
        trainer.fit(
            train_data, valid_data, saved=True, show_progress=False, callback_fn=after_epoch
        )
    except BudgetReached:
        stopped_by = "time budget"
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    if stopped_by == "early stopping" and len(history) == trainer.epochs:
        stopped_by = "epoch cap"
    best = max(history, key=lambda row: row["validation_ndcg10"])
    return {
        "fit_seconds": round(seconds, 3),
        "fit_cpu_seconds": round(cpu_seconds, 3),
        "epochs": len(history),
        "best_epoch": best["epoch"],
        "best_validation_ndcg10": best["validation_ndcg10"],
        "stopped_by": stopped_by,
    }, history


@torch.no_grad()
def _rank_cases(model: SASRec, test_data, dataset, cases: list[dict]) -> dict:
    """Rank each RecBole test case's target over the whole catalogue, with the ShopSense case's
    history excluded and without exclusion, and check the case against ShopSense's."""
    model.eval()
    uid_field, iid_field = dataset.uid_field, dataset.iid_field
    by_user = {case["user"]: case for case in cases}
    out = {"user": [], "rank_history_excluded": [], "rank_native": [], "top10": []}
    mismatched_targets = mismatched_inputs = unknown_users = 0
    for interaction, _, _, positive_i in test_data:
        scores = model.full_sort_predict(interaction).view(len(interaction), -1)
        scores[:, 0] = -torch.inf  # the padding item
        users = dataset.id2token(uid_field, interaction[uid_field].numpy())
        targets = dataset.id2token(iid_field, positive_i.numpy())
        lengths = interaction["item_length"].numpy()
        inputs = interaction["item_id_list"].numpy()
        target_ids = positive_i.view(-1, 1)
        out["rank_native"] += (scores > scores.gather(1, target_ids)).sum(1).tolist()
        for row, user in enumerate(users):
            case = by_user.get(str(user))
            if case is None:
                unknown_users += 1
                continue
            mismatched_targets += str(targets[row]) != case["target"]
            seen = dataset.id2token(iid_field, inputs[row, : lengths[row]]).tolist()
            mismatched_inputs += seen != case["history"][-len(seen) :]
            scores[row, dataset.token2id(iid_field, case["history"])] = -torch.inf
        out["rank_history_excluded"] += (scores > scores.gather(1, target_ids)).sum(1).tolist()
        top = torch.topk(scores, TOP_K, dim=1).indices.numpy()
        out["top10"] += dataset.id2token(iid_field, top).tolist()
        out["user"] += [str(user) for user in users]
    return {
        "test_cases": out,
        "checks": {
            "recbole_test_cases": len(out["user"]),
            "shopsense_test_cases": len(cases),
            "users_missing_from_shopsense": unknown_users,
            "users_missing_from_recbole": len(set(by_user) - set(out["user"])),
            "mismatched_targets": int(mismatched_targets),
            "mismatched_input_sequences": int(mismatched_inputs),
        },
    }


if __name__ == "__main__":
    main(sys.argv[1])
