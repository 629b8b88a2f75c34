"""Zhejiang's administrative divisions with their GB/T 2260 codes.

The province, its 11 prefecture-level cities and their 90 county-level divisions as of
2024, plus codes that have since been abolished or renamed: people born before a
reorganisation keep the old code in their resident ID number for life, so ID validation must
still know them.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "330000"


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name_zh: str
    name_en: str
    level: int  # 1 province, 2 city, 3 county-level
    parent: str | None
    current: bool = True


_CITIES: tuple[tuple[str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "330100",
        "杭州市",
        "Hangzhou",
        (
            ("330102", "上城区", "Shangcheng District"),
            ("330105", "拱墅区", "Gongshu District"),
            ("330106", "西湖区", "Xihu District"),
            ("330108", "滨江区", "Binjiang District"),
            ("330109", "萧山区", "Xiaoshan District"),
            ("330110", "余杭区", "Yuhang District"),
            ("330111", "富阳区", "Fuyang District"),
            ("330112", "临安区", "Lin'an District"),
            ("330113", "临平区", "Linping District"),
            ("330114", "钱塘区", "Qiantang District"),
            ("330122", "桐庐县", "Tonglu County"),
            ("330127", "淳安县", "Chun'an County"),
            ("330182", "建德市", "Jiande"),
        ),
    ),
    (
        "330200",
        "宁波市",
        "Ningbo",
        (
            ("330203", "海曙区", "Haishu District"),
            ("330205", "江北区", "Jiangbei District"),
            ("330206", "北仑区", "Beilun District"),
            ("330211", "镇海区", "Zhenhai District"),
            ("330212", "鄞州区", "Yinzhou District"),
            ("330213", "奉化区", "Fenghua District"),
            ("330225", "象山县", "Xiangshan County"),
            ("330226", "宁海县", "Ninghai County"),
            ("330281", "余姚市", "Yuyao"),
            ("330282", "慈溪市", "Cixi"),
        ),
    ),
    (
        "330300",
        "温州市",
        "Wenzhou",
        (
            ("330302", "鹿城区", "Lucheng District"),
            ("330303", "龙湾区", "Longwan District"),
            ("330304", "瓯海区", "Ouhai District"),
            ("330305", "洞头区", "Dongtou District"),
            ("330324", "永嘉县", "Yongjia County"),
            ("330326", "平阳县", "Pingyang County"),
            ("330327", "苍南县", "Cangnan County"),
            ("330328", "文成县", "Wencheng County"),
            ("330329", "泰顺县", "Taishun County"),
            ("330381", "瑞安市", "Rui'an"),
            ("330382", "乐清市", "Yueqing"),
            ("330383", "龙港市", "Longgang"),
        ),
    ),
    (
        "330400",
        "嘉兴市",
        "Jiaxing",
        (
            ("330402", "南湖区", "Nanhu District"),
            ("330411", "秀洲区", "Xiuzhou District"),
            ("330421", "嘉善县", "Jiashan County"),
            ("330424", "海盐县", "Haiyan County"),
            ("330481", "海宁市", "Haining"),
            ("330482", "平湖市", "Pinghu"),
            ("330483", "桐乡市", "Tongxiang"),
        ),
    ),
    (
        "330500",
        "湖州市",
        "Huzhou",
        (
            ("330502", "吴兴区", "Wuxing District"),
            ("330503", "南浔区", "Nanxun District"),
            ("330521", "德清县", "Deqing County"),
            ("330522", "长兴县", "Changxing County"),
            ("330523", "安吉县", "Anji County"),
        ),
    ),
    (
        "330600",
        "绍兴市",
        "Shaoxing",
        (
            ("330602", "越城区", "Yuecheng District"),
            ("330603", "柯桥区", "Keqiao District"),
            ("330604", "上虞区", "Shangyu District"),
            ("330624", "新昌县", "Xinchang County"),
            ("330681", "诸暨市", "Zhuji"),
            ("330683", "嵊州市", "Shengzhou"),
        ),
    ),
    (
        "330700",
        "金华市",
        "Jinhua",
        (
            ("330702", "婺城区", "Wucheng District"),
            ("330703", "金东区", "Jindong District"),
            ("330723", "武义县", "Wuyi County"),
            ("330726", "浦江县", "Pujiang County"),
            ("330727", "磐安县", "Pan'an County"),
            ("330781", "兰溪市", "Lanxi"),
            ("330782", "义乌市", "Yiwu"),
            ("330783", "东阳市", "Dongyang"),
            ("330784", "永康市", "Yongkang"),
        ),
    ),
    (
        "330800",
        "衢州市",
        "Quzhou",
        (
            ("330802", "柯城区", "Kecheng District"),
            ("330803", "衢江区", "Qujiang District"),
            ("330822", "常山县", "Changshan County"),
            ("330824", "开化县", "Kaihua County"),
            ("330825", "龙游县", "Longyou County"),
            ("330881", "江山市", "Jiangshan"),
        ),
    ),
    (
        "330900",
        "舟山市",
        "Zhoushan",
        (
            ("330902", "定海区", "Dinghai District"),
            ("330903", "普陀区", "Putuo District"),
            ("330921", "岱山县", "Daishan County"),
            ("330922", "嵊泗县", "Shengsi County"),
        ),
    ),
    (
        "331000",
        "台州市",
        "Taizhou",
        (
            ("331002", "椒江区", "Jiaojiang District"),
            ("331003", "黄岩区", "Huangyan District"),
            ("331004", "路桥区", "Luqiao District"),
            ("331022", "三门县", "Sanmen County"),
            ("331023", "天台县", "Tiantai County"),
            ("331024", "仙居县", "Xianju County"),
            ("331081", "温岭市", "Wenling"),
            ("331082", "临海市", "Linhai"),
            ("331083", "玉环市", "Yuhuan"),
        ),
    ),
    (
        "331100",
        "丽水市",
        "Lishui",
        (
            ("331102", "莲都区", "Liandu District"),
            ("331121", "青田县", "Qingtian County"),
            ("331122", "缙云县", "Jinyun County"),
            ("331123", "遂昌县", "Suichang County"),
            ("331124", "松阳县", "Songyang County"),
            ("331125", "云和县", "Yunhe County"),
            ("331126", "庆元县", "Qingyuan County"),
            ("331127", "景宁畲族自治县", "Jingning She Autonomous County"),
            ("331181", "龙泉市", "Longquan"),
        ),
    ),
)

#: Codes no longer in use that still appear in resident ID numbers (code, zh, en, parent).
_HISTORICAL: tuple[tuple[str, str, str, str], ...] = (
    ("330103", "下城区", "Xiacheng District (merged 2021)", "330100"),
    ("330104", "江干区", "Jianggan District (merged 2021)", "330100"),
    ("330181", "萧山市", "Xiaoshan (city until 2001)", "330100"),
    ("330184", "余杭市", "Yuhang (city until 2001)", "330100"),
    ("330183", "富阳市", "Fuyang (city until 2014)", "330100"),
    ("330185", "临安市", "Lin'an (city until 2017)", "330100"),
    ("330204", "江东区", "Jiangdong District (merged 2016)", "330200"),
    ("330283", "奉化市", "Fenghua (city until 2016)", "330200"),
    ("330322", "洞头县", "Dongtou County (until 2015)", "330300"),
    ("330621", "绍兴县", "Shaoxing County (until 2013)", "330600"),
    ("330682", "上虞市", "Shangyu (city until 2013)", "330600"),
    ("331021", "玉环县", "Yuhuan County (until 2017)", "331000"),
)


def _build() -> tuple[Division, ...]:
    out = [Division(PROVINCE_CODE, "浙江省", "Zhejiang Province", 1, None)]
    for code, zh, en, counties in _CITIES:
        out.append(Division(code, zh, en, 2, PROVINCE_CODE))
        out.extend(Division(c, z, e, 3, code) for c, z, e in counties)
    out.extend(Division(c, z, e, 3, p, current=False) for c, z, e, p in _HISTORICAL)
    return tuple(out)


DIVISIONS: tuple[Division, ...] = _build()
BY_CODE: dict[str, Division] = {d.code: d for d in DIVISIONS}
#: County-level divisions in use today: where people live and enterprises register.
CURRENT_COUNTIES: tuple[Division, ...] = tuple(d for d in DIVISIONS if d.level == 3 and d.current)

#: Province-level prefixes of GB/T 2260 (first two digits): people from other provinces live
#: and work in Zhejiang, and their ID numbers carry their home province's codes.
PROVINCE_PREFIXES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}


def city_of(code: str) -> Division | None:
    division = BY_CODE.get(code)
    while division is not None and division.level > 2:
        division = BY_CODE.get(division.parent or "")
    return division


def is_known_region(code: str) -> bool:
    """True for a Zhejiang division (current or historical) or a plausible other-province code.

    Outside Zhejiang we hold only the province table, so we check the province prefix and
    the shape (city and county digits not both zero for a person's registration place).
    """
    if code in BY_CODE:
        return code != PROVINCE_CODE
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return False
    if code[:2] == "33":
        return False  # a Zhejiang code we do not know is not a Zhejiang code
    return code[:2] in PROVINCE_PREFIXES and code[2:] != "0000"
