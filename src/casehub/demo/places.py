"""The demo county's fixed geography and employer units: tables, no randomness.

The county and township codes and names are the real ones (RULES.md: GB/T 2260 and
the statistical division codes). Village and community names are invented but
plausible (common Yunnan place-name forms); communities are numbered 001.. and
administrative villages 201.. after their township's 9 digits, as the statistical
codes do. Employer units and their unified social credit codes are invented too;
any resemblance to a real body is coincidental.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc

from casehub.domain import UnitKind

COUNTY_CODE = "532922"
COUNTY_NAME = "漾濞彝族自治县"


@dataclass(frozen=True, slots=True)
class Township:
    code: str
    name: str
    communities: tuple[str, ...]  # 社区, codes <township>001..
    villages: tuple[str, ...]  # 行政村, codes <township>201..

    def places(self) -> list[tuple[str, str]]:
        """(code, name) of every village and community, prefix rule built in."""
        return [(f"{self.code}{i:03d}", name) for i, name in enumerate(self.communities, 1)] + [
            (f"{self.code}{200 + i:03d}", name) for i, name in enumerate(self.villages, 1)
        ]


TOWNSHIPS: tuple[Township, ...] = (
    Township(
        "532922101",
        "苍山西镇",  # the county seat
        ("东街社区", "西街社区"),
        ("石门村", "金盏村", "白果坪村", "核桃箐村", "马鞍村", "鸡茨坪村", "雪山村", "清河村"),
    ),
    Township(
        "532922102",
        "漾江镇",
        ("漾江社区",),
        ("双涧村", "龙王庙村", "大河村", "柏木村", "桥头村", "沙河村", "秀岭村", "金星村"),
    ),
    Township(
        "532922103",
        "平坡镇",
        ("平坡社区",),
        ("高发村", "向阳村", "石坪村", "三家村", "松林村", "竹园村", "德胜村"),
    ),
    Township(
        "532922104",
        "顺濞镇",
        ("顺濞社区",),
        ("河西村", "乐秋村", "中村村", "下邑村", "甸头村", "新田村", "岩山村"),
    ),
    Township("532922201", "富恒乡", (), ("富恒村", "阿尼么村", "务本村", "羊街村", "宝山村", "松坪村", "丰乐村")),
    Township("532922202", "太平乡", (), ("太平村", "西坡村", "永和村", "秀山村", "岔路村", "铁厂村", "羊皮箐村")),
    Township("532922204", "龙潭乡", (), ("龙潭村", "大栗树村", "蒲草塘村", "黄栗坪村", "老鹰窝村", "菠萝村", "上甸村")),
    Township("532922205", "鸡街乡", (), ("鸡街村", "大坪村", "新和村", "文笔村", "石洞村", "杏树村", "小河村")),
    Township("532922206", "瓦厂乡", (), ("瓦厂村", "瓦窑村", "巴莫村", "平山村", "梨树坪村", "大花村", "罗武村")),
)

VILLAGE_ASSISTANTS_PER_TOWNSHIP = 4  # the first four places of each township have an assistant account


def place_weight(code: str) -> int:
    """Relative population: the county seat's communities are the largest, villages alike."""
    if code.startswith("532922101") and code[9] == "0":
        return 6
    if code[9] == "0":
        return 3
    return 2


def _org_code(body: str) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and their check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(registrar_and_type: str, org_body: str) -> str:
    """A checksum-correct unified social credit code (GB 32100) registered in the county."""
    body = registrar_and_type + COUNTY_CODE + _org_code(org_body)
    return body + uscc.calc_check_digit(body)


@dataclass(frozen=True, slots=True)
class UnitSpec:
    kind: UnitKind
    name: str
    township: str
    code: str


UNITS: tuple[UnitSpec, ...] = (
    # 事业单位 (registrar 1 = 机构编制, type 2): agency/institution pensions
    UnitSpec(UnitKind.AGENCY, "漾濞县县直机关事务服务中心", "532922101", credit_code("12", "43170521")),
    UnitSpec(UnitKind.AGENCY, "漾濞县漾江镇中心学校", "532922102", credit_code("12", "43170688")),
    UnitSpec(UnitKind.AGENCY, "漾濞县平坡镇农业综合服务中心", "532922103", credit_code("12", "43170739")),
    # 企业 (registrar 9 = 市场监管, type 1): enterprise pensions
    UnitSpec(UnitKind.ENTERPRISE, "漾濞苍山核桃产业有限公司", "532922101", credit_code("91", "21880314")),
    UnitSpec(UnitKind.ENTERPRISE, "漾濞顺濞河水电有限公司", "532922104", credit_code("91", "21880457")),
    UnitSpec(UnitKind.ENTERPRISE, "漾濞富恒茶业有限公司", "532922201", credit_code("91", "21880592")),
    # employers managing work-injury long-term benefits of their deceased workers' dependants
    UnitSpec(UnitKind.WORK_INJURY, "漾濞漾江建筑工程有限公司", "532922102", credit_code("91", "21881106")),
    UnitSpec(UnitKind.WORK_INJURY, "漾濞太平矿业有限公司", "532922202", credit_code("91", "21881243")),
    UnitSpec(UnitKind.WORK_INJURY, "漾濞瓦厂林产品加工有限公司", "532922206", credit_code("91", "21881370")),
)
