"""Typical parameters of each SMS template, with which docs/channels/sms.md counts their segments."""

SAMPLES: dict[str, dict[str, str]] = {
    "sms_motor_claim_checklist": {"case_ref": "OSG-2026-001234", "upload_url": "https://reso.ru/u/Ab3dE9"},
    "sms_property_claim_checklist": {"case_ref": "IMU-2026-004321", "upload_url": "https://reso.ru/u/Ab3dE9"},
    "sms_dms_guarantee_letter_checklist": {"case_ref": "DMS-2026-000777"},
    "sms_travel_assistance_checklist": {"case_ref": "VZR-2026-000555", "hotline": "+7 495 730-30-00"},
    "sms_roadside_assistance_checklist": {"case_ref": "RESO-2026-000321", "hotline": "+7 495 730-30-00",
                                          "eta_minutes": "40"},
    "sms_adjuster_dispatch": {"insurer": "PICC", "case_ref": "RDAA2026630000001234", "adjuster_name": "Wang Qiang",
                              "adjuster_phone": "13800000000", "eta": "15:30"},
    "sms_policy_renewal_reminder": {"insurer": "PICC", "policy_number": "PDAA202663000000001234",
                                    "expires_on": "2026-03-01", "renew_url": "https://e.picc.com/r/Ab3d",
                                    "hotline": "95518"},
    "sms_disaster_prevention_reminder": {"insurer": "PICC", "hazard": "heavy rain", "area": "Xining",
                                         "date": "20 July", "hotline": "95518"},
    "sms_survey_link": {"insurer": "PICC", "case_ref": "RDAA2026630000001234", "survey_url": "https://e.picc.com/s/Ab3d"},
}
