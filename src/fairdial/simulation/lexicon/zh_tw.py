"""Taiwanese Mandarin as borrowers speak it on the phone: particles, hesitation, some English."""

OPENERS = ("", "", "", "嗯，", "喔，", "欸，", "那個，", "呃…", "齁，", "啊，", "OK，", "好啦，")
HESITATIONS = ("呃…", "嗯…", "那個…", "就是…", "怎麼講…", "欸…")
TAILS = ("", "", "", "啦", "喔", "欸", "齁", "啦齁", "吧")
STOPS = ("。", "", "…", "。")
MUMBLES = ("嗯…那個…", "呃…我…", "啊？", "……", "嗯嗯…", "等一下…那個…", "什……喔…", "欸我…再…")

CORES: dict[str, tuple[str, ...]] = {
    "hello": ("喂？", "喂，你好", "喂～哪位", "喂，請問找誰", "嗯？喂？", "喂，您好"),
    "ask_who": ("你哪位？", "請問你是哪裡？", "蛤？誰啊", "你們是哪家公司", "這是機器人喔？"),
    "ack": ("嗯", "好", "喔好", "嗯嗯", "對", "了解", "OK", "好喔", "是喔"),
    "confirm_party": (
        "我就是",
        "對，是我",
        "是，我本人",
        "我是，怎麼了",
        "嗯，我就是{tail}",
        "對啊，找我什麼事",
        "是我沒錯",
    ),
    "wrong_number": (
        "你打錯了{tail}",
        "我不認識這個人",
        "沒有這個人喔",
        "這支號碼我用很久了，不是他的",
        "打錯電話了啦",
        "我不是他，你們打錯了",
        "不認識欸，你打錯了吧",
    ),
    "third_party": (
        "他不在{tail}，我是他{who}",
        "他出去了，我是他{who}",
        "我是他{who}，他現在不在",
        "他去上班了{tail}",
        "{who}啦，他不在家",
        "他還沒回來，有什麼事嗎",
        "他現在不方便接，我是他{who}",
    ),
    "identity.birth_year": (
        "{factor}",
        "{factor}年的",
        "我{factor}年生的",
        "{factor}{tail}",
        "是{factor}",
    ),
    "identity.id_last4": (
        "{factor}",
        "末四碼{factor}",
        "後四碼是{factor}",
        "{factor}{tail}",
        "最後四個是{factor}",
    ),
    "refuse_identity": (
        "我幹嘛跟你講這個",
        "這個不方便說",
        "我不想講{tail}",
        "你們詐騙的吧，我不會給你",
        "為什麼要問這個",
    ),
    "promise": (
        "好，我{date}會繳{amount}",
        "{date}啦，{amount}我會全部繳清",
        "我{date}把{amount}繳掉",
        "OK啦，{date} pay {amount}",
        "可以，{date}前繳{amount}",
        "{amount}是不是？{date}我去繳",
        "我{date}領薪水，會繳{amount}",
        "{date}全部繳清{tail}",
    ),
    "partial_offer": (
        "我現在只有{amount}{tail}",
        "{date}先繳{amount}可以嗎",
        "全部沒辦法，先給{amount}好不好",
        "我頂多{amount}，{date}",
        "先還{amount}啦，其他的再說",
        "{date}可以先繳個{amount}",
        "一次繳不出來，{amount}可以嗎",
    ),
    "plan_request": (
        "可以分{months}期嗎",
        "我想分期{tail}",
        "分{months}個月繳可以嗎",
        "能不能分期付款",
        "一次繳不起，可不可以分{months}期",
        "有沒有分期的方案",
        "我想要分{months}期，每個月少一點",
        "可以 installment 嗎？分{months}期",
    ),
    "accept": (
        "好，就這樣",
        "可以{tail}",
        "OK，沒問題",
        "好啦，那天繳",
        "行，就照你說的",
        "嗯，我會在那之前繳",
        "沒問題{tail}",
    ),
    "accept_plan": (
        "好，分{months}期可以",
        "這樣可以{tail}",
        "{months}期OK",
        "那就分{months}期吧",
        "好啊，每個月繳比較輕鬆",
        "可以，就這個方案",
    ),
    "decline": (
        "不行{tail}",
        "這樣我沒辦法",
        "太多了啦",
        "不要",
        "我做不到{tail}",
        "這個不行欸",
    ),
    "confirm": ("對", "對，沒錯", "是", "嗯，對", "沒錯{tail}", "對對對", "就是這樣"),
    "already_promised": (
        "我上次不是說了{date}會繳{amount}嗎",
        "我已經答應{date}繳了{tail}",
        "上次講好了啊，{date}",
        "不是約好{date}了嗎",
        "我說過了，{date}繳{amount}",
    ),
    "hardship.job_loss": (
        "我最近失業了{tail}",
        "公司倒了，我現在沒工作",
        "我被裁員了，真的沒錢",
        "工作丟了，還在找",
        "我現在沒收入{tail}",
        "無薪假放到現在，真的繳不出來",
    ),
    "hardship.illness": (
        "我生病住院{tail}",
        "我在醫院，開刀",
        "最近身體不好，沒辦法工作",
        "我家人生重病，錢都花在醫藥費",
        "我在化療，真的沒辦法",
    ),
    "hardship.disaster": (
        "我家淹水了，東西都泡壞了",
        "颱風把我的店弄壞了",
        "地震房子受損，現在很亂",
        "火災，家裡燒掉了{tail}",
    ),
    "hardship.bereavement": (
        "我先生過世了",
        "家裡有人過世，在辦後事",
        "我爸剛走{tail}，現在沒心情",
        "我太太走了，我一個人帶小孩",
    ),
    "dispute.amount_wrong": (
        "金額不對吧，我沒有欠這麼多",
        "怎麼會是{amount}？不對{tail}",
        "這個數字有問題",
        "我算過，沒有那麼多",
    ),
    "dispute.not_my_loan": (
        "我沒有借這筆錢",
        "這不是我借的{tail}",
        "我從來沒跟你們借過",
        "有人冒用我的名字吧",
    ),
    "dispute.fees": (
        "利息怎麼那麼高",
        "這些手續費我不認",
        "違約金太誇張了{tail}",
        "你們亂收費",
    ),
    "already_paid": (
        "我{date}已經繳了{tail}",
        "我繳過了啊",
        "錢已經轉了，{date}",
        "{date}就繳清了",
        "我已經付了，你們查一下",
        "already paid 了啦",
    ),
    "abuse": (
        "你很煩欸",
        "吵死了，不要再打了啦",
        "你們這些討債的有完沒完",
        "神經病喔",
        "滾啦",
        "一直打是怎樣",
    ),
    "stop_calling": (
        "不要再打來了",
        "請不要再打給我{tail}",
        "以後別打了",
        "不要再打這支電話",
        "我不想接到你們的電話",
        "再打我要檢舉了，不要再打",
    ),
    "callback": (
        "我現在在忙，{when}再打",
        "在開車，{when}打給我",
        "現在不方便，{when}好不好",
        "{when}再說{tail}",
        "我在上班，{when}再打來",
        "等一下要開會，{when}",
    ),
    "refuse": (
        "我一毛都不會給{tail}",
        "我不會繳",
        "沒有要還",
        "要告就去告",
        "我就是不繳",
        "我不可能繳的啦",
    ),
    "request_human": (
        "我要跟真人講",
        "可以轉專人嗎",
        "我不要跟機器講話",
        "叫你們的人打給我{tail}",
        "有沒有客服人員",
    ),
    "distress": (
        "我真的撐不下去了",
        "我不知道還能怎麼辦…活著好累",
        "壓力好大，我快崩潰了",
        "我什麼都沒有了，不想活了",
    ),
    "ask_repeat": ("蛤？", "你說什麼？", "再說一次", "聽不清楚欸", "什麼？", "啊？你剛說什麼"),
    "goodbye": ("好，掰掰", "掰", "好，拜拜", "嗯，謝謝", "好喔，掰", "先這樣{tail}"),
    "voicemail_greeting": (
        "您撥的電話無人接聽，請在嗶聲後留言",
        "您好，我現在不方便接聽，請留言",
        "這裡是語音信箱，請留下您的訊息",
    ),
}

WHO = ("媽媽", "爸爸", "太太", "先生", "同事", "弟弟", "妹妹", "室友", "女朋友", "兒子")

# (phrase, days from the call, hour of day)
WHEN = (
    ("晚一點", 0, 19),
    ("晚上", 0, 20),
    ("下午", 0, 15),
    ("明天", 1, 10),
    ("明天下午", 1, 15),
    ("明天早上", 1, 9),
    ("下班後", 0, 19),
    ("過兩天", 2, 10),
)

ENGLISH_MIX = ("OK", "sorry", "check 一下", "pay", "deadline", "bank")


FULL_AMOUNT = ("全部", "全額", "整筆")

_DIGITS = "零一二三四五六七八九"


def digit_forms(digits: str) -> tuple[str, ...]:
    return (digits, "".join(_DIGITS[int(d)] for d in digits), " ".join(digits))


def birth_year_forms(year: int) -> tuple[str, ...]:
    roc = year - 1911  # many people in Taiwan give the Minguo year
    return (str(year), f"民國{roc}年", f"{roc}年次", f"{year % 100:02d}年", str(roc))
