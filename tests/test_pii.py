"""PII masking: マイナンバー check digits, each kind of PII, no false positives on policy text, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kodomo_ai.safety import load_contacts, mask, unmask
from kodomo_ai.safety.pii import is_valid_mynumber, mynumber_check_digit

ROOT = Path(__file__).resolve().parents[1]
CONTACTS_MD = ROOT / "corpus" / "contacts" / "contacts.md"


def _with_check_digit(first11: str) -> str:
    return first11 + str(mynumber_check_digit(first11))


def test_check_digit_of_the_known_example() -> None:
    # 123456789018 is the example commonly used to illustrate the official algorithm.
    assert mynumber_check_digit("12345678901") == 8
    assert is_valid_mynumber("123456789018")
    assert is_valid_mynumber("1234 5678 9018")
    assert is_valid_mynumber("1234-5678-9018")
    assert is_valid_mynumber("１２３４５６７８９０１８")


@pytest.mark.parametrize(
    "wrong", ["123456789010", "123456789011", "123456789019", "12345678901", "1234567890188"]
)
def test_wrong_check_digit_or_length_is_invalid(wrong: str) -> None:
    assert not is_valid_mynumber(wrong)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_every_number_with_its_check_digit_is_valid_and_others_are_not(first11: str) -> None:
    good = _with_check_digit(first11)
    assert is_valid_mynumber(good)
    for digit in "0123456789":
        if digit != good[-1]:
            assert not is_valid_mynumber(first11 + digit)


@pytest.mark.parametrize("form", ["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}", "{a}　{b}　{c}"])
def test_valid_mynumber_is_masked_in_any_spacing(form: str) -> None:
    number = _with_check_digit("98765432109")
    text = "番号は" + form.format(a=number[:4], b=number[4:8], c=number[8:]) + "です"
    masked = mask(text)
    assert masked.text == "番号は〔マイナンバー1〕です"
    assert unmask(masked.text, masked.mapping) == text


def test_invalid_mynumber_is_kept_unless_labelled() -> None:
    assert mask("受付番号 123456789010 です").text == "受付番号 123456789010 です"
    assert mask("マイナンバー：123456789010").text == "マイナンバー：〔マイナンバー1〕"
    assert mask("個人番号は1234-5678-9010です").text == "個人番号は〔マイナンバー1〕です"


@pytest.mark.parametrize(
    "phone",
    [
        "090-1234-5678",
        "09012345678",
        "080 1234 5678",
        "03-1234-5678",
        "(03)1234-5678",
        "0312345678",
        "045-123-4567",
        "0120-123-456",
        "+81-90-1234-5678",
        "０９０－１２３４－５６７８",
        "090ー1234ー5678",
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    masked = mask(f"連絡先は{phone}です")
    assert masked.text == "連絡先は〔電話1〕です", masked
    assert masked.mapping == {"〔電話1〕": phone}


def test_public_numbers_from_the_contact_book_are_kept() -> None:
    book = load_contacts(CONTACTS_MD)
    text = "よりそいホットライン0120-279-338、こころの健康相談統一ダイヤル0570-064-556、#8000、119、189、110"
    assert mask(text, public_numbers=book.numbers()).text == text
    # Without the book the toll-free numbers look like any phone number.
    assert "〔電話1〕" in mask(text).text


def test_email_postal_code_and_address() -> None:
    text = "〒123-4567 東京都新宿区西新宿2丁目8番1号に住んでいます。メールはhanako.yamada@example.co.jpです"
    masked = mask(text)
    assert masked.text == "〔郵便番号1〕 〔住所1〕に住んでいます。メールは〔メール1〕です"
    assert masked.mapping["〔住所1〕"] == "東京都新宿区西新宿2丁目8番1号"
    assert unmask(masked.text, masked.mapping) == text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("私はみどり市中央1-2-3に住んでいます", "みどり市中央1-2-3"),
        ("住所：大阪市北区梅田3-1-1 梅田ハイツ101号室", "大阪市北区梅田3-1-1 梅田ハイツ101号室"),
        ("札幌市中央区北1条西2丁目", "札幌市中央区北1条西2丁目"),
        ("みどり市緑が丘5番地の2", "みどり市緑が丘5番地の2"),
    ],
)
def test_addresses(text: str, address: str) -> None:
    masked = mask(text)
    assert masked.mapping.get("〔住所1〕") == address, masked


def test_postal_code_without_mark_needs_an_address_context() -> None:
    assert mask("郵便番号は123-4567です").text == "郵便番号は〔郵便番号1〕です"
    assert mask("123-4567 みどり市中央1-2-3").text == "〔郵便番号1〕 〔住所1〕"
    assert mask("受付番号123-4567を控えてください").text == "受付番号123-4567を控えてください"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("隣の田中さんに聞いた", ["田中"]),
        ("山田太郎様宛て", ["山田太郎"]),
        ("佐藤くんと鈴木ちゃん", ["佐藤", "鈴木"]),
        ("うちのゆうこちゃんが", ["ゆうこ"]),
        ("田中ゆうこさんの件", ["田中ゆうこ"]),
        ("担任の山田先生", ["山田"]),
        ("ママ友のサトウさん", ["サトウ"]),
    ],
)
def test_names_with_honorifics(text: str, names: list[str]) -> None:
    masked = mask(text)
    assert sorted(v for k, v in masked.mapping.items() if k.startswith("〔氏名")) == sorted(names)


@pytest.mark.parametrize(
    "text",
    [
        "お子さんの様子を保育士さんに伝えてください",
        "皆さん、お母さんもお父さんも赤ちゃんも一緒にどうぞ",
        "お疲れ様です。申請書の様式は市のホームページにあります",
        "保護者の皆様へ。園長先生からのお知らせです",
        "息子さんと娘さん、おばあちゃん、お兄ちゃん",
        "看護師さんと栄養士さんと職員さん",
    ],
)
def test_role_words_are_not_names(text: str) -> None:
    assert mask(text).text == text


def test_birthdate_next_to_a_name_is_kept() -> None:
    masked = mask("山田花子ちゃん（2021年4月3日生まれ）")
    assert masked.text == "〔氏名1〕ちゃん（2021年4月3日生まれ）"


POLICY_TEXT = """3歳から5歳までの子どもの保育料は無償です。保育所の副食費は月4,500円が目安で、
認可外保育施設は月額37,000円まで（0歳から2歳の住民税非課税世帯は42,000円まで）給付されます。
2024年（令和6年）10月分から児童手当の所得制限がなくなり、支給は年6回（偶数月）になりました。
第3子以降は月30,000円です。申請は2025-04-01から受け付け、受付時間は8:30-17:15です。
みどり市では、利用調整の指数を1-2点加算します。保育所等における虐待の通報は市町村へ。
こども医療でんわ相談は#8000、児童相談所虐待対応ダイヤルは189、緊急時は119番です。
よりそいホットライン（0120-279-338）は24時間、こころの健康相談統一ダイヤルは0570-064-556です。
東京都の通知では、0歳児は5分ごと、1〜2歳児は10分ごとに睡眠中の呼吸を確かめます。"""


def test_no_false_positives_on_policy_text() -> None:
    book = load_contacts(CONTACTS_MD)
    masked = mask(POLICY_TEXT, public_numbers=book.numbers())
    assert masked.text == POLICY_TEXT
    assert masked.mapping == {}


def test_contacts_document_body_masks_nothing() -> None:
    book = load_contacts(CONTACTS_MD)
    body = CONTACTS_MD.read_text(encoding="utf-8").split("---", 2)[2]
    assert mask(body, public_numbers=book.numbers()).mapping == {}


def test_same_value_gets_the_same_placeholder_and_unmask_tolerates_brackets() -> None:
    masked = mask("田中さんの電話は090-1111-2222、田中さんにもう一度090-1111-2222へ")
    assert masked.text == "〔氏名1〕さんの電話は〔電話1〕、〔氏名1〕さんにもう一度〔電話1〕へ"
    draft = "［氏名1］様、【電話1】までご連絡ください。〔氏名9〕"
    assert masked.unmask(draft) == "田中様、090-1111-2222までご連絡ください。〔氏名9〕"


_ALPHABET = st.sampled_from(
    list("0123456789-０１２ 　あいうえおさんちゃんくん様田中山市区町丁目番地号〒@.abcxyz、。の")
    + ["090-1234-5678", "123456789018", "みどり市中央1-2-3", "a@b.jp", "〒100-0001", "佐藤さん"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_unmask_restores_any_text(text: str) -> None:
    masked = mask(text)
    assert unmask(masked.text, masked.mapping) == text


# -- gaps found by the security probes (issue 14) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("佐藤 翔太の保育料について", "〔氏名1〕の保育料について"),
        ("佐藤　翔太です", "〔氏名1〕です"),
        ("うちの翔太が熱を出しました", "うちの〔氏名1〕が熱を出しました"),
        ("結衣の保育園の申請", "〔氏名1〕の保育園の申請"),
    ],
)
def test_names_without_honorifics_as_sudachi_tags_them(text: str, expected: str) -> None:
    assert mask(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "里子の生活費は誰が払いますか",  # 里子 is also an ordinary word
        "保健師さんに相談しました",  # Sudachi reads 保 + 健師 here
        "あおば町の保育所に申し込みたい",
        "大和市の窓口はどこですか",
        "さくら保育園の空き状況",
    ],
)
def test_ordinary_words_that_look_like_names_are_kept(text: str) -> None:
    assert mask(text).text == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My son is Sato Shota.", "Sato Shota"),
        ("SATO Shota です", "SATO Shota"),
        ("Shota Sato, 3 years old", "Shota Sato"),
        ("Yamada Hanako no hoikuryo", "Yamada Hanako"),
        ("Shota-kun has a fever", "Shota"),
        ("name: Kenta", "Kenta"),
    ],
)
def test_romanised_names(text: str, name: str) -> None:
    masked = mask(text)
    assert masked.mapping.get("〔氏名1〕") == name, masked


@pytest.mark.parametrize(
    "text",
    ["How much is Jido Teate?", "Does Aoba Town have nurseries?", "In Aoba Town the window opens at 9.",
     "Tokyo Station is near the office"],
)  # fmt: skip
def test_romanised_policy_words_and_places_are_kept(text: str) -> None:
    assert mask(text).text == text


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("I live at 1-2-3 Chuo, Midori-shi.", "1-2-3 Chuo, Midori-shi"),
        ("Chuo 1-2-3, Midori City", "Chuo 1-2-3, Midori City"),
        ("2-8-1 Nishi-Shinjuku, Shinjuku-ku, Tokyo", "2-8-1 Nishi-Shinjuku, Shinjuku-ku, Tokyo"),
    ],
)
def test_romanised_addresses(text: str, address: str) -> None:
    assert mask(text).mapping.get("〔住所1〕") == address


@pytest.mark.parametrize(
    "phone",
    ["090.1234.5678", "０９０．１２３４．５６７８", "090\u200b1234\u200b5678", "090-\u200d1234-5678",
     "〇九〇－一二三四－五六七八", "〇九〇一二三四五六七八", "TEL.090-1234-5678"],
)  # fmt: skip
def test_phone_numbers_in_every_disguise(phone: str) -> None:
    masked = mask(f"連絡先は{phone}です")
    assert "〔電話1〕" in masked.text and not any(ch.isdigit() for ch in masked.text.replace("〔電話1〕", ""))


def test_zero_width_characters_inside_a_mynumber_and_decimals_stay() -> None:
    number = _with_check_digit("98765432109")
    text = f"番号は{number[:4]}\u200b{number[4:8]}\ufeff{number[8:]}です"
    assert mask(text).text == "番号は〔マイナンバー1〕です"
    assert mask("2024.10.1から、version 0.12.1234").text == "2024.10.1から、version 0.12.1234"


def test_long_text_is_masked_past_the_tokenizer_limit() -> None:
    text = "保育料の説明です。" * 1200 + "佐藤 翔太の件"
    assert mask(text).text.endswith("〔氏名1〕の件")
