"""Chinese sentences, Traditional (zh-TW) and Simplified (zh-CN), with the guard's verdict."""

import pytest

from fairdial.policy import load_pack
from fairdial.policy.guard import GuardContext, guard

TW_BLOCKED = [
    ("你再不還錢，警察就會來抓你。", ("threat",)),
    ("我們會去你公司找你。", ("threat",)),
    ("不還錢就等著坐牢吧。", ("threat",)),
    ("我們會對您提告。", ("threat",)),
    ("法院會查封你的房子。", ("threat",)),
    ("小心你的家人。", ("threat",)),
    ("我們會通知您的公司和同事。", ("threat",)),
    ("後果自負。", ("threat",)),
    ("我們會派人上門拜訪。", ("threat",)),
    ("你的薪水會被扣押。", ("threat",)),
    ("你會被列入黑名單。", ("threat",)),
    ("你這個老賴，真不要臉。", ("abusive_language",)),
    ("你是白痴嗎？", ("abusive_language",)),
    ("幹你娘，快點還錢。", ("abusive_language",)),
    ("你這種人就是騙子。", ("abusive_language",)),
    ("我是法院的書記官。", ("false_representation",)),
    ("我們是律師事務所，受銀行委託處理。", ("false_representation",)),
    ("法院已經判決了。", ("false_representation",)),
    ("我代表警方通知你。", ("false_representation",)),
    ("銀行已經對您提起訴訟。", ("threat", "false_representation")),
    ("這是最後一次機會。", ("false_urgency",)),
    ("今天是最後期限，過了今天就來不及了。", ("false_urgency",)),
    ("你必須馬上還錢。", ("false_urgency",)),
    ("請在一小時內還款，否則後果自負。", ("threat", "false_urgency")),
    ("不要再拖了，否則我們就採取法律行動。", ("threat", "false_urgency")),
]

TW_ALLOWED = [
    "請問您方便什麼時候接聽電話？",
    "我們可以協助您規劃分期還款。",
    "如果您對這筆款項有疑義，可以告訴我們。",
    "本通電話可能會被錄音。",
    "我是智能語音客服。",
    "您目前的應繳金額是新台幣五千元。",
    "請問是陳先生本人嗎？",
    "謝謝您的時間，祝您有美好的一天。",
    "您可以透過ATM或網路銀行繳款。",
    "如有需要，我可以幫您轉接專人。",
    "請問您預計什麼時候可以繳款？",
    "您千萬別擔心，我們可以一起想辦法。",
    "萬一您有困難，可以告訴我們。",
    "不然我們改天再聊也可以。",
    "我們會發簡訊通知您繳款資訊。",
    "您可以選擇小額分期，減輕負擔。",
    "這通電話的目的是確認您的聯絡方式。",
    "如果您已經繳款，請忽略這次提醒。",
    "請問您今天方便繳款嗎？不然改天也可以。",
    "您可以隨時打電話給我們的客服中心。",
    "關於您的帳戶，我們想跟您確認一些資訊。",
    "我們很樂意為您說明還款方式。",
    "小心駕駛，祝您平安。",
    "我們會把您的回覆記錄下來，謝謝。",
    "如果您想和專人談，我可以幫您轉接。",
]

CN_BLOCKED = [
    ("你再不还钱，警察就会来抓你。", ("threat",)),
    ("我们会爆你的通讯录。", ("threat",)),
    ("不还钱就等着坐牢吧。", ("threat",)),
    ("我们会起诉你。", ("threat",)),
    ("法院会冻结你的银行卡。", ("threat",)),
    ("你会被列为失信被执行人。", ("threat",)),
    ("小心你的家人出事。", ("threat",)),
    ("我们会通知你的单位领导。", ("threat",)),
    ("后果自负。", ("threat",)),
    ("我们会派人上门催收。", ("threat",)),
    ("你的工资会被扣押。", ("threat",)),
    ("你已经涉嫌诈骗罪了。", ("threat",)),
    ("我们会让所有亲友都知道你欠钱。", ("threat",)),
    ("你这个老赖，真不要脸。", ("abusive_language",)),
    ("你是傻逼吗？", ("abusive_language",)),
    ("你妈的，快还钱。", ("abusive_language",)),
    ("你就是个骗子。", ("abusive_language",)),
    ("我是公安局的民警。", ("false_representation",)),
    ("我们是律师事务所的。", ("false_representation",)),
    ("法院已经受理你的案子了。", ("false_representation",)),
    ("我代表法院通知你。", ("false_representation",)),
    ("这是最后一次机会。", ("false_urgency",)),
    ("你必须马上还钱。", ("false_urgency",)),
    ("别再拖了。", ("false_urgency",)),
    ("限你一小时内还清，否则后果很严重。", ("threat", "false_urgency")),
]

