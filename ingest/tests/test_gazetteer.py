"""Country and city gazetteers built from the offline reference data."""

from __future__ import annotations

from ingest.pipeline import gazetteer


def codes(text):
    return [m.iso2 for m in gazetteer.find_countries(text)]


def test_names_press_names_demonyms_and_capitals():
    assert codes("Lao People's Democratic Republic") == ["LA"]
    assert codes("the Russian side, the Lao embassy and Vietnamese officials") == ["RU", "LA", "VN"]
    assert codes("the U.S. and the DPRK") == ["US", "KP"]
    assert codes("talks in Beijing") == ["CN"]


def test_longest_form_wins_and_possessives_and_hyphens():
    assert codes("South Korean officials") == ["KR"]
    assert codes("Russia's envoy") == ["RU"]
    assert codes("the DPRK-China treaty") == ["KP", "CN"]
    assert codes("Democratic People’s Republic of Korea") == ["KP"]


def test_foreign_language_names():
    assert codes("Corea del Nord e Cina") == ["KP", "CN"]
    assert codes("КНДР и Вьетнам") == ["KP", "VN"]


def test_common_words_are_not_countries_or_cities():
    assert codes("Mr. Jordan met Chad in Georgia") == []
    assert gazetteer.find_cities("The Nice idea of Progress and Independence in March") == []


def test_cities_with_aliases_and_accents():
    found = {name: city.country for name, city, _, _ in gazetteer.find_cities(gazetteer.fold("in Hà Nội and Vientiane"))}
    assert found == {"Ha Noi": "VN", "Vientiane": "LA"}


def test_noisy_alternate_names_are_filtered():
    # GeoNames lists airport codes and lowercase transliterations among alternate names.
    index = gazetteer.city_index()
    assert "VTE" not in index and "hanoi" not in index
    assert index["Pyongyang"][0].country == "KP"


def test_fold_keeps_offsets():
    text = "Lê Hoài Trung met him in Hà Nội"
    assert len(gazetteer.fold(text)) == len(text)


def test_dprk_places_the_city_list_lacks_or_spells_otherwise():
    found = {name: city.country for name, city, _, _ in gazetteer.find_cities(
        "talks at Panmunjom, a tour of Mt. Kumgang, the port of Nampho, the Rason zone and Sinuiju")}
    assert found == {"Panmunjom": "KP", "Mt. Kumgang": "KP", "Nampho": "KP", "Rason": "KP", "Sinuiju": "KP"}
    assert gazetteer.city_index()["Panmunjom"][0].border
    place = gazetteer.extra_place("Mount Kumgang")
    assert place is not None and 38 < place.latitude < 39 and 127 < place.longitude < 129


def test_a_curated_place_never_hides_the_geonames_city_of_the_same_name():
    kaesong = gazetteer.city_index()["Kaesong"]
    assert len(kaesong) == 1 and kaesong[0].population > 100_000


def _clear():
    for cached in (gazetteer._cached, gazetteer.country_forms, gazetteer.city_index, gazetteer._country_tokens):
        cached.cache_clear()


def _fresh(monkeypatch, cache_dir):
    monkeypatch.setenv("GAZETTEER_CACHE_DIR", cache_dir)
    _clear()
    return gazetteer.country_forms(), gazetteer.city_index()


def test_the_start_up_cache_gives_the_gazetteers_it_was_built_from(monkeypatch, tmp_path):
    try:
        built_forms, built_cities = _fresh(monkeypatch, "")  # no cache: built from the reference data
        assert not list(tmp_path.iterdir())
        _fresh(monkeypatch, str(tmp_path))  # builds and stores
        stored = list(tmp_path.glob("gazetteer-*.json"))
        assert len(stored) == 1
        loaded_forms, loaded_cities = _fresh(monkeypatch, str(tmp_path))  # reads the file
        assert loaded_forms == built_forms
        assert set(loaded_cities) == set(built_cities)
        for name in ("Pyongyang", "Ha Noi", "Vientiane", "Panmunjom", "Moscow"):
            assert loaded_cities[name] == built_cities[name]
        # A damaged file is rebuilt, never trusted.
        stored[0].write_text("{not json", encoding="utf-8")
        assert _fresh(monkeypatch, str(tmp_path))[0] == built_forms
    finally:
        monkeypatch.undo()
        _clear()
