"""Mainland Mandarin in Simplified characters, with mainland wording (啥, 咋, 工资, 下周)."""

OPENERS = ("", "", "", "嗯，", "哦，", "那个，", "呃…", "行，", "哎，", "啊，", "好吧，", "这个，")
HESITATIONS = ("呃…", "嗯…", "那个…", "就是…", "咋说呢…", "这个…")
TAILS = ("", "", "", "吧", "啊", "哈", "呗", "嘛", "的")
STOPS = ("。", "", "…", "。")
MUMBLES = ("嗯…那个…", "呃…我…", "啊？", "……", "嗯嗯…", "等一下…那个…", "啥……哦…", "哎我…再…")

CORES: dict[str, tuple[str, ...]] = {
    "hello": ("喂？", "喂，你好", "喂，哪位", "喂，找谁", "嗯？喂？", "喂，您好"),
    "ask_who": ("你哪位？", "你是哪里的？", "啥？谁啊", "你们哪个公司的", "这是机器人吧？"),
    "ack": ("嗯", "好", "哦好", "嗯嗯", "对", "明白", "行", "好的", "知道了"),
    "confirm_party": (
        "我就是",
        "对，是我",
        "是，我本人",
        "我是，咋了",
        "嗯，我就是{tail}",
        "对啊，找我啥事",
        "是我没错",
    ),
    "wrong_number": (
        "你打错了{tail}",
        "我不认识这个人",
        "没这个人",
        "这个号我用好几年了，不是他的",
        "打错电话了",
        "我不是他，你们打错了",
        "不认识啊，打错了吧",
    ),
    "third_party": (
        "他不在{tail}，我是他{who}",
        "他出去了，我是他{who}",
        "我是他{who}，他现在不在",
        "他上班去了{tail}",
        "我是{who}，他不在家",
        "他还没回来，有啥事吗",
        "他现在不方便接，我是他{who}",
    ),
    "identity.birth_year": (
        "{factor}",
        "{factor}年的",
        "我{factor}年出生的",
        "{factor}{tail}",
        "是{factor}",
    ),
    "identity.id_last4": (
        "{factor}",
        "尾号{factor}",
        "后四位是{factor}",
        "{factor}{tail}",
        "最后四位{factor}",
    ),
    "refuse_identity": (
        "我凭啥告诉你",
        "这个不方便说",
        "我不想说{tail}",
        "你们是骗子吧，我不会给你",
        "为啥要问这个",
    ),
    "promise": (
        "好，我{date}还{amount}",
        "{date}吧，{amount}我全部还上",
        "我{date}把{amount}还了",
        "行，{date}之前还{amount}",
        "{amount}是吧？{date}我去还",
        "我{date}发工资，会还{amount}",
        "{date}全部还清{tail}",
    ),
    "partial_offer": (
        "我现在只有{amount}{tail}",
        "{date}先还{amount}行不行",
        "全部还不了，先给{amount}行吗",
        "我最多{amount}，{date}",
        "先还{amount}吧，剩下的再说",
        "{date}能先还个{amount}",
        "一次拿不出来，{amount}行吗",
    ),
    "plan_request": (
        "能分{months}期吗",
        "我想分期{tail}",
        "分{months}个月还行不行",
        "能不能分期还款",
        "一次还不起，能不能分{months}期",
        "有没有分期的办法",
        "我想分{months}期，每个月少点",
    ),
    "accept": (
        "好，就这样",
        "可以{tail}",
        "行，没问题",
        "好吧，那天还",
        "行，就按你说的",
        "嗯，我会在那之前还",
        "没问题{tail}",
    ),
    "accept_plan": (
        "好，分{months}期可以",
        "这样可以{tail}",
        "{months}期行",
        "那就分{months}期吧",
        "好啊，每个月还轻松点",
        "可以，就这个方案",
    ),
    "decline": ("不行{tail}", "这样我还不了", "太多了", "不要", "我做不到{tail}", "这个不行啊"),
    "confirm": ("对", "对，没错", "是", "嗯，对", "没错{tail}", "对对对", "就是这样"),
    "already_promised": (
        "我上次不是说了{date}还{amount}吗",
        "我已经答应{date}还了{tail}",
        "上次说好了啊，{date}",
        "不是约好{date}了吗",
        "我说过了，{date}还{amount}",
    ),
    "hardship.job_loss": (
        "我最近失业了{tail}",
        "公司倒闭了，我现在没工作",
        "我被裁了，真没钱",
        "工作丢了，还在找",
        "我现在没收入{tail}",
        "厂子停工好几个月了，真还不上",
    ),
    "hardship.illness": (
        "我生病住院了{tail}",
        "我在医院，刚做完手术",
        "最近身体不好，干不了活",
        "家里人得了重病，钱都花在医药费上了",
        "我在做化疗，真没办法",
    ),
    "hardship.disaster": (
        "我家被水淹了，东西全泡坏了",
        "台风把我的店毁了",
        "地震房子坏了，现在乱得很",
        "家里着火了，烧没了{tail}",
    ),
    "hardship.bereavement": (
        "我老公去世了",
        "家里有人走了，在办丧事",
        "我爸刚走{tail}，现在没心思",
        "我老婆走了，我一个人带孩子",
    ),
    "dispute.amount_wrong": (
        "金额不对吧，我没欠这么多",
        "咋会是{amount}？不对{tail}",
        "这个数有问题",
        "我算过，没那么多",
    ),
    "dispute.not_my_loan": (
        "我没借过这笔钱",
        "这不是我借的{tail}",
        "我从来没跟你们借过钱",
        "有人冒用我身份证吧",
    ),
    "dispute.fees": ("利息咋这么高", "这些手续费我不认", "罚息太离谱了{tail}", "你们乱收费"),
    "already_paid": (
        "我{date}已经还了{tail}",
        "我还过了啊",
        "钱已经转了，{date}",
        "{date}就还清了",
        "我已经付了，你们查一下",
        "早还上了",
    ),
    "abuse": ("你烦不烦啊", "吵死了，别打了", "你们这些催债的有完没完", "神经病", "滚", "老打啥打"),
    "stop_calling": (
        "别再打了",
        "请不要再给我打电话{tail}",
        "以后别打了",
        "别再打这个号码",
        "我不想接你们的电话",
        "再打我就投诉了，别打了",
    ),
    "callback": (
        "我现在忙，{when}再打",
        "在开车，{when}给我打",
        "现在不方便，{when}行不行",
        "{when}再说{tail}",
        "我在上班，{when}再打过来",
        "等会要开会，{when}",
    ),
    "refuse": (
        "我一分钱都不会给{tail}",
        "我不会还的",
        "不打算还",
        "要告就去告",
        "我就是不还",
        "我不可能还的",
    ),
    "request_human": (
        "我要跟真人说",
        "能转人工吗",
        "我不跟机器说话",
        "让你们的人给我打{tail}",
        "转人工客服",
    ),
    "distress": (
        "我真的撑不下去了",
        "我不知道还能咋办…活着太累了",
        "压力太大，我快崩溃了",
        "我啥都没了，不想活了",
    ),
    "ask_repeat": ("啊？", "你说啥？", "再说一遍", "听不清", "什么？", "啊？你刚说啥"),
    "goodbye": ("好，拜拜", "拜", "好，再见", "嗯，谢谢", "好的，拜", "先这样{tail}"),
    "voicemail_greeting": (
        "您拨打的电话暂时无人接听，请在提示音后留言",
        "您好，我现在不方便接听，请留言",
        "这里是语音信箱，请留下您的信息",
    ),
}

WHO = ("妈", "爸", "老婆", "老公", "同事", "弟弟", "妹妹", "室友", "女朋友", "儿子")

# (phrase, days from the call, hour of day)
WHEN = (
    ("晚点", 0, 19),
    ("晚上", 0, 20),
    ("下午", 0, 15),
    ("明天", 1, 10),
    ("明天下午", 1, 15),
    ("明天上午", 1, 9),
    ("下班以后", 0, 19),
    ("过两天", 2, 10),
)

ENGLISH_MIX: tuple[str, ...] = ()


FULL_AMOUNT = ("全部", "全款", "全额")

_DIGITS = "零一二三四五六七八九"


def digit_forms(digits: str) -> tuple[str, ...]:
    # 幺 for 1 is how mainland callers read digits aloud
    spoken = "".join(_DIGITS[int(d)] for d in digits)
    return (digits, spoken, spoken.replace("一", "幺"))


def birth_year_forms(year: int) -> tuple[str, ...]:
    return (str(year), f"{year % 100:02d}年", f"{year}年")
