"""The words the classifier looks for: contact triggers, DPRK markers, near-miss markers, delegation kinds.

Kept apart from the rules so an editor can read what counts as a departure, a reception or a floral
basket. Patterns run on accent-folded text, English first, with the commonest Italian, Spanish,
Portuguese, Russian and Indonesian forms for foreign-language reports of the same events.
"""

from __future__ import annotations

import re

I = re.IGNORECASE  # noqa: E741 - short on purpose: every pattern below uses it

# --- Contact triggers, by kind. Each entry: (name shown to editors, pattern, strength). -----------------
# Strength 3: the verb tells the event itself; 2: a clear noun or verb of the kind; 1: weak (a visit
# mentioned in passing, "who is on a visit to").
TRAVEL = [
    ("arrival", re.compile(r"\b(?:arrived|arrives|arriving|arrival|landed|touched down|"
                           r"arrivat[oaie]|ha raggiunto|lleg[oó]|llegad[oa]|chegou|chegaram|прибыл[аи]?|tiba)\b", I), 3),
    ("departure", re.compile(r"\b(?:left|leaves|leaving|departed|departs|departing|departure|set off|sets off|"
                             r"set out|heads? (?:for|to|home)|headed (?:for|to|home)|is leaving|"
                             r"partit[oaie]|è partita|è partito|partió|parti[óo]|partiu|salió|отбыл[аи]?|вылетел[аи]?|"
                             r"berangkat)\b", I), 3),
    ("return", re.compile(r"\b(?:returned home|returns home|arrived (?:back )?home|back home|came home|"
                          r"return(?:ed|s)? to pyongyang|rientrat[oa]|regres[oó])\b", I), 3),
    ("sent", re.compile(r"\b(?:sent|sends|dispatched|dispatches) (?:a |an |its |the )?(?:[\w-]+ ){0,3}"
                        r"(?:delegation|envoy|group|team|troupe)\b", I), 3),
    ("tour", re.compile(r"\b(?:performance tour|toured|tour of|wrapp?(?:ed|ing|s)? up|conclud(?:ed|es|ing) "
                        r"(?:its|his|her|their|a|the)? ?(?:[\w-]+ ){0,3}(?:visit|trip|tour)|"
                        r"(?:began|begins|started|starts|kicked off|kicks off) (?:his|her|its|their|a|an|the)? ?"
                        r"(?:[\w-]+ ){0,3}(?:visit|trip|tour))\b", I), 3),
    ("visited", re.compile(r"\b(?:visited|paid (?:a|an) (?:[\w-]+ ){0,3}visit|has visited|visitato|visit[oó]|"
                           r"visitou|посетил[аи]?|mengunjungi)\b", I), 2),
    ("on a visit", re.compile(r"\b(?:on (?:a|an|his|her|its|their) (?:[\w-]+ ){0,3}(?:visit|tour|trip)|visiting|"
                              r"in visita|de visita|em visita|с визитом|kunjungan)\b", I), 1),
    ("to visit", re.compile(r"\b(?:to visit|will visit|for a visit|for visits?|to pay (?:a|an) (?:[\w-]+ ){0,3}visit|"
                            r"visit to|trip to|tour to|tour of)\b", I), 1),
    ("welcomed", re.compile(r"\b(?:was|were) (?:greeted|welcomed|met|received)(?: at the (?:airport|station|border))?"
                            r"\b", I), 2),
    ("announced visit", re.compile(r"\b(?:(?:will|is to|are to|is scheduled to|are scheduled to|is due to|are due to) "
                                   r"(?:(?:pay|make) (?:a|an) (?:[\w-]+ ){0,3}visit to|visit)|"
                                   r"will send (?:a|an) (?:[\w'’-]+ ){0,4}delegation)\b", I), 3),
    ("seen off", re.compile(r"\b(?:seen off|saw off|see off|sending (?:\w+ )?off)\b", I), 2),
    ("tribute", re.compile(r"\b(?:paid tribute|pays tribute|laid (?:a )?wreaths?|lays (?:a )?wreaths?|"
                           r"paid (?:their|his|her) respects)\b", I), 2),
]
MEETING = [
    ("met", re.compile(r"\b(?:met|meets|meeting with|(?:round|day|days|rounds) of talks|talks (?:were|was) held|had a talk|had talks|held talks|hold talks|holds talks|"
                       r"(?:held|holds|had|has) (?:a |an )?(?:[\w-]+ )?meeting|shook hands|shake hands|"
                       r"talks (?:with|between)|conversation with|incontrato|ha incontrato|si (?:è|e) incontrat[oa]|"
                       r"se reuni[oó]|reuni[oó]|se encontr[oó]|encontrou|reuniu|se reuniu|встретил(?:ся|ась)|"
                       r"провел[аи]? переговоры|bertemu|bertemu dengan)\b", I), 3),
    ("received", re.compile(r"\b(?<!was )(?<!were )(?:received|receives|receiving|welcomed|greeted|hosted|hosts|accorded|"
                            r"ricevut[oa]|recibi[oó]|recebeu|принял[аи]?)\b(?! (?:a |an |the )?(?:[\w-]+ ){0,3}"
                            r"(?:message|greeting|letter|floral|flower|basket|gift|congratulat|reply|wreath|credentials))", I), 2),
    ("credentials", re.compile(r"\b(?:credentials|letter of credence|copy of (?:his|her) credentials)\b", I), 3),
    ("courtesy", re.compile(r"\b(?:courtesy (?:call|visit)|called on|paid a call|visita di cortesia|visita de cortesia|"
                            r"kunjungan (?:[\w-]+ ){1,4}ke)\b",
                            I), 3),
    ("reception", re.compile(r"\b(?:reception|banquet|dinner|luncheon|feted|gave a party|hosted a party)\b", I), 2),
    ("ceremony", re.compile(r"\b(?:(?:opening|inaugural|unveiling|presentation|handover) ceremony|ceremony|"
                            r"inaugurated|attended|joined by|on hand|were present)\b", I), 1),
    ("present", re.compile(r"\b(?:attending the (?:ceremony|reception|event|meeting|banquet)|present (?:there|on the "
                           r"occasion|at the|on invitation)|(?:were|was) present|were on hand|was on hand)\b", I), 2),
    ("summit", re.compile(r"\b(?:summit|vertice|cumbre|cúpula|саммит)\b", I), 1),
]
MESSAGE = [
    ("message", re.compile(r"\b(?:message|messages|greeting|greetings|congratulat\w*|letter|letters|"
                           r"condolences?|sympathy|reply|replied|felicitations|messaggio|mensaje|mensagem|"
                           r"послание|телеграмм\w*|ucapan selamat)\b", I), 3),
    ("floral basket", re.compile(r"\b(?:floral basket|flower basket|basket of flowers|bouquet|wreath)\b", I), 3),
    ("gift", re.compile(r"\b(?:gift|gifts|presented (?:a |an |the )?(?:pair|gift|set|book|painting|portrait))\b", I), 3),
]
AGREEMENT = [
    ("signed", re.compile(r"\b(?:signed|signing|inked|firmat[oa]|firm[oó]|firmaron|assinou|assinaram|"
                          r"подписал[аи]?|подписание)\b", I), 3),
]
KIND_TRIGGERS = {"visit": TRAVEL, "meeting": MEETING, "message": MESSAGE, "agreement": AGREEMENT}

