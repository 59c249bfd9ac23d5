"""The demo city's comments: what its citizens write after rating a unit (seeded, varied).

Each district and department has its own matters — complaints and praise — so that keywords
differ between units; dissatisfied respondents comment more often and complain, satisfied ones
praise. A few comments carry a phone number, an ID card number, a licence plate, an e-mail
address or a bank card number (masked before anyone reads them), and many carry ordinary
numbers — dates, amounts, house numbers, the 12345 hotline — that stay as written.
"""

from __future__ import annotations

import numpy as np

#: Probability of a comment after a rating, by the overall item's option index (0 = 非常满意 …
#: 4 = 很不满意, 5 = 说不清).
COMMENT_RATE = (0.15, 0.10, 0.12, 0.45, 0.60, 0.03)

_DISTRICT_COMPLAINTS = (
    "老旧小区改造进度太慢，楼道墙皮脱落也没人管", "小区周边停车位太少，晚上只能停在路边",
    "学校门口上下学时段堵车严重", "菜市场环境脏乱，地面到处是积水", "路灯坏了一个多月都没修",
    "公交线路太少，等车要半个小时", "垃圾分类只是喊口号，清运不及时", "夜市噪音扰民到凌晨",
    "道路施工围挡半年了还没完工", "社区医院看病排队时间太长", "物业不作为，投诉到社区也没用",
    "下雨天路面积水，出门很不方便", "办事窗口少，排队要两个多小时", "养老服务跟不上，老人没人照顾",
)
_DISTRICT_PRAISE = (
    "社区网格员经常上门，有事找得到人", "这两年街道干净了很多", "新修的公园环境很好，晚上散步很舒服",
    "便民服务中心一次就办好了", "社区工作人员服务态度好", "背街小巷改造得很漂亮",
)
#: District → its own matters (complaint, praise).
_DISTRICT_MATTERS = {
    "D01": (("东湖片区拆迁安置房迟迟不交房", "地铁施工导致交通拥堵"), ("东湖公园改造后很漂亮",)),
    "D02": (("西街农贸市场占道经营严重", "老城区供水管网老化经常停水"), ("西街老街区改造保留了老味道",)),
    "D03": (("高新区企业多但配套学校不够", "上班高峰期园区道路拥堵"), ("政务服务一网通办很方便", "营商环境越来越好")),
    "D04": (("临江路夜宵摊油烟扰民", "江边步道照明不足晚上不安全"), ("滨江绿道修得不错",)),
    "D05": (("青山片区山体滑坡隐患没人处理", "乡镇卫生院缺医生"), ("青山景区门票免费很暖心",)),
    "D06": (("安宁县城到乡镇的客运班车太少", "农村道路坑洼不平"), ("县政务中心工作人员耐心",)),
    "D07": (("云溪河水质变差，有异味", "旅游旺季县城堵得走不动"), ("云溪古镇保护得很好", "乡村旅游带动了村民增收")),
    "D08": (("平川县自来水经常停水", "农村道路坑洼不平，雨天没法走", "村里垃圾没人收"), ("扶贫干部很负责",)),
    "D09": (("石门县看病要跑到市里", "县城停车收费乱"), ("石门县新建的图书馆很好",)),
    "D10": (("清河县企业拖欠农民工工资没人管", "河道采砂管理混乱"), ("清河湿地公园环境很好",)),
    "D11": (("南屏县冬天供暖不足", "乡镇学校留不住老师"), ("南屏县便民服务站就在家门口",)),
    "D12": (("北岭县城乡公交班次太少", "北岭县医院设备落后，看病要去市里", "冬天供暖不足，家里很冷"),
            ("北岭县干部下乡比以前多了",)),
}
#: Department → (complaints, praise).
_DEPARTMENT_MATTERS = {
    "E01": (("项目审批材料要求太多", "政策解读不够通俗"), ("重点项目推进快",)),
    "E02": (("中小企业扶持政策申请门槛高", "宽带网络农村覆盖差"), ("企业服务专员上门解决问题",)),
    "E03": (("惠企补贴资金拨付太慢", "财政票据电子化还不完善"), ("补贴资金按时到账",)),
    "E04": (("不动产登记要跑好几个窗口", "不动产证办了三个月还没拿到", "规划公示看不懂"),
            ("不动产登记一窗受理很方便",)),
    "E05": (("物业管理乱象没人监管", "老旧小区加装电梯审批难", "商品房延期交房维权无门", "建筑工地夜间施工扰民"),
            ("保障性住房分配公开透明",)),
    "E06": (("公交线路调整不征求意见", "出租车拒载绕路", "网约车管理混乱"), ("新开通的公交专线很方便", "公交车准点了很多")),
    "E07": (("防洪堤年久失修", "农田灌溉渠道堵塞没人清"), ("河道治理效果明显",)),
    "E08": (("农业补贴发放不透明", "农产品销售渠道少"), ("农技员下乡指导种植很管用", "高标准农田建设好")),
    "E09": (("商场促销价格欺诈", "外卖平台乱收费"), ("消费券发放很实惠",)),
    "E10": (("景区门票太贵", "旅游旺季景区服务跟不上", "图书馆开放时间太短"), ("文化惠民演出很精彩", "博物馆免费开放很好")),
    "E11": (("网购投诉处理太慢", "食品安全检查走过场", "预付卡商家跑路维权难", "菜市场缺斤短两"),
            ("营业执照当天就拿到了", "12315投诉处理及时")),
    "E12": (("统计调查问卷太频繁",), ("统计数据公开及时",)),
    "E13": (("审计结果公开不够",), ("审计整改落实到位",)),
    "E14": (("网上办事系统经常卡顿", "一窗通办有些事项还要跑几趟"), ("一窗通办很方便，半小时就办好了", "帮办代办服务很贴心", "审批时限大大缩短")),
    "E15": (("个税APP操作复杂", "发票系统经常登录不上"), ("退税到账很快", "办税服务厅人员耐心")),
    "S01": (("学位紧张，孩子上学要摇号", "课外负担还是很重", "校车安全管理不到位", "择校乱收费"),
            ("义务教育免费午餐很好", "课后服务解决了接孩子难")),
    "S02": (("派出所办户口手续繁琐", "电信诈骗立案后没有进展", "小区电动车被盗没人管"),
            ("身份证加急办理很快", "交警疏导交通很辛苦", "民警出警及时")),
    "S03": (("低保审核太严", "养老院床位一床难求", "婚姻登记要预约很久"), ("高龄补贴按时发放", "社区养老服务不错")),
    "S04": (("法律援助申请难", "调解走形式"), ("公证处办事效率高",)),
    "S05": (("社保转移接续太麻烦", "养老金调整太少", "拖欠工资投诉没结果", "医保异地报销手续复杂"),
            ("社保卡补办当场拿到", "就业培训很实用")),
    "S06": (("工厂夜间偷排废气，气味刺鼻", "河道有异味，鱼都死了", "噪音扰民投诉没人管", "空气质量差"),
            ("蓝天多了", "河道治理后水变清了")),
    "S07": (("医院挂号难，专家号抢不到", "看病贵，检查项目太多", "急诊等候时间太长"),
            ("家庭医生签约服务好", "医生态度很好")),
    "S08": (("消防通道被占用没人管",), ("应急演练很有必要", "暴雨预警很及时")),
    "S09": (("医保报销比例低", "异地就医备案麻烦", "药品目录更新慢"), ("医保电子凭证很方便", "门诊统筹减轻了负担")),
    "S10": (("退役安置政策落实慢",), ("光荣牌挂到家门口很暖心", "退役军人服务站热情")),
    "S11": (("城管执法态度粗暴", "小贩占道经营严重", "夜市油烟噪音扰民", "违章搭建没人拆", "共享单车乱停乱放",
             "垃圾清运不及时，夏天臭味很大"), ("背街小巷干净了很多",)),
    "S12": (("信访件回复慢，转来转去没人负责", "反映的问题一直没解决", "接访人员态度敷衍"), ("领导接访认真",)),
    "S13": (("公积金提取材料太多", "公积金贷款额度太低", "公积金贷款审批慢"), ("公积金提取线上就能办", "公积金提取三天到账")),
    "S14": (("林区防火巡查不到位",), ("植树造林成效明显", "森林公园环境好")),
    "S15": (("科技项目申报流程复杂",), ("科技特派员帮了大忙",)),
}
_DETAILS = (
    "打了12345热线也没人管", "反映了三次都没有回音", "来回跑了好几趟", "等了两个多小时",
    "从3月15日反映到现在", "网上留言一个月没回复", "已经拖了大半年", "问了几个窗口都说不归他们管",
    "去年就反映过", "邻居们意见都很大",
)
_REQUESTS = ("希望尽快解决。", "建议加强监管。", "希望能有个说法。", "请相关部门重视。", "希望改进。", "")
_OPENERS = ("", "", "", "说实话，", "反映一个问题：", "作为老百姓，", "我想说，")
_PRAISE_ENDINGS = ("点个赞！", "希望继续保持。", "辛苦了。", "比以前好多了。", "", "")
_NEUTRAL = ("总体还行，就是{matter}。", "一般吧，{matter}，希望改进。", "有进步，但{matter}。")
_ORDINARY_NUMBERS = (
    "我住在幸福路88号3栋2单元501", "2026年9月3日去办的", "花了1200元", "排了40分钟",
    "小区有2000多户", "一年交了3600元物业费",
)


