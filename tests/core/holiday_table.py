"""The holiday table of deadlines.md §3.3, used as test fixtures for the working-day calendar."""

from __future__ import annotations

from datetime import date

# Days off returned by the holidays package (language "vi") for 2025–2027, as published in deadlines.md §3.3.
HOLIDAY_TABLE: dict[date, str] = {
    date(2025, 1, 1): "Tết Dương lịch",
    date(2025, 1, 27): "29 Tết",
    date(2025, 1, 28): "Giao thừa Tết Nguyên Đán",
    date(2025, 1, 29): "Tết Nguyên Đán",
    date(2025, 1, 30): "Mùng hai Tết Nguyên Đán",
    date(2025, 1, 31): "Mùng ba Tết Nguyên Đán",
    date(2025, 2, 1): "Mùng bốn Tết Nguyên Đán",
    date(2025, 4, 7): "Ngày Giỗ Tổ Hùng Vương",
    date(2025, 4, 30): "Ngày Chiến thắng",
    date(2025, 5, 1): "Ngày Quốc tế Lao động",
    date(2025, 5, 2): "Ngày nghỉ (thay cho ngày 26/04/2025)",
    date(2025, 9, 1): "Quốc khánh",
    date(2025, 9, 2): "Quốc khánh",
    date(2026, 1, 1): "Tết Dương lịch",
    date(2026, 2, 16): "Giao thừa Tết Nguyên Đán",
    date(2026, 2, 17): "Tết Nguyên Đán",
    date(2026, 2, 18): "Mùng hai Tết Nguyên Đán",
    date(2026, 2, 19): "Mùng ba Tết Nguyên Đán",
    date(2026, 2, 20): "Mùng bốn Tết Nguyên Đán",
    date(2026, 4, 26): "Ngày Giỗ Tổ Hùng Vương",
    date(2026, 4, 27): "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)",
    date(2026, 4, 30): "Ngày Chiến thắng",
    date(2026, 5, 1): "Ngày Quốc tế Lao động",
    date(2026, 8, 31): "Ngày nghỉ (thay cho ngày 22/08/2026)",
    date(2026, 9, 1): "Quốc khánh",
    date(2026, 9, 2): "Quốc khánh",
    date(2026, 11, 24): "Ngày Văn hóa Việt Nam",
    date(2027, 1, 1): "Tết Dương lịch",
    date(2027, 2, 4): "29 Tết",
    date(2027, 2, 5): "Giao thừa Tết Nguyên Đán",
    date(2027, 2, 6): "Tết Nguyên Đán",
    date(2027, 2, 7): "Mùng hai Tết Nguyên Đán",
    date(2027, 2, 8): "Mùng ba Tết Nguyên Đán",
    date(2027, 2, 9): "Mùng bốn Tết Nguyên Đán",
    date(2027, 2, 10): "Mùng năm Tết Nguyên Đán",
    date(2027, 4, 16): "Ngày Giỗ Tổ Hùng Vương",
    date(2027, 4, 30): "Ngày Chiến thắng",
    date(2027, 5, 1): "Ngày Quốc tế Lao động",
    date(2027, 5, 3): "Ngày Quốc tế Lao động (nghỉ bù)",
    date(2027, 9, 2): "Quốc khánh",
    date(2027, 9, 3): "Quốc khánh",
    date(2027, 11, 24): "Ngày Văn hóa Việt Nam",
}
# The Saturdays worked in exchange for the "thay cho ngày ..." days off above (làm bù).
SWAPPED_SATURDAYS = (date(2025, 4, 26), date(2026, 8, 22))
