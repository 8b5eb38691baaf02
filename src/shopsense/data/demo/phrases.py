"""Review phrasing of the demo shop: per-aspect praise and complaints, and openers per star.

Aspect sentences are noun-free so one pool serves every product type, and polar: a complaint
never appears in a 4-5 star review and praise never in a 1-2 star one (3 stars mix one of
each), so review sentiment agrees with the rating by construction.
"""

from __future__ import annotations

# Positive sentences, then negative sentences, per review aspect.
ASPECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "comfort": (
        (
            "Very comfortable from the first day.",
            "Comfortable enough to use all day long.",
            "Feels soft and supportive.",
        ),
        (
            "Uncomfortable after twenty minutes.",
            "It rubs and pinches, really uncomfortable.",
            "Hard and unpleasant to use for long.",
        ),
    ),
    "fit": (
        (
            "The fit is spot on, true to size.",
            "Fits perfectly.",
            "Snug in the right places, exactly as described.",
        ),
        (
            "The sizing is way off, it does not fit.",
            "Runs two sizes small, had to send it back.",
            "Baggy and shapeless, poor fit.",
        ),
    ),
    "durability": (
        (
            "Still going strong after months of heavy use.",
            "Solidly built and clearly durable.",
            "Holds up well to daily use.",
        ),
        (
            "Fell apart within two weeks.",
            "Broke after a handful of uses.",
            "Cheaply made, the seams already split.",
        ),
    ),
    "weight": (
        ("Impressively light.", "So light I barely notice it.", "Light enough to carry anywhere."),
        (
            "Far heavier than advertised.",
            "Way too heavy to carry around.",
            "The weight is a real problem.",
        ),
    ),
    "grip": (
        ("Excellent grip, even when wet.", "Grips like glue.", "Never slipped once."),
        ("Slippery and unsafe when wet.", "The grip is terrible.", "Kept slipping all the time."),
    ),
    "warmth": (
        (
            "Kept me warm on a freezing night.",
            "Really warm for its weight.",
            "Toasty even in cold wind.",
        ),
        (
            "I was cold all night.",
            "Not warm at all, the rating is a lie.",
            "Lets the cold straight through.",
        ),
    ),
    "battery": (
        (
            "The battery lasts for days.",
            "Battery life is outstanding.",
            "Charge it once a week and forget it.",
        ),
        (
            "The battery dies in a few hours.",
            "Battery life is awful.",
            "Stopped holding a charge after a month.",
        ),
    ),
    "accuracy": (
        (
            "Tracking is accurate and consistent.",
            "Readings match my other devices perfectly.",
            "Precise and reliable data.",
        ),
        (
            "The readings are wildly inaccurate.",
            "Tracking drops out and gives nonsense data.",
            "Useless data, never accurate.",
        ),
    ),
    "ease_of_use": (
        (
            "Very easy to use straight out of the box.",
            "Simple and intuitive.",
            "Takes seconds to figure out.",
        ),
        (
            "Confusing and frustrating to use.",
            "Awkward and fiddly every single time.",
            "The instructions are useless and it is hard to use.",
        ),
    ),
    "setup": (
        ("Set up in five minutes.", "Setup was quick and painless.", "Assembly was a breeze."),
        (
            "Setup was a nightmare.",
            "Took hours to assemble and parts were missing.",
            "Impossible to set up alone.",
        ),
    ),
    "brightness": (
        ("Bright and even light.", "Plenty bright for anything.", "Lights up the whole area."),
        (
            "Far too dim to be useful.",
            "The light is weak and flickers.",
            "Barely brighter than a candle.",
        ),
    ),
    "texture": (
        (
            "Lovely texture, absorbs quickly.",
            "Silky and smooth.",
            "Feels light and pleasant on the skin.",
        ),
        (
            "Greasy and sticky texture.",
            "Clumpy and gritty, unpleasant to apply.",
            "Leaves a horrible film behind.",
        ),
    ),
    "scent": (
        (
            "Smells fresh and subtle.",
            "The scent is pleasant and not overpowering.",
            "No nasty smell at all.",
        ),
        (
            "The smell is awful and chemical.",
            "Overpowering scent that gave me a headache.",
            "Stinks, even after airing it out.",
        ),
    ),
    "results": (
        (
            "Visible results within a week.",
            "My skin has never looked better.",
            "It really works, noticeable difference.",
        ),
        (
            "Broke me out badly.",
            "Did absolutely nothing for my skin.",
            "Caused redness and irritation.",
        ),
    ),
    "longwear": (
        (
            "Lasts all day without touch-ups.",
            "Stays put from morning to night.",
            "Survived a long day and a dinner.",
        ),
        (
            "Wore off within an hour.",
            "Smudged and faded almost immediately.",
            "Does not last at all.",
        ),
    ),
    "pigment": (
        (
            "Rich colour payoff.",
            "The shade is gorgeous and true to the photos.",
            "Beautifully pigmented.",
        ),
        (
            "The colour is nothing like the photos.",
            "Patchy and barely pigmented.",
            "Chalky, washed-out colour.",
        ),
    ),
    "sharpness": (
        ("Razor sharp and stays sharp.", "Cuts cleanly through everything.", "The edge is superb."),
        (
            "Dull straight out of the box.",
            "Lost its edge within a week.",
            "Tears food instead of cutting it.",
        ),
    ),
    "heating": (
        (
            "Heats evenly with no hot spots.",
            "Cooks beautifully and evenly.",
            "Holds heat really well.",
        ),
        (
            "Hot spots everywhere, food burns in the middle.",
            "Heats unevenly.",
            "Warped the first time I used it.",
        ),
    ),
    "noise": (
        ("Surprisingly quiet.", "Runs quietly.", "Quiet enough for early mornings."),
        (
            "Incredibly loud.",
            "Noisy enough to wake the whole house.",
            "Makes a horrible grinding noise.",
        ),
    ),
    "taste": (
        ("Tastes fantastic.", "Rich, smooth flavour.", "Delicious and balanced."),
        ("Tastes bitter and burnt.", "Bland and flat flavour.", "Tastes stale and sour."),
    ),
    "aroma": (
        ("The aroma fills the kitchen.", "Wonderful aroma.", "Smells amazing when brewing."),
        ("No aroma at all.", "Smells musty.", "The smell is off-putting."),
    ),
    "freshness": (
        ("Arrived fresh.", "Very fresh, recent roast date.", "Fresh and fragrant."),
        ("Arrived stale.", "Old stock, well past its best.", "Not fresh at all."),
    ),
    "quality": (
        ("Excellent quality.", "Feels premium and well made.", "Top-notch build quality."),
        ("Poor quality all round.", "Feels flimsy and cheap.", "Shoddy workmanship."),
    ),
    "charging": (
        ("Charges really fast.", "Fast and reliable charging.", "Charges everything I own."),
        (
            "Charges painfully slowly.",
            "Stopped charging after a week.",
            "Gets dangerously hot while charging.",
        ),
    ),
    "sound": (
        ("Sound quality is superb.", "Clear highs and deep bass.", "Sounds amazing."),
        ("Tinny and distorted sound.", "The sound is muddy and weak.", "Keeps cutting out."),
    ),
    "fun": (
        (
            "My kids play with it every day.",
            "Hours of fun for the whole family.",
            "The kids love it.",
        ),
        ("My kids lost interest after a day.", "Boring and disappointing.", "Not fun at all."),
    ),
    "safety": (
        (
            "Feels safe and sturdy for little hands.",
            "No sharp edges, very safe.",
            "Solid and safe.",
        ),
        (
            "Small parts came loose, not safe.",
            "Sharp edges, unsafe for kids.",
            "Worrying safety issues.",
        ),
    ),
    "value": (
        ("Great value for the money.", "Worth every penny.", "Excellent price for what you get."),
        ("Overpriced for what it is.", "Not worth the money.", "A waste of money."),
    ),
    "delivery": (
        ("Arrived quickly and well packed.", "Fast delivery.", "Came a day early."),
        ("Arrived damaged.", "Delivery took weeks.", "The box was crushed on arrival."),
    ),
}

