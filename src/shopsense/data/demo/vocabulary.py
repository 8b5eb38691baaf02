"""The demo shop's catalogue vocabulary: departments, categories, brands and product types.

Every brand and product here is invented. A product type carries everything its items are
composed from (title noun, features, attribute values, price level), what shoppers type when
they search for it, which review aspects matter for it and which types are bought after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Title form of each audience; the attribute value is the lower-case key.
AUDIENCE_TITLES: dict[str, str] = {"men": "Men's", "women": "Women's", "kids": "Kids'"}

APPAREL_COLOURS = ("black", "red", "blue", "grey", "green", "white", "navy", "orange")
OUTDOOR_COLOURS = ("green", "orange", "grey", "blue", "red", "yellow")
SHOE_SIZES = ("6", "7", "8", "9", "10", "11", "12")
APPAREL_SIZES = ("XS", "S", "M", "L", "XL")


@dataclass(frozen=True)
class Feature:
    """A selling point: a title word (also what shoppers search) and a description phrase."""

    title: str
    phrase: str

    @property
    def query(self) -> str:
        return self.title.lower()


@dataclass(frozen=True)
class ProductType:
    """A leaf category's kind of product, with the parts its items are composed from."""

    key: str
    noun: str
    """Title form, singular: 'Trail Running Shoe'."""
    leaf: str
    """Leaf of the category path: 'Trail Running Shoes'."""
    searches: tuple[str, ...]
    """How shoppers name it in a search box."""
    price: float
    """Median price; item prices are log-normal around it."""
    spread: float
    features: tuple[Feature, ...]
    aspects: tuple[str, ...]
    """Review aspects that matter for it (keys of `phrases.ASPECTS`)."""
    complements: tuple[str, ...] = ()
    """Type keys shoppers tend to look at next, especially after buying one."""
    audiences: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Title-visible attributes (colour, size, roast...) and their values."""
    title_suffix: str = ""
    """Appended to the title, formatted with the option values: ', {colour}, Size {size}'."""
    details: str = ""
    """A description sentence naming the option values: 'Shown in {colour}, size {size}.'"""
    text_noun: str = ""
    """The noun inside a sentence, where lower-casing `noun` would be wrong."""
    share: float = 1.0
    """Relative share of its category's catalogue."""

    @property
    def sentence_noun(self) -> str:
        return self.text_noun or self.noun.lower()


@dataclass(frozen=True)
class Category:
    """A category (second level of the path) with its department, brands and product types."""

    name: str
    department: str
    brands: tuple[str, ...]
    types: tuple[ProductType, ...]
    popularity: float = 1.0


def _f(title: str, phrase: str) -> Feature:
    return Feature(title, phrase)


# The tables below are data: one product type per block, positional fields in declaration order.
# fmt: off


LIGHTWEIGHT = _f("Lightweight", "stays light enough to forget you carry it")
WATERPROOF = _f("Waterproof", "keeps water out in heavy rain")
REFLECTIVE = _f("Reflective", "keeps you visible on early-morning runs")
QUICK_DRY = _f("Quick-Dry", "dries fast after a sweaty workout")
NON_SLIP = _f("Non-Slip", "stays put even in sweaty sessions")

_SHOE = {"colour": APPAREL_COLOURS, "size": SHOE_SIZES}
_SHOE_SUFFIX = ", {colour}, Size {size}"
_SHOE_DETAILS = "Shown in {colour}, size {size}."
_APPAREL = {"colour": APPAREL_COLOURS, "size": APPAREL_SIZES}

RUNNING = Category(
    "Running",
    "Sports & Outdoors",
    ("Trailpeak", "Stridewell", "Northpace", "Fleetfoot", "Runova", "Kestrel Athletics"),
    (
        ProductType(
            "road_running_shoe", "Road Running Shoe", "Road Running Shoes",
            ("running shoes", "road running shoes"), 95, 0.3,
            (
                _f("Cushioned", "cushions every stride on hard pavement"),
                _f("Breathable", "keeps your feet cool with an airy upper"),
                LIGHTWEIGHT,
                _f("Stability", "supports your arch on long runs"),
                _f("Wide-Fit", "gives your toes room to spread"),
            ),
            ("comfort", "fit", "durability", "weight"),
            ("running_socks", "running_shorts", "gps_running_watch"),
            ("men", "women"), ("mesh", "knit fabric", "synthetic leather"),
            _SHOE, _SHOE_SUFFIX, _SHOE_DETAILS, share=1.6,
        ),
        ProductType(
            "trail_running_shoe", "Trail Running Shoe", "Trail Running Shoes",
            ("trail running shoes", "trail shoes"), 110, 0.3,
            (
                _f("Waterproof", "keeps your feet dry on wet, muddy trails"),
                _f("All-Terrain", "grips loose rock and mud with deep lugs"),
                _f("Protective", "shields your feet from sharp rocks with a rock plate"),
                LIGHTWEIGHT,
            ),
            ("comfort", "fit", "grip", "durability"),
            ("running_socks", "hydration_vest"),
            ("men", "women"), ("mesh", "ripstop nylon", "waterproof membrane"),
            _SHOE, _SHOE_SUFFIX, _SHOE_DETAILS, share=1.4,
        ),
        ProductType(
            "running_socks", "Running Socks 3-Pack", "Running Socks", ("running socks",), 15, 0.25,
            (
                _f("Cushioned", "pads the heel and toe"),
                _f("Moisture-Wicking", "pulls sweat away to prevent blisters"),
                _f("Low-Cut", "sits just below the ankle"),
                _f("Compression", "supports your calves on long runs"),
            ),
            ("comfort", "fit", "durability"),
            ("running_shorts",),
            (), ("merino wool", "cotton blend", "nylon"),
            {"colour": APPAREL_COLOURS, "size": ("S", "M", "L")},
            _SHOE_SUFFIX, _SHOE_DETAILS, text_noun="pack of running socks",
        ),
        ProductType(
            "running_shorts", "Running Shorts", "Running Shorts", ("running shorts",), 32, 0.25,
            (LIGHTWEIGHT, QUICK_DRY, _f("Zip-Pocket", "holds your keys in a zip pocket"),
             REFLECTIVE),
            ("comfort", "fit", "durability"),
            ("running_jacket",),
            ("men", "women"), ("polyester", "nylon", "recycled polyester"),
            _APPAREL, _SHOE_SUFFIX, _SHOE_DETAILS, text_noun="pair of running shorts",
        ),
        ProductType(
            "hydration_vest", "Hydration Vest", "Hydration Vests",
            ("hydration vest", "running vest"), 70, 0.3,
            (LIGHTWEIGHT, _f("Bounce-Free", "stays put without bouncing"),
             _f("Large-Capacity", "carries two soft flasks and a jacket")),
            ("comfort", "fit", "durability"),
            ("gps_running_watch",),
            (), ("nylon mesh", "recycled nylon"),
            {"colour": ("black", "blue", "orange", "grey"), "size": ("S/M", "L/XL")},
            _SHOE_SUFFIX, _SHOE_DETAILS, share=0.7,
        ),
        ProductType(
            "gps_running_watch", "GPS Running Watch", "GPS Watches",
            ("gps watch", "running watch"), 220, 0.45,
            (
                _f("Long-Battery", "lasts up to two weeks on a single charge"),
                _f("Heart-Rate", "tracks your heart rate from the wrist"),
                _f("Water-Resistant", "is water resistant to 50 metres"),
                LIGHTWEIGHT,
            ),
            ("battery", "accuracy", "ease_of_use"),
            ("hydration_vest",),
            (), ("silicone", "stainless steel", "fibre-reinforced polymer"),
            {"colour": ("black", "white", "blue", "red")},
            ", {colour}", "It comes with a {colour} strap.",
            text_noun="GPS running watch", share=0.7,
        ),
        ProductType(
            "running_jacket", "Running Jacket", "Running Jackets", ("running jacket",), 80, 0.3,
            (_f("Windproof", "blocks cold wind on exposed routes"), WATERPROOF, REFLECTIVE,
             _f("Packable", "packs into its own pocket")),
            ("fit", "warmth", "durability"),
            ("running_shorts",),
            ("men", "women"), ("nylon", "polyester", "recycled nylon"),
            _APPAREL, _SHOE_SUFFIX, _SHOE_DETAILS,
        ),
    ),
    popularity=1.3,
)

