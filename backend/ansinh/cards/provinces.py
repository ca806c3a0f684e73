"""The province codes of the 15-character card code (characters 4-5) and the social-security office of each.

The codes are those of the list of Vietnam's administrative units (Quyết định 124/2004/QĐ-TTg, the General Statistics
Office's danh mục đơn vị hành chính), which the card code uses for the 63 provinces and centrally-run cities
(Quyết định 1351/QĐ-BHXH, 16/11/2015, on the codes printed on health-insurance cards); 97 and 98 are the Ministry of
Defence's and the Public Security's own social security. Each code names the office of the province it was given to;
the regional offices of VSS's 2025 reorganisation and the provinces merged in 2025 are not mapped here.
"""

# Province code → the name of its social-security office (Bảo hiểm xã hội tỉnh / thành phố …), as the gateway's
# ``cqBHXH`` names the office that issued a card.
SOCIAL_SECURITY_OFFICES: dict[str, str] = {
    "01": "Bảo hiểm xã hội thành phố Hà Nội",
    "02": "Bảo hiểm xã hội tỉnh Hà Giang",
    "04": "Bảo hiểm xã hội tỉnh Cao Bằng",
    "06": "Bảo hiểm xã hội tỉnh Bắc Kạn",
    "08": "Bảo hiểm xã hội tỉnh Tuyên Quang",
    "10": "Bảo hiểm xã hội tỉnh Lào Cai",
    "11": "Bảo hiểm xã hội tỉnh Điện Biên",
    "12": "Bảo hiểm xã hội tỉnh Lai Châu",
    "14": "Bảo hiểm xã hội tỉnh Sơn La",
    "15": "Bảo hiểm xã hội tỉnh Yên Bái",
    "17": "Bảo hiểm xã hội tỉnh Hòa Bình",
    "19": "Bảo hiểm xã hội tỉnh Thái Nguyên",
    "20": "Bảo hiểm xã hội tỉnh Lạng Sơn",
    "22": "Bảo hiểm xã hội tỉnh Quảng Ninh",
    "24": "Bảo hiểm xã hội tỉnh Bắc Giang",
    "25": "Bảo hiểm xã hội tỉnh Phú Thọ",
    "26": "Bảo hiểm xã hội tỉnh Vĩnh Phúc",
    "27": "Bảo hiểm xã hội tỉnh Bắc Ninh",
    "30": "Bảo hiểm xã hội tỉnh Hải Dương",
    "31": "Bảo hiểm xã hội thành phố Hải Phòng",
    "33": "Bảo hiểm xã hội tỉnh Hưng Yên",
    "34": "Bảo hiểm xã hội tỉnh Thái Bình",
    "35": "Bảo hiểm xã hội tỉnh Hà Nam",
    "36": "Bảo hiểm xã hội tỉnh Nam Định",
    "37": "Bảo hiểm xã hội tỉnh Ninh Bình",
    "38": "Bảo hiểm xã hội tỉnh Thanh Hóa",
    "40": "Bảo hiểm xã hội tỉnh Nghệ An",
    "42": "Bảo hiểm xã hội tỉnh Hà Tĩnh",
    "44": "Bảo hiểm xã hội tỉnh Quảng Bình",
    "45": "Bảo hiểm xã hội tỉnh Quảng Trị",
    "46": "Bảo hiểm xã hội tỉnh Thừa Thiên Huế",
    "48": "Bảo hiểm xã hội thành phố Đà Nẵng",
    "49": "Bảo hiểm xã hội tỉnh Quảng Nam",
    "51": "Bảo hiểm xã hội tỉnh Quảng Ngãi",
    "52": "Bảo hiểm xã hội tỉnh Bình Định",
    "54": "Bảo hiểm xã hội tỉnh Phú Yên",
    "56": "Bảo hiểm xã hội tỉnh Khánh Hòa",
    "58": "Bảo hiểm xã hội tỉnh Ninh Thuận",
    "60": "Bảo hiểm xã hội tỉnh Bình Thuận",
    "62": "Bảo hiểm xã hội tỉnh Kon Tum",
    "64": "Bảo hiểm xã hội tỉnh Gia Lai",
    "66": "Bảo hiểm xã hội tỉnh Đắk Lắk",
    "67": "Bảo hiểm xã hội tỉnh Đắk Nông",
    "68": "Bảo hiểm xã hội tỉnh Lâm Đồng",
    "70": "Bảo hiểm xã hội tỉnh Bình Phước",
    "72": "Bảo hiểm xã hội tỉnh Tây Ninh",
    "74": "Bảo hiểm xã hội tỉnh Bình Dương",
    "75": "Bảo hiểm xã hội tỉnh Đồng Nai",
    "77": "Bảo hiểm xã hội tỉnh Bà Rịa - Vũng Tàu",
    "79": "Bảo hiểm xã hội Thành phố Hồ Chí Minh",
    "80": "Bảo hiểm xã hội tỉnh Long An",
    "82": "Bảo hiểm xã hội tỉnh Tiền Giang",
    "83": "Bảo hiểm xã hội tỉnh Bến Tre",
    "84": "Bảo hiểm xã hội tỉnh Trà Vinh",
    "86": "Bảo hiểm xã hội tỉnh Vĩnh Long",
    "87": "Bảo hiểm xã hội tỉnh Đồng Tháp",
    "89": "Bảo hiểm xã hội tỉnh An Giang",
    "91": "Bảo hiểm xã hội tỉnh Kiên Giang",
    "92": "Bảo hiểm xã hội thành phố Cần Thơ",
    "93": "Bảo hiểm xã hội tỉnh Hậu Giang",
    "94": "Bảo hiểm xã hội tỉnh Sóc Trăng",
    "95": "Bảo hiểm xã hội tỉnh Bạc Liêu",
    "96": "Bảo hiểm xã hội tỉnh Cà Mau",
    "97": "Bảo hiểm xã hội Bộ Quốc phòng",
    "98": "Bảo hiểm xã hội Công an nhân dân",
}
PROVINCE_CODES = frozenset(SOCIAL_SECURITY_OFFICES)


def issuing_office(province_code: str) -> str:
    """The social-security office of a card's province code; empty for a code the list does not have."""
    return SOCIAL_SECURITY_OFFICES.get(province_code, "")