CN_ALLOWED = [
    "请问您方便什么时候接听电话？",
    "我们可以帮您制定分期还款计划。",
    "如果您对这笔欠款有异议，可以告诉我们。",
    "本次通话可能会被录音。",
    "我是智能语音客服。",
    "您目前的应还金额是人民币三千元。",
    "请问是张先生本人吗？",
    "谢谢您的配合，祝您生活愉快。",
    "您可以通过手机银行还款。",
    "如有需要，我可以为您转接人工客服。",
    "万一您有困难，可以告诉我们。",
    "您千万别着急，我们一起想办法。",
    "不然我们改天再聊也可以。",
    "我们会发短信通知您还款信息。",
    "请问您预计什么时候可以还款？",
    "小心驾驶，祝您平安。",
    "您可以随时拨打我们的客服热线。",
    "我们很乐意为您说明还款方式。",
    "如果您已经还款，请忽略这次提醒。",
    "您的账单日是每月五号。",
    "这次通话的目的是确认您的联系方式。",
    "请您放心，我们会保护您的个人信息。",
    "您可以申请延期还款。",
    "我们理解您目前的困难。",
    "请问您今天方便还款吗？不然改天也可以。",
]


@pytest.mark.parametrize(("text", "reasons"), TW_BLOCKED)
def test_blocked_traditional_sentences_name_their_reasons(
    text: str, reasons: tuple[str, ...]
) -> None:
    decision = guard(text, "zh-TW", load_pack("TW"))

    assert decision.allowed is False
    assert decision.reasons == reasons


@pytest.mark.parametrize("text", TW_ALLOWED)
def test_legitimate_traditional_sentences_pass(text: str) -> None:
    decision = guard(text, "zh-TW", load_pack("TW"))

    assert decision.allowed is True, decision.matches


@pytest.mark.parametrize(("text", "reasons"), CN_BLOCKED)
def test_blocked_simplified_sentences_name_their_reasons(
    text: str, reasons: tuple[str, ...]
) -> None:
    decision = guard(text, "zh-CN", load_pack("CN"))

    assert decision.allowed is False
    assert decision.reasons == reasons


@pytest.mark.parametrize("text", CN_ALLOWED)
def test_legitimate_simplified_sentences_pass(text: str) -> None:
    decision = guard(text, "zh-CN", load_pack("CN"))

    assert decision.allowed is True, decision.matches


def test_the_tables_hold_at_least_25_sentences_each() -> None:
    for table in (TW_BLOCKED, TW_ALLOWED, CN_BLOCKED, CN_ALLOWED):
        assert len(table) >= 25


def test_simplified_and_traditional_forms_fire_the_same_rule() -> None:
    traditional = guard("我們會起訴你，後果自負。", "zh-TW", load_pack("TW"))
    simplified = guard("我们会起诉你，后果自负。", "zh-CN", load_pack("TW"))

    assert traditional.matches == simplified.matches == ("threat.lawsuit", "threat.violence")


def test_a_taiwan_threat_cites_the_outsourcing_rules() -> None:
    decision = guard("你會被逮捕。", "zh-TW", load_pack("TW"))

    assert decision.matches == ("threat.arrest",)
    assert any("金融機構作業委託他人處理內部作業制度及程序辦法" in s for s in decision.sources)


def test_a_cantonese_jail_threat_is_blocked_under_the_hong_kong_pack() -> None:
    decision = guard("唔還錢就拉你去坐監。", "zh-HK", load_pack("HK"))

    assert decision.reasons == ("threat",)
    assert any("Code of Banking Practice" in source for source in decision.sources)


def test_a_sentence_whose_only_simplified_character_is_also_traditional_still_matches() -> None:
    # 后 is valid Traditional too, so this mixed sentence is matched without conversion.
    decision = guard("后果自負。", "zh-CN", load_pack("CN"))

    assert decision.matches == ("threat.violence",)


def test_a_clause_with_a_new_amount_is_converted_like_the_first() -> None:
    first = guard("您的欠款是3000元，后果自负。", "zh-CN", load_pack("CN"))
    second = guard("您的欠款是4500元，后果自负。", "zh-CN", load_pack("CN"))

    assert first.matches == second.matches == ("threat.violence",)


@pytest.mark.parametrize(
    "disclosure",
    ["這是債務催收人員的來電。", "这是债务催收人员的来电。", "這是催收債務的來電。"],
)
def test_a_chinese_collector_disclosure_lets_a_us_debt_be_named(disclosure: str) -> None:
    undisclosed = GuardContext(disclosed=False)
    sentence = disclosure + "您的帳款尚有$40未繳。"

    assert guard(sentence, "zh-TW", load_pack("US"), undisclosed).allowed is True
    assert guard("您的帳款尚有$40未繳。", "zh-TW", load_pack("US"), undisclosed).reasons == (
        "missing_disclosure",
    )