CAMPING = Category(
    "Camping & Hiking",
    "Sports & Outdoors",
    ("Summitline", "Ridgecraft", "Alpenhaus", "Campfire & Co.", "Wildmark", "Bearpaw Gear"),
    (
        ProductType(
            "tent", "Backpacking Tent", "Tents", ("tent", "camping tent", "backpacking tent"),
            180, 0.5,
            (
                _f("Waterproof", "stays dry through a night of heavy rain"),
                _f("Ultralight", "weighs under two kilograms packed"),
                _f("Freestanding", "pitches in minutes without stakes"),
                _f("4-Season", "stands up to wind and snow"),
            ),
            ("setup", "durability", "weight"),
            ("sleeping_bag", "sleeping_pad"),
            (), ("ripstop nylon", "polyester", "silnylon"),
            {"colour": OUTDOOR_COLOURS, "size": ("1-person", "2-person", "3-person", "4-person")},
            ", {colour}, {size}", "Shown in {colour}, {size} size.", share=1.3,
        ),
        ProductType(
            "sleeping_bag", "Sleeping Bag", "Sleeping Bags", ("sleeping bag",), 110, 0.45,
            (
                _f("Down-Filled", "traps warmth with 650-fill down"),
                _f("Compressible", "packs down to the size of a melon"),
                _f("3-Season", "keeps you warm down to freezing"),
                _f("Water-Resistant", "shrugs off tent condensation"),
            ),
            ("warmth", "weight", "comfort"),
            ("sleeping_pad", "headlamp"),
            (), ("nylon", "recycled polyester"),
            {"colour": OUTDOOR_COLOURS, "size": ("regular", "long")},
            ", {colour}, {size}", "Shown in {colour}, {size} length.", share=1.2,
        ),
        ProductType(
            "sleeping_pad", "Sleeping Pad", "Sleeping Pads", ("sleeping pad", "camping mat"),
            60, 0.4,
            (
                _f("Inflatable", "inflates in a dozen breaths"),
                _f("Insulated", "blocks the cold of the ground"),
                _f("Ultralight", "rolls up smaller than a water bottle"),
            ),
            ("comfort", "weight", "durability"),
            ("headlamp", "camping_stove"),
            (), ("nylon", "closed-cell foam"),
            {"colour": OUTDOOR_COLOURS, "size": ("regular", "wide")},
            ", {colour}, {size}", "Shown in {colour}, {size} width.",
        ),
        ProductType(
            "headlamp", "Headlamp", "Headlamps", ("headlamp", "head torch"), 30, 0.35,
            (
                _f("Rechargeable", "charges over USB-C"),
                _f("400-Lumen", "lights the trail with 400 lumens"),
                _f("Waterproof", "keeps shining in the rain"),
                _f("Red-Light", "has a red mode that saves your night vision"),
            ),
            ("brightness", "battery", "comfort"),
            ("camping_stove",),
            (), (),
            {"colour": ("black", "orange", "blue", "green")},
            ", {colour}", "It has a {colour} headband.",
        ),
        ProductType(
            "camping_stove", "Camping Stove", "Camping Stoves",
            ("camping stove", "backpacking stove"), 55, 0.4,
            (
                _f("Compact", "folds small enough to fit inside a mug"),
                _f("Fast-Boil", "boils a litre of water in three minutes"),
                _f("Windproof", "keeps its flame steady in the wind"),
            ),
            ("ease_of_use", "durability", "weight"),
            ("water_filter",),
            (), ("stainless steel", "titanium", "aluminium"), share=0.8,
        ),
        ProductType(
            "hiking_backpack", "Hiking Backpack", "Hiking Backpacks",
            ("hiking backpack", "backpack"), 120, 0.4,
            (
                _f("Ventilated", "keeps your back cool with a mesh back panel"),
                _f("Waterproof", "keeps your gear dry in a downpour"),
                _f("Hydration-Compatible", "fits a three-litre water reservoir"),
                LIGHTWEIGHT,
            ),
            ("comfort", "fit", "durability"),
            ("water_filter", "headlamp"),
            (), ("ripstop nylon", "polyester", "recycled nylon"),
            {"colour": OUTDOOR_COLOURS, "size": ("30 L", "45 L", "65 L")},
            ", {colour}, {size}", "Shown in {colour}, {size} capacity.",
        ),
        ProductType(
            "hiking_boot", "Hiking Boot", "Hiking Boots", ("hiking boots", "walking boots"),
            140, 0.3,
            (
                _f("Waterproof", "keeps your feet dry crossing streams"),
                _f("High-Ankle", "supports your ankles on rocky ground"),
                _f("All-Terrain", "grips wet rock and loose gravel"),
                _f("Insulated", "keeps your toes warm in winter"),
            ),
            ("comfort", "fit", "grip", "durability"),
            ("hiking_backpack", "running_socks"),
            ("men", "women"), ("leather", "suede", "synthetic leather"),
            {"colour": ("brown", "black", "grey", "green"), "size": SHOE_SIZES},
            _SHOE_SUFFIX, _SHOE_DETAILS, share=1.2,
        ),
        ProductType(
            "water_filter", "Water Filter", "Water Filters",
            ("water filter", "camping water filter"), 35, 0.35,
            (
                _f("Squeeze", "filters water straight into your bottle"),
                LIGHTWEIGHT,
                _f("Fast-Flow", "filters a litre a minute"),
            ),
            ("ease_of_use", "durability", "weight"),
            (), (), ("plastic", "stainless steel"), share=0.7,
        ),
    ),
    popularity=1.1,
)

