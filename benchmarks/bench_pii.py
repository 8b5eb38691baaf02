"""Recall and precision of PII masking (`shopsense.text.pii`) on labelled snippets.

    python benchmarks/bench_pii.py                 # score benchmarks/data/pii_snippets.jsonl
    python benchmarks/bench_pii.py --regenerate    # rebuild that file first (seeded)

The snippets are English and Chinese shop messages: sentence templates filled with generated
e-mails, phone numbers (CN mobiles and landlines, North American, UK, international), Luhn-valid
card numbers, Chinese resident ids with valid check digits and street addresses, whose spans are
labelled as they are inserted; plus hand-written negatives full of digits that are not personal
data (prices, order and tracking numbers, SKUs, dates, model numbers, a Luhn-invalid card, an
id with a wrong check digit, product titles). Generated from templates, they measure the rules
on the formats they were written for: real traffic will score lower.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

from shopsense.evaluation.pii import load_snippets, pii_scores

SNIPPETS = Path(__file__).parent / "data" / "pii_snippets.jsonl"

_FIRST = ["anna", "li.wei", "j.smith", "maria_g", "zhang.san", "o.brien", "kim99", "priya"]
_DOMAINS = ["example.com", "mail.example.org", "shop.co.uk", "163.com", "qq.com", "corp.example"]
_STREETS = ["Oak", "Baker", "Pennsylvania", "Mill Pond", "Queen Victoria", "Elm", "St. John's"]
_SUFFIXES = ["Street", "St", "Avenue", "Ave.", "Road", "Lane", "Drive", "Boulevard", "Way"]
_CN_PLACES = [
    "北京市朝阳区",
    "上海市浦东新区",
    "广东省深圳市南山区",
    "浙江省杭州市西湖区",
    "四川省成都市武侯区",
]
_CN_ROADS = ["建国路", "世纪大道", "科技南路", "文三路", "人民南路", "中山东一路"]
_REGIONS = ["110101", "310104", "440305", "330106", "510107", "120102"]

_EN_TEMPLATES = [
    "Please ship it to {ADDRESS}, I'm home after 5.",
    "Call me on {PHONE} if the courier can't find the house.",
    "My email is {EMAIL}, send the invoice there.",
    "The card {CARD} was charged twice for order 55812.",
    "Contact: {EMAIL} / {PHONE}",
    "I moved to {ADDRESS}; please update my account.",
    "Refund to the card ending in my number {CARD} please",
    "you can text {PHONE} or mail {EMAIL}",
    "Deliver to {ADDRESS} and ring {PHONE}.",
    "Wrong address! It should be {ADDRESS} not the old one.",
    "Hi, it's Sam ({EMAIL}). The lamp arrived broken.",
    "Reach our office at {PHONE} between 9 and 5.",
    "Paid with {CARD}, still no confirmation email",
    "Gift for my mum, her address is {ADDRESS}",
    "Please call {PHONE}.",
    "{EMAIL}",
]
_CN_TEMPLATES = [
    "请寄到{ADDRESS}，电话{PHONE}。",
    "我的身份证号是{CN_ID}，请帮我实名认证。",
    "手机号：{PHONE}，有问题联系我",
    "邮箱{EMAIL}，发票请发这里",
    "银行卡号{CARD}扣款两次了",
    "收货地址：{ADDRESS}",
    "联系电话 {PHONE}，身份证 {CN_ID}",
    "快递放到{ADDRESS}门口就行",
    "退款请退到{CARD}这张卡",
    "我的手机{PHONE}收不到验证码",
]
_NEGATIVES = [
    "Order #100234 shipped on 2024-03-15 and arrives in 3-5 days.",
    "Price $1,299.99 for 2 units, save 15% with code SPRING24.",
    "Model XJ-9000 runs at 3200 rpm and weighs 4.5 kg.",
    "ISBN 978-0-306-40615-7, hardcover, 352 pages.",
    "Tracking number 1Z999AA10123456784 via UPS.",
    "Battery 5000mAh, 65W fast charging, 120Hz screen.",
    "Size 42 EU, width 10.5, heel 3 cm.",
    "Pack of 12, 250 ml each, best before 12/2026.",
    "The 2023 edition has 24 levels and 3 endings.",
    "Invoice 2024-0042 totals 318.50 EUR incl. 19% VAT.",
    "Card 4111 1111 1111 1112 looks like a card but fails the check.",
    "Serial 1234567812345678 on the box label.",
    "Rated 4.8 out of 5 by 1,532 shoppers.",
    "Fits screens from 13 to 17 inches, 1920x1080.",
    "Call of Duty bundle, 2 controllers, 1 TB.",
    "Open 9:00-17:30, Mon-Fri; closed 25 Dec.",
    "Reference 110101199003075371 has a wrong check digit.",
    "Set of 3 pans: 20, 24 and 28 cm.",
    "Version 2.14.3 fixed the sync bug from 2.14.1.",
    "Warranty 24 months, extendable to 36.",
    "Coupon 30 off orders over 200, valid until 31.12.",
    "Temperature range -20 to 45 degrees.",
    "Product code 8801643 replaced by 8801650.",
    "I ordered 3 of them on 15 March and 2 arrived.",
    "Weight 1.25 kg, dimensions 30 x 20 x 10 cm.",
    "Ticket 7731-2209 is still open since 2023.",
    "订单号20240315123456已发货，预计3天到达。",
    "价格199元，满300减50，限时优惠。",
    "第3代产品，型号A1234，支持5G。",
    "2024年3月15日下单，3月18日收到。",
    "电池容量5000毫安，快充65瓦。",
    "尺码42码，偏大半码。",
    "评分4.9分，共1532条评价。",
    "一共买了12瓶，每瓶500毫升。",
    "会员积分12800分可以抵扣128元。",
    "保修期24个月，支持7天无理由退货。",
    "快递单号SF1234567890123查询不到。",
    "这款是2023年新款，编号X-2023-88。",
    "The book is 'Life on Baker Island', paperback.",
    "Good value, 5 stars, would buy 2 again.",
]

#: Written by hand, with the personal data they hold: odd formats, and look-alikes.
_HAND_WRITTEN: list[tuple[str, list[tuple[str, str]]]] = [
    ("email me: Li.Wei@Example.COM.", [("EMAIL", "Li.Wei@Example.COM")]),
    ("my number is +86-139-1234-5678 thanks", [("PHONE", "+86-139-1234-5678")]),
    ("tel:13912345678", [("PHONE", "13912345678")]),
    ("I'm at 4 Privet Drive, Little Whinging", [("ADDRESS", "4 Privet Drive")]),
    ("寄到北京市海淀区中关村大街27号", [("ADDRESS", "北京市海淀区中关村大街27号")]),
    ("office: 221B Baker Street, London NW1", [("ADDRESS", "221B Baker Street")]),
    ("Buy the 2 Pack Street Shoes in black", []),
    ("Dial 1-800-FLOWERS for bouquets", []),
    ("Room 1208 on the 12th floor", []),
    ("Gift card code 7788-9911 is not a payment card", []),
]


def _email(rng: random.Random) -> str:
    tag = rng.choice(["", "+shop", str(rng.randint(1, 99))])
    return f"{rng.choice(_FIRST)}{tag}@{rng.choice(_DOMAINS)}"


def _phone(rng: random.Random) -> str:
    mobile = f"1{rng.choice('3456789')}{rng.randint(0, 9)}"
    a, b = f"{rng.randint(0, 9999):04d}", f"{rng.randint(0, 9999):04d}"
    n = lambda digits: "".join(str(rng.randint(0, 9)) for _ in range(digits))  # noqa: E731
    return rng.choice(
        [
            f"{mobile}{a}{b}",
            f"{mobile} {a} {b}",
            f"+86 {mobile}-{a}-{b}",
            f"+86{mobile}{a}{b}",
            f"({rng.randint(201, 989)}) 555-{n(4)}",
            f"{rng.randint(201, 989)}-555-{n(4)}",
            f"{rng.randint(201, 989)}.555.{n(4)}",
            f"+1 {rng.randint(201, 989)} 555 {n(4)}",
            f"+44 20 {n(4)} {n(4)}",
            f"020 {n(4)} {n(4)}",
            f"07700 {n(6)}",
            f"010-{rng.randint(2, 8)}{n(7)}",
            f"0755-{rng.randint(2, 8)}{n(6)}",
            f"+49 30 {n(7)}",
            f"+33 1 {n(2)} {n(2)} {n(2)} {n(2)}",
        ]
    )


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = 0
        for position, digit in enumerate(int(d) for d in reversed(digits)):
            if position % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("62", 19)]
    )
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    number = _luhn_complete(body)
    if length == 15:
        return rng.choice([number, f"{number[:4]} {number[4:10]} {number[10:]}"])
    separator = rng.choice(["", " ", "-"])
    return separator.join(number[i : i + 4] for i in range(0, length, 4))


def _cn_id(rng: random.Random) -> str:
    body = (
        f"{rng.choice(_REGIONS)}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
        f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    )
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _address(rng: random.Random, chinese: bool) -> str:
    if chinese:
        unit = rng.choice(["", f"{rng.randint(1, 20)}栋{rng.randint(101, 2505)}室"])
        return f"{rng.choice(_CN_PLACES)}{rng.choice(_CN_ROADS)}{rng.randint(1, 999)}号{unit}"
    unit = rng.choice(
        ["", f", Apt {rng.randint(1, 40)}{rng.choice('ABC')}", f" Suite {rng.randint(100, 999)}"]
    )
    number = f"{rng.randint(1, 9999)}{rng.choice(['', '', 'B'])}"
    return f"{number} {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}{unit}"


def generate(seed: int = 0, per_template: int = 7) -> list[dict]:
    """Labelled snippets: each template filled `per_template` times, then the negatives."""
    rng = random.Random(seed)
    makers: dict[str, Callable[[bool], str]] = {
        "EMAIL": lambda cn: _email(rng),
        "PHONE": lambda cn: _phone(rng),
        "CARD": lambda cn: _card(rng),
        "CN_ID": lambda cn: _cn_id(rng),
        "ADDRESS": lambda cn: _address(rng, cn),
    }
    rows = []
    for templates, chinese in ((_EN_TEMPLATES, False), (_CN_TEMPLATES, True)):
        for template in templates:
            for _ in range(per_template):
                rows.append(_fill(template, makers, chinese))
    rows += [{"text": text, "entities": []} for text in _NEGATIVES]
    for text, found in _HAND_WRITTEN:
        entities = [
            {"kind": kind, "start": text.index(value), "end": text.index(value) + len(value)}
            for kind, value in found
        ]
        rows.append({"text": text, "entities": entities})
    return rows


def _fill(template: str, makers: dict[str, Callable[[bool], str]], chinese: bool) -> dict:
    text, entities, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        kind, _, rest = after.partition("}")
        text += before
        value = makers[kind](chinese)
        entities.append({"kind": kind, "start": len(text), "end": len(text) + len(value)})
        text += value
    return {"text": text + rest, "entities": entities}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the snippets file")
    parser.add_argument("--path", type=Path, default=SNIPPETS)
    args = parser.parse_args()
    if args.regenerate:
        rows = generate()
        args.path.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
        )
    snippets = load_snippets(args.path)
    scores = pii_scores(snippets)
    print(f"{len(snippets)} snippets")
    print(f"{'kind':<8} {'recall':>7} {'precision':>9} {'entities':>8} {'detected':>8}")
    for kind, row in scores.items():
        print(
            f"{kind:<8} {row['recall']:>7.3f} {row['precision']:>9.3f} "
            f"{row['entities']:>8} {row['detected']:>8}"
        )


if __name__ == "__main__":
    main()
