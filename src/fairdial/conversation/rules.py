"""Hand-written intent rules: the first understanding, to be replaced by a trained classifier.

Every pattern runs on normalised text (Taiwan Traditional characters, lower case, see text.py),
and is itself folded the same way when compiled, so a pattern matches a turn in either script
whichever script it was written in. A rule gives an intent a score; the strongest score per
intent counts. Patterns aim at the ways people
say a thing (particles, English mixed in, typos of common words), not at one scripted phrase.
"""

from __future__ import annotations

import re

from fairdial.conversation import negation
from fairdial.conversation.text import fold_script


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(fold_script(pattern))


# Pronouns and relatives that tell a relative or colleague is speaking about the borrower.
_RELATIVE = (
    r"(?:太太|老婆|先生|老公|媽媽|媽|爸爸|爸|兒子|女兒|哥哥|哥|姊姊|姐姐|姐|姊|弟弟|弟|妹妹|妹|"
    r"同事|室友|朋友|家人|阿姨|叔叔|奶奶|爺爺|阿嬤|阿公|媳婦|女朋友|男朋友|老闆|老板|秘書|助理)"
)
_EN_RELATIVE = (
    r"(?:wife|husband|mom|mum|mother|dad|father|son|daughter|brother|sister|colleague|coworker|"
    r"co-worker|roommate|friend|boss|assistant|secretary|partner|girlfriend|boyfriend|aunt|uncle)"
)
_THIRD = r"(?:他|她|伊|本人)"
_PAY = r"(?:還|付|繳|匯|轉|給|存|處理|pay|transfer|send|settle|wire|deposit)"

# 去死 said of oneself, when no "you" comes before it in the clause (see the distress rules).
_BREAK = r",.;!?。，；！？\s"
_YOU = r"你妳您他她"
_SELF_DEATH = (
    r"(?:(?:乾脆|不如|索性|還是)(?:去|就)?死|我(?:就|乾脆|還是|真的|真想|好想)?去死|"
    r"去死(?:算了|好了)|死一死)"
)

