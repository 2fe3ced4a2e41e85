"""People's names: romanisation-insensitive keys and spotting person names in news copy.

KCNA writes "Kim Song Nam", Yonhap "Kim Song-nam", others "Kim Sung-nam", and Korean sources 김성남.
`name_key` folds these to one key: case, spaces, hyphens, apostrophes and accents are ignored, and for
Korean names the common McCune-Reischauer / Revised Romanization / DPRK-style variants are folded
syllable by syllable (sung/song, eo/o, eu/u, ch/j, g/k, b/p, d/t, aspirate h after p/t/k, and surname
spellings such as Lee/Li/Yi/Ri, Park/Pak, Choi/Choe). Hangul is romanised per syllable with ko-pron
(McCune-Reischauer), then folded the same way.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

# Korean surnames as romanised in DPRK and ROK copy, mapped to one spelling.
SURNAMES = {
    "kim": "kim", "gim": "kim", "ri": "ri", "li": "ri", "lee": "ri", "yi": "ri", "rhee": "ri", "i": "ri",
    "pak": "pak", "park": "pak", "bak": "pak", "choe": "choe", "choi": "choe", "chwe": "choe", "jo": "jo",
    "cho": "jo", "jang": "jang", "chang": "jang", "jong": "jong", "jeong": "jong", "jung": "jong",
    "chung": "jong", "chong": "jong", "kang": "kang", "gang": "kang", "han": "han", "o": "o", "oh": "o",
    "yun": "yun", "yoon": "yun", "ryu": "ryu", "yu": "ryu", "yoo": "ryu", "mun": "mun", "moon": "mun",
    "thae": "thae", "tae": "thae", "cha": "cha", "jon": "jon", "jeon": "jon", "chon": "jon", "ju": "ju",
    "joo": "ju", "hong": "hong", "hwang": "hwang", "sin": "sin", "shin": "sin", "song": "song",
    "sung": "song", "ko": "ko", "koh": "ko", "go": "ko", "kwon": "kwon", "gwon": "kwon", "no": "no",
    "roh": "no", "rho": "no", "noh": "no", "ryang": "ryang", "yang": "yang", "pang": "pang", "bang": "pang",
    "paek": "paek", "baek": "paek", "paik": "paek", "ho": "ho", "heo": "ho", "hur": "ho", "son": "son",
    "sohn": "son", "chae": "chae", "jin": "jin", "im": "rim", "rim": "rim", "lim": "rim", "ma": "ma",
    "an": "an", "ahn": "an", "sim": "sim", "shim": "sim", "nam": "nam", "sok": "sok", "seok": "sok",
    "myong": "myong", "myung": "myong", "hyon": "hyon", "hyun": "hyon", "chu": "ju", "kye": "kye",
    "ryom": "ryom", "yom": "ryom", "yeom": "ryom", "tong": "tong", "dong": "tong", "pyon": "pyon",
    "byun": "pyon", "byeon": "pyon", "u": "u", "woo": "u", "wu": "u", "kil": "kil", "gil": "kil", "ri'": "ri",
    "so": "so", "seo": "so", "suh": "so", "min": "min", "ok": "ok", "chun": "jon", "kung": "kung",
    "ryo": "ryo", "yo": "ryo", "om": "om", "eom": "om", "um": "om", "pyo": "pyo", "phyo": "pyo",
    "ha": "ha", "cheon": "jon", "won": "won", "wang": "wang", "ku": "ku", "koo": "ku", "gu": "ku",
    "kwak": "kwak", "ra": "ra", "na": "ra", "jegal": "jegal", "tak": "tak", "hyeon": "hyon", "ji": "ji",
}
# Korean syllables as romanised in names: optional onset, vowel, optional coda.
_SYLLABLE = re.compile(
    r"^(?:ch'?|ph|th|kh|ss|jj|kk|tt|pp|sh|ts|wh|[bcdghjklmnprstw])?"
    r"(?:yeo|yae|wae|weo|eo|eu|ae|oe|ui|wa|wo|we|wi|ya|yo|yu|ye|oo|ee|ai|a|e|i|o|u|ŏ|ŭ|yŏ|wŏ)"
    r"(?:ng|n|l|k|p|m|t|r|g|b|ch|s|ll)?$"
)
_SPLIT = re.compile(r"[\s\-‐'’`.]+")
# Words that look like name parts but are titles, honorifics or organisation words.
NOT_NAME_WORDS = {
    "president", "premier", "prime", "minister", "vice", "deputy", "first", "chairman", "chairwoman",
    "chairperson", "secretary", "general", "director", "ambassador", "foreign", "affairs", "marshal",
    "supreme", "leader", "comrade", "respected", "dear", "mr", "mrs", "ms", "dr", "madame", "king", "queen",
    "prince", "princess", "emir", "sultan", "speaker", "chief", "head", "commander", "colonel", "major",
    "lieutenant", "admiral", "captain", "captains", "regent", "governor", "mayor", "envoy", "counsellor",
    "consul", "department", "ministry", "committee", "central", "political", "bureau", "party", "workers",
    "people's", "peoples", "republic", "democratic", "state", "commission", "assembly", "presidium",
    "cabinet", "army", "national", "international", "council", "union", "association", "federation",
    "friendship", "embassy", "agency", "news", "korean", "korea", "dprk", "wpk", "kpa", "spa", "cpv", "the",
    "mt", "university", "hall", "club", "hotel", "airport", "station", "palace", "house", "day", "games",
    "forum", "olympic", "olympics", "world", "cup", "executive", "standing", "member", "alternate", "senior",
    "juche", "idea", "institute", "society", "group", "city", "province", "municipal", "square", "street",
    "kcna", "afp", "reuters", "yonhap", "xinhua", "tass", "sputnik", "kyodo", "efe", "vna", "north", "south",
    "east", "west", "his", "her", "their", "in", "on", "at", "of", "and", "a", "an", "to", "for", "with",
    "by", "from", "he", "she", "it", "they", "we", "this", "that", "after", "before", "during", "when",
    "while", "as", "but", "also", "according", "meanwhile", "earlier", "later", "present", "attending",
    "among", "both", "other", "others", "some", "under", "upon", "delegation", "delegations", "team",
    "troupe", "choir", "orchestra", "band", "circus", "company", "ensemble", "ceremony", "reception",
    "banquet", "talks", "meeting", "conference", "summit", "declaration", "treaty", "agreement", "mission",
    "office", "administration", "government", "navy", "air", "force", "forces", "guard", "police",
    "security", "defence", "defense", "trade", "economic", "culture", "cultural", "physical", "sports",
    "press", "media", "radio", "television", "tv", "service", "services", "federal", "liberal", "socialist", "communist", "revolutionary", "youth", "women's", "women", "labour",
    "labor", "front", "movement", "congress", "parliament", "parliamentary", "duma", "senate",
    "court", "bank", "fund", "organization", "organisation", "nations", "united", "european", "african",
    "asian", "arab", "islamic", "states", "kingdom", "excellency", "honour", "honor",
    "hon", "sir", "lord", "lady", "saint", "st", "new", "year", "years", "week", "month", "today",
    "tomorrow", "yesterday", "reporters", "officials", "official", "citizens", "people", "workers'",
    "commissioner", "representative", "permanent", "plenipotentiary", "extraordinary", "charge", "d'affaires",
    "acting", "former", "late", "eternal", "great", "heroic", "immortal", "anti-japanese", "war", "hero",
    "statue", "statues", "mausoleum", "memorial", "tower", "monument", "arch", "kumsusan", "mansudae",
    "taedonggang", "koryo", "okryu", "chongryu", "ryugyong", "museum", "theatre", "theater", "stadium",
    "gymnasium", "farm", "factory", "complex", "school", "college", "academy", "hospital", "library",
    "centre", "center", "district", "county", "region", "territory", "territorial", "oblast", "krai",
    "railway", "times", "daily", "herald", "post", "tribune", "online", "wire", "network",
    "global", "sinmun", "rodong", "minju", "joson", "pyongyang", "seoul", "beijing", "moscow", "hanoi",
    "vientiane", "tehran", "white", "cheong", "wa", "dae", "blue", "red", "green", "golden", "gold",
    "politburo", "secretariat", "polit", "kimilsungism-kimjongilism", "kimilsungia", "kimjongilia",
    "order", "medal", "prize", "title", "kimilsungism", "songun", "chollima", "paektu", "mount",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "photo", "file",
    "ap", "ians", "cnn", "bbc", "nhk", "ria", "novosti", "interfax", "ria-novosti", "associated", "ltd",
    "inc", "corp", "co", "group's", "lao", "chinese", "russian", "vietnamese", "mongolian", "syrian",
    "iranian", "cuban", "laotian", "american", "japanese", "british", "indian", "egyptian", "indonesian",
    "cambodian", "ugandan", "nigerian", "belarusian", "turkish", "serbian", "sri", "lankan", "why", "what", "how", "who", "where", "if", "not", "no", "yes", "all", "most", "more", "many",
    "such", "these", "those", "there", "here", "our", "your", "my", "its", "i", "you", "us",
    "said", "says", "met", "meets", "receives", "received", "hosts", "hosted", "visits", "arrives",
    "leaves", "returns", "sends", "greetings", "message", "congratulations", "floral", "basket", "gift",
    "signed", "signs", "inked", "holds", "held", "pays", "tribute", "calls", "call", "courtesy",
    "wreath", "laid", "lays", "heads", "led", "headed", "ends", "concludes", "wraps", "starts", "begins",
    "kicks", "off", "tour", "visit", "trip", "back", "home", "nuclear", "scientific", "research", "reactor",
    "plant", "water", "light", "experimental", "production", "enrichment", "uranium", "test", "site", "launch",
    "space", "cosmodrome", "facility", "base", "port", "zone", "island", "islands",
    "peninsula", "sea", "river", "lake", "mountain", "valley", "bridge", "road", "highway", "line", "festival",
    "spring", "autumn", "summer", "winter", "fourth", "third", "second", "fifth", "sixth", "seventh", "eighth",
    "ninth", "tenth", "eurasia", "eurasian", "brics", "asean", "non-aligned", "diplomatic", "corps", "power", "industry",
    "electric", "energy", "mutual", "assistance", "cooperation", "partnership", "strategic", "comprehensive",
    "municipality", "education", "higher", "public", "health", "safety", "maritime", "pacific", "atlantic", "indo-pacific", "asia-pacific", "atomic", "accord", "protocol",
    "art", "arts", "dance", "music", "ballet", "opera", "folk", "academic", "philharmonic", "philharmonia",
    "last", "next", "every", "each", "general's", "secretary-general", "director-general",
    # Company words: "Samsung Electronics Vice Chairman ..." names a firm before the person.
    "electronics", "motors", "corporation", "holdings", "industries", "airlines", "airways", "enterprises",
    "enterprise", "technologies", "telecom", "shipping", "construction", "engineering",
}
# Top DPRK figures whose names alone mark the DPRK side in copy from any outlet (domain knowledge).
DPRK_FIGURES = (
    "Kim Il Sung", "Kim Jong Il", "Kim Jong Un", "Kim Yo Jong", "Kim Yong Nam", "Choe Ryong Hae",
    "Pak Pong Ju", "Kim Yong Chol", "Ri Yong Ho", "Choe Son Hui", "Ri Su Yong", "Kim Tok Hun", "Pak Thae Song",
    "Kim Song Nam", "Ri Son Gwon", "Jo Yong Won", "Pak Ui Chun", "Kang Sok Ju", "Kim Kye Gwan", "Ri Pyong Chol",
    "No Kwang Chol", "Pak Jong Chon", "Kim Jae Ryong", "Choe Thae Bok", "Ri Il Hwan", "Kim Yong Il",
    "Hyon Song Wol", "Ri Sol Ju", "Kim Chang Son", "Kim Hyok Chol", "Ri Man Gon", "O Su Yong",
)
# Dead leaders and the day they died: named constantly in DPRK copy, never a living party after that day.
DECEASED_LEADERS = {"Kim Il Sung": date(1994, 7, 8), "Kim Jong Il": date(2011, 12, 17), "Kim Jong Suk": date(1949, 9, 22)}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


@lru_cache(maxsize=4096)
def _hangul_syllable(ch: str) -> str:
    from ko_pron import romanise

    return romanise(ch, "mr")


def _romanise_hangul(text: str) -> str:
    """Hangul to space-separated McCune-Reischauer syllables; other characters kept as they are."""
    out = []
    for ch in text:
        if _is_hangul(ch):
            out.append(" " + _hangul_syllable(ch).replace("'", "") + " ")
        else:
            out.append(ch)
    return "".join(out)


def _korean_syllable(token: str) -> str:
    """Fold one romanised Korean syllable group to a key form (MR, RR and DPRK styles alike)."""
    t = token.replace("'", "").replace("’", "")
    t = t.replace("sung", "song").replace("yeo", "yo").replace("eo", "o").replace("eu", "u")
    t = t.replace("shi", "si").replace("sh", "s").replace("oo", "u").replace("ee", "i").replace("wo", "o")
    for aspirated, plain in (("ph", "p"), ("th", "t"), ("kh", "k")):
        if t.startswith(aspirated):
            t = plain + t[2:]
    if t.startswith("ch"):
        t = "j" + t[2:]
    if t[:1] in {"g", "b", "d"}:
        t = {"g": "k", "b": "p", "d": "t"}[t[0]] + t[1:]
    # Inside a word, voiced and voiceless onsets alternate too (Jong-gyu / Jong Kyu).
    return t.replace("gy", "ky").replace("gw", "kw")


@lru_cache(maxsize=8192)
def is_korean_name(name: str) -> bool:
    """Whether `name` looks like a Korean personal name: a known surname and one or two given syllables."""
    if any(_is_hangul(ch) for ch in name):
        return True
    parts = [p for p in _SPLIT.split(_fold(name)) if p]
    if len(parts) < 2 or len(parts) > 3 or parts[0] not in SURNAMES:
        return False
    given = parts[1:]
    if len(given) == 1:
        word = given[0]
        # "Jong-un" was split already; a fused given name ("Yongho") must split into two syllables.
        return bool(_SYLLABLE.match(word)) or any(
            _SYLLABLE.match(word[:i]) and _SYLLABLE.match(word[i:]) for i in range(1, len(word))
        )
    return all(_SYLLABLE.match(p) for p in given)


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """A key equal for spellings of the same person's name, whatever the romanisation.

    "Kim Song Nam", "Kim Song-nam", "kim sung nam" and 김성남 share a key; so do "Kim Jong Un", "Kim Jong-un",
    "Kim Chŏng-ŭn" and 김정은; "Choe Son Hui" and "Choi Son-hui"; "Ri Yong Ho", "Lee Yong-ho" and 리용호.
    Non-Korean names only lose case, accents, spaces and hyphens.
    """
    text = name or ""
    hangul = any(_is_hangul(ch) for ch in text)
    if hangul:
        text = _romanise_hangul(text)
    folded = _fold(text)
    parts = [p for p in _SPLIT.split(folded) if p]
    if not parts:
        return ""
    if hangul or is_korean_name(" ".join(parts)) or (len(parts) >= 2 and parts[0] in SURNAMES and len(parts) <= 3):
        surname = SURNAMES.get(parts[0], parts[0])
        return surname + "".join(_korean_syllable(p) for p in parts[1:])
    return "".join(parts).replace("sung", "song")


@lru_cache(maxsize=8192)
def korean_parts(name: str) -> tuple[str, tuple[str, ...]] | None:
    """A Korean name as (canonical surname, given-name syllables in key form), or None for other names.

    "Kim Song-nam", "KIM Sung Nam" and 김성남 give ("kim", ("song", "nam")); a fused given name
    ("Yongho") stays one part, since where it splits is not always clear.
    """
    text = name or ""
    hangul = any(_is_hangul(ch) for ch in text)
    if hangul:
        text = _romanise_hangul(text)
    parts = [p for p in _SPLIT.split(_fold(text)) if p]
    if len(parts) < 2 or not (hangul or is_korean_name(" ".join(parts))):
        return None
    return SURNAMES.get(parts[0], parts[0]), tuple(_korean_syllable(p) for p in parts[1:])


def same_person(a: str, b: str) -> bool:
    """Whether two spellings name the same person.

    Equal keys match. For non-Korean names an initial matches a full first name when the last names
    agree ("V. Putin" and "Vladimir Putin"; "Bashar Al-Assad" and "Bashar al-Assad").
    """
    if not a or not b:
        return False
    if name_key(a) == name_key(b):
        return True
    if is_korean_name(a) or is_korean_name(b):
        return False
    pa = [p for p in _SPLIT.split(_fold(a)) if p]
    pb = [p for p in _SPLIT.split(_fold(b)) if p]
    if not pa or not pb or pa[-1] != pb[-1]:
        return False
    if len(pa) == 1 or len(pb) == 1:
        return True
    return pa[0][0] == pb[0][0]


_TOKEN = r"(?:[A-Z][a-zà-ÿ]+(?:[-'’][A-Za-zà-ÿ]+)*|[A-Z]{1,2}\.|Al-[A-Z][a-z]+|[A-Z][a-z]?[A-Z][a-z]+|II|III|IV)"
NAME_RUN = re.compile(_TOKEN + r"(?:\s+(?:(?:al|bin|van|de|da|di|von|der|du|le|la|dos|del)\s+)?" + _TOKEN + r")*")


def _is_name_token(tok: str) -> bool:
    low = tok.casefold().rstrip(".,")
    if low.startswith(("vice-", "deputy-", "co-", "ex-", "acting-")) or low.endswith(("-general", "-elect", "-in-chief")):
        return False
    return low not in NOT_NAME_WORDS and not low.endswith(("'s", "’s"))


_KOREAN_SYLLABLE_WORDS = {"In", "An", "On", "O", "Un"}


def split_name_run(run: str) -> list[tuple[int, int]]:
    """Within a capitalised run ("Foreign Minister Pak Ui Chun"), the spans that are personal names."""
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", run)]
    spans = []
    i = 0
    while i < len(tokens):
        if not _is_name_token(tokens[i][0]):
            i += 1
            continue
        j = i
        while j < len(tokens) and (_is_name_token(tokens[j][0]) or tokens[j][0] in {"al", "bin", "van", "de"} or (
                # Korean given syllables that are also English words: "Pak In Chol", "Ri An Sok".
                j == i + 1 and tokens[j][0] in _KOREAN_SYLLABLE_WORDS and j + 1 < len(tokens)
                and is_korean_name(" ".join(t for t, _, _ in tokens[i:j + 2])))):
            j += 1
        if j - i >= 2 or (j - i == 1 and tokens[i][0][0].isupper() and _single_token_name(tokens[i][0])):
            spans.append((tokens[i][1], tokens[j - 1][2]))
        i = j
    return spans


def _single_token_name(token: str) -> bool:
    # Mononyms exist (Jokowi, Suharto) but single capitalised words are far more often something else.
    return False


def find_names(text: str) -> list[tuple[str, int, int]]:
    """Personal names in `text` with their offsets; titles in front of a name are left out."""
    found = []
    for run in NAME_RUN.finditer(text):
        for s, e in split_name_run(run.group(0)):
            name = run.group(0)[s:e].rstrip(".,")
            tokens = name.split()
            if len(tokens) > 4:
                tokens = tokens[-3:] if is_korean_name(" ".join(tokens[-3:])) else tokens[:4]
                name = " ".join(tokens)
            start = run.start() + s + run.group(0)[s:e].find(name)
            found.append((name, start, start + len(name)))
    return found


@lru_cache(maxsize=1)
def _figure_keys() -> dict[str, str]:
    return {name_key(n): n for n in DPRK_FIGURES}


def dprk_figure(name: str) -> str | None:
    """The canonical spelling if `name` is one of the best-known DPRK figures, else None."""
    return _figure_keys().get(name_key(name))


def is_deceased_leader(name: str, on: date | None = None) -> bool:
    """Kim Il Sung, Kim Jong Il and Kim Jong Suk after their deaths (or when the day is unknown)."""
    key = name_key(name)
    return any(key == name_key(n) and (on is None or on > died) for n, died in DECEASED_LEADERS.items())
