"""Benchmark of the comments explorer (issue 16): 100,000 comments of 42 units, with a previous period.

Synthetic but realistic Chinese comments: each unit (the demo city's 12 districts and 30
departments) leans towards a few of 16 civic-service topics; a comment is one to three clauses
drawn from the topic's complaint or praise phrases (complaints for dissatisfied respondents),
with place names, durations, counts and object slots filled in, sometimes a suggestion, often just
"满意" or "没意见", now and then a phone or ID number. The previous period has the same size and a
different topic mix (parking, heating, the hotline rise in some units). Survey weights are
log-normal. Everything comes from ``numpy.random.default_rng(SEED)``.

Timed: ``analyse(current, previous)`` with a fresh Segmenter (so jieba's start-up counts):
segmentation of 200,000 comments, keywords, dissatisfied/satisfied log-odds and rising themes for
every unit (the figure on the last line). Also timed: redaction of the 100,000 comments, the
segmentation alone, and a worst case where no phrase recurs (a random number glued to every
phrase, so the segmenter's phrase cache never hits and jieba cuts all 200,000 comments). Peak memory is the process's peak RSS
(``resource.getrusage``) at the end, generation and the worst case included.

Run: ``.venv/bin/python bench/comments_bench.py``. The last line is a summary for scripts.
"""

from __future__ import annotations

import os
import pathlib
import resource
import sys
import time
from dataclasses import dataclass

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.comments.corpus import term_matrix  # noqa: E402
from analysis.comments.explore import Comment, analyse  # noqa: E402
from analysis.comments.redact import redact  # noqa: E402
from analysis.comments.segment import Segmenter  # noqa: E402

SEED = 20260416
N = 100_000
DISTRICTS = ["城东区", "城西区", "高新区", "临江区", "青山区", "安宁县", "云溪县", "平川县", "石门县",
             "清河县", "南屏县", "北岭县"]
DEPARTMENTS = [
    "市发展和改革委员会", "市经济和信息化局", "市财政局", "市自然资源和规划局", "市住房和城乡建设局",
    "市交通运输局", "市水利局", "市农业农村局", "市商务局", "市文化广电旅游局", "市市场监督管理局",
    "市统计局", "市审计局", "市行政审批服务局", "市税务局", "市教育局", "市公安局", "市民政局",
    "市司法局", "市人力资源和社会保障局", "市生态环境局", "市卫生健康委员会", "市应急管理局",
    "市医疗保障局", "市退役军人事务局", "市城市管理局", "市信访局", "市住房公积金管理中心",
    "市林业局", "市科学技术局",
]
UNITS = DISTRICTS + DEPARTMENTS
STREETS = ["东湖街道", "滨江路", "人民南路", "建设北路", "新华街", "光明社区", "幸福小区", "和平里",
           "石桥镇", "河西村", "工业园区", "火车站", "体育中心", "老城区", "开发区", "翠湖花园"]
DURATIONS = ["两个小时", "半天", "一上午", "一个多小时", "三个星期", "一个月", "好几天", "四十分钟"]
TIMES = ["三次", "好几趟", "五六次", "两回", "很多次"]
PAPERS = ["户口本", "结婚证", "收入证明", "房产证", "营业执照", "社保缴费证明", "居住证明", "无犯罪记录证明"]