YOGA = Category(
    "Yoga & Fitness",
    "Sports & Outdoors",
    ("Lotusform", "Zenflow", "Corecraft", "Balancia", "Ironleaf", "Asana Lab"),
    (
        ProductType(
            "yoga_mat", "Yoga Mat", "Yoga Mats", ("yoga mat", "exercise mat"), 35, 0.4,
            (
                NON_SLIP,
                _f("Extra-Thick", "cushions your knees and wrists"),
                _f("Eco-Friendly", "is made without PVC"),
                LIGHTWEIGHT,
            ),
            ("grip", "comfort", "durability", "scent"),
            ("yoga_block", "yoga_leggings"),
            (), ("TPE", "natural rubber", "cork"),
            {"colour": ("purple", "blue", "black", "pink", "green", "grey"),
             "size": ("4 mm", "6 mm", "8 mm")},
            ", {colour}, {size}", "Shown in {colour}, {size} thick.", share=1.5,
        ),
        ProductType(
            "yoga_block", "Yoga Block 2-Pack", "Yoga Blocks", ("yoga blocks", "yoga block"),
            16, 0.3,
            (NON_SLIP, LIGHTWEIGHT,
             _f("Bevelled", "has rounded edges that sit comfortably in the hand")),
            ("grip", "durability"),
            ("resistance_bands",),
            (), ("cork", "EVA foam", "bamboo"),
            {"colour": ("purple", "blue", "black", "pink", "natural")},
            ", {colour}", "Shown in {colour}.", text_noun="pair of yoga blocks",
        ),
        ProductType(
            "resistance_bands", "Resistance Bands Set", "Resistance Bands",
            ("resistance bands", "exercise bands"), 22, 0.35,
            (
                _f("5-Level", "comes in five resistance levels"),
                _f("Snap-Resistant", "is reinforced against snapping"),
                _f("Portable", "packs into a small travel pouch"),
            ),
            ("durability", "ease_of_use"),
            ("foam_roller",),
            (), ("latex", "fabric"), text_noun="set of resistance bands",
        ),
        ProductType(
            "adjustable_dumbbell", "Adjustable Dumbbell", "Dumbbells",
            ("adjustable dumbbells", "dumbbells"), 160, 0.5,
            (
                _f("Quick-Adjust", "changes weight with a turn of the dial"),
                _f("Space-Saving", "replaces a full rack of weights"),
                _f("Non-Slip", "has a knurled handle that will not slip"),
            ),
            ("ease_of_use", "durability"),
            ("resistance_bands", "foam_roller"),
            (), ("steel", "cast iron"),
            {"size": ("24 kg", "32 kg", "40 kg")},
            ", Up to {size}", "It adjusts up to {size}.", share=0.8,
        ),
        ProductType(
            "yoga_leggings", "Yoga Leggings", "Yoga Leggings", ("yoga leggings", "leggings"),
            45, 0.35,
            (
                _f("High-Waisted", "stays put through every pose"),
                _f("Squat-Proof", "stays fully opaque when you bend"),
                QUICK_DRY,
                _f("Side-Pocket", "holds your phone in a side pocket"),
            ),
            ("fit", "comfort", "durability"),
            ("yoga_mat",),
            ("women",), ("nylon-spandex", "recycled polyester", "cotton blend"),
            _APPAREL, _SHOE_SUFFIX, _SHOE_DETAILS, text_noun="pair of yoga leggings", share=1.3,
        ),
        ProductType(
            "foam_roller", "Foam Roller", "Foam Rollers", ("foam roller",), 25, 0.35,
            (
                _f("High-Density", "stays firm for deep-tissue massage"),
                _f("Textured", "has ridges that work out knots"),
                LIGHTWEIGHT,
            ),
            ("comfort", "durability"),
            (), (), ("EVA foam", "EPP foam"),
            {"colour": ("black", "blue", "orange"), "size": ("30 cm", "45 cm", "90 cm")},
            ", {colour}, {size}", "Shown in {colour}, {size} long.",
        ),
    ),
    popularity=0.9,
)