RULES: dict[str, list[tuple[str, float]]] = {
    "distress": [
        (
            r"不想活|活不下去|想死|(?:死了|死掉)算了|不如死|自殺|跳樓|跳河|跳海|"
            r"(?:樓|頂樓|橋)上?跳下去|輕生|尋死|了結自己|結束(?:自己|生命)|結束這一切|一了百了|"
            r"一死了之|生無可戀|活膩|"
            # 活著真沒意思, 活著有什麼意思, 人生沒有意義了, 沒有活下去的理由
            r"(?:活著|人生|活下去).{0,4}(?:沒|沒有|有什麼|有啥|不知道有什麼)(?:什麼|啥)?(?:意思|意義)|"
            r"沒有?活下去的(?:意義|理由|勇氣|必要)|活著(?:真|好|很|太|實在)?(?:累|痛苦)|"
            r"撐不(?:下去|住了)|崩潰了",
            0.95,
        ),
        # 去死 said of oneself (乾脆去死算了, 我去死好了, 乾脆死一死); aimed at the caller
        # (你去死, 你們乾脆去死) it is abuse. Only a clause with no "you" in it before 去死 counts.
        (rf"(?:^|[{_BREAK}])[^{_BREAK}{_YOU}]{{0,8}}?{_SELF_DEATH}", 0.95),
        (
            r"kill(?:ing)? myself|end(?:ing)? (?:it all|my life|everything)|suicid|"
            r"don'?t want to (?:live|be alive)|take my (?:own )?life|"
            r"can'?t go on|hurt myself|better off dead|(?:rather|might as well) (?:be dead|die)|"
            r"want to die|wish i (?:was|were) dead|i (?:should|might|may|could) (?:as well )?"
            r"(?:just )?(?:go )?(?:die|kill myself)\b|done with (?:life|living)|"
            r"no (?:point|reason) (?:in |to )?(?:living|live|go on)|nothing to live for|"
            r"(?:life|it) (?:is |isn'?t |'s )?(?:not )?worth living",
            0.95,
        ),
    ],
    "abusive": [
        (
            r"幹(?!嘛|麼|什麼|啥|活|部)|靠北|靠腰|幹你|你娘|操你|他媽的|媽的|白癡|白痴|智障|腦殘|"
            r"(?<!乾脆)(?<!不如)(?<!索性)(?<!還是)(?<!我)(?<!我就)去死(?!算了|好了)|"
            r"(?:你|妳|您|們|他|她).{0,4}去死|滾|王八|混蛋|垃圾|神經病|閉嘴|廢物|雞掰|機掰|北七",
            0.9,
        ),
        (
            r"\bf+u+c+k|\bf[*#@]{2,}|\bs[*#@]{2,}t|\bfk (?:you|off)|\bfu\b|\bshit\b|\bbitch|"
            r"\basshole|\bidiot\b|\bstupid\b|\bmoron\b|\bdumb\b|"
            r"go to hell|\bgo die\b|drop dead|\byou should (?:just )?die\b|shut up|\bscrew you|"
            r"\bdamn you|\bbastard|\bstfu\b|\bwtf\b",
            0.9,
        ),
    ],
    "deceased": [
        (rf"{_THIRD}.{{0,4}}(?:過世|去世|往生|死了|走了|不在人世|逝世|過身)", 0.9),
        (
            r"\b(?:he|she|they)(?: has| have|'s)? (?:passed away|died|passed|is dead|deceased)|"
            r"\b(?:he|she)'?s dead\b|\bno longer with us\b|\bdeceased\b",
            0.9,
        ),
    ],
    "bankruptcy": [
        (r"破產|更生|清算|聲請.{0,4}(?:更生|清算)|債務清理", 0.9),
        (r"bankrupt|chapter (?:7|13|seven|thirteen)|insolven", 0.9),
    ],
    "attorney": [
        (r"律師|法律扶助|法扶|代理人處理|找我的律師", 0.9),
        (r"\blawyer|\battorney|\blegal counsel|\bsolicitor|my counsel", 0.9),
    ],
    "dispute": [
        (
            r"不是我借|沒(?:有)?借(?:過|錢)?|我沒有欠|沒欠|不欠|金額不對|數字不對|算錯|不認帳|不承認|"
            r"有問題的帳|冒用|盜用|被騙|身分被|不是我的(?:帳|債|錢|貸款)|哪來的債|有爭議|異議",
            0.9,
        ),
        (
            r"not my (?:debt|loan|account)|never (?:borrowed|took|had|signed)|"
            r"don'?t owe|do not owe|"
            r"(?:amount|balance|number) is wrong|wrong amount|\bdispute|identity theft|\bfraud|"
            r"that'?s not right|incorrect (?:amount|balance)|not mine",
            0.9,
        ),
    ],
    "already_paid": [
        (
            rf"(?:已經|早就|上(?:個)?(?:禮拜|週|周|月)|昨天|前天|剛剛|剛).{{0,6}}{_PAY}(?:了|過|完|清)|"
            rf"{_PAY}(?:過|清|完)了|繳清了|還清了|已(?:經)?(?:繳|還|付|匯)",
            0.9,
        ),
        (
            r"already (?:paid|sent|transferred|made|settled)|"
            r"paid (?:it|that|this)? ?(?:off|already|"
            r"last|yesterday)|i (?:have|'ve) paid|i paid\b|made (?:the|a) payment",
            0.9,
        ),
    ],
    "stop_contact": [
        (
            r"不要再打|別再打|不要打來|別打來|不要再來電|不准打|不要打給我|不要再聯絡|停止聯絡|別再聯絡|"
            r"不要再call|以後不要打|不要騷擾|別騷擾|不要打這支|別打這支|不要打到公司|不要打到我(?:公司|家)",
            0.9,
        ),
        (
            r"stop calling|don'?t call|do not call|quit calling|stop (?:contacting|harass)|"
            r"never call|remove (?:me|my number)|take me off|lose (?:this|my) number|no more calls|"
            r"stop bothering",
            0.9,
        ),
    ],
    "request_human": [
        (r"真人|人工|轉接|專員|客服|找人講|主管|經理|活人|跟人講|跟人說|找你們的人", 0.85),
        (
            r"real person|human|\bagent\b|representative|\boperator|supervisor|manager|"
            r"speak to (?:someone|somebody|a person)|talk to (?:someone|somebody|a person)",
            0.85,
        ),
    ],
    "hardship": [
        (
            r"失業|沒工作|被裁|裁員|被開除|被資遣|資遣|無薪假|公司倒|工作沒了|丟了工作|找不到工作|"
            r"生病|住院|開刀|手術|癌|重病|車禍|受傷|病倒|化療|洗腎|"
            r"颱風|水災|淹水|地震|火災|房子燒|天災|"
            r"過世|去世|往生|喪事|辦後事|走了|"
            r"(?<!不是)沒錢|(?<!不是)沒有錢|手頭緊|經濟困難|經濟有困難|週轉不(?:過來|靈)|"
            r"負擔不起|很困難|很難過日子|生活困難|失去收入|沒收入",
            0.85,
        ),
        (
            r"lost my job|laid off|unemploy|fired|out of work|no job|lost (?:my )?income|furlough|"
            r"\bsick\b|illness|i'?m ill\b|been ill\b|hospital|surgery|cancer|accident|injur|chemo|"
            r"hurricane|flood|earthquake|wildfire|\bfire\b|tornado|storm|disaster|"
            r"passed away|died|funeral|bereave|"
            r"can'?t afford|cannot afford|no money|(?<!not )\bbroke\b|struggling|hard time|"
            r"hardship|"
            r"tight (?:on money|right now)|can'?t make ends meet|no income",
            0.85,
        ),
    ],
    "wrong_number": [
        (
            r"打錯|沒有這個人|沒這個人|不認識|不知道(?:是)?誰|這裡沒有|找錯人|號碼錯|我不是他|不是這支",
            0.9,
        ),
        (
            r"wrong number|no one (?:here )?(?:by|with) that name|don'?t know (?:him|her|who|any)|"
            r"nobody (?:here )?(?:by|with) that name|no such person|never heard of",
            0.9,
        ),
    ],
    "third_party": [
        (
            rf"我是.{{0,5}}{_RELATIVE}|{_THIRD}.{{0,3}}(?:不在|出去|出門|上班|在忙|不方便|睡了|在睡|工作|外出)|"
            rf"找{_THIRD}(?:什麼|幹嘛|有什麼|啥)|(?:幫|替){_THIRD}(?:轉達|留言|接)|他不在家|她不在家",
            0.9,
        ),
        (
            rf"(?:i'?m|this is) (?:his|her|their) {_EN_RELATIVE}|(?:he|she)'?s? (?:is )?"
            r"(?:not (?:here|home|in|available|around)|out|at work|busy|asleep|sleeping)|"
            r"(?:he|she) isn'?t (?:here|home|in|available)|take a message|can i ask what this is",
            0.9,
        ),
    ],
    "ask_identity": [
        (
            r"你是誰|您是誰|哪位|哪裡找|哪裡打|什麼公司|哪家公司|哪間|你們是誰|你是機器人|機器人嗎|"
            r"詐騙|真的假的|怎麼有我(?:的)?電話|你哪裡",
            0.85,
        ),
        (
            r"who (?:is|'?s) (?:this|calling|speaking)|who are you|what company|which company|"
            r"who'?s this|are you a (?:robot|bot|machine|real)|is this a scam|\bscam\b|"
            r"how did you get (?:my|this) number",
            0.85,
        ),
    ],
    "ask_details": [
        (
            r"欠多少|多少錢|什麼錢|什麼債|什麼帳|哪一筆|哪筆|什麼事|什麼貸款|為什麼打|怎麼會欠|"
            r"細節|明細|再說一次|金額是多少|要還多少|總共多少",
            0.8,
        ),
        (
            r"how much|what (?:is|'?s) (?:this|it) (?:about|regarding|for)|what do i owe|"
            r"which (?:loan|account|debt)|what debt|details|what for|say (?:that|it) again|"
            r"repeat|what amount",
            0.8,
        ),
    ],
    "request_plan": [
        (
            r"分期|分(?:\d+|[一二兩三四五六七八九十]+)(?:期|個?月|次)|分批|慢慢還|每個?月.{0,6}"
            r"(?:還|付|繳)|一個月(?:還|付|繳)|月付|少一點|減少|可以少|打折|先還一部分|先付一部分|"
            r"付不了那麼多|沒辦法一次|不能一次|一次還不了|一次付不",
            0.85,
        ),
        (
            r"payment plan|installment|instalment|a month\b|per month|monthly|each month|"
            r"spread (?:it )?out|over \w+ months|smaller payments|pay (?:it )?in parts|"
            r"can'?t pay (?:it )?all|not all at once|part of it|some of it|a little at a time|"
            r"split (?:it|the)|\bdiscount|less than that|lower",
            0.85,
        ),
        (
            r"(?:can i|could i|how about|what about|do|let me)\b.{0,12}\b(?:\d{1,2}|two|three|four|"
            r"five|six|seven|eight|nine|ten|eleven|twelve) months?\b|"
            r"(?:\d{1,2}|[一二兩三四五六七八九十]+)"
            r"個月(?:可以|好不好|行不行|呢|嗎)",
            0.8,
        ),
    ],
    "callback": [
        (
            r"在忙|再打|晚點|晚一點|等一下再|等等再|回撥|回電|改天|現在不方便|不方便講|開會|開車|"
            r"上班中|在上班|不能講|沒空|下次再|有空再|再聯絡|再說吧",
            0.85,
        ),
        (
            r"call (?:me )?back|call later|\bbusy\b|not a good time|bad time|in a meeting|driving|"
            r"at work|can'?t talk|another time|later please|try (?:me )?(?:again )?later|"
            r"call (?:me )?(?:tomorrow|tonight|after)",
            0.85,
        ),
    ],
    "refuse": [
        (
            r"不打算|沒打算|不理|愛告就告|要告去告|去告|隨便你|關我屁事|沒興趣",
            0.85,
        ),
        (
            r"refuse|no way(?! (?:i|we) (?:can|could)\b)|"
            r"not interested|sue me|i don'?t care|forget it|go ahead and sue",
            0.85,
        ),
    ],
    "promise_to_pay": [
        (
            rf"(?:我|會|可以|能|要|先|再|就|馬上|立刻|明天|今天|後天|禮拜|週|周|號|月底|下個?月|月初)"
            rf".{{0,6}}{_PAY}|{_PAY}(?:給你|清|掉|完)|沒問題.{{0,4}}{_PAY}|好.{{0,3}}{_PAY}",
            0.75,
        ),
        (
            r"\bi(?:'?ll| will| can| could|'?m going to|'?m gonna| shall)\b.{0,24}"
            r"\b(?:pay|send|transfer|settle|make (?:a|the) payment|wire|deposit|do)\b|"
            r"\bcan pay\b|\bwill pay\b|\bpay (?:it|you|that|the)\b|\bpayment (?:on|by|tomorrow)",
            0.75,
        ),
    ],
    "confirm_identity": [
        (r"我就是|就是我|是我(?:啦|喔|沒錯|本人)?$|^是我|我本人|本人|對.{0,2}我就是|請說", 0.85),
        (r"^(?:喂,?\s*)?我是(?!他|她|的|要|說|想|可以|會|在)", 0.6),
        (
            r"\bspeaking\b|that'?s me|this is (?:he|she|him|her|me)|it'?s me|(?:yes|yeah),? i am|"
            r"i'?m (?:him|her)|you got (?:him|her|me)|yes this is|you'?re speaking",
            0.85,
        ),
    ],
}

