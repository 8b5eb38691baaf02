"""The Chinese demo shop's catalogue vocabulary: departments, categories, brands, product types.

Parallel to `vocabulary.py` and built from the same `ProductType`s, but a shop of its own, laid
out the way Chinese marketplaces are (运动户外 > 跑步 > 跑步鞋, 数码 > 数码配件 > 耳机): women's
clothing instead of yoga gear, tea beside coffee, a thermos cup and a rice cooker in the kitchen.
Prices are in yuan. Every brand and product is invented; any likeness to a real brand is
accidental. Option keys are the attribute names as a Chinese shop writes them (颜色, 尺码,
容量...), and review aspects are the keys of `phrases_zh.ASPECTS`.
"""

from __future__ import annotations

from shopsense.data.demo.vocabulary import Category, Feature, ProductType

#: The option key (and attribute name) of colour.
COLOUR = "颜色"
#: Attribute names of the material, the audience and the features.
ATTRIBUTE_NAMES = {"material": "材质", "audience": "适用人群", "features": "卖点"}
#: Title form of each audience; the attribute value is the key.
AUDIENCE_TITLES: dict[str, str] = {"男款": "男款", "女款": "女款", "儿童": "儿童"}

#: How Chinese shoppers phrase each query shape (`queries.SHAPES`): often without spaces,
#: budgets as "200元以下" or "200以内".
QUERY_PATTERNS: dict[str, tuple[str, ...]] = {
    "plain": ("{name}",),
    "feature": ("{feature}{name}", "{feature} {name}", "{name} {feature}"),
    "colour": ("{colour}{name}", "{colour} {name}"),
    "brand": ("{brand}{name}", "{brand} {name}"),
    "under": ("{name} {ceiling}元以下", "{name}{ceiling}以内", "{ceiling}元以内的{name}"),
    "cheap": ("便宜的{name}", "平价{name}", "{name} 便宜"),
    "feature_under": ("{feature}{name} {ceiling}元以下", "{feature}{name}{ceiling}以内"),
}

APPAREL_COLOURS = ("黑色", "白色", "红色", "蓝色", "灰色", "绿色", "藏青色", "粉色")
OUTDOOR_COLOURS = ("军绿色", "橙色", "灰色", "蓝色", "红色", "黄色")
SHOE_SIZES = ("37码", "38码", "39码", "40码", "41码", "42码", "43码")
APPAREL_SIZES = ("S", "M", "L", "XL", "XXL")


def _f(title: str, phrase: str) -> Feature:
    """A selling point: its title word, and a verb phrase that can follow "这款…" and "还"."""
    return Feature(title, phrase)


# The tables below are data: one product type per block, positional fields in declaration order.
# fmt: off

LIGHTWEIGHT = _f("轻量", "轻到几乎感觉不到它的存在")
WATERPROOF = _f("防水", "能在大雨中把雨水挡在外面")
REFLECTIVE = _f("反光", "带有反光条，清晨夜跑也足够醒目")
QUICK_DRY = _f("速干", "能在大汗淋漓之后迅速变干")
WINDPROOF = _f("防风", "能挡住迎面吹来的冷风")

_WEAR = {COLOUR: APPAREL_COLOURS, "尺码": APPAREL_SIZES}
_SHOE = {COLOUR: APPAREL_COLOURS, "尺码": SHOE_SIZES}
_WEAR_SUFFIX = " {颜色} {尺码}"
_WEAR_DETAILS = "颜色为{颜色}，尺码为{尺码}。"
_COLOUR_SUFFIX = " {颜色}"
_COLOUR_DETAILS = "颜色为{颜色}。"
_SPEC_SUFFIX = " {颜色} {规格}"
_SPEC_DETAILS = "颜色为{颜色}，规格为{规格}。"

