"""The customer-service assistant: intents, evidence ranking over the product page, reviews and
the shop's policies, answers that cite their evidence or decline, hand-over, conversations."""