#: Aspects any product can be reviewed on, besides its type's own.
GENERAL_ASPECTS: tuple[str, ...] = ("value", "delivery")

#: First sentence of a review, by star rating; {noun} is the product's sentence noun.
OPENERS: dict[int, tuple[str, ...]] = {
    5: (
        "Absolutely love this {noun}!",
        "Best {noun} I have owned.",
        "Five stars, no question.",
        "Exceeded my expectations.",
    ),
    4: (
        "Really good {noun}.",
        "Very happy with this {noun}.",
        "Solid purchase.",
        "Good {noun} overall.",
    ),
    3: (
        "It's okay.",
        "Mixed feelings about this {noun}.",
        "Average {noun}.",
        "Does the job, nothing special.",
    ),
    2: (
        "Disappointed with this {noun}.",
        "Not great.",
        "Expected much more.",
        "Would not buy this again.",
    ),
    1: (
        "Terrible {noun}, avoid.",
        "Do not buy.",
        "Worst {noun} I have ever bought.",
        "Returned it straight away.",
    ),
}

#: A closing line for the extremes.
CLOSERS: dict[int, tuple[str, ...]] = {
    5: ("Would buy again.", "Highly recommend.", "Already ordered another."),
    1: ("Returned it.", "Asked for a refund.", "Save your money."),
}

#: Small reservations a 4-star review may add; neither praise nor a complaint.
MILD_NOTES: tuple[str, ...] = (
    "Only wish it came in more colours.",
    "The packaging could use less plastic.",
    "Took a little getting used to.",
    "Instructions could be clearer.",
)


def positive_phrases() -> frozenset[str]:
    """Every praise sentence."""
    return frozenset(s for positive, _ in ASPECTS.values() for s in positive)


def negative_phrases() -> frozenset[str]:
    """Every complaint sentence."""
    return frozenset(s for _, negative in ASPECTS.values() for s in negative)
