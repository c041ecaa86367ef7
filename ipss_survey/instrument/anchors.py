"""Words that say what a choice means: the favourable or unfavourable end of a rating list, a
"no answer" choice, an "other (specify)" choice.

Choice lists are written by people in many languages, with the best answer first or last.
The XLSForm reader uses these vocabularies to tell a list's direction and its "no answer"
choices, and ``instruments check`` to warn about a scale whose codes look reversed against
its labels. Matched whole, on a key that ignores case, accents, punctuation, a leading number
("5 - Strongly agree", "(1) Never") and underscores in choice names ("strongly_agree").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_FAVOURABLE = """
strongly agree | agree strongly | agree | completely agree | totally agree | fully agree |
somewhat agree | excellent | outstanding | very good | good | great | always | almost always |
very often | very satisfied | extremely satisfied | completely satisfied | highly satisfied |
satisfied | very likely | extremely likely | likely | very important | extremely important |
important | yes | definitely | definitely yes | very much | very much so | a great deal | a lot |
to a great extent | to a very great extent | to a large extent | fully | completely |
very easy | extremely easy | easy | very effective | extremely effective | effective |
very well | very positive | positive | very helpful | extremely helpful | helpful |
very useful | extremely useful | useful | very confident | extremely confident | confident |
very happy | happy | best | strongly support | support | very true | true | very strong |
fully implemented | fully in place |
tout a fait d'accord | fortement d'accord | entierement d'accord | totalement d'accord |
d'accord | plutot d'accord | tres bien | tres bon | bien | bon | toujours | tres satisfait |
satisfait | oui | tout a fait | beaucoup |
totalmente de acuerdo | muy de acuerdo | completamente de acuerdo | de acuerdo | excelente |
muy bueno | muy bien | bueno | siempre | muy satisfecho | satisfecho | si | mucho |
concordo totalmente | concordo plenamente | concordo fortemente | concordo | muito bom |
otimo | bom | sempre | muito satisfeito | satisfeito | sim |
stimme voll und ganz zu | stimme voll zu | stimme vollig zu | stimme zu | stimme eher zu |
trifft voll und ganz zu | trifft voll zu | trifft vollig zu | trifft zu | sehr gut |
ausgezeichnet | gut | immer | sehr zufrieden | zufrieden | ja |
helemaal mee eens | mee eens | zeer goed | altijd | zeer tevreden |
stem sterk saam | stem volkome saam | stem saam | uitstekend | baie goed | goed | altyd |
baie tevrede | tevrede |
kubaliana kabisa | nakubali | ndiyo
"""
_UNFAVOURABLE = """
strongly disagree | disagree strongly | disagree | completely disagree | totally disagree |
somewhat disagree | very poor | poor | very bad | bad | terrible | awful | never |
almost never | very dissatisfied | extremely dissatisfied | completely dissatisfied |
dissatisfied | very unsatisfied | unsatisfied | very unlikely | extremely unlikely | unlikely |
not at all likely | not likely at all | not at all important | not important at all |
not important | unimportant | no | definitely not | not at all | none | none at all |
to no extent | not at all effective | very ineffective | ineffective | very difficult |
extremely difficult | difficult | very negative | negative | not at all helpful |
not helpful at all | unhelpful | not at all useful | useless | not at all confident |
very unhappy | unhappy | worst | strongly oppose | oppose | not true at all | not at all true |
false | very weak | not in place | not implemented |
pas du tout d'accord | fortement en desaccord | totalement en desaccord |
tout a fait en desaccord | en desaccord | pas d'accord | plutot pas d'accord | tres mauvais |
mauvais | tres mediocre | mediocre | jamais | tres insatisfait | insatisfait |
pas du tout satisfait | non | pas du tout |
totalmente en desacuerdo | muy en desacuerdo | completamente en desacuerdo | en desacuerdo |
muy malo | malo | pesimo | muy mal | nunca | muy insatisfecho | insatisfecho |
nada satisfecho | nada |
discordo totalmente | discordo plenamente | discordo fortemente | discordo | muito ruim |
muito mau | pessimo | ruim | mau | muito insatisfeito | insatisfeito | nao |
stimme uberhaupt nicht zu | stimme gar nicht zu | stimme nicht zu | stimme eher nicht zu |
trifft uberhaupt nicht zu | trifft gar nicht zu | trifft nicht zu | sehr schlecht | schlecht |
nie | niemals | sehr unzufrieden | unzufrieden | nein |
helemaal mee oneens | mee oneens | zeer slecht | nooit | zeer ontevreden |
stem sterk nie saam nie | stem glad nie saam nie | stem nie saam nie | baie swak | swak |
baie ontevrede | ontevrede | nee |
sikubaliani kabisa | sikubali | hapana
"""
# "No answer" choices by kind, and the code each kind gets when its name is not a number.
MISSING_KINDS: dict[str, tuple[int, str]] = {
    "not_applicable": (
        97,
        """
        not applicable | n/a | na | n a | does not apply | doesn't apply | not relevant |
        no aplica | no corresponde | non applicable | sans objet | ne s'applique pas |
        nao se aplica | nao aplicavel | nicht zutreffend | entfallt | nie van toepassing nie |
        nvt | haihusiki
        """,
    ),
    "dont_know": (
        98,
        """
        don't know | dont know | do not know | i don't know | i do not know | dk |
        can't say | cannot say | cant say | unknown | no sabe | no se | ns | ne sait pas |
        je ne sais pas | nsp | nao sabe | nao sei | weiss nicht | weiß nicht | weet nie |
        ek weet nie | weet niet | sijui
        """,
    ),
    "refused": (
        99,
        """
        refused | refuse | refused to answer | refuses to answer | prefer not to answer |
        prefer not answer | prefer not to say | prefer not say | rather not say |
        decline to answer | declined | declined to answer | no answer | no response |
        not answered | nr | no responde | no contesta | prefiero no responder |
        prefiero no contestar | prefiero no decir | refus | refuse de repondre |
        prefere ne pas repondre | je prefere ne pas repondre | sans reponse | pas de reponse |
        recusou | recusa | prefiro nao responder | prefiro nao dizer | sem resposta |
        keine angabe | verweigert | mochte ich nicht sagen | verkies om nie te antwoord nie |
        geen antwoord | ns/nr | ns nr | ns/nc | ns nc | nsp/nr
        """,
    ),
}
_OTHER = """
other | others | other specify | other please specify | please specify | other (specify) |
otro | otros | otro especifique | otra | autre | autres | autre preciser | outro | outros |
outro especifique | andere | sonstiges | sonstige | ander | anders
"""


def vocabulary_key(text: str) -> str:
    """Vocabulary key: accents, case, a leading number, quotes and punctuation dropped."""
    s = unicodedata.normalize("NFKD", str(text).translate(_APOSTROPHES))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.replace("ß", "ss").replace("_", " ")
    s = re.sub(r"^\s*[\(\[]?-?\d+[\)\]]?\s*(?:[-=.:)]\s*|\s+)", "", s)  # "5 - ", "(1) ", "2."
    s = re.sub(r"^\((.*)\)$", r"\1", s.strip())
    s = re.sub(r"[^\w\s/]", "", s)
    return " ".join(s.split())


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(vocabulary_key(w) for w in text.split("|") if w.strip())


FAVOURABLE = _vocabulary(_FAVOURABLE)
UNFAVOURABLE = _vocabulary(_UNFAVOURABLE)
OTHER = _vocabulary(_OTHER)
MISSING: dict[str, frozenset[str]] = {k: _vocabulary(v) for k, (_, v) in MISSING_KINDS.items()}
# A phrase in both vocabularies would be read as either end; "no" and "non" are not.
assert not FAVOURABLE & UNFAVOURABLE, sorted(FAVOURABLE & UNFAVOURABLE)


def missing_kind(texts: Iterable[str]) -> str | None:
    """Which kind of "no answer" a choice is ("dont_know", "refused", "not_applicable"), if
    any of its texts (names, labels) says so, whole or as one part of "Don't know / Refused"."""
    for text in texts:
        key = vocabulary_key(text)
        if not key:
            continue
        candidates = [key, key.replace("/", ""), key.replace("/", " ")]
        candidates += [p.strip() for p in re.split(r"/|\bor\b|\bou\b|\bo\b", key) if p.strip()]
        for cand in candidates:
            for kind, words in MISSING.items():
                if " ".join(cand.split()) in words:
                    return kind
    return None


def is_other(texts: Iterable[str]) -> bool:
    """Whether a choice is an "Other (specify)" choice: its answers are not on a scale."""
    for text in texts:
        key = vocabulary_key(text).replace("/", " ")
        if key in OTHER or any(key.startswith(w + " ") for w in ("other", "otro", "autre")):
            return True
    return False


def anchor_side(texts: Iterable[str]) -> str | None:
    """ "favourable", "unfavourable", or None, from the texts of a choice at a list's end."""
    found = set()
    for text in texts:
        key = vocabulary_key(text).replace("/", " ")
        if key in FAVOURABLE:
            found.add("favourable")
        elif key in UNFAVOURABLE:
            found.add("unfavourable")
    return found.pop() if len(found) == 1 else None
