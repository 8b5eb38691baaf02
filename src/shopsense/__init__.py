"""ShopSense: language-model-powered recommendations, search and answers for e-commerce."""

__version__ = "0.1.0"