SKINCARE = Category(
    "Skincare",
    "Beauty & Personal Care",
    ("Dewlane", "Puriskin", "Lumera", "Botaniq", "Clearwell", "Velvet Dew"),
    (
        ProductType(
            "face_moisturizer", "Face Moisturizer", "Moisturizers",
            ("face moisturizer", "moisturizer", "face cream"), 28, 0.45,
            (
                _f("Fragrance-Free", "soothes sensitive skin without added perfume"),
                _f("Hydrating", "locks in moisture with hyaluronic acid"),
                _f("Oil-Free", "absorbs quickly without a greasy feel"),
                _f("Night", "repairs skin overnight with ceramides"),
            ),
            ("texture", "scent", "results"),
            ("sunscreen",),
            (), (),
            {"skin_type": ("dry", "oily", "combination", "sensitive"), "size": ("50 ml", "100 ml")},
            " for {skin_type} Skin, {size}", "Made for {skin_type} skin, in a {size} jar.",
            share=1.4,
        ),
        ProductType(
            "vitamin_c_serum", "Vitamin C Serum", "Serums", ("vitamin c serum", "face serum"),
            32, 0.45,
            (
                _f("Brightening", "evens out dark spots and dull skin"),
                _f("Lightweight", "sinks in fast under makeup"),
                _f("Antioxidant", "protects skin with vitamin E and ferulic acid"),
            ),
            ("texture", "results", "scent"),
            ("face_moisturizer", "sunscreen"),
            (), (), {"size": ("15 ml", "30 ml")},
            ", {size}", "It comes in a {size} dropper bottle.",
            text_noun="vitamin C serum",
        ),
        ProductType(
            "cleanser", "Gentle Cleanser", "Cleansers", ("face wash", "cleanser"), 16, 0.4,
            (
                _f("Foaming", "lifts oil and makeup with a rich foam"),
                _f("pH-Balanced", "cleans without stripping your skin"),
                _f("Fragrance-Free", "suits even the most sensitive skin"),
            ),
            ("texture", "scent", "results"),
            ("toner", "vitamin_c_serum"),
            (), (),
            {"skin_type": ("dry", "oily", "combination", "sensitive"),
             "size": ("150 ml", "250 ml")},
            " for {skin_type} Skin, {size}", "Made for {skin_type} skin, in a {size} bottle.",
            text_noun="gentle cleanser", share=1.2,
        ),
        ProductType(
            "sunscreen", "Sunscreen SPF 50", "Sunscreens", ("sunscreen", "spf 50"), 18, 0.35,
            (
                _f("Mineral", "protects with zinc oxide instead of chemical filters"),
                _f("Water-Resistant", "stays on for 80 minutes of swimming"),
                _f("Invisible", "leaves no white cast"),
            ),
            ("texture", "scent", "results"),
            (), (), (), {"size": ("50 ml", "100 ml")}, ", {size}", "It comes in a {size} tube.",
            text_noun="SPF 50 sunscreen",
        ),
        ProductType(
            "eye_cream", "Eye Cream", "Eye Creams", ("eye cream",), 30, 0.45,
            (
                _f("Caffeine", "reduces puffiness with caffeine"),
                _f("Firming", "smooths fine lines with peptides"),
                _f("Cooling", "has a cooling metal applicator"),
            ),
            ("texture", "results"),
            ("face_moisturizer",),
            (), (), {"size": ("15 ml", "30 ml")}, ", {size}", "It comes in a {size} tube.",
            share=0.7,
        ),
        ProductType(
            "toner", "Toner", "Toners", ("toner", "face toner"), 17, 0.35,
            (
                _f("Exfoliating", "gently clears pores with glycolic acid"),
                _f("Alcohol-Free", "refreshes without drying your skin"),
                _f("Soothing", "calms redness with green tea"),
            ),
            ("scent", "results"),
            ("vitamin_c_serum", "face_moisturizer"),
            (), (), {"size": ("150 ml", "200 ml")}, ", {size}", "It comes in a {size} bottle.",
        ),
    ),
    popularity=1.2,
)

MAKEUP = Category(
    "Makeup",
    "Beauty & Personal Care",
    ("Rougette", "Glamora", "Kohl & Co.", "Belladine", "Prismique", "Muse Beauty"),
    (
        ProductType(
            "lipstick", "Lipstick", "Lipsticks", ("lipstick",), 18, 0.4,
            (
                _f("Matte", "gives a velvety matte finish"),
                _f("Long-Lasting", "stays on through meals and coffee"),
                _f("Moisturizing", "keeps lips soft with shea butter"),
            ),
            ("longwear", "pigment", "texture"),
            ("setting_spray",),
            (), (), {"colour": ("red", "nude", "pink", "berry", "coral", "plum")},
            ", {colour}", "The shade is {colour}.", share=1.4,
        ),
        ProductType(
            "mascara", "Mascara", "Mascaras", ("mascara",), 14, 0.35,
            (
                _f("Volumizing", "builds bold volume in two coats"),
                _f("Waterproof", "survives tears and rain without smudging"),
                _f("Lengthening", "stretches every lash from root to tip"),
            ),
            ("longwear", "ease_of_use"),
            ("eyeshadow_palette",),
            (), (), {"colour": ("black", "brown", "blue")},
            ", {colour}", "The shade is {colour}.",
        ),
        ProductType(
            "foundation", "Foundation", "Foundations", ("foundation", "liquid foundation"),
            30, 0.4,
            (
                _f("Full-Coverage", "covers blemishes in one layer"),
                _f("Dewy", "leaves a natural glow"),
                _f("Oil-Free", "controls shine all day"),
            ),
            ("longwear", "pigment", "texture"),
            ("makeup_brush_set", "setting_spray"),
            (), (), {"colour": ("fair", "light", "medium", "tan", "deep")},
            ", {colour}", "The shade is {colour}.", share=1.2,
        ),
        ProductType(
            "eyeshadow_palette", "Eyeshadow Palette", "Eyeshadow Palettes",
            ("eyeshadow palette", "eyeshadow"), 32, 0.4,
            (
                _f("Shimmer", "mixes shimmer and matte shades"),
                _f("Highly-Pigmented", "shows true colour in one swipe"),
                _f("Blendable", "blends without patchiness"),
            ),
            ("pigment", "longwear"),
            ("mascara", "makeup_brush_set"),
            (), (), {"colour": ("neutral", "smoky", "warm", "pastel")},
            ", {colour}", "The palette is {colour} in tone.",
        ),
        ProductType(
            "makeup_brush_set", "Makeup Brush Set", "Makeup Brushes",
            ("makeup brushes", "brush set"), 25, 0.4,
            (
                _f("Vegan", "uses soft synthetic bristles"),
                _f("12-Piece", "covers face, eyes and lips"),
                _f("Travel", "comes with a zip case"),
            ),
            ("texture", "durability"),
            ("setting_spray",),
            (), ("synthetic bristles", "bamboo"), text_noun="set of makeup brushes", share=0.8,
        ),
        ProductType(
            "nail_polish", "Nail Polish", "Nail Polish", ("nail polish",), 9, 0.3,
            (
                _f("Quick-Dry", "dries in sixty seconds"),
                _f("Gel-Effect", "shines like a salon gel manicure"),
                _f("Chip-Resistant", "lasts a week without chipping"),
            ),
            ("longwear", "pigment"),
            (), (), (), {"colour": ("red", "nude", "pink", "berry", "coral", "black")},
            ", {colour}", "The shade is {colour}.",
        ),
        ProductType(
            "setting_spray", "Setting Spray", "Setting Sprays", ("setting spray",), 20, 0.35,
            (
                _f("Matte", "locks makeup in place with a matte finish"),
                _f("Hydrating", "refreshes skin with aloe"),
            ),
            ("longwear", "scent"),
            (), (), (), {"size": ("50 ml", "100 ml")}, ", {size}", "It comes in a {size} bottle.",
            share=0.6,
        ),
    ),
    popularity=1.1,
)

