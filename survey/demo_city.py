"""The demo city's fixed facts: districts, departments, peer groups, population margins."""

from __future__ import annotations

#: (code, name, English name, population share, true satisfaction effect)
DISTRICTS = [
    ("D01", "城东区", "Chengdong District", 0.140, 0.55),
    ("D02", "城西区", "Chengxi District", 0.120, 0.20),
    ("D03", "高新区", "High-Tech Zone", 0.100, 0.70),
    ("D04", "临江区", "Linjiang District", 0.110, -0.10),
    ("D05", "青山区", "Qingshan District", 0.090, 0.05),
    ("D06", "安宁县", "Anning County", 0.070, -0.35),
    ("D07", "云溪县", "Yunxi County", 0.065, 0.30),
    ("D08", "平川县", "Pingchuan County", 0.075, -0.55),
    ("D09", "石门县", "Shimen County", 0.060, 0.10),
    ("D10", "清河县", "Qinghe County", 0.060, -0.20),
    ("D11", "南屏县", "Nanping County", 0.055, 0.40),
    ("D12", "北岭县", "Beiling County", 0.055, -0.70),
]

#: (code, name, English name, peer group, how often citizens deal with it, effect)
DEPARTMENTS = [
    ("E01", "市发展和改革委员会", "Development and Reform Commission", "DEPT_ECON", 0.6, 0.10),
    ("E02", "市经济和信息化局", "Economy and Information Technology Bureau", "DEPT_ECON", 0.5, -0.15),
    ("E03", "市财政局", "Finance Bureau", "DEPT_ECON", 0.5, 0.05),
    ("E04", "市自然资源和规划局", "Natural Resources and Planning Bureau", "DEPT_ECON", 0.8, -0.45),
    ("E05", "市住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "DEPT_ECON", 1.2, -0.30),
    ("E06", "市交通运输局", "Transport Bureau", "DEPT_ECON", 1.3, 0.25),
    ("E07", "市水利局", "Water Resources Bureau", "DEPT_ECON", 0.5, 0.15),
    ("E08", "市农业农村局", "Agriculture and Rural Affairs Bureau", "DEPT_ECON", 0.8, 0.35),
    ("E09", "市商务局", "Commerce Bureau", "DEPT_ECON", 0.5, 0.00),
    ("E10", "市文化广电旅游局", "Culture, Radio, TV and Tourism Bureau", "DEPT_ECON", 0.7, 0.45),
    ("E11", "市市场监督管理局", "Market Regulation Administration", "DEPT_ECON", 1.1, -0.05),
    ("E12", "市统计局", "Statistics Bureau", "DEPT_ECON", 0.3, 0.20),
    ("E13", "市审计局", "Audit Bureau", "DEPT_ECON", 0.3, 0.10),
    ("E14", "市行政审批服务局", "Administrative Approval Service Bureau", "DEPT_ECON", 1.4, 0.60),
    ("E15", "市税务局", "Taxation Bureau", "DEPT_ECON", 1.0, 0.30),
    ("S01", "市教育局", "Education Bureau", "DEPT_SOCIAL", 1.5, 0.05),
    ("S02", "市公安局", "Public Security Bureau", "DEPT_SOCIAL", 1.6, 0.40),
    ("S03", "市民政局", "Civil Affairs Bureau", "DEPT_SOCIAL", 0.9, 0.25),
    ("S04", "市司法局", "Justice Bureau", "DEPT_SOCIAL", 0.5, 0.10),
    ("S05", "市人力资源和社会保障局", "Human Resources and Social Security Bureau", "DEPT_SOCIAL", 1.4, -0.20),
    ("S06", "市生态环境局", "Ecology and Environment Bureau", "DEPT_SOCIAL", 0.7, -0.40),
    ("S07", "市卫生健康委员会", "Health Commission", "DEPT_SOCIAL", 1.5, -0.10),
    ("S08", "市应急管理局", "Emergency Management Bureau", "DEPT_SOCIAL", 0.4, 0.30),
    ("S09", "市医疗保障局", "Healthcare Security Administration", "DEPT_SOCIAL", 1.3, 0.15),
    ("S10", "市退役军人事务局", "Veterans Affairs Bureau", "DEPT_SOCIAL", 0.3, 0.50),
    ("S11", "市城市管理局", "Urban Management Bureau", "DEPT_SOCIAL", 1.2, -0.65),
    ("S12", "市信访局", "Letters and Visits Bureau", "DEPT_SOCIAL", 0.4, -0.50),
    ("S13", "市住房公积金管理中心", "Housing Provident Fund Centre", "DEPT_SOCIAL", 1.0, 0.45),
    ("S14", "市林业局", "Forestry Bureau", "DEPT_SOCIAL", 0.3, 0.20),
    ("S15", "市科学技术局", "Science and Technology Bureau", "DEPT_SOCIAL", 0.4, 0.00),
]

PEER_GROUPS = [
    ("DISTRICT", "县区", "Districts and counties"),
    ("DEPT_ECON", "经济发展类市级部门", "Economic departments"),
    ("DEPT_SOCIAL", "社会民生类市级部门", "Social-service departments"),
]

#: Population shares (the margins) and the biased sample's shares (older, more women).
AGE_BANDS = ["18-29", "30-39", "40-49", "50-59", "60-69", "70+"]
AGE_POPULATION = [0.21, 0.20, 0.19, 0.17, 0.13, 0.10]
AGE_SAMPLE = [0.12, 0.14, 0.17, 0.19, 0.21, 0.17]
#: Older respondents are more satisfied: this is what weighting has to undo.
AGE_EFFECT = [-0.75, -0.45, -0.15, 0.15, 0.50, 0.75]
SEXES = ["m", "f"]
SEX_POPULATION = [0.51, 0.49]
SEX_SAMPLE = [0.40, 0.60]
SEX_EFFECT = [-0.05, 0.20]
#: Districts' sample shares differ from the population's too (the city centre answers more).
DISTRICT_SAMPLE_TILT = [1.2, 1.15, 1.25, 1.0, 0.95, 0.85, 0.9, 0.8, 0.9, 0.85, 0.95, 0.8]
