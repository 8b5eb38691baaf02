"""A tiny randomly initialised BERT with a word-level vocabulary: fine-tuning code paths run in
seconds on it (what it learns does not matter, only that training, export and reload agree)."""

from __future__ import annotations

from pathlib import Path

from shopsense.reviews.finetune import ClassifierConfig

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_base_model(directory: Path, texts: list[str]) -> Path:
    """A two-layer BERT (hidden size 32) and a tokenizer knowing the words and characters of
    `texts`, saved as a Hugging Face directory."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = sorted({token for text in texts for token in text.lower().split()})
    characters = sorted({character for text in texts for character in text})
    directory.mkdir(parents=True, exist_ok=True)
    vocabulary = directory / "vocab.txt"
    vocabulary.write_text("\n".join(dict.fromkeys(SPECIAL + words + characters)) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocabulary), tokenize_chinese_chars=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


def tiny_config(base_model: Path, **settings: object) -> ClassifierConfig:
    """A few steps of fine-tuning the tiny model."""
    chosen: dict[str, object] = {
        "base_model": str(base_model),
        "max_length": 32,
        "batch_size": 8,
        "max_steps": 4,
        "evaluations_per_epoch": 1,
        "threads": 1,
        **settings,
    }
    return ClassifierConfig.model_validate(chosen)
