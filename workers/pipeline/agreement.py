"""One answer for places: where the NER tagger and the gazetteer both claim words.

The entities stage (a statistical tagger reading context) and the locations stage (a gazetteer
reading names and their cues) each find places, and each is wrong in its own way: the tagger
reads ``California Wildfires`` in a tweet as an organisation, the gazetteer reads ``Kent`` in
``Kent made up for lost time`` as a place. Where a place mention and a PER, ORG or MISC entity
overlap, the side with more evidence wins, and the event then says one thing about those words.

Evidence, in the order it is weighed:

1. **The gazetteer's own.** Words around the name that announce a place (a descriptor,
   ``محافظة``, ``مدينة``; a locative word, ``in Salisbury``, ``from Kilburn``, ``في نابلس``; an
   all-capital dateline, ``ATLANTA (AP) —``: :func:`workers.gazetteer.matcher.place_cue`), or a
   place that is a country, a continent or a named region, stand against any reading of the
   same words as a person or a team: countries acting in politics or sport are still places, as
   CoNLL-2003 and Wojood annotate them. So does a name coordinated with a place that stands
   (``in Victoria, Corpus Christi and Rockport``: names joined by commas and "and" are of one
   kind; :func:`workers.pipeline.locations.coordinated`).
2. **The tagger's certainty.** The tagger's reading stands only when it is sure of it: every
   token's tag has a marginal probability of at least ``CONFIDENT`` under its CRF
   (:mod:`workers.ner.inference`). A reading it is unsure of gives way to the gazetteer's name.
   (A tagger that cannot say how sure it is, a published Stanza model, is taken as sure against
   minor towns and as unsure against notable places, the rule before confidences existed.)
3. **Which name is longer**, when the tagger's reading stands:

   * a name that strictly contains the place (``Bank of England``, ``Houston SPCA``, ``جامعة
     القاهرة``) is the entity, and the place inside it, if notable, is still a location of the
     article (a town or a small place inside a name is not); entities are the outermost names,
     as CoNLL and Wojood annotate them, so the place is not an entity of its own;
   * a name over exactly the same words, or overlapping them in part, is the entity, and the
     words are no place.

A LOC entity never removes a place. Then :func:`agree` makes the entities say what the
locations say: every mention of a resolved place is a LOC entity (a LOC entity that contains it
with its descriptor, ``مدينة القدس``, keeps its longer span), unless it lies inside a name that
stood by rule 3; entities that lost to a place are dropped. LOC entities the gazetteer could not
resolve stay LOC entities: places it does not hold.

Entities are whole tokens of the project's tokenizer, as the tagger's are and as CoNLL, ANERcorp
and Wojood annotate: a LOC entity made from a mention takes the glued clitics of its token
(``بإندونيسيا``, ``ولبنان``), while the location's mention stays the name itself (``إندونيسيا``),
which is what the gazetteer matched and what geotaggers report. A hashtag is not widened.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import Generic, TypeVar

from workers.core.records import Article, Entity, Location, Place, Span
from workers.gazetteer.sources import is_notable
from workers.ner.tokens import words

#: Kinds of place whose name is evidence enough against a PER/ORG/MISC reading of the same span.
SELF_EVIDENT_KINDS = frozenset({"country", "continent", "region", "admin1"})

#: The least per-token tag probability at which the tagger's reading of a name outweighs the
#: gazetteer's: nine chances in ten.
CONFIDENT = 0.9


def sure(entity: Entity, places: Sequence[Place]) -> bool:
    """Whether the tagger's reading of ``entity`` outweighs the gazetteer's ``places`` (rule 2)."""
    if entity.confidence is None:
        return not any(is_notable(p) for p in places)
    return entity.confidence >= CONFIDENT


def contains(outer: Span, inner: Span) -> bool:
    """Whether ``outer`` strictly contains ``inner`` (same field, longer, covering it)."""
    return (
        outer.field == inner.field
        and outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.end - outer.start) > (inner.end - inner.start)
    )


def overlaps(a: Span, b: Span) -> bool:
    return a.field == b.field and a.start < b.end and b.start < a.end


T = TypeVar("T")


class SpanIndex(Generic[T]):
    """Items with spans (entities, mentions), sorted by start per field, for "which overlap this
    span" in about log time: a long body can hold tens of thousands of entities and mentions,
    and every one against every other would take minutes."""

    def __init__(self, items: Iterable[T], span_of: Callable[[T], Span]) -> None:
        by_field: dict[str, list[T]] = {}
        for item in items:
            by_field.setdefault(span_of(item).field, []).append(item)
        self._span_of = span_of
        self._fields: dict[str, tuple[list[T], list[int], list[int]]] = {}
        for field, group in by_field.items():
            group.sort(key=lambda item: (span_of(item).start, span_of(item).end))
            spans = [span_of(item) for item in group]
            #: ``reach[k]``: the furthest end among the first k+1 items.
            self._fields[field] = (
                group,
                [x.start for x in spans],
                list(accumulate((x.end for x in spans), max)),
            )

    def overlapping(self, span: Span) -> list[T]:
        """The items sharing a character with ``span`` (same field), last-starting first."""
        found = self._fields.get(span.field)
        if found is None:
            return []
        group, starts, reach = found
        k = bisect_left(starts, span.end)
        out: list[T] = []
        while k > 0 and reach[k - 1] > span.start:
            k -= 1
            if self._span_of(group[k]).end > span.start:
                out.append(group[k])
        return out

    def overlaps(self, span: Span) -> bool:
        """Whether any item shares a character with ``span`` (same field)."""
        found = self._fields.get(span.field)
        if found is None:
            return False
        _, starts, reach = found
        k = bisect_left(starts, span.end)
        return k > 0 and reach[k - 1] > span.start


def _itself(span: Span) -> Span:
    return span


def _span_of(entity: Entity) -> Span:
    return entity.span


def entity_index(entities: Iterable[Entity]) -> SpanIndex[Entity]:
    return SpanIndex(entities, _span_of)


def span_index(spans: Iterable[Span]) -> SpanIndex[Span]:
    return SpanIndex(spans, _itself)


def place_stands(mention: Span, places: Sequence[Place], cued: bool, entities: Iterable[Entity]) -> bool:
    """Whether a gazetteer mention stays a location against the entities overlapping it.

    ``places``: the mention's candidates; ``cued``: the words around it announce a place;
    ``entities``: the tagger's entities of the same field (only overlapping ones count).
    """
    for entity in entities:
        if entity.label == "LOC" or not overlaps(entity.span, mention):
            continue
        if cued or any(p.kind in SELF_EVIDENT_KINDS for p in places):
            continue  # rule 1
        if not sure(entity, places):
            continue  # rule 2
        if contains(entity.span, mention) and any(is_notable(p) for p in places):
            continue  # rule 3: a notable place inside a name is still a location
        return False
    return True


def name_holds(entity: Entity, mention: Span, places: Sequence[Place]) -> bool:
    """Whether a PER/ORG/MISC ``entity`` that contains a standing place mention stays the entity
    (rule 3), so that the place is a location but not an entity of its own."""
    return contains(entity.span, mention) and sure(entity, places)


def agree(
    entities: Sequence[Entity], locations: Sequence[Location], article: Article | None = None
) -> tuple[Entity, ...]:
    """The entities, made to agree with the resolved places (see the module's rules).

    Every location mention is covered by one entity: a LOC entity equal to it or containing it,
    or a name that holds it (:func:`name_holds`), else a new LOC entity over the mention's
    token (from ``article``'s text; the mention itself without it). Other entities overlapping
    a mention are dropped. Sorted as the tagger sorts them: title first, then by offset.
    """
    places = {m: loc.place for loc in locations for m in loc.mentions}
    if not places:
        return tuple(entities)
    mentions = span_index(places)
    kept: list[Entity] = []
    covered: set[Span] = set()
    for entity in entities:
        inside = mentions.overlapping(entity.span)
        if not inside:
            kept.append(entity)
            continue
        if entity.label == "LOC":
            holds = all(contains(entity.span, m) or entity.span == m for m in inside)
        else:
            holds = all(name_holds(entity, m, (places[m],)) for m in inside)
        if holds:
            kept.append(entity)
            covered.update(inside)
    tagged = entity_index(kept)
    # Every LOC entity added below comes from a mention that sorts before the next one, so it
    # starts before that mention ends: the next span overlaps one of them exactly when the
    # furthest end among them (per field) passes its start.
    reach: dict[str, int] = {}
    added: list[Entity] = []
    for mention in sorted(places, key=_order):
        if mention in covered or tagged.overlaps(mention) or reach.get(mention.field, -1) > mention.start:
            continue
        span = whole_tokens(article.text_of(mention.field), mention) if article is not None else mention
        if tagged.overlaps(span) or reach.get(span.field, -1) > span.start:
            span = mention
        added.append(Entity(span, "LOC"))
        reach[span.field] = max(reach.get(span.field, -1), span.end)
    return tuple(sorted([*kept, *added], key=lambda e: _order(e.span)))


#: How far a mention is widened to its token at most (characters each side).
_REACH = 32
#: Characters the tokenizer always splits off a word (it never glues them to a letter).
_BOUNDARY = frozenset(',;:!?()[]{}"«»“”،؛؟')


def whole_tokens(text: str, span: Span) -> Span:
    """``span`` widened to the tokens it touches (:func:`workers.ner.tokens.words`), so a glued
    clitic comes with it; unchanged inside a hashtag or handle, or if ``text`` is not its text."""
    if text[span.start : span.end] != span.text:
        return span
    before = text[span.start - 1] if span.start else " "
    after = text[span.end] if span.end < len(text) else " "
    if (before.isspace() or before in _BOUNDARY) and (after.isspace() or after in _BOUNDARY):
        return span  # the usual case, decided without tokenizing: nothing is glued to the name
    # Tokens never cross whitespace; a window of ``_REACH`` characters each side bounds the cost
    # in text without spaces, where a token reaching the window's edge leaves the span as it is.
    left = max(text.rfind(" ", 0, span.start), text.rfind("\n", 0, span.start), span.start - _REACH - 1) + 1
    ends = [
        i
        for i in (text.find(" ", span.end, span.end + _REACH), text.find("\n", span.end, span.end + _REACH))
        if i >= 0
    ]
    right = min(ends, default=min(len(text), span.end + _REACH))
    start, end = span.start, span.end
    for a, b in words(text, left, right):
        if a < span.end and span.start < b:
            if text[a] in "#@" or (a == left and left > 0 and not text[left - 1].isspace()):
                return span
            if b == right and right < len(text) and not text[right].isspace():
                return span
            start, end = min(start, a), max(end, b)
    if (start, end) == (span.start, span.end):
        return span
    return Span(text[start:end], start, end, span.field)


def _order(span: Span) -> tuple[int, int, int]:
    return (0 if span.field == "title" else 1, span.start, span.end)
