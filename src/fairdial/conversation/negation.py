"""Payment named only to say it will not happen: "I can't pay", 沒辦法還, 付不出來, 我不會還.

Such a turn holds a payment verb, and the promise and already-paid rules would read it as
paying. `without_negated_payment` blanks those phrases out before those rules run, and
`negated_payment_intent` reads what the phrase does say:

- inability ("can't", "no way I can", 沒辦法, 付不出來, 還不了, 現在不可能) is hardship: the
  hardship route hands the call to a person who can look at what the borrower can afford, while
  a refusal ends the call as refused with nobody following up. Taking a refusal for inability
  costs an agent a minute; taking inability for a refusal leaves a borrower in hardship alone.
- unwillingness ("won't", "not going to", "never", 不會還, 不想還, a bare 不可能還) is refusal.
- inability for one day only ("I can't pay today", 今天沒辦法還) is a no to the day asked,
  which the offer ladder answers with a later day or a plan.
- inability to pay the whole sum at once ("I can't pay it all", 一次還不了那麼多) is left to
  the plan rules.

Limitations: negation is found only next to the payment verb (a few words in English, a modal
such as 辦法 or 可能 in Chinese); "I can't do Monday I'll pay Friday" spoken without a pause is
read up to "I'll". A negation whose turn also holds a plain promise ("I can't pay today but I
can pay Friday", 今天不行但是禮拜五可以還) is a promise, which `rules.scores` decides.
"""

from __future__ import annotations

import re

from fairdial.conversation.text import fold_script


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(fold_script(pattern))


_EN_VERB = (
    r"(?:pay(?:ing)?|send(?:ing)?|transfer(?:ring)?|settl(?:e|ing)|wire|deposit|"
    r"make (?:a |the |any |this )?payments?)"
)
_EN_NOT = (
    r"(?:can'?t|cannot|can not|couldn'?t|could not|won'?t|will not|wouldn'?t|would not|"
    r"shan'?t|ain'?t|not|never|unable to|don'?t|do not|doesn'?t|didn'?t|did not|refuse to|"
    r"no way (?:i|we)(?:'ll|'m| can| could| will| would| am)?|"
    r"(?:(?:don'?t|do not) (?:think|know if|see how)|not sure(?: if| that)?) (?:i|we) "
    r"(?:can|could|will|'ll))"
)
# Words that end a negation's reach: a new clause or a new promise starts after them, as in
# "not a problem I can pay Friday".
_EN_BREAK = r"(?:but|and|so|then|until|till|til|before|i'll|we'll|ill|can|could|will|shall)"
_ZH_VERB = r"(?:還|付|繳|匯|轉|給)"
# The modal a Chinese negation takes before the verb: 沒"辦法"還, 不"可能"繳, 不"想"付.
_ZH_MODAL = r"(?:辦法|能力|法|可能|會|想|要|打算|能|可以|願意|肯)"
_ZH_ADVERB = r"(?:再|先|馬上|現在|立刻|這麼快|那麼快)"

NEGATED_PAYMENT = _compile(
    rf"\b{_EN_NOT}\b(?: (?!{_EN_BREAK}\b)[a-z']+){{0,4}}? {_EN_VERB}\b"
    r"(?: (?:it|you|that|this|anything|a (?:cent|dime|penny)))?|"
    rf"(?:不|沒|沒有|無|別){_ZH_MODAL}?{_ZH_ADVERB}?{_ZH_VERB}"
    r"(?:給你|給您|給妳|你|您|錢|款|清|完|掉)?|"
    rf"{_ZH_VERB}不(?:出來|出錢|出|起|了|上|完|清)|(?:沒錢|沒有錢)(?:可以|能)?{_ZH_VERB}"
)