# Things received or sent that make a "received"/"sent" sentence a message.
MESSAGE_OBJECT = re.compile(
    r"\b(?:received|receives|sent|sends|conveyed|conveys|delivered|forwarded|got|handed)\b[^.;]{0,60}?"
    r"\b(?:message|greeting|greetings|letter|floral basket|flower basket|gift|congratulat\w*|reply|wreath|"
    r"condolence\w*|telegram)", I)
MESSAGE_FROM_TO = re.compile(r"\b(?:message|greetings?|letter|floral basket|flower basket|congratulations|gift)s?\b"
                             r"[^.;]{0,40}\b(?:from|to)\b", I)

# --- DPRK markers: who or what is the DPRK side. -------------------------------------------------------
DPRK_MARKER = re.compile(
    r"\b(?:DPRK|D\.P\.R\.K\.|North Korea(?:n|ns|'s)?|N\.? Korea(?:n|'s)?|Democratic People's Republic of Korea|"
    r"Workers' Party of Korea|Workers’ Party of Korea|WPK|Korean People's Army|KPA|Supreme People's Assembly|"
    r"SPA|State Affairs Commission|Pyongyang|the North(?! Korea)(?:'s)?|North's|Korea Utara|Corea del Nord|"
    r"Corea del Norte|Coreia do Norte|nordcorean[oaie]|norcorean[oa]s?|norte-?coreana?s?|КНДР|Северн\w+ Коре\w+|"
    r"северокорейск\w+|Korean Central News Agency|Chongryon|Kim Jong[- ]?[Uu]n|Kim Jong-?un|inter-Korean|"
    r"two Koreas|both Koreas|North and South Korea|South and North Korea)\b")
