"""American English on the phone: fillers, contractions, the odd typo added by the composer."""

from fairdial.simulation.amounts import english_words

OPENERS = ("", "", "", "Uh, ", "Um, ", "Well, ", "Look, ", "Yeah, ", "Okay, ", "So ", "Listen, ")
HESITATIONS = ("uh...", "um...", "I mean...", "like...", "hmm...", "you know...")
TAILS = ("", "", "", ", okay?", ", honestly", " I guess", ", you know")
STOPS = (".", "", "...", ".")
MUMBLES = ("uh... what...", "mm... I...", "huh?", "...", "hold on... I...", "wha... yeah... no...")

CORES: dict[str, tuple[str, ...]] = {
    "hello": ("Hello?", "Hi, who's this?", "Yeah, hello?", "Hello, speaking.", "Hey.", "Yes?"),
    "ask_who": (
        "Who is this?",
        "Who's calling?",
        "What company is this?",
        "Is this a robot?",
        "Sorry, who?",
    ),
    "ack": ("Okay", "Yeah", "Uh-huh", "Right", "Sure", "Got it", "Mm-hm", "OK"),
    "confirm_party": (
        "That's me",
        "Yeah, speaking",
        "Yes, this is me",
        "Yep, that's me{tail}",
        "Speaking, what's this about?",
        "Yes, it's me",
    ),
    "wrong_number": (
        "You have the wrong number",
        "There's nobody here by that name",
        "I don't know who that is",
        "Wrong number{tail}",
        "I've had this number for years, it's not theirs",
        "Nope, you got the wrong person",
    ),
    "third_party": (
        "They're not here, this is their {who}",
        "Not home right now. I'm the {who}",
        "This is their {who}, they stepped out",
        "They're at work{tail}",
        "Can I take a message? I'm their {who}",
        "They can't come to the phone",
    ),
    "identity.birth_year": ("{factor}", "It's {factor}", "Born in {factor}", "{factor}{tail}"),
    "identity.id_last4": ("{factor}", "Last four are {factor}", "It's {factor}", "{factor}{tail}"),
    "refuse_identity": (
        "Why would I give you that?",
        "I'm not telling you that",
        "No way, this sounds like a scam",
        "I don't give that out over the phone",
    ),
    "promise": (
        "I can pay {amount} {date}",
        "I'll pay {amount} {date}{tail}",
        "{date}, I'll have {amount}",
        "Okay, {amount} by {date}",
        "I get paid {date}, I'll send {amount} then",
        "I'll clear the whole thing {date}",
        "Put me down for {amount} {date}",
    ),
    "partial_offer": (
        "I can only do {amount} right now",
        "How about {amount} {date}?",
        "I can't do all of it, maybe {amount}",
        "{amount} is the most I can do{tail}",
        "Can I pay {amount} {date} and the rest later?",
        "I could do like {amount} {date}",
    ),
    "plan_request": (
        "Can I pay it over {months} months?",
        "Can we do a payment plan?",
        "Could I split it into {months} payments?",
        "Is there an installment option?",
        "I'd need to pay it off over {months} months{tail}",
        "Can I do monthly payments instead?",
    ),
    "accept": (
        "Okay, that works",
        "Fine{tail}",
        "Yeah, I can do that",
        "Sure, that date is fine",
        "Alright, deal",
        "That works for me",
    ),
    "accept_plan": (
        "Okay, {months} months works",
        "Yeah, I can do that plan",
        "Fine, let's do the {months} months",
        "That plan works{tail}",
        "Sure, monthly is easier",
    ),
    "decline": ("No{tail}", "I can't do that", "That's too much", "No way", "That doesn't work"),
    "confirm": ("Yes", "Yeah, that's right", "Correct", "Yep", "That's right{tail}", "Uh-huh, yes"),
    "already_promised": (
        "I already told you I'd pay {amount} {date}",
        "We already agreed on {date}{tail}",
        "I promised last time, {date}",
        "Didn't we set this up already? {date}",
    ),
    "hardship.job_loss": (
        "I lost my job{tail}",
        "I got laid off last month",
        "I'm out of work right now",
        "My hours got cut to nothing",
        "I don't have any income at the moment",
    ),
    "hardship.illness": (
        "I've been in the hospital{tail}",
        "I'm sick and can't work",
        "I just had surgery",
        "My kid is really sick, all the money goes to medical bills",
        "I'm going through chemo right now",
    ),
    "hardship.disaster": (
        "My house flooded",
        "We lost everything in the fire",
        "The storm wrecked our place{tail}",
        "We got hit by the hurricane",
    ),
    "hardship.bereavement": (
        "My husband just passed away",
        "There was a death in the family",
        "My mom died last week{tail}",
        "I just lost my wife",
    ),
    "dispute.amount_wrong": (
        "That amount is wrong",
        "I don't owe {amount}{tail}",
        "Those numbers don't add up",
        "It was never that much",
    ),
    "dispute.not_my_loan": (
        "I never took out that loan",
        "That's not my debt",
        "Somebody stole my identity",
        "I don't have an account with you{tail}",
    ),
    "dispute.fees": (
        "These fees are ridiculous",
        "I'm not paying those late fees",
        "The interest is way too high{tail}",
    ),
    "already_paid": (
        "I already paid that {date}",
        "I paid it off already",
        "I sent the money {date}{tail}",
        "It's been paid, check your records",
        "I paid it {date}",
    ),
    "abuse": (
        "Stop harassing me",
        "You people are unbelievable",
        "Get lost",
        "Quit calling me, idiot",
        "Are you kidding me with these calls?",
    ),
    "stop_calling": (
        "Stop calling me",
        "Please don't call this number again",
        "Take me off your list",
        "Don't ever call me again{tail}",
        "I don't want any more calls",
        "Do not contact me",
    ),
    "callback": (
        "I'm busy, call me back {when}",
        "I'm driving, can you call {when}?",
        "Not a good time. Try {when}",
        "Call back {when}{tail}",
        "I'm at work, call {when}",
    ),
    "refuse": (
        "I'm not paying",
        "I'm not giving you a cent{tail}",
        "Not going to happen",
        "Sue me then",
        "I won't pay, period",
    ),
    "request_human": (
        "Can I talk to a real person?",
        "I want to speak to a human",
        "Get me a representative",
        "I'm not talking to a machine{tail}",
    ),
    "distress": (
        "I can't take this anymore",
        "I don't know what to do... I just want it all to end",
        "Everything is falling apart, I'm done",
        "I don't see the point of anything anymore",
    ),
    "ask_repeat": ("Huh?", "What?", "Sorry, say that again?", "Come again?", "I didn't catch that"),
    "goodbye": ("Okay, bye", "Bye", "Thanks, bye", "Alright, bye{tail}", "See ya"),
    "voicemail_greeting": (
        "You've reached my voicemail, leave a message after the tone",
        "Hi, I can't get to the phone right now. Leave a message",
        "The person you are calling is not available. Please leave a message after the beep",
    ),
}

WHO = ("mom", "dad", "wife", "husband", "coworker", "brother", "sister", "roommate", "son")

# (phrase, days from the call, hour of day)
WHEN = (
    ("later", 0, 19),
    ("tonight", 0, 20),
    ("this afternoon", 0, 15),
    ("tomorrow", 1, 10),
    ("tomorrow afternoon", 1, 15),
    ("tomorrow morning", 1, 9),
    ("after 6", 0, 18),
    ("in a couple days", 2, 10),
)

ENGLISH_MIX: tuple[str, ...] = ()


FULL_AMOUNT = ("the full amount", "everything", "all of it", "the whole balance")


def birth_year_forms(year: int) -> tuple[str, ...]:
    century, rest = divmod(year, 100)
    spoken = f"{english_words(century)} {english_words(rest)}" if rest >= 10 else str(year)
    return (str(year), f"'{rest:02d}", spoken)


def digit_forms(digits: str) -> tuple[str, ...]:
    words = " ".join(english_words(int(d)) for d in digits)
    return (digits, f"{digits[:2]} {digits[2:]}", words)