KITCHEN = Category(
    "Kitchen",
    "Home & Kitchen",
    ("Copperline", "Hearthstone", "Kitchora", "Sharpedge", "Bakewell", "Oak & Iron"),
    (
        ProductType(
            "chefs_knife", "Chef's Knife", "Kitchen Knives", ("chef knife", "kitchen knife"),
            70, 0.5,
            (
                _f("Razor-Sharp", "slices tomatoes paper-thin"),
                _f("Forged", "is forged from one piece of steel"),
                _f("Ergonomic", "has a balanced handle that does not tire your hand"),
            ),
            ("sharpness", "durability", "comfort"),
            ("cutting_board", "knife_sharpener"),
            (), ("German steel", "Damascus steel", "ceramic"),
            {"size": ("15 cm", "20 cm", "25 cm")}, ", {size}", "The blade is {size} long.",
            text_noun="chef's knife", share=1.3,
        ),
        ProductType(
            "cutting_board", "Cutting Board", "Cutting Boards", ("cutting board",), 35, 0.4,
            (
                _f("Reversible", "has a juice groove on one side"),
                _f("Non-Slip", "sits on rubber feet"),
                _f("Extra-Large", "fits a whole roast"),
            ),
            ("durability", "ease_of_use"),
            ("knife_sharpener",),
            (), ("bamboo", "walnut", "acacia wood", "plastic"),
            {"size": ("medium", "large")}, ", {size}", "It is the {size} size.",
        ),
        ProductType(
            "frying_pan", "Nonstick Frying Pan", "Frying Pans", ("frying pan", "nonstick pan"),
            40, 0.4,
            (
                _f("PFOA-Free", "releases eggs without a drop of oil"),
                _f("Induction-Ready", "works on every hob including induction"),
                _f("Oven-Safe", "goes into the oven up to 260 degrees"),
            ),
            ("heating", "durability", "ease_of_use"),
            ("spatula_set",),
            (), ("aluminium", "stainless steel", "hard-anodised aluminium"),
            {"size": ("20 cm", "24 cm", "28 cm")}, ", {size}", "It measures {size} across.",
            text_noun="nonstick frying pan", share=1.2,
        ),
        ProductType(
            "cast_iron_skillet", "Cast Iron Skillet", "Skillets",
            ("cast iron skillet", "skillet"), 35, 0.35,
            (
                _f("Pre-Seasoned", "is ready to cook straight out of the box"),
                _f("Oven-Safe", "goes from hob to oven to campfire"),
            ),
            ("heating", "durability", "weight"),
            ("spatula_set",),
            (), ("cast iron", "enamelled cast iron"),
            {"size": ("20 cm", "26 cm", "30 cm")}, ", {size}", "It measures {size} across.",
            share=0.8,
        ),
        ProductType(
            "stand_mixer", "Stand Mixer", "Stand Mixers", ("stand mixer", "kitchen mixer"),
            280, 0.4,
            (
                _f("10-Speed", "has ten speeds from gentle fold to whip"),
                _f("Quiet", "runs quietly even when kneading dough"),
                _f("Tilt-Head", "tilts back so you can add ingredients easily"),
            ),
            ("noise", "durability", "ease_of_use"),
            ("mixing_bowl_set",),
            (), ("die-cast metal", "stainless steel"),
            {"colour": ("red", "black", "white", "silver", "mint"), "size": ("4.5 L", "5.5 L")},
            ", {colour}, {size}", "Shown in {colour}, with a {size} bowl.", share=0.7,
        ),
        ProductType(
            "mixing_bowl_set", "Mixing Bowl Set", "Mixing Bowls", ("mixing bowls",), 30, 0.35,
            (
                _f("Nesting", "nests into one bowl for storage"),
                _f("Non-Slip", "has silicone bases that stay put"),
                _f("Lidded", "comes with airtight lids"),
            ),
            ("durability", "ease_of_use"),
            ("spatula_set",),
            (), ("stainless steel", "glass", "ceramic"), text_noun="set of mixing bowls",
        ),
        ProductType(
            "knife_sharpener", "Knife Sharpener", "Knife Sharpeners", ("knife sharpener",),
            25, 0.4,
            (
                _f("3-Stage", "sharpens, hones and polishes in three slots"),
                _f("Whetstone", "sharpens by hand on a 1000/6000 grit stone"),
            ),
            ("sharpness", "ease_of_use"),
            (), (), ("ceramic", "diamond-coated steel", "corundum stone"), share=0.6,
        ),
        ProductType(
            "spatula_set", "Silicone Spatula Set", "Spatulas", ("spatula set", "spatulas"),
            15, 0.3,
            (
                _f("Heat-Resistant", "handles heat up to 230 degrees"),
                _f("Dishwasher-Safe", "goes straight into the dishwasher"),
            ),
            ("durability", "ease_of_use"),
            (), (), ("silicone", "silicone and wood"),
            {"colour": ("grey", "red", "black", "mint")}, ", {colour}", "Shown in {colour}.",
            text_noun="set of silicone spatulas", share=0.7,
        ),
    ),
    popularity=1.0,
)