# Words that make "Korean" a DPRK marker in KCNA copy ("the Korean side", "Korean artistes").
KOREAN_WORD = re.compile(r"\bKorean\b")

# --- Near misses. ---------------------------------------------------------------------------------------
STATEMENT = re.compile(r"\b(?:spokesman|spokesperson|spokeswoman|press statement|statement of|answer(?:ed)? "
                       r"(?:to )?(?:a |the )?question|commentary|editorial|article titled|Rodong Sinmun (?:\w+ )?says|"
                       r"says in (?:a|an) (?:commentary|article|signed article)|memorandum of the|"
                       r"white paper|indictment|denounce[sd]?|condemn(?:s|ed)?)\b", I)
MILITARY_EVENT = re.compile(r"\b(?:missile|missiles|launch(?:ed|es)?|test-fir\w+|fired|artillery|nuclear test|"
                            r"ICBM|SLBM|rocket|satellite|drill|drills|sanction\w*|Security Council|shelling)\b", I)
# The contact is hypothetical, planned by others or denied.
HYPOTHETICAL = re.compile(r"\b(?:would|could|might|(?-i:may)|if|hope(?:s|d|fully)?|possible|possibility|likely|"
                          r"not aware|no plans?|plans? to|planning|proposal|proposed|invited (?:\w+ ){0,3}to visit|"
                          r"invitation to visit|rumou?r\w*|speculat\w+|consider\w*|whether)\b", I)
HISTORY = re.compile(r"\b(?:anniversary|years? ago|last year|previously|former(?:ly)?|in (?:19|20)\d\d|prior to this|"
                     r"twice|three times|first time since|that year|in those days|"
                     r"since (?:19|20)\d\d|history|historic(?:al)? (?:ties|relations)|back in|late)\b", I)
ANNIVERSARY_OF = re.compile(r"\banniversary of (?:the )?(?:signing|conclusion|establishment|publication|"
                            r"adoption)\b", I)
# A contact with no DPRK side, in copy that talks about the DPRK.
ABOUT_DPRK = re.compile(r"\b(?:on|about|over|regarding|concerning|toward|towards|against|with regard to|"
                        r"denucleari[sz]\w*|issue|abduct\w*|threat|provocations?|troops?|deployment|program(?:me)?s?)\b"
                        r"[^.;]{0,25}$", I)

# --- Places of the contact. -----------------------------------------------------------------------------
HERE = re.compile(r"\b(?:arrived|left|signed|held|opened|hosted|here|embassy here)\b[^.;]{0,12}\bhere\b|"
                  r"\bhere (?:on|today|yesterday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|"
                  r"\b(?:embassy|mission|ambassador|diplomats?|staff) here\b|\barrived here\b|\bleft here\b|"
                  r"\bsigned here\b|\bhere\b", I)
PYONGYANG_VENUE = re.compile(r"\b(?:Mansudae|Kumsusan|Taedonggang Diplomatic Club|Koryo Hotel|Mansu Hill|Okryu|"
                             r"Ryugyong|Chongryu|Pyongyang International Airport|Pyongyang Railway Station|"
                             r"Sunan|People's Palace of Culture|Kim Il Sung Square|Mokran House|Paekhwawon)\b")
TO_DPRK = re.compile(r"\b(?:visit(?:s|ing)? (?:to )?(?:the )?(?:DPRK|North Korea|Pyongyang)|"
                     r"(?:arrived|arrives|arriving|landed) (?:in|at) (?:the )?(?:DPRK|North Korea|Pyongyang|Sunan)|"
                     r"in (?:the )?(?:DPRK|North Korea)|in Pyongyang|at Pyongyang|to Pyongyang|to the DPRK|"
                     r"to North Korea)\b", I)
LEFT_HOME = re.compile(r"\b(?:left|departed|departs|leaves|set off from)\s+(?:here|Pyongyang|the (?:North Korean|DPRK) "
                       r"capital|(?:the )?Pyongyang (?:International Airport|Railway Station|Station))\b", I)
RETURN_HOME = re.compile(r"\b(?:returned home|returns home|arrived (?:back )?home|back home|came home)\b", I)
TRANSIT = re.compile(r"\b(?:transit|passed through|passing through|travell?ing through|crossed (?:into|the border)|crossing into|"
                     r"border (?:town|city|station|crossing)|via|by way of|en route|stopover|stop-over)\b", I)