# Inability: the borrower says the money is not there. "Until Friday" or "on the 20th" after the
# verb only moves the payment, and "all of it" or "that much" asks for a plan.
_INABILITY = [
    _compile(
        r"\b(?:can'?t|cannot|can not|couldn'?t|could not|unable to|not able to|"
        r"(?:won'?t|will not) be able to|no way (?:i|we) (?:can|could)|"
        r"(?:(?:don'?t|do not) (?:think|know if|see how)|not sure(?: if| that)?) (?:i|we) "
        r"(?:can|could|will be able to))"
        r"(?: (?:really|even|possibly|actually|ever))? (?:pay|make (?:the|a|any|this) payments?)\b"
        r"(?!(?: (?:it|this|that|you))? (?:all|in full|at once|in one go|until|till|before|"
        r"tomorrow|on)\b|(?: (?:the|that|this))? (?:whole|full|entire)\b|"
        r"(?: (?:that|this|so))? much\b)",
    ),
    _compile(
        r"\b(?:don'?t|do not|doesn'?t) have (?:the |any |enough |that kind of )?"
        r"(?:money|cash|funds)|\b(?:have|got) no (?:money|cash|funds)|"
        r"\bhaven'?t (?:got )?(?:the |any )?(?:money|cash)|\bout of money"
    ),
    _compile(
        r"(?:沒|沒有|無)(?:辦法|能力|法)(?:再|先|馬上|現在|立刻)?(?:還|付|繳)|"
        r"(?<!一次)(?:還|付|繳)不(?:出來|出錢|起|了|上)(?!解|班|那麼多|這麼多|全部|全額)|"
        r"(?:沒錢|沒有錢)(?:可以|能)?(?:還|付|繳)|拿不出(?:錢|來)|"
        r"(?:現在|目前|這個月|最近|暫時)(?:真的|實在|根本|也)?不可能(?:還|付|繳)|"
        r"不可能(?:還|付|繳)得(?:出來|起|了)"
    ),
]

# Unwillingness. A bare 不可能還 is defiance; with 現在 or 目前 it is inability, above.
_REFUSAL = [
    _compile(
        r"\b(?:won'?t|will not|wouldn'?t|would not|not going to|not gonna|never|ain'?t|"
        r"refuse to)(?: (?:ever|even|be|ever be))? (?:pay(?:ing)?|send(?:ing)?)\b|"
        r"\bnot paying\b|\bno way (?:i'?m|i am) (?:paying|going to pay|gonna pay)"
    ),
    _compile(
        r"不還|不會(?:再)?(?:還|付|繳|給)|不想(?:還|付|繳|給)|不要還|不付|不繳|不願意?(?:還|付|繳)|"
        r"不肯(?:還|付|繳)|不可能(?:還|付|繳|給)(?!得)|沒有?(?:要|想)(?:還|付|繳)"
    ),
]


# "Not all of it": a turn that names the whole sum (全部, 一次, "all at once") while saying it
# cannot pay asks for a plan, which the plan rules read.
_WHOLE_SUM = _compile(
    r"全部|全額|一次|一口氣|整筆|那麼多|這麼多|"
    r"\b(?:all of it|all at once|in full|the whole|the full|the entire|that much|so much|"
    r"in one go)\b"
)
# "Not today" turns down the day asked rather than saying the money is not there: a no, which
# the offer ladder answers with a later day or a plan, not a hand-off.
_TODAY_ONLY = _compile(r"今天|今晚|今日|\b(?:today|tonight)\b")
# "不是不還" and "it's not that I won't pay" deny a refusal; what follows is the reason.
_NOT_A_REFUSAL = _compile(
    r"不是(?:我)?(?:不|沒)(?:想|要|會|打算|願意)?(?:還|付|繳)|"
    r"\bnot that (?:i|we) (?:won'?t|don'?t want to|refuse to|am not going to) pay\b"
)


def without_negated_payment(text: str) -> str:
    """The normalised turn with every negated payment phrase blanked out."""
    return NEGATED_PAYMENT.sub(" ", text)


def negated_payment_intent(text: str) -> str | None:
    """`hardship` for a turn saying the borrower cannot pay, `deny` for one saying they cannot
    pay today, `refuse` for one saying they will not, None when it says neither. Inability wins
    when a turn says both."""
    unable = any(pattern.search(text) for pattern in _INABILITY)
    if unable and _TODAY_ONLY.search(text):
        return "deny"
    if unable and not _WHOLE_SUM.search(text):
        return "hardship"
    text = _NOT_A_REFUSAL.sub(" ", text)
    if any(pattern.search(text) for pattern in _REFUSAL):
        return "refuse"
    return None
