"""Ranking: the layer above the capability packages.

- `fusion`: the fused recommender ("best"): candidates from several generators
  (`candidates`), features (`features`), a learned LambdaMART ranker, reserved new-item slots
  (`new_items`);
- `cascade`: the one explained cascade (`Cascade`, `Recommender`), `explain`: explanations of
  the fusion and the one place explanations become sentences (`describe`);
- `rerank`: business rules, diversity and exploration for the shop window;
- `precomputed`: every shopper's list computed at training time;
- `registry`: every recommender by name.

Import from the modules: this package face imports nothing, so that loading the registry does
not load LightGBM.
"""
