"""Templates: the brief's syntax and Jinja's, variables per type checked when saved,
money and dates as the receipt writes them, email HTML escaped, previews per type."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloud.notifications.catalogue import CHANNELS, TEMPLATE_TYPES
from cloud.notifications.errors import TemplateError
from cloud.notifications.templates import (
    MAX_ITEMS,
    TemplateSource,
    check,
    html_to_text,
    preview,
    render,
    translate,
    wire_values,
)

# Brief 004, "Create Template Example", body as published.
BRIEF_BODY = ("✅ *Pembayaran Diterima*\n\nHalo {{customer_name}},\n\nPembayaran {{payment_type}} untuk order "
              "{{order_code}} telah diterima:\n\n💰 Jumlah: Rp {{amount}}\n📅 Tanggal: {{payment_date}}\n\n"
              "{{#if is_full_payment}}Terima kasih! Order Anda akan segera diproduksi.{{else}}Menunggu pelunasan "
              "sebesar Rp {{remaining_amount}}.{{/if}}\n\nTerima kasih!")
BRIEF_VARIABLES = ["customer_name", "order_code", "payment_type", "amount", "payment_date", "is_full_payment",
                   "remaining_amount"]


def values(kind: str = "payment_received", **changes) -> dict:
    return {**TEMPLATE_TYPES[kind].sample, **changes}


def whatsapp(body: str, kind: str = "payment_received") -> TemplateSource:
    return TemplateSource(kind, "whatsapp", body)


def email(body: str, subject: str = "Order {{ order_code }}", kind: str = "payment_received") -> TemplateSource:
    return TemplateSource(kind, "email", body, subject)


def test_the_briefs_example_renders_a_full_payment():
    paid_at = datetime(2025, 6, 30, 3, 30, tzinfo=UTC)
    text = render(whatsapp(BRIEF_BODY), values(customer_name="Sari", order_code="KMG-1", payment_type="QRIS",
                                               amount=20_800_00, payment_date=paid_at, is_full_payment=True,
                                               remaining_amount=0)).text
    assert text == ("✅ *Pembayaran Diterima*\n\nHalo Sari,\n\nPembayaran QRIS untuk order KMG-1 telah diterima:\n\n"
                    "💰 Jumlah: Rp 20.800\n📅 Tanggal: 30/06/2025 10:30\n\n"
                    "Terima kasih! Order Anda akan segera diproduksi.\n\nTerima kasih!")


def test_the_briefs_else_branch_shows_what_is_still_due():
    text = render(whatsapp(BRIEF_BODY), values(amount=10_000_00, is_full_payment=False,
                                               remaining_amount=10_800_00)).text
    assert "Menunggu pelunasan sebesar Rp 10.800." in text and "Terima kasih! Order" not in text


def test_the_briefs_declared_variables_are_accepted():
    assert check(whatsapp(BRIEF_BODY), BRIEF_VARIABLES).variables == (
        "customer_name", "payment_type", "order_code", "amount", "payment_date", "is_full_payment",
        "remaining_amount")


def test_a_money_variable_reads_like_the_receipt_with_or_without_the_symbol_written():
    text = render(whatsapp("{{ amount }} | Rp {{amount}} | {{ amount.number }}"), values(amount=2_080_000)).text
    assert text == "Rp 20.800 | Rp 20.800 | 20.800"


def test_money_follows_the_tenants_currency():
    assert render(whatsapp("{{ amount }}"), values(amount=123_456), currency="USD").text == "USD 1,234.56"


def test_dates_are_written_in_the_outlets_time_zone():
    moment = datetime(2025, 12, 31, 20, 15, tzinfo=UTC)
    source = whatsapp("{{ payment_date }} / {{ payment_date.date }} / {{ payment_date.time }}")
    assert render(source, values(payment_date=moment), timezone="Asia/Jakarta").text == \
        "01/01/2026 03:15 / 01/01/2026 / 03:15"
    assert render(source, values(payment_date=moment.replace(tzinfo=None)), timezone="Asia/Makassar").text == \
        "01/01/2026 04:15 / 01/01/2026 / 04:15"  # naive datetimes are stored UTC


def test_jinja_conditionals_and_the_order_items_loop():
    body = ("{% for item in items %}{{ loop.index }}. {{ item.quantity }}x {{ item.name }} {{ item.amount }}"
            "{% if item.note %} ({{ item.note }}){% endif %}\n{% endfor %}"
            "{% if order_total > 100000 %}big{% elif order_total %}small{% else %}free{% endif %}")
    items = [{"name": "Margherita Pizza", "quantity": 1, "amount": 8_500_000, "note": "Large"},
             {"name": "Iced Tea", "quantity": 2, "amount": 2_400_000, "note": ""}]
    text = render(whatsapp(body), values(items=items, order_total=10_900_000)).text
    assert text == "1. 1x Margherita Pizza Rp 85.000 (Large)\n2. 2x Iced Tea Rp 24.000\nbig"


def test_the_items_read_as_quantity_and_name_when_joined():
    assert render(whatsapp("{{ items|join(', ') }} / {{ items|first }}"), values()).text == \
        "1x Margherita Pizza, 2x Iced Tea / 1x Margherita Pizza"


def test_reasonable_nesting_is_allowed_and_deep_nesting_refused():
    assert check(whatsapp("{% if amount %}" * 12 + "x" + "{% endif %}" * 12)).preview.text == "x"
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("{% if amount %}" * 40 + "x" + "{% endif %}" * 40))
    assert refused.value.code == "TEMPLATE_TOO_COMPLEX"


def test_handlebars_else_if_and_unless_translate_line_for_line():
    source = "a\n{{#if x}}1{{else if y}}2{{else}}3{{/if}}\n{{#unless z}}4{{/unless}}{{{w}}}"
    assert translate(source) == ("a\n{% if x %}1{% elif y %}2{% else %}3{% endif %}\n"
                                 "{% if not (z) %}4{% endif %}{{ w }}")


def test_handlebars_each_is_refused_with_the_jinja_loop_to_write_instead():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("line one\n{{#each items}}{{name}}{{/each}}"))
    assert refused.value.line == 2 and "{% for item in items %}" in refused.value.message


def test_a_syntax_error_is_reported_with_its_line():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("Halo {{ customer_name }}\n\nTotal {{ order_total }\nTerima kasih"))
    assert (refused.value.code, refused.value.field) == ("TEMPLATE_SYNTAX", "body")
    assert refused.value.line == 3 and "line 3" in refused.value.message


def test_an_unknown_variable_is_refused_with_its_name_and_line():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("Halo {{ customer_name }},\ntotal {{ grand_total }}"))
    assert (refused.value.code, refused.value.variable, refused.value.line) == ("UNKNOWN_VARIABLE", "grand_total", 2)


def test_variables_belong_to_their_template_type():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("{{ refund_amount }}", "payment_received"))
    assert refused.value.variable == "refund_amount"
    assert check(whatsapp("{{ refund_amount }}", "order_refunded")).variables == ("refund_amount",)


def test_a_declared_variable_unknown_to_the_type_is_refused_on_the_variables_field():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("{{ amount }}"), ["amount", "down_payment"])
    assert (refused.value.field, refused.value.variable) == ("variables", "down_payment")


def test_unknown_attributes_of_a_value_are_refused():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("{{ amount.minor }}"))
    assert refused.value.code == "UNKNOWN_ATTRIBUTE" and "number" in refused.value.message


def test_unknown_types_and_channels_are_refused_on_their_fields():
    with pytest.raises(TemplateError) as refused:
        check(TemplateSource("order_exploded", "whatsapp", "x"))
    assert (refused.value.code, refused.value.field) == ("UNKNOWN_TEMPLATE_TYPE", "type")
    with pytest.raises(TemplateError) as refused:
        check(TemplateSource("order_created", "sms", "x"))
    assert (refused.value.code, refused.value.field) == ("UNKNOWN_CHANNEL", "channel")


def test_an_email_template_needs_a_subject_and_a_body():
    with pytest.raises(TemplateError) as refused:
        check(email("Halo", subject="  "))
    assert (refused.value.code, refused.value.field) == ("SUBJECT_REQUIRED", "subject")
    with pytest.raises(TemplateError) as refused:
        check(email("   "))
    assert refused.value.code == "EMPTY_BODY"


def test_a_subject_on_a_whatsapp_template_is_a_warning():
    assert check(TemplateSource("order_created", "whatsapp", "Hi", "Subject")).warnings == (
        "the subject is not used for WhatsApp messages",)


def test_email_html_is_escaped_while_whatsapp_text_is_not():
    name = '<script>alert("x")</script> & Co'
    mail = render(email("<p>Halo {{ customer_name }}</p>"), values(customer_name=name))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in mail.html and "<script>" not in mail.html
    assert mail.text == f"Halo {name}"
    assert render(whatsapp("Halo {{ customer_name }}"), values(customer_name=name)).text == f"Halo {name}"


def test_a_plain_email_body_becomes_html_with_line_breaks():
    mail = render(email("Halo {{ customer_name }},\nTotal {{ order_total }}"), values())
    assert mail.text == "Halo Budi Santoso,\nTotal Rp 20.800"
    assert "Halo Budi Santoso,<br>\nTotal Rp 20.800" in mail.html and mail.html.startswith("<!doctype html>")


def test_an_html_email_gets_a_text_part_with_its_links():
    mail = render(email('<h1>Terima kasih</h1><p>Struk: <a href="{{ receipt_url }}">lihat</a></p>'),
                  values(receipt_url="https://pos.example.com/r/1"))
    assert mail.text == "Terima kasih\n\nStruk: lihat (https://pos.example.com/r/1)"


def test_a_subject_is_one_line_even_if_a_value_holds_line_breaks():
    mail = render(email("x", subject="Order {{ customer_name }}"), values(customer_name="A\r\nBcc: evil@x.id"))
    assert mail.subject == "Order A Bcc: evil@x.id"


def test_values_are_checked_against_their_kinds():
    with pytest.raises(TypeError):
        render(whatsapp("{{ amount }}"), values(amount=20800.0))
    with pytest.raises(ValueError, match="needs values for: amount"):
        render(whatsapp("{{ order_code }}"), {k: v for k, v in values().items() if k != "amount"})
    with pytest.raises(ValueError, match="not variables of payment_received: total"):
        render(whatsapp("{{ order_code }}"), values(total=1))


def test_an_order_may_have_at_most_max_items_lines():
    with pytest.raises(ValueError, match="at most"):
        render(whatsapp("x"), values(items=[{"name": "x", "quantity": 1, "amount": 1}] * (MAX_ITEMS + 1)))


def test_a_whatsapp_message_longer_than_metas_limit_is_refused_while_rendering():
    many = [{"name": "x" * 60, "quantity": 1, "amount": 100}] * 100
    with pytest.raises(TemplateError) as refused:
        render(whatsapp("{% for item in items %}{{ item.name }}\n{% endfor %}"), values(items=many))
    assert refused.value.code == "MESSAGE_TOO_LONG"


def test_a_template_that_cannot_render_the_sample_is_refused_when_saved():
    with pytest.raises(TemplateError) as refused:
        check(whatsapp("{{ items[5].name }}"))
    assert refused.value.code == "RENDER_FAILED"


def test_render_checks_a_stored_template_again():
    with pytest.raises(TemplateError) as refused:
        render(whatsapp("{% set x = 1 %}{{ x }}"), values())
    assert refused.value.code == "TEMPLATE_NOT_ALLOWED"


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", sorted(TEMPLATE_TYPES))
def test_every_type_previews_its_default_template_with_sample_data(kind, channel):
    template_type = TEMPLATE_TYPES[kind]
    result = check(TemplateSource(kind, channel, template_type.default_body, template_type.default_subject))
    assert "Budi Santoso" in result.preview.text and "KMG-250630-1-0042" in result.preview.text
    assert (result.preview.html is not None) == (channel == "email")
    assert bool(result.preview.subject) == (channel == "email")


def test_a_preview_takes_values_over_the_samples():
    shown = preview(whatsapp("{{ customer_name }} {{ amount }}"), values={"customer_name": "Test User"})
    assert shown.text == "Test User Rp 20.800"


def test_html_to_text_keeps_blocks_and_drops_scripts():
    assert html_to_text("<div>a</div><script>x()</script><ul><li>b</li><li>c</li></ul>b<br>c") == \
        "a\n\n- b\n\n- c\n\nb\nc"


def test_docs_name_every_template_type_and_variable():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "notifications.md").read_text()
    for name, template_type in TEMPLATE_TYPES.items():
        assert f"`{name}`" in docs, name
        for variable in template_type.variables:
            assert f"`{variable}`" in docs, (name, variable)


def test_values_from_json_follow_the_wire_rules():
    # The brief's test endpoint: {"template_vars": {"customer_name": "Test User"}}, money as on the wire.
    values = wire_values("payment_received", {
        "customer_name": "Test User", "amount": "20800.00", "payment_date": "2025-06-30T10:30:00Z",
        "is_full_payment": False, "remaining_amount": "5000", "items": [{"name": "Tea", "quantity": 2,
                                                                         "amount": "5800.00"}]})
    shown = preview(whatsapp("{{ customer_name }} {{ amount }} {{ payment_date }} {{ remaining_amount }} "
                             "{{ items|first }} {{ items[0].amount }}"), values=values)
    assert shown.text == "Test User Rp 20.800 30/06/2025 17:30 Rp 5.000 2x Tea Rp 5.800"


@pytest.mark.parametrize("payload, field, code", [
    ({"grand_total": "1.00"}, "template_vars.grand_total", "UNKNOWN_VARIABLE"),
    ({"amount": 20800.5}, "template_vars.amount", "INVALID_VALUE"),
    ({"amount": "20.800"}, "template_vars.amount", "INVALID_VALUE"),
    ({"payment_date": "yesterday"}, "template_vars.payment_date", "INVALID_VALUE"),
    ({"is_full_payment": "yes"}, "template_vars.is_full_payment", "INVALID_VALUE"),
    ({"items": [{"name": "Tea", "amount": "x"}]}, "template_vars.items", "INVALID_VALUE"),
])
def test_values_from_json_that_do_not_fit_are_refused_on_their_field(payload, field, code):
    with pytest.raises(TemplateError) as refused:
        wire_values("payment_received", payload)
    assert (refused.value.field, refused.value.code) == (field, code)


def test_a_preview_with_values_of_the_wrong_shape_is_a_template_error():
    with pytest.raises(TemplateError) as refused:
        preview(whatsapp("{{ items|first }}"), values={"items": [{"name": "Tea", "quantity": "2"}]})
    assert (refused.value.code, refused.value.field) == ("INVALID_VALUE", "template_vars")