# --- Delegations. --------------------------------------------------------------------------------------
DELEGATION_HEAD = re.compile(
    r"\b(?:delegations?|visiting group|group|mission|troupe|ensemble|team|artistes|artists|delegates|"
    r"athletes|players|footballers|delegazione|delegación|delegação|делегаци\w+|delegasi)\b", I)
DELEGATION_WORD = re.compile(r"\b(?:delegations?|delegazione|delegación|delegação|делегаци\w+|delegasi|"
                             r"visiting group|friendship group|art troupe|troupe|artistes|(?:sports|national) team|"
                             r"athletes)\b", I)
# Order matters: the first family that matches the delegation phrase wins.
DELEGATION_TYPES = [
    ("party", re.compile(r"\b(?:party and government|party-government|party-state|party and state)\b", I)),
    ("culture", re.compile(r"\b(?:art troupe|troupe|artistes|artists|ensemble|orchestra|choir|circus|"
                           r"cultur\w*|art|arts|performers?|film|musicians?)\b", I)),
    ("sports", re.compile(r"\b(?:sports?|athletes?|footballers?|football|olympic|games|taekwondo|team|players?)\b", I)),
    ("media", re.compile(r"\b(?:media|news agency|journalists?|press|radio|television|KCNA|TASS|Xinhua|"
                         r"newspaper)\b", I)),
    ("military", re.compile(r"\b(?:military|army|armed forces|KPA|defen[cs]e|navy|naval|air force|"
                            r"People's Armed Forces)\b", I)),
    ("parliament", re.compile(r"\b(?:parliament\w*|SPA|Supreme People's Assembly|State Duma|Duma|National Assembly|"
                              r"legislat\w+|congress|senate)\b", I)),
    ("economic", re.compile(r"\b(?:economic|trade|commerce|commercial|investment|business|chamber)\b", I)),
    ("friendship", re.compile(r"\b(?:friendship|solidarity|Friendship Association|Juche|Kimilsungism)\b", I)),
    ("party", re.compile(r"\b(?:party|WPK|Workers' Party|Communist|CPC|CPV|LPRP|Central Committee|C\.C\.|"
                         r"International Department|Politburo|Political Bureau|partito|partido|партии|партия)\b", I)),
    ("government", re.compile(r"\b(?:government|governmental|ministry|ministries|minister|ministerial|cabinet|"
                              r"administration|foreign affairs|diplomatic|premier|vice-premier|state|"
                              r"Presidium|head of state|officials|governo|gobierno|правительств\w+)\b", I)),
]
OTHER_DELEGATION = re.compile(r"\b(?:study of the Juche idea|Juche idea study|Kimilsungism|organizations? for the study|"
                              r"Koreans? (?:residents? )?in|Chongryon|General Association of Korean Residents)\b", I)
OVERSEAS_KOREANS = re.compile(r"\b(?:Koreans?|Korean residents?|compatriots?) (?:in|from) (?:the )?$", I)

# Leader phrases.
LEAD_BY = re.compile(r"\b(?:led by|headed by|leading|head of|guidata da|guidato da|encabezad[oa] por|"
                     r"liderad[oa] por|chefiad[oa] por|во главе с|dipimpin)\s*$", I)
PRESENT_LIST = re.compile(r"\b(?:present (?:there|at|on)|were present|on hand|seen off|saw off|greeted|welcomed|"
                          r"invited (?:there|to the \w+) were|"
                          r"accompanied by|attending|among those|met at the airport|received at)\b", I)
NOT_PARTY_CONTEXT = re.compile(r"\b(?:anniversary|birth|birthday|statues?|portraits?|mausoleum|feats|exploits|"
                               r"sister of|brother of|wife of|daughter of|son of|father of|grandfather of|"
                               r"invitation of|behests?|works? of|forged by|born|bust|memory|memorial|revolutionary career|"
                               r"idea of|ideas of|teachings?|name of|named after)\b[^.;]{0,30}$", I)