#: topic → (complaint phrases, praise phrases, suggestion phrases)
TOPICS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "queue": (["在{street}的办事大厅排队{dur}才轮到", "窗口太少排队{dur}", "叫号系统经常出错，排队排了{dur}",
               "取号以后等了{dur}，中午窗口还不开"],
              ["不用排队，取号很快就办好了", "窗口开得多，基本不用等"],
              ["增加窗口，午休时间也安排人值班", "推行预约办理减少排队"]),
    "attitude": (["工作人员态度冷漠，问什么都不耐烦", "窗口人员玩手机不理人", "办事员说话很冲，门难进脸难看",
                  "打电话咨询被推来推去，踢皮球"],
                 ["工作人员态度热情，耐心解答", "服务态度好，讲解很细致", "窗口人员很有耐心，主动帮忙填表"],
                 ["加强工作人员服务意识培训"]),
    "paperwork": (["要交{paper}，跑了{times}还没办成", "材料要求反复变，又让补{paper}", "证明材料太多，手续复杂",
                   "不动产登记要跑{times}，审批流程太长"],
                  ["材料一次性告知，跑一次就办好了", "最多跑一次落实得好，手续简化了"],
                  ["简化审批流程，减少证明材料", "材料清单公开在网上"]),
    "online": (["网上办理系统经常登不上", "APP闪退，上传{paper}一直失败", "一网通办的网站太难用，找不到入口"],
               ["网上办理很方便，不用跑腿", "掌上办几分钟就好了，非常便捷"],
               ["优化网上办理系统", "APP要适合老年人使用"]),
    "hotline": (["12345热线打了{times}都没人接", "投诉到12345热线，转给部门后没有下文", "市长热线回复敷衍"],
                ["12345热线回复及时，问题很快解决", "打热线反映后第二天就有人来处理"],
                ["热线要跟踪到问题解决"]),
    "parking": (["{street}停车难，乱停车没人管", "小区周边停车位太少", "停车场收费太贵"],
                ["新建的停车场缓解了停车难"], ["多建停车场，规范停车收费"]),
    "traffic": (["{street}早晚高峰堵车严重", "公交线路太少，等车{dur}", "红绿灯时间不合理"],
                ["新开的公交线路很方便", "道路拓宽以后不堵了"], ["增开公交线路", "优化红绿灯配时"]),
    "sanitation": (["{street}垃圾清运不及时，臭气熏天", "垃圾分类只是走形式", "菜市场周边环境脏乱差"],
                   ["街道干净整洁，环境改善很大", "垃圾分类做得好"], ["加强环境卫生管理"]),
    "roads": (["{street}路面坑洼，下雨积水严重", "路灯坏了{dur}没人修", "人行道被占道经营堵死"],
              ["道路修好了，出行方便多了", "路灯亮了，晚上走路安心"], ["及时维修道路和路灯"]),
    "school": (["孩子入学难，学位不够", "学区划分不公平", "课后服务收费不透明", "校车接送不安全"],
               ["学校课后服务很好，家长放心", "入学报名网上办，很顺利"], ["多建学校增加学位"]),
    "health": (["医保报销太慢，等了{dur}", "异地就医手续复杂", "社区医院药品不全，挂号难"],
               ["家庭医生上门服务很贴心", "医保报销很快到账"], ["简化异地就医备案"]),
    "social_security": (["社保卡补办要跑{times}", "养老金调整不透明", "公积金提取手续太麻烦，要交{paper}"],
                        ["公积金提取当天到账", "社保业务网上就能办"], ["公积金贷款额度提高一些"]),
    "housing": (["老旧小区改造拖了{dur}还没动工", "加装电梯协调不下来", "物业管理混乱，物业费乱收"],
                ["老旧小区改造后环境大变样", "加装电梯解决了老人上下楼难题"], ["加快老旧小区改造"]),
    "market": (["农贸市场缺斤少两，投诉没人管", "食品安全检查流于形式", "消费维权太难，商家推诿扯皮"],
               ["市场监管到位，买菜放心", "消费维权处理及时"], ["加强食品安全抽检"]),
    "enforcement": (["城管执法粗暴，乱罚款", "执法人员选择性执法", "噪音扰民举报多次不作为"],
                    ["执法文明规范", "噪音问题处理得很及时"], ["执法要公开透明"]),
    "heating": (["冬天供暖不热，室温不到十八度", "停水停电不提前通知", "燃气维修等了{dur}"],
                ["供暖稳定，家里很暖和", "停水提前通知，很人性化"], ["提前检修供暖管网"]),
}
TOPIC_NAMES = list(TOPICS)
SHORT = ["满意", "没意见", "很好", "挺好的", "一般", "不满意", "继续保持", "希望越来越好", "无", "服务不错"]
PREFIX = ["", "", "", "我觉得", "说实话，", "去年以来", "这次去办事", "作为老百姓，", "上个月"]