COFFEE = Category(
    "Coffee & Tea",
    "Grocery & Gourmet Food",
    ("Roastery Row", "Bean & Barrel", "Morning Ember", "Crema Bros.", "Highland Cup", "Steepwell"),
    (
        ProductType(
            "whole_bean_coffee", "Whole Bean Coffee", "Whole Bean Coffee",
            ("whole bean coffee", "coffee beans"), 17, 0.35,
            (
                _f("Single-Origin", "comes from a single farm in the highlands"),
                _f("Organic", "is certified organic"),
                _f("Fair-Trade", "is bought at fair-trade prices"),
            ),
            ("taste", "aroma", "freshness"),
            ("coffee_grinder",),
            (), (),
            {"roast": ("light", "medium", "dark"), "size": ("250 g", "500 g", "1 kg")},
            ", {roast} Roast, {size}", "It is a {roast} roast in a {size} bag.",
            text_noun="bag of whole bean coffee", share=1.5,
        ),
        ProductType(
            "ground_coffee", "Ground Coffee", "Ground Coffee", ("ground coffee",), 14, 0.35,
            (
                _f("Organic", "is certified organic"),
                _f("Decaf", "is decaffeinated with the Swiss water process"),
                _f("Espresso-Grind", "is ground fine for espresso"),
            ),
            ("taste", "aroma", "freshness"),
            ("french_press",),
            (), (),
            {"roast": ("light", "medium", "dark"), "size": ("250 g", "500 g")},
            ", {roast} Roast, {size}", "It is a {roast} roast in a {size} bag.",
            text_noun="bag of ground coffee",
        ),
        ProductType(
            "coffee_grinder", "Burr Coffee Grinder", "Coffee Grinders",
            ("coffee grinder", "burr grinder"), 85, 0.6,
            (
                _f("Conical", "grinds evenly with conical steel burrs"),
                _f("Quiet", "grinds without waking the house"),
                _f("40-Setting", "offers forty grind settings from espresso to French press"),
            ),
            ("noise", "ease_of_use", "durability"),
            ("whole_bean_coffee", "pour_over_coffee_maker"),
            (), ("stainless steel", "ceramic"),
            {"colour": ("black", "silver", "white")}, ", {colour}", "Shown in {colour}.",
            text_noun="burr coffee grinder", share=1.1,
        ),
        ProductType(
            "pour_over_coffee_maker", "Pour-Over Coffee Maker", "Pour-Over Coffee Makers",
            ("pour over coffee maker", "pour over"), 30, 0.35,
            (
                _f("Glass", "shows off every bloom through heat-proof glass"),
                _f("Reusable-Filter", "uses a reusable steel filter instead of paper"),
            ),
            ("ease_of_use", "durability", "taste"),
            ("coffee_grinder", "whole_bean_coffee"),
            (), ("borosilicate glass", "ceramic"), share=0.7,
        ),
        ProductType(
            "french_press", "French Press", "French Presses", ("french press",), 30, 0.35,
            (
                _f("Double-Wall", "keeps coffee hot for an hour"),
                _f("4-Level-Filter", "keeps grounds out of your cup"),
            ),
            ("ease_of_use", "durability", "taste"),
            ("ground_coffee", "coffee_grinder"),
            (), ("stainless steel", "borosilicate glass"),
            {"size": ("350 ml", "1 L")}, ", {size}", "It brews {size} at a time.",
            text_noun="French press", share=0.8,
        ),
        ProductType(
            "espresso_machine", "Espresso Machine", "Espresso Machines",
            ("espresso machine",), 350, 0.5,
            (
                _f("15-Bar", "pulls rich shots at fifteen bar of pressure"),
                _f("Steam-Wand", "steams silky milk for lattes"),
                _f("Compact", "fits under kitchen cabinets"),
            ),
            ("taste", "ease_of_use", "durability", "noise"),
            ("milk_frother", "whole_bean_coffee", "coffee_grinder"),
            (), ("stainless steel", "brushed aluminium"),
            {"colour": ("black", "silver", "red")}, ", {colour}", "Shown in {colour}.",
            share=0.8,
        ),
        ProductType(
            "milk_frother", "Milk Frother", "Milk Frothers", ("milk frother",), 25, 0.4,
            (
                _f("Rechargeable", "charges over USB"),
                _f("Hot-and-Cold", "makes hot or cold foam at one touch"),
            ),
            ("ease_of_use", "durability"),
            (), (), ("stainless steel",),
            {"colour": ("black", "silver", "white")}, ", {colour}", "Shown in {colour}.",
            share=0.7,
        ),
        ProductType(
            "loose_leaf_tea", "Loose Leaf Tea", "Loose Leaf Tea", ("loose leaf tea", "tea"),
            14, 0.35,
            (
                _f("Organic", "is certified organic"),
                _f("First-Flush", "is picked from the spring's first harvest"),
            ),
            ("taste", "aroma", "freshness"),
            (), (), (),
            {"flavour": ("earl grey", "green", "chai", "chamomile"), "size": ("100 g", "250 g")},
            ", {flavour}, {size}", "It is {flavour} tea in a {size} tin.",
            text_noun="tin of loose leaf tea",
        ),
    ),
    popularity=1.0,
)

