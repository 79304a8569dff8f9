/* Helpline chat widget: one tag on the insurer's site, no external assets.
 *   <script src="https://helpline.example/static/chat-widget.js" data-channel="NAME" async></script>
 * Optional: data-language="ru|en" (default: the page's <html lang>).
 * Protocol: docs/channels/chat.md. Everything lives in a shadow root, so the site's CSS does not leak in.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-channel][src*='chat-widget.js']");
  if (!script) return;
  var channel = script.getAttribute("data-channel");
  var base = new URL(script.src, location.href);
  var language = (script.getAttribute("data-language") || document.documentElement.lang || "ru").slice(0, 2);
  var wsUrl = (base.protocol === "https:" ? "wss://" : "ws://") + base.host + "/api/v1/chat/ws?channel=" +
    encodeURIComponent(channel);
  var uploadUrl = base.origin + "/api/v1/chat/files";
  var storeKey = "helpline-chat:" + channel;
  var T = {
    ru: {open: "Чат", title: "Чат со страховой", ask: "Задайте вопрос", send: "Отправить",
         person: "Связаться с оператором", helped: "Это помогло", queue: "Вы в очереди: ", wait: "ожидание ~",
         min: " мин", unknown: "время ожидания уточняется", typing: "Оператор печатает…", file: "Файл",
         transcript: "Прислать переписку на e-mail", closed: "Сейчас мы не работаем. Оставьте вопрос — ответим на e-mail.",
         name: "Имя", email: "E-mail", leave: "Отправить вопрос", thanks: "Спасибо! Ответим на e-mail.",
         end: "Завершить", offline: "Нет связи, переподключаемся…", helpedThanks: "Рады, что помогли!"},
    en: {open: "Chat", title: "Chat with us", ask: "Ask a question", send: "Send",
         person: "Talk to a person", helped: "This answered me", queue: "You are in the queue: ", wait: "wait ~",
         min: " min", unknown: "wait time being estimated", typing: "The agent is typing…", file: "File",
         transcript: "E-mail me the transcript", closed: "We are closed now. Leave your question and we will e-mail you.",
         name: "Name", email: "E-mail", leave: "Send question", thanks: "Thank you! We will answer by e-mail.",
         end: "End chat", offline: "Connection lost, reconnecting…", helpedThanks: "Glad it helped!"}
  };
  var t = T[language] || T.ru;

  // State kept across page loads: the token, the last seen seq, the messages, and those not yet acked.
  var state = JSON.parse(sessionStorage.getItem(storeKey) || "null") ||
    {token: null, lastSeq: 0, messages: [], pending: [], status: "browsing"};
  function save() { sessionStorage.setItem(storeKey, JSON.stringify(state)); }

  var host = document.createElement("div");
  document.body.appendChild(host);
  var root = host.attachShadow({mode: "open"});
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}" +
    ".btn{position:fixed;right:20px;bottom:20px;border:0;border-radius:24px;padding:12px 20px;background:#0b5cad;color:#fff;cursor:pointer;z-index:2147483646}" +
    ".panel{position:fixed;right:20px;bottom:76px;width:340px;max-height:70vh;display:none;flex-direction:column;background:#fff;border:1px solid #ccd;border-radius:8px;box-shadow:0 4px 20px #0003;z-index:2147483647}" +
    ".panel.open{display:flex}.head{padding:10px;background:#0b5cad;color:#fff;border-radius:8px 8px 0 0}" +
    ".log{flex:1;overflow:auto;padding:8px;min-height:160px}.m{margin:4px 0;padding:6px 8px;border-radius:6px;max-width:85%;white-space:pre-wrap}" +
    ".customer{background:#e3eefb;margin-left:auto}.agent{background:#f1f1f1}.system{color:#666;font-style:italic}.unsent{opacity:.5}" +
    ".art{border:1px solid #dde;border-radius:6px;padding:6px;margin:4px 0}.art b{display:block}" +
    ".bar{padding:4px 8px;color:#555;min-height:1.4em}.row{display:flex;gap:4px;padding:8px;border-top:1px solid #eee;flex-wrap:wrap}" +
    "input,textarea{flex:1;padding:6px;border:1px solid #bbc;border-radius:4px}button.s{padding:6px 10px;border:1px solid #0b5cad;background:#fff;color:#0b5cad;border-radius:4px;cursor:pointer}" +
    "</style>" +
    "<button class='btn' part='button'></button>" +
    "<div class='panel' role='dialog'><div class='head'></div><div class='log' aria-live='polite'></div>" +
    "<div class='bar'></div><div class='row main'><input class='text'><button class='s send'></button>" +
    "<label class='s'>📎<input type='file' class='file' hidden></label></div>" +
    "<div class='row extra'><button class='s person'></button><button class='s transcript'></button>" +
    "<button class='s end'></button></div>" +
    "<div class='row offline' hidden><input class='oname'><input class='oemail' type='email'>" +
    "<textarea class='otext'></textarea><button class='s leave'></button></div></div>";
  function $(sel) { return root.querySelector(sel); }
  $(".btn").textContent = t.open; $(".head").textContent = t.title; $(".text").placeholder = t.ask;
  $(".send").textContent = t.send; $(".person").textContent = t.person; $(".transcript").textContent = t.transcript;
  $(".end").textContent = t.end; $(".oname").placeholder = t.name; $(".oemail").placeholder = t.email;
  $(".leave").textContent = t.leave;
  $(".btn").onclick = function () { $(".panel").classList.toggle("open"); if (!ws) connect(); };

  function bubble(cls, text) {
    var div = document.createElement("div");
    div.className = "m " + cls; div.textContent = text;
    $(".log").appendChild(div); $(".log").scrollTop = 1e9;
    return div;
  }
  function render() {
    $(".log").textContent = "";
    state.messages.forEach(function (m) { bubble(m.sender, m.body); });
    state.pending.forEach(function (p) { bubble("customer unsent", p.text); });
  }
  function remember(m) {
    if (m.seq <= state.lastSeq && state.messages.some(function (x) { return x.seq === m.seq; })) return;
    state.messages.push({seq: m.seq, sender: m.sender, body: m.body});
    state.messages.sort(function (a, b) { return a.seq - b.seq; });
    state.lastSeq = Math.max(state.lastSeq, m.seq);
    state.pending = state.pending.filter(function (p) { return p.id !== m.client_msg_id; });
  }

  var ws = null, retry = 0, typingTimer = null, lastTyping = 0;
  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }
  function connect() {
    ws = new WebSocket(wsUrl);
    ws.onopen = function () {
      retry = 0; $(".bar").textContent = "";
      send({type: "hello", token: state.token, last_seq: state.lastSeq, language: language});
    };
    ws.onmessage = function (event) { onFrame(JSON.parse(event.data)); };
    ws.onclose = function () {
      ws = null; $(".bar").textContent = t.offline;
      // back-off: 1 s, 2 s, 4 s ... up to 30 s, with jitter so a restarted server is not hit all at once
      var delay = Math.min(30000, 1000 * Math.pow(2, retry++)) * (0.5 + Math.random() / 2);
      setTimeout(connect, delay);
    };
  }
  function onFrame(f) {
    if (f.type === "welcome") {
      if (f.token) { state = {token: f.token, lastSeq: 0, messages: [], pending: state.pending, status: f.status}; }
      state.status = f.status;
      f.history.forEach(remember);
      $(".offline").hidden = f.open; $(".main").hidden = !f.open; $(".extra").hidden = !f.open;
      if (!f.open) bubble("system", t.closed);
      state.pending.forEach(function (p) { send({type: "message", client_msg_id: p.id, text: p.text}); });
      save(); render();
    } else if (f.type === "ack") {
      var p = state.pending.filter(function (x) { return x.id === f.client_msg_id; })[0];
      if (p) remember({seq: f.seq, sender: "customer", body: p.text, client_msg_id: p.id});
      save(); render();
    } else if (f.type === "message") {
      remember(f); save(); render(); $(".bar").textContent = "";
    } else if (f.type === "suggestions") {
      f.articles.forEach(function (a) {
        var div = document.createElement("div"); div.className = "art";
        var b = document.createElement("b"); b.textContent = a.title; div.appendChild(b);
        div.appendChild(document.createTextNode(a.body));
        var ok = document.createElement("button"); ok.className = "s"; ok.textContent = t.helped;
        ok.onclick = function () { send({type: "answered", article_id: a.id}); };
        div.appendChild(ok); $(".log").appendChild(div);
      });
    } else if (f.type === "deflected") {
      bubble("system", t.helpedThanks);
    } else if (f.type === "queue") {
      $(".bar").textContent = t.queue + f.position + ", " +
        (f.expected_wait_s == null ? t.unknown : t.wait + Math.max(1, Math.round(f.expected_wait_s / 60)) + t.min);
    } else if (f.type === "typing") {
      $(".bar").textContent = t.typing;
      clearTimeout(typingTimer); typingTimer = setTimeout(function () { $(".bar").textContent = ""; }, 6000);
    } else if (f.type === "status") {
      state.status = f.status; save();
      if (f.status !== "queued") $(".bar").textContent = "";
      if (f.status === "ended") { state.token = null; state.lastSeq = 0; save(); }
    } else if (f.type === "offline_received") {
      bubble("system", t.thanks); $(".offline").hidden = true;
    } else if (f.type === "error") {
      bubble("system", f.message);
    }
  }
  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  $(".send").onclick = function () {
    var text = $(".text").value.trim(); if (!text) return;
    $(".text").value = "";
    if (state.status === "browsing") { send({type: "question", text: text}); bubble("customer", text); return; }
    var p = {id: newId(), text: text};
    state.pending.push(p); save(); render();
    send({type: "message", client_msg_id: p.id, text: text});
  };
  $(".text").onkeydown = function (e) {
    if (e.key === "Enter") { $(".send").onclick(); return; }
    if (state.status === "connected" && Date.now() - lastTyping > 3000) { lastTyping = Date.now(); send({type: "typing"}); }
  };
  $(".person").onclick = function () { send({type: "person", text: state.messages.length ? "" : $(".text").value}); };
  $(".transcript").onclick = function () {
    var email = prompt(t.email); if (email) send({type: "transcript", email: email});
  };
  $(".end").onclick = function () { send({type: "end"}); };
  $(".leave").onclick = function () {
    send({type: "offline", name: $(".oname").value, email: $(".oemail").value, text: $(".otext").value});
  };
  $(".file").onchange = function () {
    var file = $(".file").files[0]; if (!file || !state.token) return;
    var form = new FormData();
    form.append("channel", channel); form.append("token", state.token);
    form.append("client_msg_id", newId()); form.append("file", file);
    fetch(uploadUrl, {method: "POST", body: form}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) bubble("system", body.detail || "upload failed");
        else { remember({seq: body.seq, sender: "customer", body: "📎 " + body.filename}); save(); render(); }
      });
    }).catch(function () { bubble("system", "upload failed"); });
    $(".file").value = "";
  };
  render();
  if (state.token) connect();  // a chat was going on before this page load: pick it up
})();
