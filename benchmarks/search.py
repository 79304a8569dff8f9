"""Help-section search: relevance on real insurer text, old ranking vs new, and query latency.

    .venv/bin/python benchmarks/search.py [--articles 3000] [--database-url postgresql+psycopg://...]

The corpus: the demo articles (ru, en, zh, uk, public and internal) and the original articles in
/work/shared/seeds (or --seeds DIR), one article per paragraph. QUERIES are written by hand, each with a text
found in exactly one article (the right answer), in other word forms than the article where the language has
them. Relevance: hit@1, hit@3 and MRR (reciprocal rank of the right article in the top 10) for
- `old`: the ranking the chat used before (terms = first 5 letters of words of 3+ letters; 3/2/1 per shared
  term in title/keywords/body);
- `new`: services/knowledge.search (Snowball stems / Chinese character pairs, BM25-like, in the database).
Latency: the same queries against --articles articles (the corpus plus articles made of its shuffled
sentences), SQLite by default or the PostgreSQL given; median and p95 in milliseconds.
Prints JSON as its last line.
"""

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpline.adapters.db.migrate import upgrade
from helpline.bootstrap import bootstrap
from helpline.config import Settings
from helpline.demo.help_articles import ARTICLES, KNOWLEDGE
from helpline.services import knowledge
from helpline.services.knowledge_schemas import ArticleWrite

SEEDS = Path("/work/shared/seeds")
_HAN = re.compile(r"[\u3400-\u9fff]")
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"\w+", re.UNICODE)

# (language, query, a text found in exactly one article: the right answer)
QUERIES: tuple[tuple[str, str, str], ...] = (
    ("ru", "список документов для получения выплат", "Какие документы нужны для выплаты"),
    ("ru", "что делать при страховом случае по осаго", "Как заявить о страховом случае по ОСАГО"),
    ("ru", "оформить аварию без гибдд", "Европротокол: оформление ДТП без ГИБДД"),
    ("ru", "нужно гарантийного письма в клинику", "Для записи в клинику, не указанную в программе"),
    ("ru", "заболел за границей в путешествии", "Помощь в путешествии: что делать за границей"),
    ("ru", "как продлить полисы", "Продление полиса"),
    ("ru", "проверки европротоколов оператором", "Проверка европротокола оператором"),
    ("ru", "кто решает о гарантийных письмах по дмс", "Гарантийное письмо ДМС: кто принимает решение"),
    ("ru", "среднее время ожидания ответов операторов", "Среднее время ожидания ответа оператора РЕСО"),
    ("ru", "сколько звонков обработал универсальный контакт-центр в 2024", "1 407 254"),
    ("ru", "время дозвона по полисам ДМС", "Среднее время дозвона по полису ДМС"),
    ("ru", "лекции для сотрудников по медицинским темам", "курс лекций по медицинской"),
    ("ru", "негативный отзыв во время урегулирования", "При поступлении негативных отзывов"),
    ("ru", "организовать помощь в любых странах мира", "организовать помощь в любой стране"),
    ("ru", "урегулирование страховых случаев онлайн без визитов в офис",
     "урегулирование страховых случаев происходит онлайн"),
    ("ru", "на сколько выросло количество обращений в 2018", "увеличилось на 39%"),
    ("en", "what papers do I need for a payout", "Documents needed for a claim payment"),
    ("en", "reporting an accident claim under osago", "How to report an OSAGO"),
    ("en", "renew my policies", "Renewing your policy"),
    ("en", "fell ill abroad on a trip", "Travel assistance abroad"),
    ("en", "checks before registering europrotocol claims", "Checking a europrotocol claim"),
    ("zh", "车险理赔需要什么材料", "车险理赔需要哪些材料"),
    ("zh", "出了交通事故怎么报案", "发生交通事故后如何报案"),
    ("zh", "续保短信提醒", "保单续保提醒"),
    ("zh", "在国外生病了怎么办", "境外旅行救援服务"),
    ("zh", "客户满意度电话回访", "共回访客户6925件"),
    ("zh", "投诉多少个工作日内回访", "七个工作日内对客户进行电话回访"),
    ("zh", "新员工岗前培训多长时间", "为期一个月的全脱产岗前培训"),
    ("zh", "短信平台查勘定损调度", "拓展了短信服务功能"),
    ("uk", "документів для виплати", "Які документи потрібні для виплати"),
    ("uk", "повідомити про страхові випадки", "Як повідомити про страховий випадок"),
    ("uk", "головна перевага онлайн-чатів", "Головною перевагою будь-якого онлайн чату"),
    ("uk", "якість відповідей служби підтримки", "По-друге, це якість та повнота відповіді"),
)


def language_of(paragraph: str) -> str:
    if _HAN.search(paragraph):
        return "zh"
    if _UKRAINIAN.search(paragraph):
        return "uk"
    return "ru" if _CYRILLIC.search(paragraph) else "en"


def corpus(seeds: Path) -> list[dict[str, str]]:
    """The demo articles, then one article per paragraph (40+ characters) of each seed file."""
    articles = [{"language": lang, "title": title, "keywords": kw, "body": body, "audience": "public"}
                for lang, title, kw, body in ARTICLES]
    articles += [{"language": lang, "title": title, "keywords": kw, "body": body, "audience": audience}
                 for _cat, lang, audience, title, kw, body in KNOWLEDGE]
    seen: set[str] = set()
    for path in sorted(seeds.glob("*.txt")):
        for paragraph in (p.strip() for p in path.read_text(encoding="utf-8").splitlines()):
            if len(paragraph) < 40 or paragraph in seen:
                continue
            seen.add(paragraph)
            title = re.split(r"(?<=[.!?。!?])\s*", paragraph, maxsplit=1)[0][:120]
            articles.append({"language": language_of(paragraph), "title": title, "keywords": "", "body": paragraph,
                             "audience": "public"})
    return articles


