"""Vietnamese personal names for the demo officials: surname + middle + given name.

Lists written for this project (no Faker: its vi_VN names come given-name first and with
titles). Weights of the surnames follow the commonly cited shares of Vietnamese family
names (Nguyễn ≈ 38 %, Trần ≈ 11 %, Lê ≈ 9.5 %, …). Middle and given names are split by
gender so that a generated name agrees with the official's gender; names used by both
genders (Anh, Minh, Hà, …) appear in both lists on purpose.
"""

from __future__ import annotations

import numpy as np

SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.4),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.1),
    ("Hoàng", 4.1),
    ("Huỳnh", 1.0),
    ("Phan", 4.5),
    ("Vũ", 3.9),
    ("Võ", 1.0),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 1.0),
    ("Đào", 0.9),
    ("Trịnh", 0.9),
    ("Lương", 0.6),
    ("Mai", 0.5),
    ("Tạ", 0.4),
    ("Khuất", 0.3),
    ("Kiều", 0.3),
    ("Chu", 0.4),
    ("Cao", 0.5),
    ("Lưu", 0.4),
    ("Tô", 0.3),
    ("Hà", 0.5),
    ("Quách", 0.2),
    ("Nghiêm", 0.2),
    ("Triệu", 0.2),
    ("Đồng", 0.2),
    ("Lại", 0.2),
    ("Thái", 0.2),
)

MALE_MIDDLE: tuple[str, ...] = (
    "Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Mạnh",
    "Ngọc", "Trọng", "Việt", "Hoàng", "Duy", "Anh", "Thế", "Bá", "Đình", "Tiến", "Huy",
    "Quốc", "Trung", "Hải", "Tuấn", "Đăng", "Khắc", "Sỹ", "Kim",
)

FEMALE_MIDDLE: tuple[str, ...] = (
    "Thị", "Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Phương", "Thúy", "Hồng",
    "Bích", "Kim", "Lan", "Diệu", "Khánh", "Mai", "Hải", "Thùy", "Hoài", "Quỳnh", "Bảo",
    "Mỹ", "Tuyết", "Vân", "Hương", "Như",
)

MALE_GIVEN: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Thắng", "Long", "Cường", "Hiếu", "Trung", "Sơn",
    "Quân", "Hưng", "Thành", "Phong", "Tùng", "Đức", "Bình", "Minh", "Khánh", "Hoàng",
    "Huy", "Việt", "Tiến", "Kiên", "Thịnh", "Vinh", "Hòa", "Anh", "Quang", "Toàn", "Lâm",
    "Đạt", "Phúc", "Chiến", "Hà", "Giang", "Hiệp", "Tâm", "Thái", "Khoa", "Duy", "Linh",
    "Mạnh", "Nghĩa", "Tú", "Vũ", "Trường", "Lực", "Thanh",
)

FEMALE_GIVEN: tuple[str, ...] = (
    "Hương", "Lan", "Hoa", "Hằng", "Thảo", "Linh", "Trang", "Ngọc", "Mai", "Thủy", "Hà",
    "Nga", "Yến", "Hạnh", "Phương", "Huyền", "Dung", "Oanh", "Vân", "Loan", "Nhung",
    "Giang", "Anh", "Quỳnh", "Thu", "Hiền", "Liên", "Tâm", "Chi", "Thúy", "Hồng", "Nhàn",
    "Diệp", "Uyên", "Vy", "Trâm", "My", "Ánh", "Xuân", "Minh", "Khánh", "Hải", "Thanh",
    "Lý", "Bích", "Nguyệt", "Duyên", "Tuyết", "Châu", "Thơ",
)


def compose(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """One full name per element of ``female`` (bool array), agreeing with the gender."""
    n = len(female)
    sw = np.array([w for _, w in SURNAMES], dtype=float)
    surnames = np.array([s for s, _ in SURNAMES], dtype=object)[rng.choice(len(SURNAMES), size=n, p=sw / sw.sum())]
    mm = np.array(MALE_MIDDLE, dtype=object)[rng.integers(0, len(MALE_MIDDLE), n)]
    fm = np.array(FEMALE_MIDDLE, dtype=object)[rng.integers(0, len(FEMALE_MIDDLE), n)]
    mg = np.array(MALE_GIVEN, dtype=object)[rng.integers(0, len(MALE_GIVEN), n)]
    fg = np.array(FEMALE_GIVEN, dtype=object)[rng.integers(0, len(FEMALE_GIVEN), n)]
    middle = np.where(female, fm, mm)
    given = np.where(female, fg, mg)
    # Avoid "Mai Mai Hương" and "Nguyễn Minh Minh": names nobody is given.
    middle = np.where(middle == surnames, np.where(female, "Thị", "Văn"), middle)
    same = middle == given
    given = np.where(same & female, "Nga", np.where(same, "Hùng", given))
    return surnames + " " + middle + " " + given