AFFIRM = _compile(
    r"^(?:好|對|是|嗯|恩|可以|沒錯|沒問題|行|"
    r"ok|okay|k|yes|yeah|yep|yup|sure|fine|alright|all right|"
    r"right|correct|of course|certainly|sounds good|that works|deal|agreed|agree|ya|ye|yea|"
    r"uh[- ]?huh|mm+|hmm|是的|對的|好的|好喔|可|同意|成交|當然|yes please|please|"
    r"那就這樣|就這樣|這樣可以)+"
    r"(?:[啦喔齁欸耶呀啊哦吧的了呢唷喲嘿哈]|,|\.|!|\s)*$"
)
DENY = _compile(
    r"^(?:不|不要|不是|不行|不可以|沒有|沒|不對|不用|no|nope|nah|not really|no thanks|no thank you|"
    r"not now|don'?t think so|negative|不好)+(?:[啦喔齁欸耶呀啊哦吧的了呢唷喲嘿哈]|,|\.|!|\s)*$"
)
# A bare 蛤/huh/what? is the borrower not catching what the bot said.
UNCLEAR = _compile(r"^(?:蛤|啥|什麼|嗄|huh|what|sorry|pardon|eh|excuse me)[?？!。.\s]*$")

_HARDSHIP_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "job_loss",
        _compile(
            r"失業|沒工作|裁員|被裁|開除|資遣|無薪假|公司倒|工作沒了|丟了工作|找不到工作|"
            r"失去收入|lost my job|laid off|unemploy|fired|out of work|no job|furlough"
        ),
    ),
    (
        "illness",
        _compile(
            r"生病|住院|開刀|手術|癌|重病|車禍|受傷|病倒|化療|洗腎|\bsick\b|illness|i'?m ill\b|"
            r"hospital|surgery|cancer|accident|injur|chemo"
        ),
    ),
    (
        "disaster",
        _compile(
            r"颱風|水災|淹水|大水|洪水|地震|火災|火燒|燒掉|房子燒|天災|hurricane|flood|earthquake|wildfire|"
            r"\bfire\b|tornado|storm|disaster"
        ),
    ),
    (
        "bereavement",
        _compile(r"過世|去世|往生|喪事|辦後事|走了|passed away|died|funeral|bereave"),
    ),
]