OFFICE = Category(
    "Office Supplies",
    "Office Products",
    ("Paperly", "Deskwise", "Inkwell Supply", "Officio", "Ledgerline", "Workfolk"),
    (
        ProductType(
            "notebook", "Hardcover Notebook", "Notebooks", ("notebook", "journal"), 12, 0.35,
            (
                _f("Dotted", "has dotted pages for lists and sketches"),
                _f("Lay-Flat", "lies flat on the desk"),
                _f("Fountain-Pen-Friendly", "uses thick paper that does not bleed"),
            ),
            ("quality", "durability"),
            ("gel_pen_set",),
            (), ("recycled paper", "vegan leather"),
            {"colour": ("black", "navy", "green", "red"), "size": ("A5", "A4")},
            ", {colour}, {size}", "Shown in {colour}, {size} size.", share=1.4,
        ),
        ProductType(
            "gel_pen_set", "Gel Pen Set", "Pens", ("gel pens", "pens"), 10, 0.35,
            (
                _f("Fine-Point", "writes a crisp 0.5 mm line"),
                _f("Smudge-Proof", "dries fast without smudging"),
                _f("Retractable", "clicks shut to protect your bag"),
            ),
            ("ease_of_use", "durability"),
            ("sticky_notes",),
            (), (), {"colour": ("black", "blue", "assorted")}, ", {colour}",
            "The ink is {colour}.", text_noun="set of gel pens", share=1.2,
        ),
        ProductType(
            "desk_organizer", "Desk Organizer", "Desk Organizers",
            ("desk organizer", "desk tidy"), 25, 0.4,
            (_f("5-Compartment", "keeps pens, notes and cables apart"),
             _f("Rotating", "spins to reach every slot")),
            ("quality", "durability"),
            ("sticky_notes",),
            (), ("bamboo", "metal mesh", "acrylic"), share=0.8,
        ),
        ProductType(
            "office_chair", "Ergonomic Office Chair", "Office Chairs",
            ("office chair", "ergonomic chair"), 240, 0.4,
            (
                _f("Lumbar-Support", "supports your lower back through long days"),
                _f("Breathable", "has a mesh back that keeps you cool"),
                _f("Adjustable", "adjusts in height, armrests and tilt"),
            ),
            ("comfort", "durability", "setup"),
            ("standing_desk_converter", "desk_lamp"),
            (), ("mesh", "fabric", "faux leather"),
            {"colour": ("black", "grey", "white")}, ", {colour}", "Shown in {colour}.",
            text_noun="ergonomic office chair",
        ),
        ProductType(
            "standing_desk_converter", "Standing Desk Converter", "Standing Desks",
            ("standing desk", "desk converter"), 180, 0.4,
            (
                _f("Gas-Spring", "lifts smoothly with a gas spring"),
                _f("Two-Tier", "holds a keyboard tier under the monitor"),
            ),
            ("setup", "durability", "ease_of_use"),
            ("desk_lamp",),
            (), ("steel", "MDF"),
            {"colour": ("black", "white", "oak")}, ", {colour}", "Shown in {colour}.",
            share=0.6,
        ),
        ProductType(
            "desk_lamp", "LED Desk Lamp", "Desk Lamps", ("desk lamp", "led lamp"), 40, 0.4,
            (
                _f("Dimmable", "dims through five brightness levels"),
                _f("Eye-Care", "gives flicker-free light"),
                _f("USB-Charging", "charges your phone from its base"),
            ),
            ("brightness", "ease_of_use", "durability"),
            (), (), ("aluminium", "plastic"),
            {"colour": ("black", "white", "silver")}, ", {colour}", "Shown in {colour}.",
            text_noun="LED desk lamp",
        ),
        ProductType(
            "stapler", "Stapler", "Staplers", ("stapler",), 12, 0.35,
            (_f("Heavy-Duty", "staples forty sheets at once"),
             _f("Jam-Free", "never jams mid-stack")),
            ("durability", "ease_of_use"),
            (), (), ("metal", "plastic"),
            {"colour": ("black", "red", "blue")}, ", {colour}", "Shown in {colour}.",
            share=0.5,
        ),
        ProductType(
            "sticky_notes", "Sticky Notes", "Sticky Notes", ("sticky notes",), 8, 0.3,
            (_f("Super-Sticky", "stays on walls and monitors"),
             _f("Recycled", "is made from recycled paper")),
            ("quality",),
            (), (), (),
            {"colour": ("yellow", "pastel", "neon")}, ", {colour}", "The notes are {colour}.",
            text_noun="pack of sticky notes", share=0.7,
        ),
    ),
    popularity=0.8,
)

ELECTRONICS = Category(
    "Electronics Accessories",
    "Electronics",
    ("Voltix", "Chargeon", "Sonique", "Gridline", "Pocketcell", "Auralink"),
    (
        ProductType(
            "phone_case", "Phone Case", "Phone Cases", ("phone case",), 20, 0.4,
            (
                _f("Shockproof", "survives drops from two metres"),
                _f("Slim", "adds almost no bulk"),
                _f("Magnetic", "snaps onto magnetic chargers and mounts"),
            ),
            ("durability", "fit", "quality"),
            ("screen_protector", "usb_c_charger"),
            (), ("silicone", "TPU", "leather"),
            {"colour": ("black", "clear", "blue", "pink", "green"),
             "size": ("6.1-inch", "6.7-inch")},
            ", {colour}, {size}", "Shown in {colour}, for {size} phones.", share=1.5,
        ),
        ProductType(
            "usb_c_charger", "USB-C Charger", "Chargers", ("usb c charger", "phone charger"),
            25, 0.4,
            (
                _f("65W", "charges a laptop at full speed"),
                _f("Fast-Charging", "fills a phone to half in thirty minutes"),
                _f("Foldable", "has plugs that fold away for travel"),
            ),
            ("charging", "durability"),
            ("charging_cable",),
            (), (), {"colour": ("white", "black")}, ", {colour}", "Shown in {colour}.",
            text_noun="USB-C charger", share=1.1,
        ),
        ProductType(
            "wireless_earbuds", "Wireless Earbuds", "Earbuds",
            ("wireless earbuds", "earbuds", "bluetooth earbuds"), 70, 0.5,
            (
                _f("Noise-Cancelling", "silences the train and the office"),
                _f("Sweatproof", "keeps playing through hard workouts"),
                _f("30-Hour", "lasts thirty hours with the charging case"),
            ),
            ("sound", "battery", "fit"),
            ("power_bank", "charging_cable"),
            (), (), {"colour": ("black", "white", "blue")}, ", {colour}", "Shown in {colour}.",
            text_noun="pair of wireless earbuds", share=1.3,
        ),
        ProductType(
            "power_bank", "Power Bank", "Power Banks", ("power bank", "portable charger"),
            35, 0.4,
            (
                _f("20000mAh", "charges a phone four times over"),
                _f("Slim", "slips into a jeans pocket"),
                _f("Fast-Charging", "recharges itself in three hours"),
            ),
            ("battery", "charging", "weight"),
            ("charging_cable",),
            (), (), {"colour": ("black", "white", "blue")}, ", {colour}", "Shown in {colour}.",
        ),
        ProductType(
            "charging_cable", "Charging Cable", "Cables", ("charging cable", "usb c cable"),
            12, 0.35,
            (_f("Braided", "resists fraying with a braided jacket"),
             _f("Fast-Charging", "carries up to 100 watts")),
            ("durability", "charging"),
            (), (), ("braided nylon", "TPE"),
            {"size": ("1 m", "2 m", "3 m")}, ", {size}", "It is {size} long.",
        ),
        ProductType(
            "laptop_sleeve", "Laptop Sleeve", "Laptop Sleeves", ("laptop sleeve", "laptop case"),
            25, 0.35,
            (_f("Water-Resistant", "shrugs off spills and drizzle"),
             _f("Padded", "cushions your laptop against knocks")),
            ("fit", "durability", "quality"),
            ("usb_c_charger",),
            (), ("neoprene", "felt", "canvas"),
            {"colour": ("black", "grey", "navy"), "size": ("13-inch", "15-inch")},
            ", {colour}, {size}", "Shown in {colour}, for {size} laptops.",
        ),
        ProductType(
            "bluetooth_speaker", "Bluetooth Speaker", "Speakers",
            ("bluetooth speaker", "portable speaker"), 50, 0.45,
            (
                _f("Waterproof", "floats and plays on in the pool"),
                _f("Bass-Boost", "delivers deep bass from a small body"),
                _f("12-Hour", "plays twelve hours on a charge"),
            ),
            ("sound", "battery", "durability"),
            ("power_bank",),
            (), (), {"colour": ("black", "red", "blue", "teal")}, ", {colour}",
            "Shown in {colour}.", text_noun="Bluetooth speaker", share=0.9,
        ),
        ProductType(
            "screen_protector", "Screen Protector 2-Pack", "Screen Protectors",
            ("screen protector",), 10, 0.3,
            (_f("Tempered-Glass", "stops scratches from keys and sand"),
             _f("Privacy", "hides your screen from side angles")),
            ("ease_of_use", "durability"),
            (), (), ("tempered glass",),
            {"size": ("6.1-inch", "6.7-inch")}, ", {size}", "It fits {size} phones.",
            text_noun="pair of screen protectors", share=0.8,
        ),
    ),
    popularity=1.1,
)