@dataclass(frozen=True)
class City:
    """What stays from one period to the next: topic leanings, popularity and quality of units."""

    topics: np.ndarray  # (units × topics) weights: each unit leans on three topics
    popularity: np.ndarray
    quality: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator) -> City:
        topics = rng.gamma(0.3, 1.0, (len(UNITS), len(TOPICS))) + 0.02
        for u in range(len(UNITS)):
            topics[u, rng.choice(len(TOPICS), 3, replace=False)] += rng.uniform(1.0, 3.0, 3)
        quality = np.linspace(-0.9, 0.9, len(UNITS))[rng.permutation(len(UNITS))]
        return cls(topics, rng.uniform(0.3, 1.7, len(UNITS)), quality)

    def profiles(self, rising: bool) -> np.ndarray:
        """Topic probabilities; in the current period parking, heating and the hotline come up in
        every third unit."""
        topics = self.topics.copy()
        if rising:
            up = [TOPIC_NAMES.index("parking"), TOPIC_NAMES.index("heating"), TOPIC_NAMES.index("hotline")]
            topics[::3, up] += 1.0
        return topics / topics.sum(axis=1, keepdims=True)


def fill(template: str, rng: np.random.Generator) -> str:
    return template.format(
        street=STREETS[rng.integers(len(STREETS))], dur=DURATIONS[rng.integers(len(DURATIONS))],
        times=TIMES[rng.integers(len(TIMES))], paper=PAPERS[rng.integers(len(PAPERS))],
    )


def identifier(rng: np.random.Generator) -> str:
    kind = rng.integers(3)
    if kind == 0:
        return f"，我的电话1{rng.integers(3, 10)}{rng.integers(0, 10**9):09d}"
    if kind == 1:
        return f"，身份证号5101{rng.integers(10, 99)}19{rng.integers(50, 99)}0{rng.integers(1, 9)}1{rng.integers(0, 9)}{rng.integers(100, 999)}X"
    return f"，车牌川A{rng.integers(10000, 99999)}"


def comments(n: int, rng: np.random.Generator, city: City, rising: bool, period: str) -> list[Comment]:
    """n comments: unit by popularity, dissatisfied by the unit's quality, text by topic."""
    profiles = city.profiles(rising)
    unit = rng.choice(len(UNITS), n, p=city.popularity / city.popularity.sum())
    p_dissatisfied = 1.0 / (1.0 + np.exp(1.2 + 1.5 * city.quality))
    dissatisfied = rng.random(n) < p_dissatisfied[unit]
    weight = np.exp(rng.normal(0.0, 0.4, n))
    stratum = rng.choice(["18-29", "30-39", "40-49", "50-59", "60-69", "70+"], n)
    out = []
    for i in range(n):
        u, bad = int(unit[i]), bool(dissatisfied[i])
        if rng.random() < 0.22:
            text = SHORT[rng.integers(len(SHORT))]
        else:
            parts = [PREFIX[rng.integers(len(PREFIX))]]
            for t in rng.choice(len(TOPICS), rng.integers(1, 4), p=profiles[u], replace=False):
                complaints, praise, suggestions = TOPICS[TOPIC_NAMES[t]]
                # the dissatisfied mostly complain; the satisfied mostly praise, but not always
                pool = complaints if rng.random() < (0.85 if bad else 0.2) else praise
                parts.append(fill(pool[rng.integers(len(pool))], rng) + "，")
                if rng.random() < 0.2:
                    parts.append("建议" + suggestions[rng.integers(len(suggestions))] + "。")
            text = "".join(parts).rstrip("，") + ("。" if rng.random() < 0.7 else "")
            if rng.random() < 0.01:
                text += identifier(rng)
        score = float(rng.choice([0.0, 40.0])) if bad else float(rng.choice([60.0, 80.0, 100.0]))
        out.append(Comment(UNITS[u], text, float(weight[i]), score, bad, period, str(stratum[i])))
    return out


