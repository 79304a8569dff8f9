"""SMS encoding and splitting, SMPP receipt parsing, and the segment counts the documentation states."""

import re
from pathlib import Path

import pytest

from helpline.adapters.sms.encoding import GSM_DEFAULT, UCS2, decode, encode, is_gsm, segment_count
from helpline.adapters.sms.smpp import parse_receipt
from helpline.services.channels import templates
from helpline.services.notifications import sms_templates
from tests.sms_samples import SAMPLES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "channels" / "sms.md"


@pytest.mark.parametrize("text,coding,parts", [
    ("a" * 160, GSM_DEFAULT, 1), ("a" * 161, GSM_DEFAULT, 2), ("a" * 306, GSM_DEFAULT, 2),
    ("a" * 307, GSM_DEFAULT, 3), ("€" * 80, GSM_DEFAULT, 1), ("€" * 81, GSM_DEFAULT, 2),
    ("я" * 70, UCS2, 1), ("я" * 71, UCS2, 2), ("я" * 134, UCS2, 2), ("我" * 135, UCS2, 3),
    ("Claim [1] ~ok~ {x} | \\ ^", GSM_DEFAULT, 1), ("naïve", UCS2, 1), ("",  GSM_DEFAULT, 1),
])
def test_the_alphabet_and_the_number_of_parts(text, coding, parts):
    encoded = encode(text)
    assert encoded.data_coding == coding and len(encoded.parts) == parts == segment_count(text)
    assert encoded.esm_class == (0x40 if parts > 1 else 0)


@pytest.mark.parametrize("text", ["Hello [world] €5 {ok}", "Привет, мир", "您的报案已受理", "x" * 400,
                                  "Ж" * 200, "a🙂" * 50])
def test_parts_decode_back_to_the_text(text):
    encoded = encode(text, reference=7)
    if len(encoded.parts) == 1:
        assert decode(encoded.parts[0], encoded.data_coding) == text
        return
    total = len(encoded.parts)
    for seq, part in enumerate(encoded.parts, start=1):
        assert part[:6] == bytes([5, 0, 3, 7, total, seq])
    assert "".join(decode(p, encoded.data_coding, has_udh=True) for p in encoded.parts) == text


def test_a_surrogate_pair_is_never_split_between_parts():
    text = "я" * 66 + "🙂" + "я" * 10  # the emoji would straddle the 67th character
    first, second = encode(text).parts
    assert first[6:].decode("utf-16-be") == "я" * 66
    assert second[6:].decode("utf-16-be").startswith("🙂")


@pytest.mark.parametrize("text,tlv_id,tlv_state,expected", [
    ("id:smsc-1 sub:001 dlvrd:001 submit date:2602020900 done date:2602020901 stat:DELIVRD err:000 text:Hi",
     None, None, ("smsc-1", "DELIVRD", True, True)),
    ("id:AB12 sub:001 dlvrd:000 submit date:2602020900 done date:2602020901 stat:UNDELIV err:005 text:",
     None, None, ("AB12", "UNDELIV", True, False)),
    ("id:7 stat:ENROUTE", None, None, ("7", "ENROUTE", False, False)),
    ("whatever", "tlv-9", 2, ("tlv-9", "DELIVRD", True, True)),
])
def test_smpp_receipts_are_read_from_the_text_or_the_tlvs(text, tlv_id, tlv_state, expected):
    receipt = parse_receipt(text, tlv_id, tlv_state)
    assert receipt is not None
    assert (receipt.message_id, receipt.state, receipt.final, receipt.delivered) == expected


def test_a_text_that_is_no_receipt_is_recognised():
    assert parse_receipt("Hello, when will the adjuster come?") is None


def test_every_sms_template_has_english_and_russian_and_the_chinese_insurers_have_chinese():
    names = sms_templates()
    assert set(names) == set(SAMPLES)
    for name in names:
        for language in ("en", "ru"):
            assert templates.render(name, language, SAMPLES[name]).language == language
    for name in ("sms_adjuster_dispatch", "sms_policy_renewal_reminder", "sms_disaster_prevention_reminder",
                 "sms_survey_link"):
        assert templates.render(name, "zh", SAMPLES[name]).language == "zh"


def _row(name: str) -> str:
    cells = [f"`{name}`"]
    for language in ("en", "ru", "zh"):
        if not (templates.TEMPLATE_DIR / f"{name}.{language}.txt").exists():
            cells.append("—")
            continue
        text = templates.render(name, language, SAMPLES[name]).body.rstrip("\n")
        cells.append(f"{segment_count(text)} ({len(text)}{'' if is_gsm(text) else ', UCS-2'})")
    return "| " + " | ".join(cells) + " |"


def test_the_documented_segment_counts_are_the_templates_own():
    documented = {line.strip() for line in DOCS.read_text().splitlines() if re.match(r"^\| `sms_\w+` \| \d", line)}
    assert documented == {_row(name) for name in sms_templates()}