# Substrings without which a trigger pattern cannot match: checked on the lowercased sentence first, so
# that the regular expressions only run where they can fire (classification must stay >= 500 articles/s).
TRIGGER_STEMS = {
    "announced visit": ("visit", "will send"),
    "arrival": ("arriv", "landed", "touched down", "raggiunt", "lleg", "chegou", "chegaram", "прибыл", "tiba"),
    "departure": ("left", "leav", "depart", "set off", "sets off", "set out", "head", "partit", "partì", "partió",
                  "partio", "partiu", "salió", "отбыл", "вылетел", "berangkat"),
    "return": ("home", "return", "rientrat", "regres"),
    "sent": ("sent", "send", "dispatch"),
    "tour": ("tour", "wrap", "conclud", "began", "begin", "start", "kick"),
    "visited": ("visit", "paid a", "посетил", "mengunjungi"),
    "on a visit": ("visit", "tour", "trip", "визит", "kunjungan"),
    "to visit": ("visit", "trip", "tour"),
    "welcomed": ("greeted", "welcomed", " met", "received"),
    "seen off": ("seen off", "saw off", "see off", "sending"),
    "tribute": ("tribute", "wreath", "respects"),
    "met": ("met", "meet", "talk", "hands", "incontr", "reuni", "encontr", "встретил", "переговор", "bertemu"),
    "received": ("receiv", "welcom", "greet", "host", "accord", "ricevut", "recibi", "recebeu", "принял"),
    "credentials": ("credential", "credence"),
    "courtesy": ("courtesy", "called on", "paid a call", "cortesia", "kunjungan"),
    "reception": ("reception", "banquet", "dinner", "luncheon", "feted", "party"),
    "ceremony": ("ceremon", "inaugurat", "attended", "joined by", "on hand", "present"),
    "present": ("attending", "present", "on hand"),
    "summit": ("summit", "vertice", "cumbre", "cúpula", "саммит"),
    "message": ("messag", "greeting", "congratul", "letter", "condolence", "sympathy", "repl", "felicitation",
                "mensaj", "mensagem", "послание", "телеграмм", "ucapan"),
    "floral basket": ("basket", "bouquet", "wreath"),
    "gift": ("gift", "presented"),
    "signed": ("sign", "inked", "firmat", "firmó", "firmaron", "assin", "подписа"),
}
_ALL_STEMS = sorted({stem for stems in TRIGGER_STEMS.values() for stem in stems}, key=len, reverse=True)


def trie_pattern(words) -> str:
    """A regex alternation of literal words built as a trie, so the engine tests one branch per character
    instead of every word in turn (several times faster than a flat alternation of 150 stems).
    Longer words win over their prefixes, as in a longest-first alternation."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def render(node) -> str:
        end = "" in node
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        if len(branches) == 1 and not end:
            return branches[0]
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if end else body

    return render(trie)


ALL_STEMS = re.compile(trie_pattern(_ALL_STEMS))
# A stem found also stands for the shorter stems inside it ("paid a call" holds "paid a").
STEM_CLOSURE = {stem: frozenset(other for other in _ALL_STEMS if other in stem) for stem in _ALL_STEMS}


# --- Lowercase twins --------------------------------------------------------------------------------------
# Python's regex engine skips ahead fast only on case-sensitive literals: a case-insensitive alternation
# is about three times slower. Each pattern below gets a case-sensitive twin with its literal letters
# lowered, run on the lowercased sentence (computed once). Lowercasing keeps offsets only when it keeps
# the length, so callers fall back to the original pattern otherwise (`search_lower`).


def lower_twin(pattern: re.Pattern) -> re.Pattern:
    """A case-sensitive copy of an IGNORECASE pattern, for lowercased text: literals lowered, escapes kept."""
    source = pattern.pattern
    if not pattern.flags & re.IGNORECASE or "(?-i" in source or "(?P<" in source:
        raise ValueError("only plain case-insensitive patterns have a lowercase twin")
    lowered = re.sub(r"\\.|[^\\]", lambda m: m.group(0) if m.group(0)[0] == "\\" else m.group(0).lower(), source)
    return re.compile(lowered, pattern.flags & ~re.IGNORECASE)


TWINS: dict[re.Pattern, re.Pattern] = {
    p: lower_twin(p) for p in (HISTORY, STATEMENT, MILITARY_EVENT, HERE, DELEGATION_WORD)
}
KIND_TRIGGERS_LOWER = {kind: [(name, lower_twin(p), strength) for name, p, strength in rules]
                       for kind, rules in KIND_TRIGGERS.items()}


def search_lower(pattern: re.Pattern, text: str, lower: str) -> re.Match | None:
    """`pattern.search(text)` through its lowercase twin when `lower` is `text.lower()` of the same length."""
    twin = TWINS.get(pattern)
    if twin is not None and len(lower) == len(text):
        return twin.search(lower)
    return pattern.search(text)