def cpu_seconds() -> float:
    """User plus system CPU time of this process (unlike wall time, not inflated by other jobs)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    rng = np.random.default_rng(SEED)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    t = time.perf_counter()
    city = City.draw(rng)
    previous = comments(N, rng, city, False, "2026Q1")
    current = comments(N, rng, city, True, "2026Q2")
    print(f"generated {len(current):,} + {len(previous):,} comments for {len(UNITS)} units "
          f"in {time.perf_counter() - t:.1f} s; {len({c.text for c in current}):,} distinct texts now, "
          f"mean length {np.mean([len(c.text) for c in current]):.1f} characters")

    t = time.perf_counter()
    redacted = [redact(c.text) for c in current]
    t_redact = time.perf_counter() - t
    masked = sum(r.total for r in redacted)
    print(f"redact: {t_redact:.2f} s for {N:,} comments ({t_redact / N * 1e6:.1f} µs each), "
          f"{masked} identifiers masked")
    current = [Comment(c.unit, r.text, c.weight, c.score, c.dissatisfied, c.period, c.stratum)
               for c, r in zip(current, redacted, strict=True)]

    t, cpu = time.perf_counter(), cpu_seconds()
    seg = Segmenter()
    result = analyse(current, previous, seg)
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    t = time.perf_counter()
    analyse(current, previous, seg)
    warm = time.perf_counter() - t
    print(f"analyse (cold segmenter, jieba start-up included): {seconds:.2f} s ({cpu:.2f} s CPU); "
          f"again with the segmenter's phrase cache warm: {warm:.2f} s")

    t = time.perf_counter()
    term_matrix(Segmenter(), [c.text for c in current], [c.text for c in previous])
    print(f"  of which segmentation into a comment × word matrix (cold): {time.perf_counter() - t:.2f} s")

    busiest = max(result.values(), key=lambda r: r.n)
    print(f"units analysed: {len(result)}; busiest {busiest.unit}: n={busiest.n}, "
          f"{busiest.n_dissatisfied} dissatisfied, {busiest.n_previous} comments before")
    print("  keywords:     " + " ".join(f"{k.term}({k.weighted_share:.0%})" for k in busiest.keywords[:8]))
    print("  dissatisfied: " + " ".join(f"{k.term}(z={k.z:.1f})" for k in busiest.dissatisfied_terms[:8]))
    print("  satisfied:    " + " ".join(f"{k.term}(z={k.z:.1f})" for k in busiest.satisfied_terms[:8]))
    boosted = set(UNITS[::3])
    rose = max((result[u] for u in boosted), key=lambda r: r.n)
    print(f"  rising in {rose.unit} (n={rose.n}, {rose.n_previous} before): "
          + " ".join(f"{k.term}({k.other_share:.0%}→{k.share:.0%}, z={k.z:.1f})" for k in rose.rising[:8]))
    if busiest.dissatisfied_terms:
        print(f"  example for {busiest.dissatisfied_terms[0].term}: "
              f"{current[busiest.dissatisfied_terms[0].examples[0]].text}")
    hits = sum(1 for u, r in result.items() if u in boosted and r.rising)
    others = sum(1 for u, r in result.items() if u not in boosted and r.rising)
    print(f"rising themes found in {hits} of the {len(boosted)} units where topics rose, in {others} of "
          f"the {len(UNITS) - len(boosted)} others; mean keywords per unit "
          f"{np.mean([len(r.keywords) for r in result.values()]):.1f}")
    # the worst case for the phrase cache: a random number glued to every phrase, so that no phrase
    # recurs and jieba cuts every one of the 200,000 comments in full
    t = time.perf_counter()
    unique_now, unique_before = (
        [Comment(c.unit, scramble(c.text, rng), c.weight, c.score, c.dissatisfied) for c in group]
        for group in (current, previous)
    )
    t_make = time.perf_counter() - t
    t, cpu = time.perf_counter(), cpu_seconds()
    analyse(unique_now, unique_before, Segmenter())
    print(f"worst case, no phrase ever repeated: analyse {time.perf_counter() - t:.2f} s "
          f"({cpu_seconds() - cpu:.2f} s CPU; making the texts took {t_make:.1f} s)")
    print(f"comments_bench: comments={N} seconds={seconds:.2f} peak_mb={peak_mb():.0f}")


def scramble(text: str, rng: np.random.Generator) -> str:
    """``text`` with a random number of four to six digits glued to every phrase."""
    parts = text.split("，")
    glue = rng.integers(1000, 1_000_000, len(parts))
    return "，".join(f"{p}{g}" for p, g in zip(parts, glue, strict=True))


if __name__ == "__main__":
    main()
