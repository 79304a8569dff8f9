"""The demo's help section: insurer articles in Russian and English, added if missing (by language and title)."""

from sqlalchemy import select

from helpline.adapters.db.models import HelpArticle
from helpline.services.channels import configs
from helpline.services.unit_of_work import UnitOfWork

# (language, title, keywords, body)
ARTICLES: tuple[tuple[str, str, str, str], ...] = (
    ("ru", "Как заявить о страховом случае по ОСАГО",
     "осаго авария дтп заявление убыток страховой случай выплата",
     "Сообщите о ДТП в течение 5 рабочих дней: в офисе, через личный кабинет или по телефону контакт-центра. "
     "Подготовьте полис, водительское удостоверение, СТС и извещение о ДТП. Оператор зарегистрирует "
     "заявление и назовёт номер убытка; решение принимается в течение 20 календарных дней."),
    ("ru", "Какие документы нужны для выплаты",
     "документы справка паспорт реквизиты выплата осаго каско",
     "Паспорт, полис, водительское удостоверение, СТС или ПТС, извещение о ДТП, документы ГИБДД (если "
     "оформлялись), банковские реквизиты. Документы можно загрузить онлайн в личном кабинете."),
    ("ru", "Европротокол: оформление ДТП без ГИБДД",
     "европротокол извещение без гибдд дтп оформление",
     "Европротокол можно оформить, если нет пострадавших, участвуют два автомобиля с полисами ОСАГО и нет "
     "разногласий. Заполните бланк извещения или используйте приложение «Госуслуги Авто»; лимит выплаты "
     "100 000 рублей (400 000 при фиксации через приложение)."),
    ("ru", "Гарантийное письмо по ДМС",
     "дмс гарантийное письмо клиника врач куратор медицина",
     "Для записи в клинику, не указанную в программе, или на услугу, требующую согласования, позвоните "
     "или напишите в чат. Врач-куратор проверит программу и лимит, и мы направим гарантийное письмо в клинику."),
    ("ru", "Помощь в путешествии: что делать за границей",
     "путешествие заграница ассистанс туризм врач болезнь страховка выезд",
     "Прежде чем обращаться к врачу, свяжитесь с ассистансом по телефону из полиса (круглосуточно). Назовите "
     "номер полиса, страну и город, опишите симптомы; мы подберём клинику из сети и гарантируем оплату."),
    ("ru", "Продление полиса",
     "продление полис продлить окончание срок пролонгация",
     "Продлить полис можно за 30 дней до окончания срока в личном кабинете, в офисе или у агента. Мы "
     "пришлём напоминание по SMS или e-mail, если вы дали согласие на такие сообщения."),
    ("en", "How to report an OSAGO (motor third-party) claim",
     "osago accident crash claim report notice payout motor",
     "Report the accident within 5 working days: at an office, in your online account or by calling the "
     "contact centre. Have your policy, driving licence, registration certificate and the accident notice "
     "ready. The operator registers the claim and gives you its number; the decision takes up to 20 days."),
    ("en", "Documents needed for a claim payment",
     "documents papers passport bank details claim payment",
     "Passport, policy, driving licence, vehicle registration, the accident notice, police documents if "
     "any, and your bank details. You can upload the documents online in your account."),
    ("en", "Europrotocol: an accident reported without the police",
     "europrotocol european accident notice police form",
     "You may use the europrotocol when nobody is injured, two cars with OSAGO policies are involved and the "
     "drivers agree on the circumstances. Fill in the accident notice form together; the payout is limited."),
    ("en", "DMS (voluntary health insurance) guarantee letter",
     "dms health guarantee letter clinic doctor curator medical",
     "To see a clinic outside your programme, or for a service that needs approval, call or write in the "
     "chat. A doctor-curator checks your programme and limit, and we send the clinic a guarantee letter."),
    ("en", "Travel assistance abroad",
     "travel abroad assistance trip doctor illness medical insurance",
     "Before seeing a doctor abroad, call the 24/7 assistance number on your policy. Give the policy number, "
     "the country and city, and your symptoms; we find a clinic in our network and guarantee the payment."),
    ("en", "Renewing your policy",
     "renewal renew policy expiry extend",
     "You can renew your policy up to 30 days before it expires in your online account, at an office or "
     "through your agent. We remind you by SMS or e-mail if you agreed to such messages."),
)


def ensure_help_articles(uow: UnitOfWork) -> int:
    """Add the articles that are missing (in the caller's transaction); returns how many were added."""
    known = set(uow.session.execute(select(HelpArticle.language, HelpArticle.title)))
    added = 0
    for language, title, keywords, body in ARTICLES:
        if (language, title) not in known:
            uow.session.add(HelpArticle(language=language, title=title, keywords=keywords, body=body, public=True,
                                        updated_at=uow.now()))
            added += 1
    return added


DEMO_CHAT_CHANNEL = "site-chat"  # the channel /chat-demo embeds by default
DEMO_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]  # where ./scripts/demo serves /chat-demo


def ensure_chat_channel(uow: UnitOfWork, queue_code: str = "reso_chat") -> int:
    """The web chat of the demo site on the insurer's chat queue, so /chat-demo works at once; commits.
    Returns 1 if it was added."""
    if any(c.name == DEMO_CHAT_CHANNEL for c in configs.all_configs(uow)):
        return 0
    configs.add(uow, DEMO_CHAT_CHANNEL, "web-chat", {"allowed_origins": DEMO_ORIGINS}, queue=queue_code)
    return 1