RUNNING = Category(
    "跑步",
    "运动户外",
    ("踏风", "疾影", "北步", "飞羽", "跃动者", "锐行"),
    (
        ProductType(
            "road_running_shoe", "公路跑鞋", "跑步鞋", ("跑鞋", "跑步鞋"), 399, 0.3,
            (
                _f("缓震", "采用厚底缓震中底，在硬路面上也能护住膝盖"),
                _f("透气", "采用网面鞋面，长跑时双脚依然清爽"),
                LIGHTWEIGHT,
                _f("稳定支撑", "能在长距离奔跑中稳稳托住足弓"),
                _f("宽楦", "给脚趾留出足够的舒展空间"),
            ),
            ("comfort", "fit", "durability", "weight"),
            ("running_socks", "running_shorts", "gps_running_watch"),
            ("男款", "女款"), ("网面", "飞织", "合成革"),
            _SHOE, _WEAR_SUFFIX, _WEAR_DETAILS, share=1.6,
        ),
        ProductType(
            "trail_running_shoe", "越野跑鞋", "越野跑鞋", ("越野跑鞋", "越野鞋"), 499, 0.3,
            (
                _f("防水", "能在泥泞湿滑的山路上保持双脚干爽"),
                _f("全地形", "配备深齿大底，碎石和泥地都抓得牢"),
                _f("防护", "内置防刺板，挡住尖锐的石块"),
                LIGHTWEIGHT,
            ),
            ("comfort", "fit", "grip", "durability"),
            ("running_socks", "hydration_vest"),
            ("男款", "女款"), ("网面", "防撕裂尼龙", "防水膜"),
            _SHOE, _WEAR_SUFFIX, _WEAR_DETAILS, share=1.4,
        ),
        ProductType(
            "running_socks", "运动袜3双装", "运动袜", ("运动袜", "跑步袜"), 59, 0.25,
            (
                _f("毛巾底", "采用毛巾底设计，缓冲脚跟和脚尖"),
                _f("吸湿排汗", "能迅速带走汗水，防止磨脚起泡"),
                _f("短筒", "采用短筒设计，藏在鞋口以下"),
                _f("压缩", "能在长跑中给小腿适度的压力支撑"),
            ),
            ("comfort", "fit", "durability"),
            ("running_shorts",),
            (), ("美利奴羊毛", "精梳棉", "锦纶"),
            {COLOUR: APPAREL_COLOURS, "尺码": ("S", "M", "L")},
            _WEAR_SUFFIX, _WEAR_DETAILS, text_noun="运动袜",
        ),
        ProductType(
            "running_shorts", "跑步短裤", "运动短裤", ("跑步短裤", "运动短裤"), 129, 0.25,
            (LIGHTWEIGHT, QUICK_DRY, _f("拉链口袋", "带有拉链口袋，钥匙跑起来也不会掉"),
             REFLECTIVE),
            ("comfort", "fit", "durability"),
            ("running_jacket",),
            ("男款", "女款"), ("聚酯纤维", "锦纶", "再生聚酯"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS,
        ),
        ProductType(
            "hydration_vest", "越野跑背心", "跑步背包", ("越野跑背心", "跑步水袋包"), 299, 0.3,
            (LIGHTWEIGHT, _f("防晃", "能紧贴身体，跑起来不晃动"),
             _f("大容量", "能装下两个软水壶和一件外套")),
            ("comfort", "fit", "durability"),
            ("gps_running_watch",),
            (), ("尼龙网布", "再生尼龙"),
            {COLOUR: ("黑色", "蓝色", "橙色", "灰色"), "尺码": ("S/M", "L/XL")},
            _WEAR_SUFFIX, _WEAR_DETAILS, share=0.7,
        ),
        ProductType(
            "gps_running_watch", "GPS运动手表", "运动手表", ("运动手表", "跑步手表", "gps手表"),
            1299, 0.45,
            (
                _f("长续航", "能在一次充电后连续使用两周"),
                _f("心率监测", "能通过手腕实时监测心率"),
                _f("50米防水", "能在50米水深下正常使用"),
                LIGHTWEIGHT,
            ),
            ("battery", "accuracy", "ease_of_use"),
            ("hydration_vest",),
            (), ("硅胶", "不锈钢", "纤维增强聚合物"),
            {COLOUR: ("黑色", "白色", "蓝色", "红色")},
            _COLOUR_SUFFIX, "表带为{颜色}。", text_noun="GPS运动手表", share=0.7,
        ),
        ProductType(
            "running_jacket", "跑步外套", "运动外套", ("跑步外套", "运动外套", "皮肤衣"), 359, 0.3,
            (WINDPROOF, WATERPROOF, REFLECTIVE, _f("可收纳", "能折叠收进自己的口袋")),
            ("fit", "warmth", "durability"),
            ("running_shorts",),
            ("男款", "女款"), ("锦纶", "聚酯纤维", "再生尼龙"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS,
        ),
    ),
    popularity=1.3,
)

CAMPING = Category(
    "露营徒步",
    "运动户外",
    ("峰野", "山岚", "远岫", "营火社", "野迹", "熊掌户外"),
    (
        ProductType(
            "tent", "帐篷", "帐篷", ("帐篷", "露营帐篷", "户外帐篷"), 699, 0.5,
            (
                _f("防暴雨", "能扛住一整夜的大雨"),
                _f("超轻", "收纳后重量不到两公斤"),
                _f("自立式", "能不用地钉几分钟搭好"),
                _f("四季", "能抵御大风和积雪"),
            ),
            ("setup", "durability", "weight"),
            ("sleeping_bag", "sleeping_pad"),
            (), ("防撕裂尼龙", "涤纶", "硅尼龙"),
            {COLOUR: OUTDOOR_COLOURS, "规格": ("单人", "双人", "三人", "四人")},
            _SPEC_SUFFIX, _SPEC_DETAILS, share=1.3,
        ),
        ProductType(
            "sleeping_bag", "睡袋", "睡袋", ("睡袋", "户外睡袋"), 459, 0.45,
            (
                _f("鹅绒", "填充650蓬鹅绒，牢牢锁住温暖"),
                _f("可压缩", "能压缩到一个西瓜大小"),
                _f("三季", "能在零度左右让人保持温暖"),
                _f("防泼水", "能挡住帐篷里的冷凝水"),
            ),
            ("warmth", "weight", "comfort"),
            ("sleeping_pad", "headlamp"),
            (), ("尼龙", "再生聚酯"),
            {COLOUR: OUTDOOR_COLOURS, "规格": ("标准款", "加长款")},
            _SPEC_SUFFIX, _SPEC_DETAILS, share=1.2,
        ),
        ProductType(
            "sleeping_pad", "防潮垫", "防潮垫", ("防潮垫", "睡垫", "露营垫"), 199, 0.4,
            (
                _f("充气", "只需吹十几口气就能充满"),
                _f("隔凉", "能隔绝地面的寒气"),
                _f("超轻", "卷起来比一瓶水还小"),
            ),
            ("comfort", "weight", "durability"),
            ("headlamp", "camping_stove"),
            (), ("尼龙", "闭孔泡棉"),
            {COLOUR: OUTDOOR_COLOURS, "规格": ("标准款", "加宽款")},
            _SPEC_SUFFIX, _SPEC_DETAILS,
        ),
        ProductType(
            "headlamp", "头灯", "头灯", ("头灯", "户外头灯"), 99, 0.35,
            (
                _f("可充电", "支持Type-C接口充电"),
                _f("强光", "能以400流明照亮前方山路"),
                _f("防水", "能在雨中照常工作"),
                _f("红光", "带有红光模式，能保护夜视"),
            ),
            ("brightness", "battery", "comfort"),
            ("camping_stove",),
            (), (),
            {COLOUR: ("黑色", "橙色", "蓝色", "绿色")},
            _COLOUR_SUFFIX, "头带为{颜色}。",
        ),
        ProductType(
            "camping_stove", "户外炉头", "野营炉具", ("户外炉头", "露营炉", "卡式炉"), 199, 0.4,
            (
                _f("便携", "能折叠收进一只杯子里"),
                _f("速沸", "能在三分钟内烧开一升水"),
                _f("防风", "能在大风中保持火焰稳定"),
            ),
            ("ease_of_use", "durability", "weight"),
            ("headlamp",),
            (), ("不锈钢", "钛合金", "铝合金"), share=0.8,
        ),
        ProductType(
            "hiking_backpack", "登山包", "登山包", ("登山包", "户外背包", "徒步背包"), 459, 0.4,
            (
                _f("透气背板", "采用网状背板，背部始终透气"),
                _f("防水", "能在暴雨中护住包内装备"),
                _f("水袋兼容", "能放入三升水袋"),
                LIGHTWEIGHT,
            ),
            ("comfort", "fit", "durability"),
            ("headlamp", "hardshell_jacket"),
            (), ("防撕裂尼龙", "涤纶", "再生尼龙"),
            {COLOUR: OUTDOOR_COLOURS, "容量": ("30升", "45升", "65升")},
            " {颜色} {容量}", "颜色为{颜色}，容量{容量}。",
        ),
        ProductType(
            "hiking_boot", "登山鞋", "登山鞋", ("登山鞋", "徒步鞋"), 599, 0.3,
            (
                _f("防水", "能在涉水时保持双脚干爽"),
                _f("高帮", "能在乱石路上护住脚踝"),
                _f("全地形", "能牢牢抓住湿滑的岩石和碎石"),
                _f("保暖", "能在冬天让脚趾保持温暖"),
            ),
            ("comfort", "fit", "grip", "durability"),
            ("hiking_backpack", "running_socks"),
            ("男款", "女款"), ("头层牛皮", "翻毛皮", "合成革"),
            {COLOUR: ("棕色", "黑色", "灰色", "军绿色"), "尺码": SHOE_SIZES},
            _WEAR_SUFFIX, _WEAR_DETAILS, share=1.2,
        ),
        ProductType(
            "hardshell_jacket", "冲锋衣", "冲锋衣", ("冲锋衣", "户外外套"), 599, 0.4,
            (
                _f("防水透气", "能挡住风雨又不闷汗"),
                _f("三合一", "配有可拆卸的抓绒内胆"),
                WINDPROOF,
            ),
            ("warmth", "fit", "durability"),
            ("hiking_backpack", "hiking_boot"),
            ("男款", "女款"), ("涤纶", "尼龙", "防水复合面料"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS,
        ),
    ),
    popularity=1.1,
)

WOMENSWEAR = Category(
    "女装",
    "服饰鞋包",
    ("素年", "衣澜", "拾光", "云裳阁", "简初", "木棉纪"),
    (
        ProductType(
            "dress", "连衣裙", "连衣裙", ("连衣裙", "裙子"), 299, 0.45,
            (
                _f("法式", "能穿出法式的慵懒浪漫"),
                _f("收腰", "采用收腰剪裁，显瘦又显高"),
                _f("碎花", "印有清新的小碎花"),
                _f("长款", "采用及踝长度，走起路来轻盈飘逸"),
            ),
            ("fit", "style", "fabric"),
            ("cardigan", "handbag"),
            (), ("雪纺", "真丝", "纯棉", "亚麻"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS, share=1.6,
        ),
        ProductType(
            "skirt", "半身裙", "半身裙", ("半身裙", "短裙"), 199, 0.4,
            (
                _f("高腰", "采用高腰设计，拉长腿部比例"),
                _f("A字", "采用A字版型，遮肉又显瘦"),
                _f("百褶", "带有细密的百褶，走动时很灵动"),
            ),
            ("fit", "style", "fabric"),
            ("blouse", "cardigan"),
            (), ("雪纺", "羊毛", "聚酯纤维"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS,
        ),
        ProductType(
            "blouse", "衬衫", "衬衫", ("衬衫", "女士衬衫"), 229, 0.4,
            (
                _f("垂感", "采用垂感面料，穿上挺括不易皱"),
                _f("宽松", "采用宽松版型，遮肉不挑身材"),
                _f("通勤", "能从办公室一直穿到晚餐"),
            ),
            ("fit", "style", "fabric"),
            ("skirt", "jeans"),
            (), ("真丝", "纯棉", "天丝"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS, share=1.2,
        ),
        ProductType(
            "cardigan", "针织开衫", "针织衫", ("针织开衫", "开衫", "毛衣外套"), 259, 0.4,
            (
                _f("软糯", "能带来软糯亲肤的触感"),
                _f("短款", "采用短款设计，搭配高腰裙很显比例"),
                _f("百搭", "能搭配裙子，也能搭配牛仔裤"),
            ),
            ("fit", "style", "fabric"),
            ("dress", "skirt"),
            (), ("羊毛", "羊绒", "腈纶"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS,
        ),
        ProductType(
            "down_jacket", "羽绒服", "羽绒服", ("羽绒服", "女士羽绒服"), 899, 0.45,
            (
                _f("加厚", "能在零下十度的寒风里保持温暖"),
                _f("轻薄", "能轻松收进背包"),
                _f("连帽", "带有可拆卸的帽子"),
                _f("长款", "采用过膝长度，从上到下都暖和"),
            ),
            ("warmth", "fit", "durability"),
            ("cardigan",),
            (), ("白鸭绒", "白鹅绒"),
            _WEAR, _WEAR_SUFFIX, _WEAR_DETAILS, share=1.1,
        ),
        ProductType(
            "jeans", "牛仔裤", "牛仔裤", ("牛仔裤", "女士牛仔裤"), 259, 0.35,
            (
                _f("高腰", "采用高腰设计，修饰腰腹"),
                _f("直筒", "采用直筒版型，修饰腿型"),
                _f("弹力", "带有适度弹力，蹲下也不紧绷"),
            ),
            ("fit", "style", "durability"),
            ("blouse",),
            (), ("纯棉", "棉混纺"),
            {COLOUR: ("浅蓝色", "深蓝色", "黑色", "白色"),
             "尺码": ("25码", "26码", "27码", "28码", "29码", "30码")},
            _WEAR_SUFFIX, _WEAR_DETAILS, share=1.2,
        ),
        ProductType(
            "handbag", "托特包", "女包", ("托特包", "女包", "单肩包"), 399, 0.45,
            (
                _f("大容量", "能装下笔记本电脑和一整天的杂物"),
                _f("百搭", "能搭配通勤装，也能搭配休闲装"),
                _f("轻便", "能背上一整天也不累肩"),
            ),
            ("quality", "durability", "style"),
            ("dress",),
            (), ("头层牛皮", "帆布", "PU皮"),
            {COLOUR: ("黑色", "棕色", "米白色", "红色")},
            _COLOUR_SUFFIX, _COLOUR_DETAILS, share=0.9,
        ),
    ),
    popularity=1.2,
)

SKINCARE = Category(
    "护肤",
    "美妆个护",
    ("露研", "净肌", "澄光", "植萃坊", "水漾", "初颜"),
    (
        ProductType(
            "face_cream", "面霜", "面霜", ("面霜", "保湿霜"), 159, 0.45,
            (
                _f("无香精", "不添加香精，能温和舒缓敏感肌"),
                _f("补水", "含玻尿酸，能长效锁住水分"),
                _f("清爽", "能快速吸收，不油腻"),
                _f("修护", "含神经酰胺，能在夜间修护肌肤屏障"),
            ),
            ("texture", "scent", "results"),
            ("sunscreen",),
            (), (),
            {"肤质": ("干皮", "油皮", "混合皮", "敏感肌"), "容量": ("50ml", "100ml")},
            " 适合{肤质} {容量}", "适合{肤质}使用，{容量}装。", share=1.4,
        ),
        ProductType(
            "serum", "VC精华液", "精华液", ("精华液", "vc精华", "美白精华"), 199, 0.45,
            (
                _f("提亮", "能淡化暗沉和痘印"),
                _f("轻薄", "能迅速渗透，不影响上妆"),
                _f("抗氧", "含维生素E和阿魏酸，帮肌肤抵御氧化"),
            ),
            ("texture", "results", "scent"),
            ("face_cream", "sunscreen"),
            (), (), {"容量": ("15ml", "30ml")},
            " {容量}", "{容量}滴管瓶装。", text_noun="VC精华液",
        ),
        ProductType(
            "cleanser", "洗面奶", "洁面", ("洗面奶", "洁面乳"), 69, 0.4,
            (
                _f("氨基酸", "采用氨基酸配方，洗后不紧绷"),
                _f("绵密泡沫", "能打出绵密泡沫，带走油脂和淡妆"),
                _f("无香精", "能让最敏感的肌肤放心使用"),
            ),
            ("texture", "scent", "results"),
            ("toner", "serum"),
            (), (),
            {"肤质": ("干皮", "油皮", "混合皮", "敏感肌"), "容量": ("120ml", "200ml")},
            " 适合{肤质} {容量}", "适合{肤质}使用，{容量}装。", share=1.2,
        ),
        ProductType(
            "sunscreen", "防晒霜", "防晒", ("防晒霜", "防晒乳"), 129, 0.35,
            (
                _f("纯物理", "采用氧化锌成分，不含化学防晒剂"),
                _f("防水防汗", "能在游泳80分钟后依然有效"),
                _f("不泛白", "能涂抹开后不留白痕"),
            ),
            ("texture", "scent", "results"),
            (), (), (), {"容量": ("50ml", "100ml")},
            " SPF50+ {容量}", "防晒指数SPF50+，{容量}管装。",
        ),
        ProductType(
            "eye_cream", "眼霜", "眼霜", ("眼霜",), 189, 0.45,
            (
                _f("咖啡因", "含咖啡因，能减轻眼周浮肿"),
                _f("紧致", "含多肽，能抚平细纹"),
                _f("冰感", "配有冰感金属按摩头"),
            ),
            ("texture", "results"),
            ("face_cream",),
            (), (), {"容量": ("15ml", "30ml")}, " {容量}", "{容量}软管装。", share=0.7,
        ),
        ProductType(
            "toner", "爽肤水", "化妆水", ("爽肤水", "化妆水"), 99, 0.35,
            (
                _f("焕肤", "含果酸，能温和疏通毛孔"),
                _f("无酒精", "能清爽补水而不刺激"),
                _f("舒缓", "含绿茶精华，能舒缓泛红"),
            ),
            ("scent", "results"),
            ("serum", "face_cream"),
            (), (), {"容量": ("150ml", "200ml")}, " {容量}", "{容量}瓶装。",
        ),
        ProductType(
            "sheet_mask", "面膜", "面膜", ("面膜", "贴片面膜"), 89, 0.35,
            (
                _f("补水", "能让干燥的皮肤喝饱水"),
                _f("舒缓", "能镇静晒后泛红的皮肤"),
                _f("提亮", "能让暗沉的肤色透出光泽"),
            ),
            ("texture", "results", "scent"),
            ("face_cream",),
            (), (), {"规格": ("5片装", "10片装")}, " {规格}", "每盒{规格}。", share=1.1,
        ),
    ),
    popularity=1.2,
)

MAKEUP = Category(
    "彩妆",
    "美妆个护",
    ("朱颜", "绯色", "眉间", "花映", "棱镜", "缪思"),
    (
        ProductType(
            "lipstick", "口红", "口红", ("口红", "唇膏"), 159, 0.4,
            (
                _f("哑光", "能打造丝绒般的哑光质地"),
                _f("持久", "能扛过吃饭和喝咖啡"),
                _f("滋润", "含乳木果油，双唇不干"),
            ),
            ("longwear", "pigment", "texture"),
            ("setting_spray",),
            (), (),
            {COLOUR: ("正红色", "豆沙色", "枫叶红", "奶茶色", "珊瑚色", "梅子色")},
            _COLOUR_SUFFIX, "色号为{颜色}。", share=1.4,
        ),
        ProductType(
            "mascara", "睫毛膏", "睫毛膏", ("睫毛膏",), 99, 0.35,
            (
                _f("浓密", "只需刷两遍就能刷出浓密睫毛"),
                _f("防水", "能防泪防汗不晕染"),
                _f("纤长", "能把每根睫毛从根部拉长"),
            ),
            ("longwear", "ease_of_use"),
            ("eyeshadow_palette",),
            (), (), {COLOUR: ("黑色", "棕色")},
            _COLOUR_SUFFIX, _COLOUR_DETAILS,
        ),
        ProductType(
            "foundation", "粉底液", "粉底", ("粉底液", "粉底"), 259, 0.4,
            (
                _f("遮瑕", "只需一层就能遮住瑕疵"),
                _f("水光", "能带来自然水润的光泽"),
                _f("控油", "能全天控制出油"),
            ),
            ("longwear", "pigment", "texture"),
            ("makeup_brush_set", "setting_spray"),
            (), (), {"色号": ("象牙白", "自然色", "小麦色")},
            " {色号}", "色号为{色号}。", share=1.2,
        ),
        ProductType(
            "eyeshadow_palette", "眼影盘", "眼影", ("眼影盘", "眼影"), 169, 0.4,
            (
                _f("珠光", "搭配了珠光和哑光色"),
                _f("高显色", "只需一抹就能显出真实颜色"),
                _f("易晕染", "能轻松晕染不结块"),
            ),
            ("pigment", "longwear"),
            ("mascara", "makeup_brush_set"),
            (), (), {"色系": ("大地色", "烟熏色", "暖橘色", "粉紫色")},
            " {色系}", "整盘为{色系}系。",
        ),
        ProductType(
            "makeup_brush_set", "化妆刷套装", "化妆刷", ("化妆刷", "刷子套装"), 129, 0.4,
            (
                _f("纤维毛", "采用柔软的人造纤维刷毛"),
                _f("12支装", "能覆盖脸部、眼部和唇部"),
                _f("便携", "配有拉链收纳包"),
            ),
            ("texture", "durability"),
            ("setting_spray",),
            (), ("人造纤维", "竹子"), share=0.8,
        ),
        ProductType(
            "nail_polish", "指甲油", "美甲", ("指甲油",), 39, 0.3,
            (
                _f("速干", "只需六十秒就能干透"),
                _f("光疗感", "能呈现美甲店般的光泽"),
                _f("持久", "能保持一周不剥落"),
            ),
            ("longwear", "pigment"),
            (), (), (),
            {COLOUR: ("正红色", "裸粉色", "粉色", "酒红色", "珊瑚色", "黑色")},
            _COLOUR_SUFFIX, "色号为{颜色}。",
        ),
        ProductType(
            "setting_spray", "定妆喷雾", "定妆", ("定妆喷雾",), 119, 0.35,
            (
                _f("哑光", "能用哑光妆效锁住妆容"),
                _f("补水", "含芦荟，能为肌肤补水"),
            ),
            ("longwear", "scent"),
            (), (), (), {"容量": ("50ml", "100ml")}, " {容量}", "{容量}瓶装。", share=0.6,
        ),
    ),
    popularity=1.1,
)

KITCHEN = Category(
    "厨房用品",
    "家居厨具",
    ("铜匠", "炉火坊", "厨悦", "锋刃", "焙乐", "铁木"),
    (
        ProductType(
            "chefs_knife", "菜刀", "刀具", ("菜刀", "厨师刀"), 199, 0.5,
            (
                _f("锋利", "能把番茄切得薄如纸片"),
                _f("锻打", "由整块钢材锻打而成"),
                _f("人体工学", "配有均衡的刀柄，久切不累手"),
            ),
            ("sharpness", "durability", "comfort"),
            ("cutting_board", "knife_sharpener"),
            (), ("德国钢", "大马士革钢", "陶瓷"),
            {"规格": ("15厘米", "20厘米", "25厘米")}, " {规格}", "刀刃长{规格}。", share=1.3,
        ),
        ProductType(
            "cutting_board", "砧板", "砧板", ("砧板", "菜板"), 129, 0.4,
            (
                _f("双面", "能两面使用，生熟分开"),
                _f("防滑", "底部带有橡胶脚垫"),
                _f("加大", "能放下一整只烤鸡"),
            ),
            ("durability", "ease_of_use"),
            ("knife_sharpener",),
            (), ("竹子", "胡桃木", "相思木", "抗菌塑料"),
            {"规格": ("中号", "大号")}, " {规格}", "尺寸为{规格}。",
        ),
        ProductType(
            "wok", "炒锅", "炒锅", ("炒锅", "不粘锅"), 299, 0.4,
            (
                _f("不粘", "能让煎蛋不放油也不粘锅"),
                _f("电磁炉适用", "能在燃气灶和电磁炉上通用"),
                _f("少油烟", "能让炒菜时的油烟少很多"),
            ),
            ("heating", "durability", "ease_of_use"),
            ("spatula_set",),
            (), ("铸铁", "不锈钢", "精铁"),
            {"规格": ("28厘米", "32厘米", "34厘米")}, " {规格}", "锅口直径{规格}。", share=1.3,
        ),
        ProductType(
            "rice_cooker", "电饭煲", "电饭煲", ("电饭煲", "电饭锅"), 399, 0.4,
            (
                _f("智能预约", "能提前预约，下班到家就有热饭"),
                _f("球釜内胆", "采用球釜内胆，米饭受热均匀"),
                _f("快煮", "能在半小时内煮好一锅饭"),
            ),
            ("taste", "ease_of_use", "durability"),
            ("spatula_set",),
            (), (),
            {COLOUR: ("白色", "黑色", "红色"), "容量": ("3升", "4升", "5升")},
            " {颜色} {容量}", "颜色为{颜色}，容量{容量}。",
        ),
        ProductType(
            "thermos_cup", "保温杯", "水杯", ("保温杯", "水杯"), 129, 0.4,
            (
                _f("长效保温", "能让热水保温一整天"),
                _f("316不锈钢", "采用316不锈钢内胆"),
                _f("便携", "能轻松放进背包侧袋"),
            ),
            ("insulation", "durability", "quality"),
            ("green_tea",),
            (), (),
            {COLOUR: ("黑色", "白色", "粉色", "蓝色", "绿色"), "容量": ("350ml", "500ml")},
            " {颜色} {容量}", "颜色为{颜色}，容量{容量}。", share=1.3,
        ),
        ProductType(
            "spatula_set", "硅胶铲勺套装", "厨具套装", ("锅铲", "硅胶铲"), 59, 0.3,
            (
                _f("耐高温", "能耐受230度高温"),
                _f("可洗碗机", "能直接放进洗碗机清洗"),
            ),
            ("durability", "ease_of_use"),
            (), (), ("硅胶", "硅胶和木头"),
            {COLOUR: ("灰色", "红色", "黑色", "薄荷绿")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
            text_noun="铲勺套装", share=0.7,
        ),
        ProductType(
            "knife_sharpener", "磨刀器", "磨刀器", ("磨刀器", "磨刀石"), 59, 0.4,
            (
                _f("三段式", "能在三个槽里完成粗磨、细磨和抛光"),
                _f("双面磨石", "采用1000/6000目双面磨石"),
            ),
            ("sharpness", "ease_of_use"),
            (), (), ("陶瓷", "金刚石", "刚玉"), share=0.6,
        ),
        ProductType(
            "air_fryer", "空气炸锅", "空气炸锅", ("空气炸锅",), 399, 0.4,
            (
                _f("大容量", "能一次烤下一整只鸡"),
                _f("可视窗", "带有可视窗，不用开锅就能看火候"),
                _f("无油", "能不放油也炸得金黄酥脆"),
            ),
            ("heating", "noise", "ease_of_use"),
            ("spatula_set",),
            (), (),
            {COLOUR: ("白色", "黑色", "奶油色"), "容量": ("4升", "5升", "6升")},
            " {颜色} {容量}", "颜色为{颜色}，容量{容量}。", share=1.2,
        ),
    ),
    popularity=1.0,
)

TEA_COFFEE = Category(
    "茶叶咖啡",
    "食品饮料",
    ("山茗", "云岭茶仓", "晨焙", "豆研社", "高山杯", "一叶"),
    (
        ProductType(
            "green_tea", "绿茶", "绿茶", ("绿茶", "新茶"), 169, 0.35,
            (
                _f("明前", "采摘自清明前的头批嫩芽"),
                _f("有机", "通过了有机认证"),
                _f("高山", "产自海拔千米以上的高山茶园"),
            ),
            ("taste", "aroma", "freshness"),
            ("tea_set",),
            (), (),
            {"品种": ("龙井", "碧螺春", "毛峰", "毛尖"), "规格": ("100克", "250克")},
            " {品种} {规格}", "品种为{品种}，{规格}罐装。", share=1.4,
        ),
        ProductType(
            "pu_erh", "普洱茶", "普洱", ("普洱茶", "普洱"), 199, 0.45,
            (
                _f("熟茶", "经过渥堆发酵，口感醇厚"),
                _f("古树", "选用百年古树的茶叶"),
                _f("陈年", "存放了五年以上"),
            ),
            ("taste", "aroma", "freshness"),
            ("tea_set",),
            (), (), {"规格": ("357克饼", "100克沱")}, " {规格}", "规格为{规格}。",
        ),
        ProductType(
            "coffee_beans", "咖啡豆", "咖啡豆", ("咖啡豆",), 89, 0.35,
            (
                _f("单一产地", "来自高原上的单一庄园"),
                _f("有机", "通过了有机认证"),
                _f("公平贸易", "以公平贸易价格采购"),
            ),
            ("taste", "aroma", "freshness"),
            ("coffee_grinder",),
            (), (),
            {"烘焙度": ("浅烘", "中烘", "深烘"), "规格": ("250克", "500克", "1千克")},
            " {烘焙度} {规格}", "{烘焙度}焙，{规格}袋装。", share=1.5,
        ),
        ProductType(
            "drip_coffee", "挂耳咖啡", "挂耳咖啡", ("挂耳咖啡", "挂耳"), 59, 0.35,
            (
                _f("现磨", "在出厂前现磨现封"),
                _f("低因", "经过瑞士水处理法脱去咖啡因"),
                _f("意式拼配", "采用意式拼配豆"),
            ),
            ("taste", "aroma", "freshness"),
            ("pour_over",),
            (), (),
            {"烘焙度": ("浅烘", "中烘", "深烘"), "规格": ("10包", "20包")},
            " {烘焙度} {规格}", "{烘焙度}焙，每盒{规格}。",
        ),
        ProductType(
            "coffee_grinder", "磨豆机", "磨豆机", ("磨豆机", "咖啡研磨机"), 399, 0.6,
            (
                _f("锥刀", "采用锥形钢刀盘，研磨均匀"),
                _f("静音", "能安静研磨，不会吵醒家人"),
                _f("40档", "提供从意式到法压的四十档研磨粗细"),
            ),
            ("noise", "ease_of_use", "durability"),
            ("coffee_beans", "pour_over"),
            (), ("不锈钢", "陶瓷"),
            {COLOUR: ("黑色", "银色", "白色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS, share=1.1,
        ),
        ProductType(
            "pour_over", "手冲咖啡壶", "手冲器具", ("手冲壶", "手冲咖啡"), 159, 0.35,
            (
                _f("耐热玻璃", "采用耐热玻璃，能看清每一次闷蒸"),
                _f("免滤纸", "配有可重复使用的不锈钢滤网"),
            ),
            ("ease_of_use", "durability", "taste"),
            ("coffee_grinder", "coffee_beans"),
            (), ("高硼硅玻璃", "陶瓷"), share=0.7,
        ),
        ProductType(
            "tea_set", "功夫茶具套装", "茶具", ("茶具", "功夫茶具"), 299, 0.4,
            (
                _f("手绘", "采用手工绘制的青花图案"),
                _f("便携", "配有旅行收纳包"),
                _f("一壶四杯", "配有一只茶壶和四只品茗杯"),
            ),
            ("quality", "durability"),
            ("green_tea", "pu_erh"),
            (), ("陶瓷", "紫砂", "玻璃"), text_noun="茶具套装",
        ),
        ProductType(
            "espresso_machine", "意式咖啡机", "咖啡机", ("咖啡机", "意式咖啡机"), 1999, 0.5,
            (
                _f("15bar", "能以15bar压力萃取浓郁咖啡"),
                _f("蒸汽奶泡", "配有蒸汽棒，能打出细腻奶泡"),
                _f("小巧", "能放进橱柜下方"),
            ),
            ("taste", "ease_of_use", "durability", "noise"),
            ("coffee_beans", "coffee_grinder"),
            (), ("不锈钢", "拉丝铝"),
            {COLOUR: ("黑色", "银色", "红色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS, share=0.8,
        ),
    ),
    popularity=1.0,
)

OFFICE = Category(
    "办公文具",
    "办公用品",
    ("纸言", "桌语", "墨研", "办公匠", "简格", "笔记社"),
    (
        ProductType(
            "notebook", "笔记本", "本册", ("笔记本", "手账本"), 29, 0.35,
            (
                _f("点阵", "采用点阵内页，方便列清单和画草图"),
                _f("平摊", "能完全平摊在桌面上"),
                _f("不洇墨", "采用厚纸，钢笔书写也不洇墨"),
            ),
            ("quality", "durability"),
            ("gel_pen",),
            (), ("再生纸", "素食皮革"),
            {COLOUR: ("黑色", "藏青色", "绿色", "红色"), "规格": ("A5", "A4")},
            _SPEC_SUFFIX, _SPEC_DETAILS, share=1.4,
        ),
        ProductType(
            "gel_pen", "中性笔套装", "笔类", ("中性笔", "签字笔"), 25, 0.35,
            (
                _f("0.5mm", "能写出清晰的0.5毫米线条"),
                _f("速干", "能让墨水速干不蹭手"),
                _f("按动", "能按动收回笔尖，不弄脏包"),
            ),
            ("ease_of_use", "durability"),
            ("sticky_notes",),
            (), (), {COLOUR: ("黑色", "蓝色", "红色")}, _COLOUR_SUFFIX, "墨水为{颜色}。",
            text_noun="中性笔套装", share=1.2,
        ),
        ProductType(
            "desk_organizer", "桌面收纳盒", "收纳用品", ("收纳盒", "桌面收纳"), 59, 0.4,
            (_f("多格", "能把笔、便签和数据线分开放"),
             _f("旋转", "能旋转取用每一格")),
            ("quality", "durability"),
            ("sticky_notes",),
            (), ("竹子", "金属网", "亚克力"), share=0.8,
        ),
        ProductType(
            "office_chair", "人体工学椅", "办公椅", ("人体工学椅", "办公椅", "电脑椅"), 1299, 0.4,
            (
                _f("腰托", "能在久坐时托住腰部"),
                _f("透气网背", "采用网布靠背，久坐不闷热"),
                _f("多向调节", "能调节高度、扶手和倾仰"),
            ),
            ("comfort", "durability", "setup"),
            ("standing_desk", "desk_lamp"),
            (), ("网布", "布艺", "超纤皮"),
            {COLOUR: ("黑色", "灰色", "白色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
        ),
        ProductType(
            "standing_desk", "电动升降桌", "升降桌", ("升降桌", "电动升降桌"), 1599, 0.4,
            (
                _f("双电机", "采用双电机，升降平稳安静"),
                _f("记忆", "能记住三个常用高度"),
            ),
            ("setup", "durability", "ease_of_use"),
            ("desk_lamp",),
            (), ("钢架", "实木"),
            {COLOUR: ("黑色", "白色", "原木色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS, share=0.6,
        ),
        ProductType(
            "desk_lamp", "护眼台灯", "台灯", ("台灯", "护眼灯"), 199, 0.4,
            (
                _f("无频闪", "能提供无频闪的柔和光线"),
                _f("调光", "能在五档亮度间调节"),
                _f("USB充电", "能通过底座给手机充电"),
            ),
            ("brightness", "ease_of_use", "durability"),
            (), (), ("铝合金", "ABS塑料"),
            {COLOUR: ("黑色", "白色", "银色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
        ),
        ProductType(
            "stapler", "订书机", "订书机", ("订书机",), 29, 0.35,
            (_f("省力", "能一次轻松订四十页"),
             _f("防卡钉", "能连续装订而不卡钉")),
            ("durability", "ease_of_use"),
            (), (), ("金属", "塑料"),
            {COLOUR: ("黑色", "红色", "蓝色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS, share=0.5,
        ),
        ProductType(
            "sticky_notes", "便利贴", "便签", ("便利贴", "便签"), 15, 0.3,
            (_f("强粘", "能牢牢贴在墙上和显示器上"),
             _f("环保", "由再生纸制成")),
            ("quality",),
            (), (), (),
            {COLOUR: ("黄色", "马卡龙色", "荧光色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
            share=0.7,
        ),
    ),
    popularity=0.8,
)

DIGITAL = Category(
    "数码配件",
    "数码",
    ("电驰", "极充", "声澜", "芯途", "袋电", "听云"),
    (
        ProductType(
            "phone_case", "手机壳", "手机壳", ("手机壳",), 49, 0.4,
            (
                _f("防摔", "能扛住两米高处的跌落"),
                _f("超薄", "几乎不增加手机厚度"),
                _f("磁吸", "能吸附磁吸充电器和支架"),
            ),
            ("durability", "fit", "quality"),
            ("screen_protector", "charger"),
            (), ("硅胶", "TPU", "皮革"),
            {COLOUR: ("黑色", "透明", "蓝色", "粉色", "绿色"), "规格": ("6.1英寸", "6.7英寸")},
            _SPEC_SUFFIX, "颜色为{颜色}，适用于{规格}手机。", share=1.5,
        ),
        ProductType(
            "charger", "充电器", "充电器", ("充电器", "快充头", "充电头"), 99, 0.4,
            (
                _f("65W", "能满速给笔记本电脑充电"),
                _f("快充", "能在三十分钟内把手机充到一半"),
                _f("折叠插脚", "配有可折叠的插脚，方便出差携带"),
            ),
            ("charging", "durability"),
            ("cable",),
            (), (), {COLOUR: ("白色", "黑色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS, share=1.1,
        ),
        ProductType(
            "earbuds", "蓝牙耳机", "耳机", ("蓝牙耳机", "无线耳机", "耳机"), 299, 0.5,
            (
                _f("降噪", "能隔绝地铁和办公室的噪音"),
                _f("运动防汗", "能在高强度运动中照常播放"),
                _f("长续航", "配合充电盒可以续航三十小时"),
            ),
            ("sound", "battery", "fit"),
            ("power_bank", "cable"),
            (), (), {COLOUR: ("黑色", "白色", "蓝色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
            share=1.4,
        ),
        ProductType(
            "power_bank", "充电宝", "移动电源", ("充电宝", "移动电源"), 129, 0.4,
            (
                _f("20000毫安", "能给手机充满四次"),
                _f("超薄", "能轻松放进裤兜"),
                _f("快充", "只需三小时就能给自己充满"),
            ),
            ("battery", "charging", "weight"),
            ("cable",),
            (), (), {COLOUR: ("黑色", "白色", "蓝色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
        ),
        ProductType(
            "cable", "数据线", "数据线", ("数据线", "充电线"), 29, 0.35,
            (_f("编织", "采用编织线身，不易断裂"),
             _f("快充", "能承载100瓦功率")),
            ("durability", "charging"),
            (), (), ("编织尼龙", "TPE"),
            {"规格": ("1米", "2米", "3米")}, " {规格}", "线长{规格}。",
        ),
        ProductType(
            "laptop_sleeve", "电脑内胆包", "电脑包", ("电脑包", "内胆包"), 89, 0.35,
            (_f("防泼水", "能挡住洒出的饮料和毛毛雨"),
             _f("加厚", "能缓冲磕碰，保护电脑")),
            ("fit", "durability", "quality"),
            ("charger",),
            (), ("潜水料", "毛毡", "帆布"),
            {COLOUR: ("黑色", "灰色", "藏青色"), "规格": ("13英寸", "15英寸")},
            _SPEC_SUFFIX, "颜色为{颜色}，适用于{规格}笔记本。",
        ),
        ProductType(
            "speaker", "蓝牙音箱", "音箱", ("蓝牙音箱", "音箱"), 199, 0.45,
            (
                _f("防水", "能漂在泳池里继续播放"),
                _f("重低音", "能用小巧的机身发出浑厚低音"),
                _f("12小时", "充一次电就能播放十二小时"),
            ),
            ("sound", "battery", "durability"),
            ("power_bank",),
            (), (), {COLOUR: ("黑色", "红色", "蓝色", "青色")}, _COLOUR_SUFFIX, _COLOUR_DETAILS,
            share=0.9,
        ),
        ProductType(
            "screen_protector", "钢化膜2片装", "手机贴膜", ("钢化膜", "手机膜"), 29, 0.3,
            (_f("防刮", "能防止钥匙和沙粒刮花屏幕"),
             _f("防窥", "能挡住侧面的视线")),
            ("ease_of_use", "durability"),
            (), (), ("钢化玻璃",),
            {"规格": ("6.1英寸", "6.7英寸")}, " {规格}", "适用于{规格}手机。",
            text_noun="钢化膜", share=0.8,
        ),
    ),
    popularity=1.1,
)

TOYS = Category(
    "玩具",
    "母婴玩具",
    ("乐智", "小镇童年", "积木花园", "奇妙盒", "小豆苗", "趣工坊"),
    (
        ProductType(
            "building_blocks", "积木套装", "积木", ("积木", "拼装积木"), 199, 0.5,
            (
                _f("500颗粒", "包含五百块积木"),
                _f("STEM", "能在游戏中学习简单的工程原理"),
                _f("兼容", "兼容主流积木品牌"),
            ),
            ("fun", "quality", "safety"),
            ("wooden_train",),
            ("儿童",), ("ABS塑料",),
            {"适用年龄": ("3岁以上", "6岁以上", "8岁以上")}, " {适用年龄}",
            "适合{适用年龄}的孩子。", share=1.3,
        ),
        ProductType(
            "plush_toy", "毛绒公仔", "毛绒玩具", ("毛绒玩具", "玩偶", "公仔"), 79, 0.4,
            (_f("超柔软", "软到可以抱着睡觉"),
             _f("可机洗", "能直接放进洗衣机清洗")),
            ("quality", "safety"),
            (), ("儿童",), ("短毛绒", "有机棉"),
            {COLOUR: ("棕色", "米白色", "粉色", "灰色"), "规格": ("30厘米", "50厘米")},
            _SPEC_SUFFIX, "颜色为{颜色}，高{规格}。",
        ),
        ProductType(
            "jigsaw_puzzle", "拼图", "拼图", ("拼图",), 59, 0.35,
            (_f("1000片", "包含一千块精准切割的拼片"),
             _f("大块", "采用大块拼片，全家都能一起玩")),
            ("quality", "fun"),
            ("board_game",),
            (), ("再生纸板",),
            {"适用年龄": ("5岁以上", "8岁以上", "12岁以上")}, " {适用年龄}",
            "适合{适用年龄}的孩子。",
        ),
        ProductType(
            "rc_car", "遥控车", "遥控玩具", ("遥控车", "遥控汽车"), 199, 0.45,
            (_f("越野", "能翻越石块和草地"),
             _f("可充电", "配有两块可充电电池"),
             _f("高速", "能跑出每小时30公里的高速")),
            ("fun", "battery", "durability"),
            (), ("儿童",), ("ABS塑料",),
            {COLOUR: ("红色", "蓝色", "绿色", "橙色"), "适用年龄": ("6岁以上", "8岁以上")},
            " {颜色} {适用年龄}", "颜色为{颜色}，适合{适用年龄}的孩子。", share=1.1,
        ),
        ProductType(
            "art_kit", "绘画套装", "美术用品", ("绘画套装", "儿童画笔"), 99, 0.4,
            (_f("可水洗", "使用能从衣服上洗掉的颜料"),
             _f("150件", "装满了颜料、画笔和画纸")),
            ("fun", "quality", "safety"),
            ("jigsaw_puzzle",),
            ("儿童",), (), {"适用年龄": ("4岁以上", "6岁以上", "8岁以上")}, " {适用年龄}",
            "适合{适用年龄}的孩子。",
        ),
        ProductType(
            "board_game", "桌游", "桌游", ("桌游", "桌面游戏"), 129, 0.35,
            (_f("合作", "让所有人一起对抗游戏"),
             _f("策略", "奖励提前规划的玩家")),
            ("fun", "quality"),
            ("jigsaw_puzzle",),
            (), ("纸板",),
            {"适用年龄": ("6岁以上", "8岁以上", "10岁以上")}, " {适用年龄}",
            "适合{适用年龄}的玩家。", share=1.1,
        ),
        ProductType(
            "wooden_train", "木质轨道火车", "轨道玩具", ("小火车", "轨道玩具"), 259, 0.4,
            (_f("80件", "配有八十节轨道"),
             _f("磁吸", "用磁铁连接每节车厢")),
            ("fun", "quality", "safety"),
            ("building_blocks",),
            ("儿童",), ("榉木", "松木"),
            {"适用年龄": ("3岁以上", "4岁以上")}, " {适用年龄}", "适合{适用年龄}的孩子。",
        ),
    ),
    popularity=0.9,
)

CATEGORIES: tuple[Category, ...] = (
    RUNNING, CAMPING, WOMENSWEAR, SKINCARE, MAKEUP, KITCHEN, TEA_COFFEE, OFFICE, DIGITAL, TOYS,
)
# fmt: on


def product_types() -> dict[str, ProductType]:
    """Every product type by key."""
    return {t.key: t for c in CATEGORIES for t in c.types}
