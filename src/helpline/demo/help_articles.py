"""The demo's help section: insurer articles in Russian and English, added if missing (by language and title)."""

from datetime import timedelta

from sqlalchemy import select

from helpline.adapters.db.models import HelpArticle
from helpline.services import knowledge
from helpline.services.channels import configs
from helpline.services.knowledge_schemas import ArticleWrite, CategoryCreate
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
    """Add the articles that are missing (in the caller's transaction, indexed for search); returns how many
    were added."""
    known = set(uow.session.execute(select(HelpArticle.language, HelpArticle.title)))
    added = 0
    for language, title, keywords, body in ARTICLES:
        if (language, title) not in known:
            knowledge.create_article(uow, ArticleWrite(language=language, title=title, keywords=keywords,
                                                       body=body), commit=False)
            added += 1
    return added


# (category, language, audience, title, keywords, body): the knowledge base beyond the chat's articles:
# Chinese and Ukrainian ones, and internal notes for agents
KNOWLEDGE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("Motor", "zh", "public", "车险理赔需要哪些材料",
     "理赔 材料 单证 车险 交强险",
     "报案后请准备:保险单、驾驶证、行驶证、事故认定书(交警处理的)、维修发票和被保险人的银行账户。"
     "材料齐全后,我们在十个工作日内完成理赔。可以通过95518或手机应用上传单证。"),
    ("Motor", "zh", "public", "发生交通事故后如何报案",
     "报案 事故 交通 查勘 定损",
     "发生事故后请先确保人员安全,拨打95518报案,说明时间、地点和经过。查勘员会联系您进行查勘定损;"
     "轻微事故可以快速处理,双方拍照后撤离现场。"),
    ("Policies", "zh", "public", "保单续保提醒",
     "续保 保单 到期 提醒 短信",
     "保单到期前三十天我们会通过短信提醒续保。您可以在手机应用、网点或通过代理人办理续保。"),
    ("Health", "zh", "public", "境外旅行救援服务",
     "旅行 境外 救援 医疗 医院",
     "在境外生病或受伤时,请先拨打保单上的24小时救援电话,告知保单号、所在国家和城市。我们为您安排网络内的医院并担保付款。"),
    ("Motor", "uk", "public", "Як повідомити про страховий випадок",
     "страховий випадок дтп заява повідомлення",
     "Повідомте про страховий випадок протягом трьох робочих днів: телефоном контакт-центру, в особистому "
     "кабінеті або в офісі. Підготуйте поліс, посвідчення водія та документи про ДТП."),
    ("Motor", "uk", "public", "Які документи потрібні для виплати",
     "документи виплата реквізити паспорт",
     "Паспорт, поліс, посвідчення водія, свідоцтво про реєстрацію авто, довідка поліції (якщо є) і банківські "
     "реквізити. Документи можна завантажити онлайн."),
    ("Motor", "ru", "internal", "Проверка европротокола оператором",
     "европротокол проверка лимит оператор",
     "Перед регистрацией убытка по европротоколу проверьте: два участника, оба полиса ОСАГО действуют, нет "
     "пострадавших, нет разногласий. Сумма выше 100 000 рублей допустима только при фиксации через "
     "«Госуслуги Авто». Иначе переведите клиента на оформление через ГИБДД."),
    ("Health", "ru", "internal", "Гарантийное письмо ДМС: кто принимает решение",
     "дмс гарантийное письмо врач куратор навык решение",
     "Решение о гарантийном письме принимает только оператор с медицинским навыком (врач-куратор). Остальные "
     "операторы регистрируют запрос: клиника, услуга, диагноз, и передают его в очередь врачей."),
    ("Motor", "en", "internal", "Checking a europrotocol claim",
     "europrotocol check limit agent",
     "Before registering a europrotocol claim check: two vehicles, both OSAGO policies valid, nobody injured, "
     "no disagreement. Above 100,000 roubles only with the Gosuslugi Auto record; otherwise the police report."),
)


def ensure_knowledge_articles(uow: UnitOfWork) -> int:
    """The demo's categories and the articles of KNOWLEDGE that are missing; review dates spread over the
    next weeks (two already due). Commits; returns how many articles were added."""
    categories = {c.name: c.id for c in knowledge.list_categories(uow)}
    for name in sorted({category for category, *_ in KNOWLEDGE}):
        if name not in categories:
            categories[name] = knowledge.create_category(uow, CategoryCreate(name=name)).id
    known = set(uow.session.execute(select(HelpArticle.language, HelpArticle.title)))
    added = 0
    for n, (category, language, audience, title, keywords, body) in enumerate(KNOWLEDGE):
        if (language, title) not in known:
            knowledge.create_article(uow, ArticleWrite(
                language=language, audience=audience, title=title, keywords=keywords, body=body,
                category_id=categories[category], review_due=uow.now().date() + timedelta(days=7 * n - 7)),
                commit=False)
            added += 1
    uow.commit()
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
