"""English-like, KCNA-style article text for the synthetic corpus.

Words follow Zipf frequencies (rank r drawn with weight 1/r^1.15, close to English), mixing a
hand-picked news vocabulary at the head with generated words for the long tail, so that full-text
indexes see a realistic spread of common and rare lexemes. A few sentences per article are templated
with real entity names (officials, countries, cities) so that searches for them find something.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

HEAD_WORDS = """
the of and to in a for on with by was is that at as from be were his their this which has it
delegation korea dprk party people workers korean said government president kim country visit
talks friendship relations leader development cooperation meeting central committee between
two countries minister foreign peoples democratic republic chairman pyongyang sides state first
secretary national great socialist international support day construction comrade will an are
have had during further letter message congratulatory exchange agreement signed occasion
anniversary received led member members premier chinese russian vietnamese lao cuban expressed
hope strengthening traditional ties wished success cause independence peace sovereignty region
situation army military science technology economic culture education health sports art
exhibition floral basket sent wreath laid statue monument palace kumsusan sun mansudae hill
embassy ambassador charge affaires reception banquet hosted speech toast talk held conversation
arrived departed airport station railway welcomed greeted seen off here home left back
production plan year target field factory enterprise complex industry agriculture farm harvest
rice grain fertilizer steel coal power electricity station plant machine building design
youth league women union trade association committee commission assembly supreme standing
presidium cabinet ministry department director vice deputy general officer senior official
leading officials concerned attended present participants among others including on-site
guidance inspected gave praised noted stressed emphasized called upon decided adopted
resolution plenary meeting session congress conference seminar symposium lecture study
revolutionary idea juche songun patriotism loyalty unity single-hearted great leader heroic
historic victory war liberation fatherland reunification anti-imperialist struggle justice
enemies hostile policy sanctions nuclear deterrent missile test launch defence security
against united states south puppet forces aggression provocation threat peninsula region world
history tradition heritage museum memorial tower revolutionary site battle site visit tour
noted achievements scientists researchers teachers students children school university
hospital medical doctors treatment medicine pharmaceutical public service city province county
street house dwelling houses flats completed inaugurated ceremony ribbon cutting dedication
new modern advanced level standard quality high increase boost improve bring about turn
great leap forward spirit campaign drive struggle innovation creation model example
""".split()

SYLLABLES = (
    "ba be bi bo bu ka ke ki ko ku da de di do du ra re ri ro ru ma me mi mo mu na ne ni no nu "
    "sa se si so su ta te ti to tu la le li lo lu pa pe pi po pu ga ge gi go gu va ve vi vo vu "
    "tion ment ness ance ing ed er al ic ous ive ure ly"
).split()


def _long_tail(rng: random.Random, count: int) -> list[str]:
    """Pronounceable made-up words standing in for English's long tail of rare words."""
    seen: set[str] = set(HEAD_WORDS)
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


@dataclass
class Vocabulary:
    """A long stream of words drawn independently with Zipf weights.

    Sentences are random slices of the stream: any slice of an i.i.d. stream is itself an i.i.d. draw,
    and slicing costs a few microseconds where drawing word by word (a bisect per word) costs ten times more.
    """

    stream: list[str]


def vocabulary(seed: int, tail: int = 20000, exponent: float = 1.15, length: int = 1 << 21) -> Vocabulary:
    """Head words in rank order, then the long tail, weighted 1/rank^exponent."""
    rng = random.Random(seed)
    words = HEAD_WORDS + _long_tail(rng, tail)
    cum_weights = list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, len(words) + 1)))
    return Vocabulary(rng.choices(words, cum_weights=cum_weights, k=length))


MONTHS = "January February March April May June July August September October November December".split()

RELEVANT_TITLES = (
    "{demonym} delegation arrives in Pyongyang",
    "DPRK {dtype} delegation leaves for {country}",
    "DPRK delegation arrives in {city}",
    "{leader} meets {country} delegation",
    "Talks held between DPRK and {country} delegations",
    "Message of greeting sent to {country} leader",
    "Floral basket sent to {country} embassy",
    "Agreement on cooperation signed between DPRK and {country}",
    "Reception given for {demonym} delegation",
    "{demonym} delegation visits Mangyongdae",
)
OTHER_TITLES = (
    "Bumper harvest reported in {province}",
    "Meeting held to mark anniversary of founding of {org}",
    "Sci-tech exhibition opens in Pyongyang",
    "Workers of {province} complex overfulfil production plan",
    "New houses completed in {province}",
    "National seminar on education held",
    "KCNA commentary on hostile policy",
    "Sports contest held in Pyongyang",
)
RELEVANT_SENTENCES = (
    "A {dtype} delegation led by {leader}, {title}, left Pyongyang on {date} to visit {country}.",
    "The {demonym} delegation headed by {foreign_leader} arrived in Pyongyang on {date}.",
    "{leader} met and had a friendly talk with the delegation of {country} at the Mansudae Assembly Hall.",
    "The delegation visited {city} and laid a floral basket at the monument on {date}.",
    "Present there were {leader} and officials concerned, and members of the {demonym} embassy here.",
    "{leader}, {title}, sent a message of greeting to {foreign_leader} on the occasion of the national day of "
    "{country}.",
    "An agreement on cooperation in the fields of {field} was signed between the governments of the DPRK and "
    "{country}.",
)
PROVINCES = (
    "South Phyongan Province",
    "North Hamgyong Province",
    "Jagang Province",
    "Ryanggang Province",
    "South Hwanghae Province",
    "Kangwon Province",
    "Nampho",
    "Rason",
    "Kaesong",
    "Sinuiju",
)
FIELDS = ("education", "public health", "culture", "sports", "science and technology", "trade", "agriculture")


def article_text(rng: random.Random, vocab: Vocabulary, target_bytes: int, fill: dict[str, str], relevant: bool) -> str:
    """A KCNA-style article of about target_bytes: dateline, a few templated sentences, Zipf filler."""
    published = fill["date"]
    parts = [f"Pyongyang, {published} (KCNA) --"]
    size = len(parts[0])
    templated = rng.sample(RELEVANT_SENTENCES, rng.randint(2, 4)) if relevant else []
    stream = vocab.stream
    last = len(stream) - 30
    while size < target_bytes:
        if templated and rng.random() < 0.35:
            sentence = templated.pop().format(**fill)
        else:
            start = int(rng.random() * last)
            sentence = " ".join(stream[start : start + 9 + int(rng.random() * 20)]).capitalize() + "."
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


def article_title(rng: random.Random, fill: dict[str, str], relevant: bool) -> str:
    template = rng.choice(RELEVANT_TITLES if relevant else OTHER_TITLES)
    return template.format(**fill)


def kcna_date(day) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def fields_sample(rng: random.Random) -> str:
    return " and ".join(rng.sample(FIELDS, 2))


def province(rng: random.Random) -> str:
    return rng.choice(PROVINCES)
