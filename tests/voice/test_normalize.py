import pytest

from fairdial.voice.normalize import for_speech
from fairdial.voice.normalize.english import cardinal, ordinal, year
from fairdial.voice.normalize.patterns import digit_groups

ZH_TW = [
    ("您的帳款尚有NT$12,050未繳。", "您的帳款尚有新台幣一萬兩千零五十元未繳。"),
    ("請在3月13日之前繳清12050元。", "請在三月十三日之前繳清一萬兩千零五十元。"),
    ("帳號1020304", "帳號一零二零，三零四"),
    ("已經逾期45天了", "已經逾期四十五天了"),
    ("分2期，第一期$3,000", "分兩期，第一期新台幣三千元"),
    ("2萬或1.2萬", "兩萬或一點二萬"),
    ("100元", "一百元"),
    ("10,005元", "一萬零五元"),
    ("1,000,000元", "一百萬元"),
    ("12,050.50元", "一萬兩千零五十元五角"),
    ("2025年3月13號", "二零二五年三月十三號"),
    ("2025-03-13", "二零二五年三月十三日"),
    ("下午14:30或9:05或10:00", "下午十四點三十分或九點零五分或十點"),
    ("利率5.5%", "利率百分之五點五"),
    ("安心專線1925，或是生命線1995", "安心專線一九二五，或是生命線一九九五"),
    ("請回電02-2345-6789", "請回電零二，二三四五，六七八九"),
    ("手機0912345678", "手機零九一二，三四五，六七八"),
    ("末四碼0123", "末四碼零一二三"),
    ("沒有數字的句子。", "沒有數字的句子。"),
]
ZH_CN = [
    ("您的账款尚有¥12,050未缴。", "您的账款尚有一万两千零五十元未缴。"),
    ("请在3月13日前还款12050元", "请在三月十三日前还款一万两千零五十元"),
    ("分2期，共2万元", "分两期，共两万元"),
    ("账号1020304", "账号一零二零，三零四"),
    ("全国统一心理援助热线12356", "全国统一心理援助热线一二三五六"),
    ("手机13812345678", "手机一三八，一二三四，五六七八"),
    ("NT$500", "新台币五百元"),
    ("1.5万", "一点五万"),
]
EN_US = [
    (
        "a balance of $1,234.50.",
        "a balance of one thousand two hundred thirty-four dollars and fifty cents.",
    ),
    ("pay $12,050 today", "pay twelve thousand fifty dollars today"),
    ("NT$12,050", "twelve thousand fifty New Taiwan dollars"),
    ("$1 or $0.05", "one dollar or five cents"),
    ("it is 45 days overdue", "it is forty-five days overdue"),
    ("by Friday, March 13?", "by Friday, March thirteenth?"),
    ("on 2025-03-13", "on March thirteenth, twenty twenty-five"),
    ("on 3/1", "on March first"),
    ("account 1020304", "account one zero two zero, three zero four"),
    (
        "call us back at 1-800-555-0199",
        "call us back at one, eight zero zero, five five five, zero one nine nine",
    ),
    ("call (555) 123-4567", "call five five five, one two three, four five six seven"),
    ("call or text 988", "call or text nine eight eight"),
    ("Lifeline on 1995", "Lifeline on one nine nine five"),
    ("at 9:30 AM", "at nine thirty A M"),
    ("at 10:00", "at ten o'clock"),
    ("at 9:05 pm", "at nine oh five P M"),
    ("5% off", "five percent off"),
    ("the 2nd payment", "the second payment"),
    ("3 payments", "three payments"),
    ("1.5", "one point five"),
    ("No numbers here.", "No numbers here."),
]


@pytest.mark.parametrize(("text", "spoken"), ZH_TW)
def test_taiwan_mandarin(text: str, spoken: str) -> None:
    assert for_speech(text, "zh-TW") == spoken


@pytest.mark.parametrize(("text", "spoken"), ZH_CN)
def test_mainland_mandarin(text: str, spoken: str) -> None:
    assert for_speech(text, "zh-CN") == spoken


@pytest.mark.parametrize(("text", "spoken"), EN_US)
def test_american_english(text: str, spoken: str) -> None:
    assert for_speech(text, "en-US") == spoken


def test_full_width_digits_read_like_ascii() -> None:
    assert for_speech("１２,０５０元", "zh-TW") == "一萬兩千零五十元"


def test_zero_is_never_dropped_from_an_identifier() -> None:
    assert for_speech("帳號1000001", "zh-TW") == "帳號一零零零，零零一"
    assert for_speech("account 1000001", "en-US") == "account one zero zero zero, zero zero one"


def test_english_words() -> None:
    assert cardinal(12050) == "twelve thousand fifty"
    assert cardinal(1_000_001) == "one million one"
    assert ordinal(21) == "twenty-first"
    assert ordinal(30) == "thirtieth"
    assert year(2005) == "two thousand five"
    assert year(1905) == "nineteen oh five"


def test_digit_groups() -> None:
    assert digit_groups("123456", "en-US") == ["123", "456"]
    assert digit_groups("123456789", "en-US") == ["123", "456", "789"]
    assert digit_groups("8005550199", "en-US") == ["800", "555", "0199"]
    assert digit_groups("02-2345-6789", "zh-TW") == ["02", "2345", "6789"]


def test_unsupported_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="ja-JP"):
        for_speech("3月13日", "ja-JP")