def _mobile(rng: np.random.Generator) -> str:
    return f"1{rng.choice(['38', '39', '58', '59', '86', '77'])}{int(rng.integers(10_000_000, 99_999_999))}"


def _id_card(rng: np.random.Generator) -> str:
    year, month, day = int(rng.integers(1950, 2005)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    tail = f"{int(rng.integers(100, 999))}{rng.choice(list('0123456789X'))}"
    return f"510{int(rng.integers(100, 999))}{year}{month:02d}{day:02d}{tail}"


def _luhn_card(rng: np.random.Generator) -> str:
    digits = [6, 2, 2, 2] + [int(d) for d in rng.integers(0, 10, 14)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += (d * 2 - 9 if d > 4 else d * 2) if i % 2 == 0 else d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _identifier(rng: np.random.Generator) -> str:
    """A sentence with a personal identifier (the redaction masks it)."""
    kind = rng.choice(["mobile", "mobile", "landline", "id", "id", "plate", "email", "card"])
    if kind == "mobile":
        return f"我的电话{_mobile(rng)}，欢迎回访。"
    if kind == "landline":
        return f"可以打我家座机028-{int(rng.integers(81_000_000, 89_999_999))}。"
    if kind == "id":
        return f"我的身份证号是{_id_card(rng)}，可以查办理记录。"
    if kind == "plate":
        letters = "ABCDEFGHJK"
        return f"我的车川{letters[int(rng.integers(0, 10))]}{int(rng.integers(10_000, 99_999))}被贴了罚单。"
    if kind == "email":
        return f"回复请发邮件到citizen{int(rng.integers(100, 999))}@example.cn。"
    return f"补贴打到银行卡{_luhn_card(rng)}一直没到账。"


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _main_first(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    """One of ``options``, the first ones much more often (a unit's main matters stand out)."""
    odds = 1.0 / np.arange(1, len(options) + 1)
    return options[int(rng.choice(len(options), p=odds / odds.sum()))]


def _matters(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if code in _DEPARTMENT_MATTERS:
        return _DEPARTMENT_MATTERS[code]
    own_bad, own_good = _DISTRICT_MATTERS.get(code, ((), ()))
    return own_bad + _DISTRICT_COMPLAINTS, own_good + _DISTRICT_PRAISE


def demo_comment(rng: np.random.Generator, unit_code: str, option_index: int) -> str:
    """A comment about ``unit_code`` by a respondent who chose ``option_index`` overall."""
    complaints, praise = _matters(unit_code)
    if option_index in (0, 1):
        text = _main_first(rng, praise) + "，" + _pick(rng, _PRAISE_ENDINGS)
    elif option_index == 2 or option_index > 4:
        text = _pick(rng, _NEUTRAL).format(matter=_main_first(rng, complaints))
    else:
        text = (_pick(rng, _OPENERS) + _main_first(rng, complaints) + "，" + _pick(rng, _DETAILS) + "，"
                + _pick(rng, _REQUESTS))
    text = text.rstrip("，")
    if rng.random() < 0.15:
        text = _pick(rng, _ORDINARY_NUMBERS) + "，" + text
    if rng.random() < 0.03:
        text += _identifier(rng)
    return text


def demo_comments(seed: int, unit_codes: list[str], rated_unit: np.ndarray, overall_index: np.ndarray
                  ) -> dict[int, str]:
    """Rating row → comment for the ratings that get one (dissatisfied ones more often)."""
    rng = np.random.default_rng(seed)
    rate = np.asarray(COMMENT_RATE)[np.clip(overall_index, 0, len(COMMENT_RATE) - 1)]
    chosen = np.flatnonzero(rng.random(rated_unit.size) < rate)
    return {int(r): demo_comment(rng, unit_codes[rated_unit[r]], int(overall_index[r])) for r in chosen}