COMPILED: dict[str, list[tuple[re.Pattern[str], float]]] = {
    intent: [(_compile(pattern), weight) for pattern, weight in patterns]
    for intent, patterns in RULES.items()
}


# A turn that opens with yes or no before saying more: "對啊，找我什麼事", "no, who is this".
_AFFIRM_OPENER = _compile(
    r"^(?:好|對|是|嗯|可以|ok|okay|yes|yeah|sure)(?:啊|呀|啦|喔|阿|的)?(?:[ ,.!?，。！？]|\b)"
)
_DENY_OPENER = _compile(r"^(?:不|沒有|no\b|nope)")


# Rules that look for paying read the turn without its negated payments (see negation.py).
_PAYING = frozenset({"promise_to_pay", "already_paid"})
_NEGATED_WEIGHT = 0.85


def scores(text: str) -> dict[str, float]:
    """Every intent whose rules match the normalised text, with its best weight."""
    found: dict[str, float] = {}
    plain = negation.without_negated_payment(text)
    for intent, patterns in COMPILED.items():
        target = plain if intent in _PAYING else text
        for pattern, weight in patterns:
            if weight > found.get(intent, 0.0) and pattern.search(target):
                found[intent] = weight
    # A promise left standing means the negation only moved the day: "I can't pay today, but I
    # can pay Friday", 今天不行但是禮拜五可以還.
    said = negation.negated_payment_intent(text) if "promise_to_pay" not in found else None
    if said:
        found[said] = max(found.get(said, 0.0), _NEGATED_WEIGHT)
    short = text.strip(" ,.!?。！？~")
    if AFFIRM.match(short):
        found["affirm"] = 0.9
    elif DENY.match(short):
        found["deny"] = 0.9
    elif UNCLEAR.match(short):
        found["unclear"] = 0.9
    elif _AFFIRM_OPENER.match(short):
        found.setdefault("affirm", 0.6)
    elif _DENY_OPENER.match(short):
        found.setdefault("deny", 0.6)
    return found


def hardship_kind(text: str) -> str:
    for kind, pattern in _HARDSHIP_KINDS:
        if pattern.search(text):
            return kind
    return "other"