TOYS = Category(
    "Kids Toys",
    "Toys & Games",
    ("Playwise", "Tinytown", "Brickbloom", "Wonderbox", "Little Sprout", "Funforge"),
    (
        ProductType(
            "building_blocks", "Building Blocks Set", "Building Toys",
            ("building blocks", "construction toys"), 40, 0.5,
            (
                _f("500-Piece", "comes with five hundred bricks"),
                _f("STEM", "teaches simple engineering through play"),
                _f("Compatible", "fits the major brick brands"),
            ),
            ("fun", "quality", "safety"),
            ("wooden_train_set",),
            ("kids",), ("ABS plastic",),
            {"age": ("3+ years", "6+ years", "8+ years")}, ", {age}", "It suits ages {age}.",
            text_noun="building blocks set", share=1.3,
        ),
        ProductType(
            "plush_teddy_bear", "Plush Teddy Bear", "Stuffed Animals",
            ("teddy bear", "stuffed animal", "plush toy"), 20, 0.4,
            (_f("Extra-Soft", "is soft enough to sleep with"),
             _f("Machine-Washable", "survives the washing machine")),
            ("quality", "safety"),
            (), ("kids",), ("polyester plush", "organic cotton"),
            {"colour": ("brown", "cream", "pink", "grey"), "size": ("30 cm", "50 cm")},
            ", {colour}, {size}", "Shown in {colour}, {size} tall.",
        ),
        ProductType(
            "jigsaw_puzzle", "Jigsaw Puzzle", "Puzzles", ("jigsaw puzzle", "puzzle"), 16, 0.35,
            (_f("1000-Piece", "has a thousand precise pieces"),
             _f("Family", "has large pieces the whole family can share")),
            ("quality", "fun"),
            ("board_game",),
            (), ("recycled cardboard",),
            {"age": ("5+ years", "8+ years", "12+ years")}, ", {age}",
            "It suits ages {age}.",
        ),
        ProductType(
            "rc_car", "Remote Control Car", "Remote Control Toys",
            ("remote control car", "rc car"), 45, 0.45,
            (_f("Off-Road", "climbs over rocks and grass"),
             _f("Rechargeable", "comes with two rechargeable batteries"),
             _f("High-Speed", "reaches 30 km/h")),
            ("fun", "battery", "durability"),
            (), ("kids",), ("ABS plastic",),
            {"colour": ("red", "blue", "green", "orange"), "age": ("6+ years", "8+ years")},
            ", {colour}, {age}", "Shown in {colour}; it suits ages {age}.",
            text_noun="remote control car", share=1.1,
        ),
        ProductType(
            "art_craft_kit", "Art & Craft Kit", "Arts & Crafts",
            ("art kit", "craft kit"), 25, 0.4,
            (_f("Washable", "uses paints that wash out of clothes"),
             _f("150-Piece", "is packed with paints, pens and paper")),
            ("fun", "quality", "safety"),
            ("jigsaw_puzzle",),
            ("kids",), (), {"age": ("4+ years", "6+ years", "8+ years")}, ", {age}",
            "It suits ages {age}.", text_noun="art and craft kit",
        ),
        ProductType(
            "board_game", "Board Game", "Board Games", ("board game", "family game"), 30, 0.35,
            (_f("Cooperative", "has everyone play together against the board"),
             _f("Strategy", "rewards planning ahead")),
            ("fun", "quality"),
            ("jigsaw_puzzle",),
            (), ("cardboard",),
            {"age": ("6+ years", "8+ years", "10+ years")}, ", {age}",
            "It suits ages {age}.", share=1.1,
        ),
        ProductType(
            "wooden_train_set", "Wooden Train Set", "Train Sets", ("wooden train set", "train set"),
            60, 0.4,
            (_f("80-Piece", "comes with eighty pieces of track"),
             _f("Magnetic", "couples its carriages with magnets")),
            ("fun", "quality", "safety"),
            ("building_blocks",),
            ("kids",), ("beech wood", "pine wood"),
            {"age": ("3+ years", "4+ years")}, ", {age}", "It suits ages {age}.",
        ),
    ),
    popularity=0.9,
)

CATEGORIES: tuple[Category, ...] = (
    RUNNING, CAMPING, YOGA, SKINCARE, MAKEUP, KITCHEN, COFFEE, OFFICE, ELECTRONICS, TOYS,
)
# fmt: on


def product_types() -> dict[str, ProductType]:
    """Every product type by key."""
    return {t.key: t for c in CATEGORIES for t in c.types}
