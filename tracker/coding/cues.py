"""General English stance language: the words that carry attitude, negation, harm, hedging and attribution.

These cues are issue-independent (the codebook supplies the issue-specific target phrases). Each cue says what it
does to a target that FOLLOWS it in the clause (`pre`) and to a target that PRECEDES it, usually as the subject
(`post`). The effects:

- ``+`` / ``-``: an attitude of the clause's holder: "we support X", "X is a danger", "it is concerning that X".
- ``flip``: a harm event turning what follows into its opposite: "restrict freedom of expression" is a step
  towards more state control of content; "the end of the open Internet"; "free of state control".
- ``keep``: a benefit event that carries what follows: "protect privacy", "ensure public safety".
- ``neg``: a negation ("not", "never", "nobody").

Verbs marked `holder` take an agentive subject who holds the attitude ("some countries want ...", "the EU rejects
..."); speech verbs name who is speaking ("..., said the minister").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Effect = Literal["+", "-", "flip", "keep", "neg"] | None


@dataclass(frozen=True)
class CueSpec:
    pattern: str
    pre: Effect
    post: Effect = None
    holder: bool = False  # an attitude verb whose subject holds the position
    volition: bool = False  # "want to", "seek to": negated with a first-person subject it disavows
    concern: bool = False  # worry: about a good thing it means caring for it
    adjective: bool = False  # a bare adjective judges only the noun phrase it modifies
    copular: bool = False  # "is (not) necessary": a negation inside the phrase reverses it
    modal: bool = False  # "must", "need": on a preceding subject, its judgement depends on the verb that follows
    local: bool = False  # acts on its own object only, like a harm verb ("free from X", "refrain from X")
    source: bool = False  # the source of a transfer ("away from X"): reverses X, not a destination after it


def _v(stem: str) -> str:
    """A verb stem with its inflections: support -> support|supports|supported|supporting; replace -> replacing."""
    if stem.endswith("e") and not stem.endswith("ee"):
        return rf"{stem[:-1]}(?:e|es|ed|ing)"
    return rf"{stem}(?:s|es|ed|d|ing)?"



# "take back", "win back", "get back" are transfers (see TRANSFER), not "back" as support.
PHRASAL_BACK = "".join(rf"(?<!{verb} )" for verb in ("take", "takes", "took", "taking", "taken", "win", "wins", "won",
                                                      "winning", "get", "gets", "got", "getting"))


ATTITUDE_CUES: tuple[CueSpec, ...] = (
    # Holder verbs of support / volition.
    CueSpec(rf"{_v('support')}|{PHRASAL_BACK}{_v('back')}|{_v('endorse')}|{_v('favou?r')}|{_v('welcome')}|{_v('embrace')}"
            rf"|{_v('champion')}(?! of)|{_v('advocate')}(?! of| for)|advocacy for|{_v('promote')}"
            rf"|{_v('defend')}|{_v('uphold')}"
            rf"|{_v('favou?r')}|in favou?r of|{_v('applaud')}|{_v('prefer')}|{_v('accept')}|{_v('agree')} (?:to|with)"
            rf"|{_v('adopt')}|{_v('approve')}|{_v('sign')} up to|{_v('vote')} for|{_v('stand')} for", "+",
            holder=True),
    CueSpec(rf"{_v('want')}(?: to)?|{_v('wish')}(?:es)? to|{_v('seek')}(?: to)?|sought(?: to)?|{_v('intend')} to"
            rf"|{_v('aim')} to|{_v('plan')}(?:ned|ning)? to|{_v('hope')} to|{_v('tr')}(?:y|ies|ied|ying) to"
            r"|(?:is|are|was|were) (?:going|trying|planning|seeking) to"
            r"|would like to|desire to"
            rf"|{_v('ask')} for|asking for|{_v('call')} for", "+", holder=True, volition=True),
    CueSpec(rf"{_v('call')} (?:on|upon)|{_v('push')}(?:es)? for|pushing for|{_v('press')}(?:es)? for|{_v('urge')}"
            rf"|{_v('demand')}|{_v('propose')}|{_v('table')}|{_v('submit')}(?:ted|ting)?|{_v('insist')} on"
            rf"|{_v('commit')}(?:ted|ting)? to|committed to|{_v('pledge')}|{_v('argue')} for"
            rf"|{_v('lobb')}(?:y|ies|ied|ying) for|{_v('campaign')} for|(?:fight|fights|fought|fighting) for"
            r"|their intention|its intention|his intention|her intention|our intention", "+", holder=True),
    CueSpec(r"(?:has|have|had) no (?:intention|plans?|desire|ambition|wish) (?:of|to)", "-", holder=True,
            volition=True),
    # The speaker's own refusal: "we will not weaken encryption" (unlike "the law will not restrict ...").
    CueSpec(r"(?:we|i)(?:\s+\w+ly)?\s+(?:(?:will|shall) not|won't|shan't|will never|refuse to|never will)", "-",
            holder=True),
    # Holder verbs of opposition.
    CueSpec(rf"{_v('oppose')}|{_v('reject')}|{_v('resist')}|{_v('refuse')}|{_v('condemn')}|{_v('denounce')}"
            rf"|{_v('criticis')}e?|{_v('criticiz')}e?|{_v('object')} to|{_v('warn')}(?:ed|s|ing)? against"
            rf"|{_v('vote')} against|{_v('campaign')} against|{_v('fight')}(?:s|ing)? against|fought against"
            rf"|{_v('stand')} against|{_v('protest')}(?: against)?|{_v('decr')}(?:y|ies|ied|ying)|{_v('dismiss')}"
            r"|(?:is|are|was|were|remain|remains) (?:opposed|against|hostile) to|opposition to|objections? to"
            rf"|{_v('deplore')}|{_v('regret')}|{_v('lament')}|{_v('refus')}(?:e|es|ed|ing)", "-", holder=True),
    # Necessity and obligation: an attitude of the clause's holder on what follows.
    CueSpec(r"must|should|ought to|need to|needs to|needed to|need|needs|it is (?:high )?time (?:to|for)"
            r"|shall", "+", modal=True),
    # Evaluations: of what follows ("it is important to ..."), and of a preceding subject ("X is essential").
    CueSpec(r"(?:is|are|was|were|be|remains?|becomes?|'s|'re) (?:[\w'–—-]+ ){0,3}(?:necessary|essential"
            r"|important|vital|crucial|key"
            r"|integral|indispensable|critical|fundamental|welcome|right|good|beneficial|valuable|legitimate"
            r"|justified|reasonable|fair|only fair|needed|proportionate|acceptable|justifiable|appropriate|proper"
            r"|democratic|inclusive|transparent|accountable|balanced|sustainable"
            r"|the (?:right|best) (?:way|approach|model|answer)"
            r"|the (?:appropriate|right|best|proper|natural|legitimate|competent) (?:body|forum|place|venue"
            r"|organi[sz]ation|institution))",
            "+", post="+", copular=True),
    CueSpec(r"justif(?:y|ies|ied|ying)", "+"),
    CueSpec(r"necessary|essential|important|vital|crucial|indispensable|beneficial|valuable|legitimate|integral",
            "+", post="+"),
    CueSpec(rf"{_v('benefit')}|{_v('help')}(?: to)?|{_v('enable')}|{_v('serve')} (?:the )?(?:public|people|users)"
            rf"|{_v('work')} well|(?:has|have) (?:served|worked) (?:us |the world )?well|a success|successful"
            r"|(?:good|great) (?:idea|thing|news|step)|a step forward", None, post="+"),
    # Refusing to permit: "we will not let X", "cannot allow X", "must not be allowed to X".
    CueSpec(r"(?:not|never|n't|cannot|refuse to|refuses to) (?:be )?(?:allow|allowed|let|permit|permitted|tolerate"
            r"|tolerated)"
            r"(?: to)?", "-"),
    # Keeping something away: "protect users from X" (not a later, coordinated "... and to preserve Y").
    CueSpec(r"(?:protect|shield|safeguard|defend|keep|free)\w* (?:[\w'-]+ ){0,3}from", "-", local=True),
    CueSpec(rf"{_v('deserve')}|the best (?:available )?(?:option|model|system)", "+", post="+"),
    CueSpec(r"compromis\w* on|give up on|giving up on|gave up on", "-", local=True),
    CueSpec(r"pleased|glad|happy|delighted|proud|grateful|satisfied|encouraged|(?:re)?affirm(?:s|ed|ing)?"
            r"|(?:recogni[sz]\w* |stress\w* |underline\w* )?the (?:value|importance|benefits?) of", "+"),
    CueSpec(r"(?:is|are|was|were|be|remains?|becomes?|'s|'re) (?:[\w–—-]+ ){0,3}(?:dangerous|harmful"
            r"|unacceptable|wrong|bad"
            r"|flawed|misguided|obsolete|outdated|unworkable|unnecessary|illegitimate|problematic|alarming"
            r"|worrying|worrisome|troubling|disturbing|intrusive|disproportionate|excessive|draconian|a mistake"
            r"|(?:an? )?(?:regressive|punitive|discriminatory)"
            r"|an? (?:\w+ ){0,3}(?:danger|threat|mistake|disaster|menace|risk|problem|attack|blow|violation|breach"
            r"|abuse|assault)(?! to| for| on| against| of))",
            "-", post="-", copular=True),
    CueSpec(r"dangerous|harmful|unacceptable|misguided|obsolete|outdated|intrusive|disproportionate|excessive"
            r"|draconian|alarming|worrying|worrisome|troubling|disturbing|repressive|authoritarian|invasive"
            r"|sweeping|unchecked|unprecedented powers|overreach\w*|an overreach"
            r"|abusive|arbitrary|heavy-handed|regressive|punitive|discriminatory",
            "-", post="-", adjective=True),
    CueSpec(r"(?:a |an )?(?:\w+ )?(?:terrible|bad|dangerous|awful|horrible|poor) (?:idea|approach|policy"
            r"|precedent|deal)"
            r"|unfair|unjust|(?:clear and present )?danger(?! to)|threat(?! to)|menace|(?:a|the) (?:\w+ )?mistake|(?:a "
            r"|the )?disaster"
            rf"|{_v('fail')}(?: to work)?|do(?:es)? not work|did not work|doesn't work|don't work|won't work"
            r"|(?:has|have) failed|a failure|an afterthought|(?:a|the) (?:\w+ )?pretext|in the guise of"
            r"|in the name of|under the guise of|(?:a )?(?:clear )?(?:manifestation|example|sign) of"
            r"|raises? (?:\w+ ){0,2}concerns?|(?:are|is) (?:a )?cause for concern"
            r"|end up with|ends? up with|ended up with|at (?:the )?(?:expense|cost) of"
            r"|(?:be )?(?:paid|borne) by (?:consumers|users|citizens|viewers|customers|subscribers)"
            r"|passed on to (?:[\w-]+ ){0,3}(?:consumers|users|customers|businesses)|rais\w* prices|"
            r"hit\w* (?:[\w-]+ ){0,4}(?:hardest|hard)|higher (?:\w+ )?(?:prices|bills)"
            r"|(?:is |are )?(?:not justified|unjustified)|makes no sense"
            r"|no evidence (?:that|of|for)|(?:a )?(?:recipe|licence|license) for"
            r"|(?:the )?(?:tool of choice|safe haven|haven|playground|breeding ground) for (?:[\w-]+ ){0,2}"
            r"(?:crime|criminals|terrorists|terrorism|paedophiles|pedophiles|abusers|predators)"
            r"|unfairly|discriminat\w*(?: against)?"
            r"|(?:make|makes|making|made) (?:it|the [\w-]+|everything)? ?(?:[\w-]+,? (?:and )?){0,4}(?:less (?:secure"
            r"|safe|open|free|reliable|affordable)|slower|more expensive|unaffordable)",
            "-", post="-"),
    # A purpose justifies the act before it: "sites were blocked to protect national security". Countering
    # something also acts on it: "monitoring to combat illegal content" is for removing that content.
    CueSpec(r"(?:in order )?to (?:maintain|help)(?!\w)", None, post="+"),
    CueSpec(r"(?:in order )?to (?:prevent|stop|combat|fight|curb|counter|tackle)(?!\w)", "flip", post="+"),
    # Missing checks judge the measure before them: "powers to block sites without judicial oversight".
    CueSpec(r"without (?:any |proper |adequate |judicial |independent |meaningful |effective )*(?:oversight"
            r"|safeguards?|due process|warrants?|court orders?|transparency|accountability|review)", None, post="-"),
    # Enabling something feared: the subject is judged, what follows is carried ("opens the door to censorship").
    CueSpec(r"open\w* the (?:door|way) to|pave\w* the way (?:for|to)", "keep", post="-"),
    # The subject is the victim: "free speech will suffer" harms free speech (it is no judgement OF it).
    CueSpec(r"(?:will |would |could |to )?(?:suffer|be (?:harmed|hurt|damaged|lost|undermined|eroded|threatened"
            r"|endangered|at risk|in danger|silenced|stifled))|pay the price|lose out", None, post="victim"),
    CueSpec(r"(?:will |would )?(?:help )?(?:fund|finance|pay for)"
            r"|(?:raise|raises|raised|raising|generate|generates|generating|bring in|brings in) (?:\w+ )?revenues?"
            r"|works? (?:best|well)|(?:has |have )?(?:kept|keeps|keep|made|makes) (?:it|the [\w-]+) "
            r"(?:[\w-]+,? (?:and )?)"
            r"{0,3}?(?:stable|secure|open|resilient|safe|free|running)", None, post="+"),
    # Worry: against what follows, but FOR a good that follows ("concerns about privacy" values privacy).
    CueSpec(r"(?:deep|serious|grave|great|growing|strong)?\s*concerns? (?:about|over|regarding|with|as to)"
            r"|concerned (?:about|by|over|that|with)|(?:it is )?(?:deeply )?concerning that|concerning"
            r"|worried (?:about|by|that)|fears? (?:about|over|that)|alarmed (?:by|at|that)|troubled by", "-",
            holder=True, concern=True),
    CueSpec(r"(?:refrain|refrains|refrained|refraining|desist|abstain)\w* from", "-", local=True),
    CueSpec(r"criticism of|dangers of|risks of"
            r"|(?:there is )?no (?:reason|need|justification|case) (?:to|for)"
            r"|(?:a |the )?(?:pattern|plot|ploy|scheme|power grab) to"
            r"|(?:a |an )(?:clear |blatant |obvious |deliberate )attempt to|against", "-"),
)

EVENT_CUES: tuple[CueSpec, ...] = (
    # Harm: turns what follows into its opposite, and judges a subject that does it ("X threatens Y").
    CueSpec(rf"{_v('restrict')}|restrictions? (?:on|of|to)|{_v('curtail')}|{_v('limit')}|limitations? (?:on|of|to)"
            rf"|{_v('undermine')}|{_v('endanger')}|{_v('threaten')}|{_v('jeopardi[sz]e')}|{_v('erode')}"
            rf"|erosion of|{_v('violate')}|violations? of|{_v('infringe')}|infringements? (?:on|of|upon)"
            rf"|{_v('rob')}(?:bed|bing)?|{_v('deprive')}|{_v('silence')}"
            # Taking back a freedom revokes it; taking back control (or taking something back from someone) is
            # reclaiming it, a transfer (see TRANSFER).
            r"|(?:take|takes|took|taking|taken) back(?! (?:[\w'-]+ ){0,3}(?:control|authority|powers?|oversight"
            r"|stewardship|management|governance|say|jurisdiction|sovereignty|reins|internet|cyberspace|net|web"
            r"|networks?|dns|root)(?![\w-]))(?! (?:[\w'-]+ ){0,6}from(?![\w-]))"
            rf"|{_v('stifle')}|{_v('suppress')}|{_v('crush')}|{_v('damage')}|{_v('harm')}|{_v('destroy')}"
            rf"|{_v('diminish')}|{_v('weaken')}|{_v('dismantle')}|(?:the )?end of|{_v('kill')}|death of|{_v('break')}"
            rf"|{_v('dilute')}|{_v('compromise')}|{_v('politici[sz]e')}|{_v('bureaucrati[sz]e')}|{_v('punish')}"
            rf"|{_v('affect')}|interfer\w* (?:with|in)|encroach\w* (?:on|upon)|(?:incompatible|inconsistent) with"
            rf"|at odds with|in conflict with|{_v('chill')}|chilling effect on|{_v('degrade')}|{_v('isolate')}"
            r"|puts?(?:ting)?(?= (?:[\w'-]+ ){1,4}at risk)"
            rf"|slow(?:s|ed|ing)? down|{_v('hamper')}|{_v('hinder')}|hurt|hurts|hurting|{_v('cripple')}|{_v('choke')}"
            rf"|{_v('render')} (?:[\w'-]+ ){{0,3}}inaccessible|inaccessible"
            r"|(?:a |an )?(?:danger|dangers|threat|threats|risk|risks|blow|attack|attacks|assault|defeat|setback)"
            r" (?:to|on|for|against)",
            "flip", post="-"),
    # Removal and replacement: turns what follows into its opposite, no judgement of the subject.
    CueSpec(rf"{_v('reduce')}|{_v('remove')}|{_v('eliminate')}|{_v('abolish')}|{_v('replace')}|replacement of"
            rf"|{_v('overturn')}|{_v('change')}|changes to|{_v('end')}|{_v('prevent')}|{_v('stop')}"
            rf"|{_v('drop')}(?:ped|ping)?|{_v('scrap')}(?:ped|ping)?|{_v('withdraw')}|withdrew|withdrawn"
            rf"|{_v('abandon')}"
            rf"|{_v('shelve')}|{_v('repeal')}|{_v('reverse')}|{_v('veto')}(?:es|ed|ing)?"
            rf"|{_v('block')}|{_v('ban')}(?:ned|ning)?|{_v('prohibit')}|{_v('outlaw')}|{_v('curb')}|{_v('tackle')}"
            rf"|{_v('combat')}|{_v('counter')}|{_v('fight')}(?!s? (?:for|against))|fought(?! for| against)"
            rf"|{_v('detect')}|impacts? on|effects? on|at the expense of|free of|free from|instead of"
            rf"|rather than|{_v('exclude')}|{_v('exempt')}|{_v('sideline')}|{_v('marginali[sz]e')}|{_v('oust')}"
            rf"|{_v('eject')}|expel(?:s|led|ling)?|barred|(?:shut|shuts|shutting|kept|keeps|keeping|locked|pushed"
            r"|pushing|frozen|freezing|squeezed) out", "flip"),
    # The source of a transfer: what authority moves away from ("away from ICANN", "out of the hands of states")
    # loses it. A bare "from" is a source only after a verb or noun of transfer (see TRANSFER).
    CueSpec(r"(?:away|out) from|out of the (?:hands|grip|control|clutches) of", "flip", source=True),
    # Benefit: carries what follows, and praises a subject that does it ("X protects Y").
    # A goal: "(in order) to strengthen X" says the holder wants more of X.
    CueSpec(r"(?<!\w )to (?:strengthen|enhance|expand|increase|promote|reinforce|consolidate|advance|bolster|protect"
            r"|safeguard|ensure|preserve|defend|uphold)", "+", post="+"),
    CueSpec(rf"{_v('protect')}|protection of|{_v('safeguard')}|safeguards? (?:for|of)|{_v('ensure')}|{_v('preserve')}"
            rf"|preservation of|{_v('guarantee')}|{_v('respect')}|respect for|{_v('secure')}|{_v('strengthen')}"
            rf"|{_v('enhance')}|(?:a |an )?(?:victory|win|boost|boon|triumph) for", "keep", post="+"),
    CueSpec(rf"{_v('maintain')}|{_v('keep')}|kept|{_v('expand')}|{_v('extend')}|{_v('increase')}"
            rf"|more|greater|{_v('succeed')}|success of|{_v('enable')}|{_v('give')}|gave|given"
            rf"|{_v('allow')}(?: for)?|{_v('let')}|letting|{_v('permit')}(?:ted|ting)?"
            rf"|{_v('grant')}|{_v('introduce')}|{_v('impose')}|{_v('establish')}|{_v('bring')}|brought|{_v('move')} to"
            rf"|{_v('transfer')} to|{_v('push')}|pushing", "keep"),
)

# Verbs and nouns of transfer, after which "from X" names the source that loses what moves: "take over the
# management of the Internet from ICANN", "the transition of stewardship from the US government", "wrest control
# from the community". Removing, stripping or taking (back, away) transfers only with authority as its object
# ("remove oversight of the root zone from X"; not "remove governments from the process", "take lessons from X").
# Taking, winning or getting something back is always a transfer ("take back the Internet from ...").
TRANSFER = re.compile(
    r"(?<![\w-])(?:(?:take|takes|took|taking|taken|win|wins|won|winning|get|gets|got|getting) back"
    r"|transfer\w*|shift(?:s|ed|ing)?|mov(?:e|ed|ing)|transition\w*|migrat\w*|relocat\w*"
    r"|devolv\w*|devolution|wrest\w*|seiz\w*|usurp\w*|hand(?:s|ed|ing)? (?:[\w'-]+ ){0,4}?(?:over|back)"
    r"|handover|hand-over|(?:take|takes|took|taking|taken) over|takeover"
    r"|(?:take|takes|took|taking|taken|remov\w*|strip\w*|withdraw\w*|reclaim\w*|regain\w*|wrench\w*|grab\w*)"
    r"(?: back| away)? (?:[\w'-]+ ){0,3}(?:control|authority|powers?|oversight|stewardship|management|governance"
    r"|responsibilit(?:y|ies)|roles?|functions?|say|jurisdiction|mandate|charge|reins|administration|coordination))"
    r"(?![\w-])",
    re.IGNORECASE,
)
TRANSFER_FROM = re.compile(r"(?<![\w-])from(?: (?:the )?(?:hands|grip|control|clutches) of)?(?![\w-])",
                           re.IGNORECASE)
TRANSFER_SOURCE_CUE = CueSpec(r"from", "flip", source=True)

NEGATION_CUE = CueSpec(
    r"not|n't|no|never|nobody|no one|nothing|none|neither|nor|without|little to no|hardly|cannot|can't|won't"
    r"|lack of|absence of|nowhere",
    "neg",
)

# Agentive heads: a subject with one of these is somebody who can hold a position.
HUMAN_NOUNS = re.compile(
    r"\b(?:countr(?:y|ies)|states?|governments?|nations?|delegations?|delegates?|members?|administrations?"
    r"|ministers?|ministr(?:y|ies)|officials?|authorities|regulators?|parliaments?|congress|senators?|lawmakers?"
    r"|legislators?|courts?|judges?|police|prosecutors?|politicians?|parties|party|president|presidents|premier"
    r"|chancellor|commissioners?|critics?"
    r"|activists?|advocates?|campaigners?|groups?|organi[sz]ations?|ngos?|companies|company|firms?|operators?"
    r"|carriers?|providers?|industry|businesses|people|citizens|users|experts?|scholars?|analysts?|observers?"
    r"|opponents?|proponents?|supporters?|defenders?|allies|blocs?|coalitions?|spokes(?:man|woman|person)"
    r"|secretary|director|chair(?:man|woman|person)?|ceo|head|leaders?|bodies|he|she|they|who|someone|some|many"
    r"|others|several|most|all|both|each)\b",
    re.IGNORECASE,
)
# Not "US" in capitals: the United States ("US Senator Jane Roe said"), not "us".
FIRST_PERSON = re.compile(r"^(?!(?-i:US)\b)(?:i|we|us|our|my|i'm|we're|we've|i've|we'd|i'd|we'll|i'll)\b",
                          re.IGNORECASE)
PRONOUN = re.compile(r"^(?:he|she|they|him|her|them|his|their)\b", re.IGNORECASE)

SPEECH_VERBS = (
    r"said|says|say|added|adds|add|stressed|stresses|stress|insisted|insists|insisting|explained|explains"
    r"|explain|told|tells|argued|argues|argue|warned|warns|warn|noted|stated|declared|declares"
    r"|announced|announces|wrote|writes|tweeted|tweets|commented|comments|remarked|observed|emphasi[sz]ed"
    r"|emphasi[sz]es|underlined|underscored|acknowledged|claimed|claims|maintained|maintains|believes?"
    r"|believed|thinks?|thought|considers?|considered|feels?|felt|asserted|asserts|affirmed|recalled"
    r"|pointed out|points out|made clear|makes clear|reiterated|reiterates|announced|replied|responded"
    r"|testified|contended|contends|concluded|concludes"
)

HEDGES = re.compile(
    r"\b(?:could|may|might|perhaps|possibly|maybe|probably|likely|seems?|seemed|appears?|appeared|arguably"
    r"|somewhat|apparently|reportedly|allegedly|potentially|not sure|unclear)\b",
    re.IGNORECASE,
)
CONDITIONAL = re.compile(r"^\s*(?:even )?(?:if|unless|provided that|in case|as long as|should)\b", re.IGNORECASE)
EMBEDDED_QUESTION = re.compile(r"\b(?:whether|if or not)\b", re.IGNORECASE)
RHETORICAL_FLIP = re.compile(
    r"^\W*(?:(?:will|would|can|could|do|does|is|are|should)\b[^?]*\breally\b"
    r"|who (?:benefits|gains)|why (?:should|would|must|do|does|did|is|are|on earth)|how (?:can|could|would|dare)"
    r"|who (?:wants|needs"
    r"|would want)|what (?:right|good|business))\b",
    re.IGNORECASE,
)
NEGATIVE_QUESTION = re.compile(
    r"^\W*(?:isn't|aren't|wasn't|don't|doesn't|didn't|shouldn't|wouldn't|can't|won't|is it not|should we not)\b",
    re.IGNORECASE,
)

# Words that refer back to a proposal or position named earlier ("these proposals", "this attempt", "it").
ANAPHOR = re.compile(
    r"\b(?:(?:this|these|that|those|such|the same)\s+(?:\w+\s+){0,2}(?:proposals?|ideas?|attempts?|plans?"
    r"|efforts?|moves?|measures?|laws?|bills?|rules?|regulations?|provisions?|demands?|positions?|approach(?:es)?"
    r"|views?|initiatives?|calls?|changes?|schemes?|polic(?:y|ies)|treat(?:y|ies)|texts?)"
    r"|the\s+(?:\w+\s+)?(?:proposals?|idea|plan|attempt|bill|law|treaty|initiative|scheme)"
    r"|they|them|it|this|these)\b",
    re.IGNORECASE,
)
# What became of a proposal: "this attempt did not succeed", "the plan was withdrawn".
OUTCOME = re.compile(
    r"\s*(?:(?:has|have|had|was|were|is|are|did|does|do|will|would)\s+)?(?:(?:not|never|n't)\s+)?"
    r"(?:(?P<good>succeed\w*|prevail\w*|pass(?:ed)?|won|win|work(?:ed)?|(?:be |been )?(?:adopted|approved|accepted))"
    r"|(?P<bad>fail\w*|fell through|collapsed|(?:be |been )?(?:withdrawn|defeated|rejected|dropped|blocked"
    r"|abandoned)))\b",
    re.IGNORECASE,
)


def compile_cues(specs: tuple[CueSpec, ...]) -> list[tuple[re.Pattern[str], CueSpec]]:
    return [(re.compile(rf"(?<![\w-])(?:{spec.pattern})(?![\w-])", re.IGNORECASE), spec) for spec in specs]


COMPILED_ATTITUDES = compile_cues(ATTITUDE_CUES)
COMPILED_EVENTS = compile_cues(EVENT_CUES)
COMPILED_NEGATION = compile_cues((NEGATION_CUE,))
SPEECH = re.compile(rf"(?<![\w-])(?:{SPEECH_VERBS})(?![\w-])", re.IGNORECASE)