# --- the old ranking (services/help_articles.py before the knowledge base) ---------------------------

def old_terms(value: str) -> set[str]:
    return {word[:5] for word in _WORD.findall(value.lower()) if len(word) >= 3 and not word.isdigit()}


def old_search(articles: list[dict[str, str]], language: str, question: str) -> list[int]:
    wanted = old_terms(question)
    ranked = []
    for i, a in enumerate(articles):
        if a["language"] != language:
            continue
        score = (3 * len(wanted & old_terms(a["title"])) + 2 * len(wanted & old_terms(a["keywords"]))
                 + len(wanted & old_terms(a["body"])))
        if score > 0:
            ranked.append((-score, i))
    return [i for _, i in sorted(ranked)][:10]


def scores(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks)
    return {"hit_at_1": round(sum(r == 1 for r in ranks) / n, 3),
            "hit_at_3": round(sum(r is not None and r <= 3 for r in ranks) / n, 3),
            "mrr": round(sum(1 / r for r in ranks if r) / n, 3)}


def answer_of(articles: list[dict[str, str]], marker: str) -> int:
    found = [i for i, a in enumerate(articles) if marker in a["title"] + "\n" + a["body"]]
    assert len(found) == 1, (marker, len(found))
    return found[0]


def fillers(articles: list[dict[str, str]], count: int, rng: random.Random) -> list[dict[str, str]]:
    """Articles made of the corpus's sentences shuffled (same languages, vocabulary and lengths)."""
    by_language: dict[str, list[str]] = {}
    for a in articles:
        by_language.setdefault(a["language"], []).extend(
            s for s in re.split(r"(?<=[.!?。!?])\s*", a["body"]) if len(s) > 10)
    languages = sorted(by_language)
    made = []
    for n in range(count):
        language = languages[n % len(languages)]
        sentences = rng.sample(by_language[language], min(4, len(by_language[language])))
        made.append({"language": language, "title": f"{sentences[0][:80]} ({n})", "keywords": "",
                     "body": " ".join(sentences), "audience": "public" if n % 4 else "internal"})
    return made


def scratch(base_url: str | None) -> tuple[str, str | None]:
    if base_url is None:
        return f"sqlite:///{tempfile.mkdtemp()}/search.db", None
    name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def drop(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (default: a SQLite file)")
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    articles = corpus(args.seeds)
    answers = [answer_of(articles, marker) for _lang, _q, marker in QUERIES]
    extra = fillers(articles, max(0, args.articles - len(articles)), random.Random(8))

    old_ranks = []
    for (language, question, _m), answer in zip(QUERIES, answers, strict=True):
        found = old_search(articles, language, question)
        old_ranks.append(found.index(answer) + 1 if answer in found else None)

    url, created = scratch(args.database_url)
    try:
        upgrade(url)
        box = bootstrap(Settings(database_url=url, environment="test", secret_key="bench-" + "x" * 40))
        ids: list[int] = []
        started = time.perf_counter()
        with box.uow() as uow:
            for a in articles:
                ids.append(knowledge.create_article(uow, ArticleWrite.model_validate(a), commit=False).id)
            uow.commit()
        new_ranks = []
        with box.uow() as uow:
            for (language, question, _m), answer in zip(QUERIES, answers, strict=True):
                hits = [h.id for h in knowledge.search(uow, question, language=language, internal=True)]
                new_ranks.append(hits.index(ids[answer]) + 1 if ids[answer] in hits else None)
        with box.uow() as uow:
            for a in extra:
                knowledge.create_article(uow, ArticleWrite.model_validate(a), commit=False)
            uow.commit()
        index_s = time.perf_counter() - started
        timings = []
        with box.uow() as uow:
            for _ in range(args.repeat):
                for language, question, _m in QUERIES:
                    t0 = time.perf_counter()
                    knowledge.search(uow, question, language=language, internal=True)
                    timings.append((time.perf_counter() - t0) * 1000)
            terms_rows = uow.session.scalar(text("SELECT count(*) FROM knowledge_terms"))
        box.engine.dispose()
    finally:
        if created and args.database_url:
            drop(args.database_url, created)
    languages = sorted({lang for lang, _q, _m in QUERIES})

    def hit_at_1(ranks: list[int | None], language: str) -> float:
        return scores([r for q, r in zip(QUERIES, ranks, strict=True) if q[0] == language])["hit_at_1"]
    by_language = {lang: {"queries": sum(q[0] == lang for q in QUERIES), "old_hit_at_1": hit_at_1(old_ranks, lang),
                          "new_hit_at_1": hit_at_1(new_ranks, lang)} for lang in languages}
    misses = [q for (_l, q, _m), r in zip(QUERIES, new_ranks, strict=True) if r != 1]
    timings.sort()
    print(json.dumps({
        "database": make_url(url).get_backend_name(), "queries": len(QUERIES), "corpus_articles": len(articles),
        "old": scores(old_ranks), "new": scores(new_ranks), "by_language": by_language, "new_not_first": misses,
        "latency_articles": len(articles) + len(extra), "index_terms": terms_rows,
        "index_s": round(index_s, 2), "query_ms_p50": round(statistics.median(timings), 2),
        "query_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 2),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
